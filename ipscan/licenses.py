"""License names: normalize declared metadata strings to SPDX, and recognize license file texts.

``normalize_license`` maps what packages declare (SPDX ids and expressions, trove classifiers,
free-form names such as "Apache 2.0" or "GPLv2+") to an SPDX expression, or None when the string
is unknown or ambiguous ("BSD", "GPL" without a version).

``detect_license_text`` recognizes a license file by distinctive phrases of the common licenses.
Choices worth knowing:

* GNU licenses: a full FSF text alone means the version it is (``GPL-2.0-only``); ``-or-later``
  is returned only when a notice outside the text's own "How to Apply" appendix says "version N
  ... or (at your option) any later version". A LGPL text concatenated with the GPL text it
  builds on (as LGPL-3.0 files usually are) is LGPL.
* A file holding several licenses is an ``OR`` expression only when it says so (a dual-license
  statement naming the licenses); otherwise the license whose text comes first wins, since
  bundled third-party notices usually follow the project's own license.
"""

from __future__ import annotations

import re

# SPDX license ids ipscan knows, keyed by lower case.
_SPDX_IDS = (
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CNRI-Python",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.2",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ISC",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "NCSA",
    "OFL-1.1",
    "OpenSSL",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "ZPL-2.1",
)
SPDX_IDS: dict[str, str] = {i.lower(): i for i in _SPDX_IDS}

# Deprecated SPDX ids and their current spelling.
_DEPRECATED = {
    "gpl-1.0": "GPL-1.0-only",
    "gpl-1.0+": "GPL-1.0-or-later",
    "gpl-2.0": "GPL-2.0-only",
    "gpl-2.0+": "GPL-2.0-or-later",
    "gpl-3.0": "GPL-3.0-only",
    "gpl-3.0+": "GPL-3.0-or-later",
    "lgpl-2.0": "LGPL-2.0-only",
    "lgpl-2.0+": "LGPL-2.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-3.0": "LGPL-3.0-only",
    "lgpl-3.0+": "LGPL-3.0-or-later",
    "agpl-3.0": "AGPL-3.0-only",
    "agpl-3.0+": "AGPL-3.0-or-later",
}

_EXCEPTIONS = {
    e.lower(): e
    for e in (
        "LLVM-exception",
        "Classpath-exception-2.0",
        "GCC-exception-3.1",
        "Autoconf-exception-3.0",
        "Bison-exception-2.2",
        "OpenJDK-assembly-exception-1.0",
    )
}

# Free-form names, keyed by ``_alias_key`` (lower case, punctuation and filler words dropped).
_ALIASES = {
    "mit": "MIT",
    "expat": "MIT",
    "mit expat": "MIT",
    "mit no attribution": "MIT-0",
    "isc": "ISC",
    "iscl": "ISC",
    "isc iscl": "ISC",
    "bsd 2 clause": "BSD-2-Clause",
    "2 clause bsd": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "freebsd": "BSD-2-Clause",
    "bsd 3 clause": "BSD-3-Clause",
    "3 clause bsd": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "revised bsd": "BSD-3-Clause",
    "bsd new": "BSD-3-Clause",
    "bsd 4 clause": "BSD-4-Clause",
    "0bsd": "0BSD",
    "zero clause bsd": "0BSD",
    "apache": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "asl2": "Apache-2.0",
    "apache 1.1": "Apache-1.1",
    "mpl 2.0": "MPL-2.0",
    "mpl2": "MPL-2.0",
    "mpl 2": "MPL-2.0",
    "mozilla public 2.0": "MPL-2.0",
    "mpl 1.1": "MPL-1.1",
    "mozilla public 1.1": "MPL-1.1",
    "epl 2.0": "EPL-2.0",
    "eclipse public 2.0": "EPL-2.0",
    "epl 1.0": "EPL-1.0",
    "eclipse public 1.0": "EPL-1.0",
    "psf": "PSF-2.0",
    "psfl": "PSF-2.0",
    "psf 2.0": "PSF-2.0",
    "python foundation": "PSF-2.0",
    "python foundation 2": "PSF-2.0",
    "python foundation psf": "PSF-2.0",
    "python 2.0": "Python-2.0",
    "unlicense": "Unlicense",
    "cc0": "CC0-1.0",
    "cc0 1.0": "CC0-1.0",
    "cc0 1.0 universal": "CC0-1.0",
    "cc0 1.0 universal cc0 1.0 public domain dedication": "CC0-1.0",
    "zlib": "Zlib",
    "zlib libpng": "Zlib",
    "boost": "BSL-1.0",
    "boost 1.0": "BSL-1.0",
    "bsl 1.0": "BSL-1.0",
    "wtfpl": "WTFPL",
    "artistic 2.0": "Artistic-2.0",
    "cddl 1.0": "CDDL-1.0",
    "university of illinois ncsa open source": "NCSA",
    "upl 1.0": "UPL-1.0",
    "universal permissive 1.0": "UPL-1.0",
    "zope public 2.1": "ZPL-2.1",
    "sil open font 1.1": "OFL-1.1",
    "postgresql": "PostgreSQL",
    "historical permission notice and disclaimer hpnd": "HPND",
    "hpnd": "HPND",
}

_FILLER = frozenset({"the", "license", "licensed", "version", "ver", "v", "software", "agreement"})
_CLASSIFIER_SKIP = ("license", "osi approved", "dfsg approved", "fsf approved")


def _alias_key(text: str) -> str:
    s = text.lower().replace("licence", "license")
    s = re.sub(r"(\d)\s*-\s*clause", r"\1 clause", s)
    s = re.sub(r"[^a-z0-9.+]+", " ", s)
    s = re.sub(r"\b(v|version)(\d)", r"\2", s)
    words = [w.strip(".") for w in s.split()]
    return " ".join(w for w in words if w and w not in _FILLER)


def _spdx_id(token: str) -> str | None:
    low = token.lower()
    if low in SPDX_IDS:
        return SPDX_IDS[low]
    if low in _DEPRECATED:
        return _DEPRECATED[low]
    if low.endswith("+") and low[:-1] in SPDX_IDS:
        # "MPL-2.0+" style: SPDX allows the "+" operator on any id.
        return SPDX_IDS[low[:-1]] + "+"
    if low.startswith(("licenseref-", "documentref-")):
        return token
    return None


_EXPR_TOKEN = re.compile(r"\(|\)|[A-Za-z0-9.+:\-]+")


def _parse_spdx_expression(text: str) -> str | None:
    """A canonical spelling of an SPDX expression whose ids are all known, else None."""
    if not re.fullmatch(r"[A-Za-z0-9.+:\-()\s]+", text):
        return None
    tokens = _EXPR_TOKEN.findall(text)
    out: list[str] = []
    expect_operand = True
    depth = 0
    after_with = False
    for tok in tokens:
        low = tok.lower()
        if tok == "(":
            if not expect_operand:
                return None
            depth += 1
            out.append("(")
        elif tok == ")":
            if expect_operand or depth == 0:
                return None
            depth -= 1
            out.append(")")
        elif low in ("and", "or", "with"):
            if expect_operand:
                return None
            out.append(low.upper())
            expect_operand = True
            after_with = low == "with"
        else:
            if not expect_operand:
                return None
            norm = _EXCEPTIONS.get(low) if after_with else _spdx_id(tok)
            if norm is None:
                return None
            out.append(norm)
            expect_operand = False
            after_with = False
    if expect_operand or depth != 0 or not out:
        return None
    expr = " ".join(out).replace("( ", "(").replace(" )", ")")
    while expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        expr = expr[1:-1]
    return expr


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


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


def _gnu_name(text: str) -> str | None:
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


def _classifier_name(text: str) -> str:
    parts = [p.strip() for p in text.split("::")]
    while parts and parts[0].lower() in _CLASSIFIER_SKIP:
        parts.pop(0)
    return parts[-1] if parts else ""


def _name_to_spdx(text: str) -> str | None:
    """One free-form license name (no operators) to an SPDX expression."""
    expr = _parse_spdx_expression(text)
    if expr is not None:
        return expr
    key = _alias_key(text)
    if key in _ALIASES:
        return _ALIASES[key]
    paren = re.search(r"\(([^()]*)\)\s*$", text)
    if paren:
        for candidate in (paren.group(1), text[: paren.start()]):
            expr = _parse_spdx_expression(candidate.strip())
            if expr is not None:
                return expr
            key = _alias_key(candidate)
            if key in _ALIASES:
                return _ALIASES[key]
    return _gnu_name(text)


def normalize_license(declared: str) -> str | None:
    """The SPDX expression for a declared license string, or None when unknown or ambiguous."""
    text = (declared or "").strip()
    if not text:
        return None
    if "\n" in text.strip() or len(text) > 200:
        # Some packages put the whole license text in their metadata.
        return detect_license_text(text)
    if "::" in text:
        text = _classifier_name(text)
        if not text:
            return None
    if text.lower() in ("unknown", "none", "noassertion", "other", "proprietary", "unlicensed"):
        return None
    found = _name_to_spdx(text)
    if found is not None:
        return found
    # "MIT/Apache-2.0", "MIT or Apache 2.0", "BSD-3-Clause and MIT".
    for sep, op in ((r"\s*/\s*", "OR"), (r"\s+or\s+", "OR"), (r"\s+and\s+", "AND")):
        parts = re.split(sep, text, flags=re.IGNORECASE)
        if len(parts) < 2:
            continue
        names = [_name_to_spdx(p) for p in parts]
        if all(names):
            return f" {op} ".join(
                n if " " not in n else f"({n})"
                for n in names  # type: ignore[misc]
            )
    return None


# ---------------------------------------------------------------------------------------------
# License file texts


def _norm_text(text: str) -> str:
    s = text.lower().replace("licence", "license").replace("’", "'")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return f" {s.strip()} "


def _find(text: str, *phrases: str) -> int:
    """Position of the first of ``phrases`` in normalized ``text``, or -1."""
    best = -1
    for phrase in phrases:
        i = text.find(f" {phrase} ")
        if i >= 0 and (best < 0 or i < best):
            best = i
    return best


def _all(text: str, *phrases: str) -> int:
    """Position of the first phrase when every phrase occurs, else -1."""
    positions = [_find(text, p) for p in phrases]
    return -1 if min(positions) < 0 else positions[0]


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


def _gnu(text: str) -> tuple[int, str] | None:
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


def _bsd(text: str) -> tuple[int, str] | None:
    pos = _find(
        text, "redistribution and use in source and binary forms with or without modification"
    )
    if pos < 0:
        return None
    if _find(text, "all advertising materials mentioning features or use of this software") >= 0:
        return pos, "BSD-4-Clause"
    if _find(text, "endorse or promote products derived from this software") >= 0:
        if _find(text, "no express or implied licenses to any party s patent rights") >= 0:
            return pos, "BSD-3-Clause-Clear"
        return pos, "BSD-3-Clause"
    return pos, "BSD-2-Clause"


def _permissive(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def add(spdx: str, pos: int) -> None:
        if pos >= 0:
            found.append((pos, spdx))

    mit = _find(
        text,
        "permission is hereby granted free of charge to any person obtaining a copy of this "
        "software",
    )
    if mit >= 0:
        notice = _find(
            text,
            "the above copyright notice and this permission notice shall be included in all "
            "copies or substantial portions of the software",
        )
        add("MIT" if notice >= 0 else "MIT-0", mit)
    grant = _find(
        text,
        "permission to use copy modify and or distribute this software for any purpose with or "
        "without fee is hereby granted",
        "permission to use copy modify and distribute this software for any purpose with or "
        "without fee is hereby granted",
    )
    if grant >= 0:
        keep = _find(
            text,
            "provided that the above copyright notice and this permission notice appear in all "
            "copies",
        )
        add("ISC" if keep >= 0 else "0BSD", grant)
    add(
        "Zlib",
        _all(
            text,
            "permission is granted to anyone to use this software for any purpose including "
            "commercial applications and to alter it and redistribute it freely",
            "the origin of this software must not be misrepresented",
        ),
    )
    add(
        "Apache-2.0",
        _find(
            text,
            "apache license version 2 0 january 2004",
            "licensed under the apache license version 2 0",
        ),
    )
    add("Apache-1.1", _find(text, "the apache software license version 1 1"))
    add(
        "MPL-2.0",
        _find(
            text,
            "mozilla public license version 2 0",
            "subject to the terms of the mozilla public license v 2 0",
        ),
    )
    add("MPL-1.1", _find(text, "mozilla public license version 1 1"))
    add(
        "EPL-2.0",
        _find(text, "eclipse public license v 2 0", "eclipse public license version 2 0"),
    )
    add(
        "EPL-1.0",
        _find(text, "eclipse public license v 1 0", "eclipse public license version 1 0"),
    )
    add(
        "Unlicense",
        _find(text, "this is free and unencumbered software released into the public domain"),
    )
    add("CC0-1.0", _find(text, "cc0 1 0 universal"))
    add(
        "PSF-2.0",
        _find(
            text,
            "python software foundation license version 2",
            "psf license agreement for python",
            "this license agreement is between the python software foundation",
        ),
    )
    add("BSL-1.0", _find(text, "boost software license version 1 0"))
    add(
        "WTFPL",
        _find(text, "do what the fuck you want to public license"),
    )
    bsd = _bsd(text)
    if bsd:
        found.append(bsd)
    return found


# Names used in dual-license statements ("licensed under either of ... at your option").
_NAME_MENTIONS = (
    ("Apache-2.0", ("apache license version 2 0", "apache license 2 0", "apache 2 0")),
    ("MIT", ("mit license", "mit")),
    ("BSD-2-Clause", ("bsd 2 clause", "2 clause bsd", "simplified bsd")),
    ("BSD-3-Clause", ("bsd 3 clause", "3 clause bsd", "new bsd")),
    ("MPL-2.0", ("mozilla public license version 2 0", "mpl 2 0")),
    ("Unlicense", ("unlicense",)),
    ("Zlib", ("zlib license",)),
    ("ISC", ("isc license",)),
    ("BSL-1.0", ("boost software license",)),
    ("CC0-1.0", ("cc0 1 0", "cc0")),
)
_DUAL = re.compile(
    r" (?:dual licensed|dual license|dually licensed|licensed under either"
    r"|under the terms of either|at your option|either of the following|either the ) "
)


def _dual(text: str) -> list[str] | None:
    """The licenses of a dual-license statement in the first part of ``text``, in order."""
    head = text[:1500]
    m = _DUAL.search(head)
    if not m:
        return None
    window = head[max(0, m.start() - 300) : m.end() + 400]
    hits = []
    for spdx, names in _NAME_MENTIONS:
        pos = _find(window, *names)
        if pos >= 0:
            hits.append((pos, spdx))
    ids = [spdx for _, spdx in sorted(hits)]
    return ids if len(ids) >= 2 else None


def detect_license_text(text: str) -> str | None:
    """The SPDX id (or dual-license expression) of a license file's text, or None."""
    if not text or not text.strip():
        return None
    norm = _norm_text(text)
    dual = _dual(norm)
    if dual:
        return " OR ".join(dual)
    found = _permissive(norm)
    gnu = _gnu(norm)
    if gnu:
        found.append(gnu)
    if not found:
        return None
    return min(found)[1]


_SPDX_LINE = re.compile(r"SPDX-License-Identifier:\s*(.+)", re.IGNORECASE)


def spdx_identifier_in(text: str) -> str | None:
    """The ``SPDX-License-Identifier:`` expression in the first 40 lines of a file, or None."""
    for line in text.splitlines()[:40]:
        m = _SPDX_LINE.search(line)
        if not m:
            continue
        value = m.group(1).strip()
        # Trailing comment closers: "*/", "-->", "*)", "#}".
        value = re.sub(r"\s*(\*/|-->|\*\)|#\}|%>|\*+)\s*$", "", value).strip()
        value = value.strip("'\"`;,").strip()
        if not value:
            continue
        return _parse_spdx_expression(value) or value
    return None


def file_license(text: str, default: str) -> str:
    """A file's own SPDX identifier when it has one, else its package's license ``default``."""
    return spdx_identifier_in(text) or default
