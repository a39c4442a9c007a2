"""GitHub code scanning's limits on an uploaded SARIF log, and keeping a log within them.

Code scanning rejects a run of more than 25,000 results and an upload of more than 10 MB
gzipped ("SARIF support for code scanning" in GitHub's docs; its other hard limits, 1,000
locations per result and 20 tags per rule, are far above what ipscan writes). When a log would
break them, the most important results are kept and the log says how many went.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

MAX_RESULTS = 25_000
# GitHub's "10 MB", read as the smaller 10**7 bytes.
MAX_GZIP_BYTES = 10_000_000
# zlib's default level, which uploaders use; a harder squeeze would promise a smaller upload.
GZIP_LEVEL = 6
NOTIFICATION_ID = "ipscan/results-omitted"


def gzipped_size(text: str) -> int:
    """Bytes of ``text`` (UTF-8) once gzipped as an uploader does."""
    return len(gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL))


def fit(total: int, render: Callable[[int], str]) -> str:
    """``render(keep)`` for the largest ``keep`` (at most ``total`` and MAX_RESULTS) whose log
    fits MAX_GZIP_BYTES gzipped; ``render(0)`` when nothing fits."""
    keep = min(total, MAX_RESULTS)
    while True:
        text = render(keep)
        size = gzipped_size(text)
        if size <= MAX_GZIP_BYTES or keep == 0:
            return text
        # Results are of similar size: scale down, with a margin so one more pass usually does.
        keep = min(keep - 1, int(keep * MAX_GZIP_BYTES / size * 0.95))
        keep = max(keep, 0)


def omitted_notification(omitted: int, total: int) -> dict[str, Any]:
    """The tool-execution notification saying that ``omitted`` of ``total`` results went."""
    text = (
        f"{omitted} of {total} results were left out of this log: GitHub code scanning takes "
        f"at most {MAX_RESULTS:,} results per run and {MAX_GZIP_BYTES // 1_000_000} MB "
        "gzipped per upload. Kept first: findings that fail the policy, then license warnings, "
        "then notes. The JSON report (--format json) has every finding."
    )
    return {
        "level": "warning",
        "message": {"text": text},
        "descriptor": {"id": NOTIFICATION_ID},
    }
