"""The on-disk index: FAISS vectors, fingerprint postings and metadata, versioned and atomic."""
