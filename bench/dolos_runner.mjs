// Run Dolos (npm @dodona/dolos-lib, default options) for bench/natural_copies.py and
// bench/program_plagiarism.py: the same job and answer as bench/copydetect_runner.py.
//
//   node bench/dolos_runner.mjs DOLOS_DIR < job.json > pairs.json
//
// DOLOS_DIR is the folder Dolos was installed in; it is no dependency of ipscan. Its parsers are
// native modules built at install; npm 11 runs no install script unless approved, and node-gyp
// fetches Node's headers unless told where they are (Debian's nodejs package has them in /usr):
//
//   mkdir -p DIR && cd DIR && npm install @dodona/dolos-lib
//   npm install-scripts approve @dodona/dolos-parsers tree-sitter tree-sitter-compat
//   npm_config_nodedir=/usr npm rebuild
//
// (Dolos 3.5.1, Node 20, 2026-12-04.) The job: {"groups": [{"language": "java", "tests": [paths],
// "refs": [paths]}], "min_sim": number}; each group is one Dolos run. Dolos has no test/reference
// split, it compares every pair of the files it is given, so only (test, reference) pairs are
// kept. Answer: {"pairs": [[test, ref, test_sim, similarity], ...], "seconds": number} for every
// pair whose test-side share (the test file's tokens that Dolos covers) is at least min_sim;
// similarity is Dolos's own symmetric score.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node dolos_runner.mjs DOLOS_DIR < job.json");
  process.exit(2);
}
// The package lives under DOLOS_DIR, not next to this script: import its entry point by path.
const pkgDir = join(dir, "node_modules", "@dodona", "dolos-lib");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const root = typeof pkg.exports === "object" ? pkg.exports["."] : pkg.exports;
const entry = typeof root === "object" ? (root.import ?? root.default) : root;
const { Dolos } = await import(pathToFileURL(join(pkgDir, entry ?? pkg.main ?? "index.js")).href);

const job = JSON.parse(readFileSync(0, "utf8"));
const t0 = performance.now();
const pairs = [];
for (const group of job.groups) {
  const tests = new Set(group.tests);
  const dolos = new Dolos(group.language ? { language: group.language } : {});
  const report = await dolos.analyzePaths([...group.tests, ...group.refs]);
  for (const p of report.allPairs()) {
    let [a, b, covered, total] = [p.leftFile.path, p.rightFile.path, p.leftCovered, p.leftTotal];
    if (!tests.has(a)) [a, b, covered, total] = [b, a, p.rightCovered, p.rightTotal];
    const share = total ? covered / total : 0;
    if (tests.has(a) && !tests.has(b) && share >= job.min_sim) {
      pairs.push([a, b, share, p.similarity]);
    }
  }
}
console.log(JSON.stringify({ pairs, seconds: (performance.now() - t0) / 1000 }));
