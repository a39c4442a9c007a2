"""Every tuning constant of matching and deciding, in one place, recorded with the classifier.

These numbers shape the evidence the verdict classifier is trained on and sees at scan time
(what is fingerprinted, which pairs become candidates, how they are aligned), or what its
P(copy) becomes in the report (verdicts, reasons, merged and file-level findings). The
classifier's threshold and calibration were fitted with one set of them, so
``ipscan model train-classifier`` records every upper-case number of this module under
``"tuning"`` in ``classifier.json`` (``recorded()``), and loading a classifier whose recorded
values differ from these is an error that says to retrain (``ipscan.decide.classifier``).
Changing a value here therefore means retraining; adding one means recording it too.

This module sits at the package root, beside ``records`` and ``errors``, and imports nothing:
the stages that read it (extract, match, decide, training) then never import a later stage,
or each other, for a number (STYLE.md 1-2).
"""

from __future__ import annotations

# --- Fingerprints (ipscan.extract.fingerprint; also recorded in every index manifest) -------
# Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003): k-grams of K normalized tokens, the
# minimum of every window of W; any shared run of K + W - 1 = 20 tokens yields a shared
# fingerprint. Why these values: the docstring of ipscan/extract/fingerprint.py.
K = 15
W = 6
# Units with fewer normalized tokens than this are not evidence of copying (getters, `pass`,
# one-line wrappers): every codebase has them.
MIN_UNIT_TOKENS = 30

# Structure-insensitive fingerprints (ipscan.extract.fingerprint, ipscan.match.structure): the
# same winnowing over the normalized tokens with the control-flow keywords, logical operators
# and brackets left out, so ``for``→``while``, an if/else swapped with its test negated or an
# ``and`` turned into nested ifs leave most k-grams intact. Shorter k-grams, because a rewrite
# breaks the token stream every few lines: any shared run of STRUCTURE_K + STRUCTURE_W - 1 = 13
# tokens is seen. Measured on rewritten functions of click, jinja2 and rich: containment of
# control-flow-rewritten copies p10 0.36 (0.17 with the k=15 channel), random pairs p99 0.09.
STRUCTURE_K = 10
STRUCTURE_W = 4
# A k-gram (of either channel) whose normalized tokens repeat with a period of at most this many
# is not fingerprinted, as a k-gram of data tokens is not: ``exports.A = exports.B = ...`` that
# compiled TypeScript opens every module with, ``self.a = a`` lines, long argument lists. Six
# covers ``case ID : return ID ;`` and ``{ ID , ID } ,`` rows. Winnowing still runs over every
# k-gram, so the guarantee holds for the rest of the code.
MAX_FILLER_PERIOD = 6

# --- Candidates: which pairs the matchers propose (ipscan.match.digest, winnow, embed) -------
# An identical normalized form shared by more indexed units than this is a stock idiom.
MAX_DIGEST_FANOUT = 20
# Fewer shared fingerprints than this is noise, not a candidate (about 20 shared tokens).
MIN_SHARED = 3
# ... and for the structure-insensitive channel, whose k-grams are shorter.
MIN_STRUCTURE_SHARED = 4
# A fingerprint posted in more than max(MIN_POSTING_FANOUT, units // UNITS_PER_POSTING_FANOUT)
# indexed units is boilerplate and not looked up (MOSS drops such fingerprints too).
MIN_POSTING_FANOUT = 10
UNITS_PER_POSTING_FANOUT = 500
# ... and never more than this: at 10M units units // 500 would let a fingerprint with 20,000
# postings through, each a candidate to score (issue #17). Only indexes past 500k units reach it.
MAX_POSTING_FANOUT = 1000
# Nearest neighbours asked of the vector index per scanned unit.
TOP_K = 5
# Below this cosine a neighbour is not worth a look (all-MiniLM puts unrelated code at 0.3-0.7).
MIN_COSINE = 0.85
# ... except the nearest one, from this cosine on: a copy whose control structures were
# rewritten (for → while, if/else swapped) keeps its source as nearest neighbour at a cosine of
# 0.74-0.81 (bench/detection.py, level control-flow); the classifier weighs it with the rest.
NEAREST_MIN_COSINE = 0.75

# --- Alignment and pair evidence (ipscan.match.align, ipscan.match.pairs) --------------------
# Two shared fingerprints further apart than this (in scanned-unit tokens) belong to different
# copied regions: about five lines of code that do not match.
MAX_GAP_TOKENS = 40
# A cluster of shared fingerprints covering fewer tokens than this is chance agreement.
MIN_CLUSTER_TOKENS = 20
# Winnowing keeps about 2/(W+1) of the k-grams, so each distinct fingerprint vouches for about
# (W+1)/2 tokens; allow twice that. A run of one repeated idiom (``self.a = a`` forty times)
# covers many tokens with few distinct hashes and must not count as a long copy.
TOKENS_PER_DISTINCT_FP = W + 1
# A fingerprint posted this many times in the index is common (idioms, boilerplate).
COMMON_FANOUT = 3
# ... when every source is asked for (``--every-source``: submissions compared with each
# other), from MOSS's default on (-m 10, a passage in more than 10 programs is ignored): a
# plagiarized solution is in several submissions of a cluster, and that must not make it common.
PEER_COMMON_FANOUT = 10
# A hash that this many packages of the shipped default index post (the scanned index's own
# packages aside) is an ecosystem idiom, and its postings there count as the scanned index's
# (``ipscan.match.idiom_census``): serde's visitor boilerplate is in 5-9 of its packages, a
# library one or two of them vendor is not an idiom.
IDIOM_PACKAGES = 4

# --- Verdicts (ipscan.decide.verdict) --------------------------------------------------------
# Only a pair with this many normalized tokens on both sides, or aligned, can be claimed a copy;
# shorter agreement is a stock idiom as often as a copy. The classifier is trained on claimable
# pairs only (ipscan.training.pair_data).
MIN_CLAIM_TOKENS = 50
# A scanned unit shorter than this whose normalized form ``COMMON_FANOUT`` or more indexed units
# share (``PEER_COMMON_FANOUT`` with --every-source) is a stock idiom: a fast input reader that
# contestants take from one public template, a getter every class has. It is claimed only as
# part of a neighbouring copy (``supporting``), never alone; a short unit rare in the index is.
STOCK_UNIT_TOKENS = 100
# A scanned unit holding fewer distinct fingerprints than this share of what winnowing keeps of
# its tokens (2/(W+1)) is filler: a data table, a run of ``#define NAME VALUE`` lines, a list
# (``ipscan.extract.fingerprint``). Its normalized form is any other table's of that length, so
# it too is claimed only as part of a neighbouring copy from the same source file: libm's
# coefficients next to its copied functions are, a TLS client's 60 ``#define DFL_...`` lines
# "identical" to expat's ``ascii.h`` (P(copy) 0.78) are not. 1.4 % of 6,779 units of click,
# urllib3, LevelDB, fmt and Commons IO are under it, all of them tables or lists.
FILLER_FP_DENSITY = 0.2
# An indexed unit that this many scanned units are each claimed from on fewer than
# ``MIN_CLAIM_TOKENS`` aligned tokens (modified copies claimable only by the units' size) is a
# pattern the scanned project writes again and again, not a copy it made: 12 of libarchive's
# ``qsort`` comparators open with the two casts of SQLite's ``spellfix1RowCompare``, gogo's
# generator writes one ``encodeVarintPopulate*`` a file. Those claims stand only as part of a
# neighbouring copy from the same source file (``supporting``). In the natural copies such
# claims name 141 indexed units once, 3 twice, 1 three times, and gogo's helper 8 times.
# ``PEER_PATTERN_CLAIMS`` with --every-source, where a plagiarized solution is in several
# submissions of a cluster.
PATTERN_CLAIMS = 5
PEER_PATTERN_CLAIMS = 10
# ``copied`` rather than ``modified-copy`` from this coverage on (both sides, or the region).
FULL_COVERAGE = 0.9
# Below the classifier's threshold, ``similar`` from this cosine on (reported with --explain).
EMBED_SIMILAR_COSINE = 0.97
# Thresholds of the reasons (what is reported as having fired; the classifier decides).
COVER_UNIT = 0.5
COVER_REGION = 0.5
REGION_MIN_TOKENS = 40
EMBED_AGREES = 0.93
BOILERPLATE_SHARE = 0.5

# --- Findings (ipscan.decide.aggregate) ------------------------------------------------------
# A kept finding's scanned lines overlapping an earlier one's by more than this share is a
# weaker explanation of the same lines.
MAX_OVERLAP = 0.5
# A scanned unit matched as well (same verdict, similarity at most this much lower) by the
# source file most of its file's other units come from is reported from that file: sibling
# files of one upstream share code (libm's floorf.rs and ceilf.rs).
HOME_FILE_MARGIN = 0.1
# Neighbouring unit findings at most this many lines apart (scanned side, source side) from the
# same source file merge into one region.
MERGE_GAP_LINES = 3
MERGE_SOURCE_GAP_LINES = 12
# A file-level finding where findings cover this share of the file's code lines and this share
# of those come from one source file.
FILE_COVERAGE = 0.6
FILE_DOMINANCE = 0.6

# --- The verbatim matchers (ipscan.extract.raw_fingerprint, ipscan.match.verbatim) -------------
# These do not feed the classifier: a whole-file identity or a long run of identical raw tokens
# (names and literal values kept) is a copy by itself, as SCANOSS and winnowing tools report it.
# Raw tokens are finer than normalized ones (``self . x = x`` is five), so k-grams are shorter:
# RAW_K + RAW_W - 1 = 19 shared raw tokens (about two lines) always yield a shared fingerprint.
RAW_K = 12
RAW_W = 8
# A file with fewer raw tokens than this is too small to call a copy of a file by its digest
# (an empty ``__init__.py``, a one-line version module).
MIN_FILE_TOKENS = 25
# ... unless its whole text, comments included, is identical and has this many characters
# that are not blanks: a 20-line header of ``#include`` lines under a copyright notice is
# still that upstream file.
MIN_FILE_CHARS = 150
# A smaller file (a four-line wrapper module, a header of two #pragma lines) is that indexed file
# only when its whole text is identical, it has this many non-blank characters and lines, and
# it keeps the indexed file's name: vendored copies keep their names, and the same few lines
# under another name are as likely written again as copied.
MIN_SMALL_FILE_CHARS = 40
MIN_SMALL_FILE_LINES = 3
# A tiny file (a one-line version module, a re-export) is that indexed file only beside copies:
# its whole text identical, this many non-blank characters, the indexed file's name, and
# another file of its folder claimed from the indexed file's own folder. ``VERSION = '2.1'``
# says nothing alone; in a vendored tree whose other files are that package's, it is its file.
MIN_TINY_FILE_CHARS = 10
# A file digest or raw fingerprint found in more indexed files than this is boilerplate
# (generated stubs, a license-check snippet every package carries).
MAX_FILE_FANOUT = 8
# A verbatim region must cover this many raw tokens: about 150 characters of code, the size at
# which assistant filters (GitHub Copilot's duplicate detection) call a suggestion public code.
MIN_VERBATIM_TOKENS = 40
# ... with at least this many distinct fingerprints, so that one repeated idiom is not a region.
MIN_VERBATIM_FPS = 3
# Shared raw fingerprints further apart than this (scanned tokens), or whose offset between the
# two files drifts by more than this, start a new region: a patch of a few lines keeps a region.
VERBATIM_GAP_TOKENS = 60
# A small file patched in a line or two (a bumped copyright year or version number, one more
# #include) keeps neither digest, and its code is too short for a region: its lines are matched
# instead (``ipscan.extract.line_sketch``, ``ipscan.match.near_file``). Lines of at least
# MIN_SKETCH_LINE_CHARS non-blank characters count (``}``, ``#endif`` and `` */`` are in every
# file); a file of more than MAX_SKETCH_LINES of them has no sketch.
MIN_SKETCH_LINE_CHARS = 8
MAX_SKETCH_LINES = 100
# A scanned file is an indexed file of the same name patched when they share this share of the
# larger one's lines and NEAR_FILE_CODE_SHARE of the larger one's code lines, with at least
# NEAR_FILE_MIN_LINES lines and NEAR_FILE_MIN_CODE code lines shared: a license header that two
# files of one project share is not enough, their code must agree too.
NEAR_FILE_SHARE = 0.8
NEAR_FILE_CODE_SHARE = 0.5
NEAR_FILE_MIN_LINES = 4
NEAR_FILE_MIN_CODE = 2
# Beside copies (another file of its folder claimed from the indexed file's folder, as for tiny
# files), a small file is that file patched with less: half of the larger one's lines and code
# lines, and two lines shared. A vendored package's three-line ``__init__.py`` whose import the
# vendoring rewrote (``from fluidity.machine`` to ``from .machine``) keeps two of its lines.
NEAR_BESIDE_SHARE = 0.5
NEAR_BESIDE_MIN_LINES = 2
# Or, there, half of the scanned file's own lines and code lines (a file vendored from an older
# release lacks what upstream added since: attrs 19.3's ``filters.py`` is half of 23.2's),
# NEAR_FILE_MIN_LINES and NEAR_FILE_MIN_CODE of them, and NEAR_BESIDE_FLOOR of the larger
# file's lines (a four-line file is not half of a large file of its name).
NEAR_BESIDE_FLOOR = 0.25


def recorded() -> dict[str, int | float]:
    """Every tuning constant by name, in definition order: what ``classifier.json`` records."""
    return {
        name: value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, int | float) and not isinstance(value, bool)
    }
