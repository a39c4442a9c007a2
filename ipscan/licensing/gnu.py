"""GNU licenses (GPL, LGPL, AGPL): free-form names, and the FSF texts and notices.

A full FSF text alone means the version it is (``GPL-2.0-only``); ``-or-later`` is returned only
when a notice outside the text's own "How to Apply" appendix says "version N ... or (at your
option) any later version". A LGPL text concatenated with the GPL text it builds on (as LGPL-3.0
files usually are) is LGPL.
"""

from __future__ import annotations

import re

_GNU_FAMILY = (
    ("AGPL", re.compile(r"\bagpl|affero")),
    ("LGPL", re.compile(r"\blgpl|lesser general public|library general public|library or lesser")),
    ("GPL", re.compile(r"\bgpl|general public license")),
)
_GNU_VERSIONS = {
    "AGPL": {"3": "3.0", "3.0": "3.0"},
    "LGPL": {"2": "2.0", "2.0": "2.0", "2.1": "2.1", "3": "3.0", "3.0": "3.0"},
    "GPL": {"1": "1.0", "1.0": "1.0", "2": "2.0", "2.0": "2.0", "3": "3.0", "3.0": "3.0"},
}


def gnu_name(text: str) -> str | None:
    """GNU license names such as "GPLv2+", "LGPL v2.1 or later", "GNU GPL version 3"."""
    low = text.lower()
    family = next((fam for fam, pattern in _GNU_FAMILY if pattern.search(low)), None)
    if family is None:
        return None
    m = re.search(r"(?:gpl|license|\s)[\s-]*(?:v|version\s*)?(\d(?:\.\d)?)\b(\+?)", low)
    if not m:
        return None
    version = _GNU_VERSIONS[family].get(m.group(1))
    if version is None:
        return None
    rest = low[m.end() :]
    later = bool(m.group(2)) or bool(
        re.match(r"\s*(?:,\s*)?(?:or|and)[\s-]+(?:any\s+)?later", rest)
    )
    return f"{family}-{version}-{'or-later' if later else 'only'}"


# Dated headers of the FSF texts: (family, version, phrase).
_GNU_HEADERS = (
    ("AGPL", "3.0", "gnu affero general public license version 3 19 november 2007"),
    ("LGPL", "3.0", "gnu lesser general public license version 3 29 june 2007"),
    ("LGPL", "2.1", "gnu lesser general public license version 2 1 february 1999"),
    ("LGPL", "2.0", "gnu library general public license version 2 june 1991"),
    ("GPL", "3.0", "gnu general public license version 3 29 june 2007"),
    ("GPL", "2.0", "gnu general public license version 2 june 1991"),
    ("GPL", "1.0", "gnu general public license version 1 february 1989"),
)
_GNU_NOTICE = re.compile(
    r" (?:the )?gnu (affero |lesser |library )?general public license\b.{0,160}?"
    r"\bversion (\d(?: \d)?)\b( of the license)?( or at your option any later version"
    r"| or any later version| or later)?"
)
_APPENDIX_START = " how to apply these terms to your new "
_APPENDIX_ENDS = (" public license instead of this license ", " that s all there is to it ")


def _strip_gnu_appendix(text: str) -> str:
    """Drop the "How to Apply These Terms" appendices of FSF texts (their sample notice says
    "any later version", which is not the project's own choice)."""
    while True:
        start = text.find(_APPENDIX_START)
        if start < 0:
            return text
        ends = [text.find(e, start) for e in _APPENDIX_ENDS]
        ends = [e + len(m) for e, m in zip(ends, _APPENDIX_ENDS, strict=True) if e >= 0]
        end = min(ends) if ends else len(text)
        text = text[:start] + " " + text[end - 1 :]


def gnu_text(text: str) -> tuple[int, str] | None:
    """A GNU license from its full text and/or notice, with -only / -or-later."""
    headers = [(text.find(f" {h} "), fam, ver) for fam, ver, h in _GNU_HEADERS]
    headers = [h for h in headers if h[0] >= 0]
    body = _strip_gnu_appendix(text)
    notices = []
    for m in _GNU_NOTICE.finditer(body):
        fam = {"affero ": "AGPL", "lesser ": "LGPL", "library ": "LGPL"}.get(
            m.group(1) or "", "GPL"
        )
        ver = _GNU_VERSIONS[fam].get(m.group(2).replace(" ", "."))
        if ver is not None:
            notices.append((m.start(), fam, ver, bool(m.group(4))))
    rank = {"AGPL": 0, "LGPL": 1, "GPL": 2}
    if headers:
        # LGPL texts are shipped together with the GPL they extend: the LGPL is the license.
        pos, fam, ver = min(headers, key=lambda h: (rank[h[1]], h[0]))
        later = any(n[1] == fam and n[2] == ver and n[3] for n in notices)
        return pos, f"{fam}-{ver}-{'or-later' if later else 'only'}"
    if notices:
        pos, fam, ver, later = min(notices, key=lambda n: (rank[n[1]], n[0]))
        return pos, f"{fam}-{ver}-{'or-later' if later else 'only'}"
    return None
