"""Header boilerplates of well-known projects that name "the BSD License" without its variant,
and the variant those projects ship (a fact about their LICENSE file, issue #16).

The variant counts only when the file's package says none (a package whose license text is
another BSD variant says more about its own files than a boilerplate it copied).
"""

from __future__ import annotations

import re

# (boilerplate, the BSD variant of the project's license file), over a flattened header.
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    # PyCA projects (packaging, cryptography): "This file is dual licensed under the terms of
    # the Apache License, Version 2.0, and the BSD License." Their LICENSE.BSD is the
    # 2-clause text.
    (
        re.compile(
            r"(?i)dual\s+licensed\s+under\s+the\s+terms\s+of\s+the\s+Apache\s+License,\s+"
            r"Version\s+2\.0,\s+and\s+the\s+BSD\s+License"
        ),
        "BSD-2-Clause",
    ),
    # Zstandard (Meta): "licensed under both the BSD-style license (found in the LICENSE file
    # in the root directory of this source tree) and the GPLv2". Its LICENSE is the 3-clause
    # text.
    (
        re.compile(
            r"(?i)licensed\s+under\s+both\s+the\s+BSD-style\s+license\s+\(found\s+in\s+the\s+"
            r"LICENSE\s+file\s+in\s+the\s+root\s+directory\s+of\s+this\s+source\s+tree\)\s+"
            r"and\s+the\s+GPLv2"
        ),
        "BSD-3-Clause",
    ),
)


def known_bsd_variant(flat: str) -> str | None:
    """The BSD variant a known boilerplate in ``flat`` (a flattened header) stands for."""
    for pattern, variant in _KNOWN:
        if pattern.search(flat):
            return variant
    return None
