"""`ipscan dataset audit`: which samples of a code dataset copy licensed open source.

The pipeline, one module each: a format reads samples (``jsonl``, ``arrow`` for Parquet and
the Hugging Face on-disk format, ``folder``; ``formats`` picks one), ``check`` matches a chunk
of samples against the index with the scan's stages and judges each sample under the policy,
``runners`` spread chunks over processes or Ray tasks, ``checkpoint`` records finished chunks
so a killed audit resumes, ``audit`` drives it and writes the per-sample report and the
filtered copy, ``summary`` counts the results.
"""
