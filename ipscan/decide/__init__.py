"""Stage 3, decide: evidence per candidate pair, the verdict classifier, and findings (units
merged into regions and whole files)."""
