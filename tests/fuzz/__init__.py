"""Property-based fuzzing of every parser of untrusted input (hypothesis; see conftest.py)."""
