"""Stage 1, extract: which files, their bytes (work tree, git index or a range), the gate, and
tree-sitter units with normalized tokens, canonical text and winnowing fingerprints."""
