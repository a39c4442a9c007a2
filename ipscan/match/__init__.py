"""Stage 2, match: each matcher proposes Candidates tagged with its name (digest, winnow,
embed); alignment and pairing gather the evidence; none decides on its own."""
