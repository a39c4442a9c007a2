"""Matchers: each proposes Candidates tagged with its name; none decides on its own."""
