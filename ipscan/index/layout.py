"""Names, dtypes and the format version of the index directory.

An index directory holds ``CURRENT`` (the name of the live generation) and generation folders;
a generation is a folder of data (format 1) or a list of segments (format 2): folders of data
in ``segments/``, or format-1 generations it builds on.
A build writes a new generation beside the old one and then replaces ``CURRENT`` with
``os.replace``, so a reader sees either the old index or the new one, never half of one.
``GENERATIONS`` records every generation a build made, so only those are ever removed; each
generation holds an empty ``.readers`` file that readers lock (see ``generations.py``).
"""

from __future__ import annotations

import re

import numpy as np

FORMAT = "ipscan-index"
FORMAT_VERSION = 1  # a folder of data: one segment (and a generation made of it alone)
LIST_FORMAT_VERSION = 2  # a generation that lists its segments (issue #17)
SEGMENTS = "segments"  # the folder that holds segments a build added
# What a generation's list may name: a segment in SEGMENTS, or a format-1 generation folder.
SEGMENT_REF = re.compile(r"(?:s|g)-[A-Za-z0-9_.-]{1,200}")
CURRENT = "CURRENT"
LOCK = ".lock"
GENERATIONS = "GENERATIONS"
READERS = ".readers"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
POSTINGS = "postings.npy"
UNITS = "units.npy"
UNIT_NAMES = "unit_names.txt"
FILES = "files.jsonl"
SOURCES = "sources.json"
DATA_FILES = (VECTORS, POSTINGS, UNITS, UNIT_NAMES, FILES, SOURCES)
# The verbatim channel (whole-file digests, raw-token fingerprints). Indexes built before it
# lack these files and the manifest's "file_fingerprints"; they scan without the channel.
FILE_KEYS = "file_keys.npy"
FILE_POSTINGS = "file_postings.npy"
FILE_CHANNEL_FILES = (FILE_KEYS, FILE_POSTINGS)
# The structure-insensitive channel: indexes built before it lack this file and the manifest's
# "structure_fingerprints"; they scan without the channel.
STRUCTURE_POSTINGS = "structure_postings.npy"
# The lines of small files (``ipscan.extract.line_sketch``): indexes built before them lack this
# file and the manifest's "file_lines"; they scan without it.
FILE_LINES = "file_lines.npy"
# Lookup aids a build writes so that opening an index costs the same at any size (issue #17);
# an index built before them works without (they are then computed when first needed).
DIGEST_INDEX = "digest_index.npy"  # (digest, unit) sorted by digest: matcher 1-hash
FILES_OFFSETS = "files.offsets.npy"  # where each row of files.jsonl starts
UNIT_NAMES_OFFSETS = "unit_names.offsets.npy"  # where each line of unit_names.txt starts
# The hash column of each postings array on its own: a search of a memory-mapped structured
# array's column copies the whole (strided) column first; a contiguous one touches a few pages.
POSTING_HASHES = "postings.hash.npy"
FILE_POSTING_HASHES = "file_postings.hash.npy"
STRUCTURE_HASHES = "structure_postings.hash.npy"
HASH_COLUMNS = {
    POSTINGS: POSTING_HASHES,
    FILE_POSTINGS: FILE_POSTING_HASHES,
    STRUCTURE_POSTINGS: STRUCTURE_HASHES,
}
LOOKUP_FILES = (DIGEST_INDEX, FILES_OFFSETS, UNIT_NAMES_OFFSETS, *HASH_COLUMNS.values())

# One row per winnowing fingerprint, sorted by hash; lines are relative to the unit's first line.
POSTING_DTYPE = np.dtype(
    [("hash", "<u8"), ("unit", "<u4"), ("tok", "<u4"), ("line0", "<u2"), ("line1", "<u2")]
)
# One row per indexed unit; the row number is the unit id and the FAISS vector id.
UNIT_DTYPE = np.dtype(
    [
        ("file", "<u4"),
        ("start_line", "<u4"),
        ("end_line", "<u4"),
        ("n_tokens", "<u4"),
        ("n_fps", "<u4"),
        ("digest", "<u8"),
    ]
)
# One row per indexed file that has raw-token evidence; ``file`` is its row in ``files.jsonl``.
FILE_KEY_DTYPE = np.dtype(
    [
        ("file", "<u4"),
        ("n_tokens", "<u4"),
        ("n_lines", "<u4"),
        ("text_digest", "<u8"),
        ("code_digest", "<u8"),
    ]
)
# One row per raw-token fingerprint of a whole file, sorted by hash; lines are absolute.
FILE_POSTING_DTYPE = np.dtype(
    [("hash", "<u8"), ("file", "<u4"), ("tok", "<u4"), ("line0", "<u4"), ("line1", "<u4")]
)
# One row per line of a small file's sketch, sorted by hash; every row of a file carries how many
# lines (and code lines) its sketch has, so a match needs no other lookup.
FILE_LINE_DTYPE = np.dtype(
    [("hash", "<u8"), ("file", "<u4"), ("n_lines", "<u2"), ("n_code", "<u2")]
)
# One row per distinct structure-insensitive fingerprint of a unit, sorted by hash.
STRUCTURE_POSTING_DTYPE = np.dtype([("hash", "<u8"), ("unit", "<u4")])
# One row per unit, sorted by its 64-bit normalized digest.
DIGEST_INDEX_DTYPE = np.dtype([("digest", "<u8"), ("unit", "<u4")])
