"""License short names of Debian's machine-readable copyright files (DEP-5) to SPDX.

DEP-5 (copyright-format 1.0) names licenses by short names: its own list (``Expat``,
``GPL-2+``, ``BSD-3-clause``, ``public-domain``, ``Perl``, ...), SPDX ids, or any name the
file then defines with a stand-alone ``License:`` paragraph. A trailing ``+`` means "or any
later version". Licenses join with ``or`` and ``and``; a comma before the operator lowers its
precedence ("GPL-2+ or Artistic-2.0, and BSD-3-clause": both sides of the ``or``, and the
BSD). ``with <name> exception`` adds an exception: ipscan keeps the license and leaves the
exception out (exceptions only add permissions, so leaving one out is the stricter reading).

A name that is an SPDX id gives way to another license when the text the file gives it reads
as that one (Debian names yaml-cpp's MIT text "X11"). A name ipscan does not know is read from
that text (``defined``: the name's license as ``detect_license_text`` reads its paragraph),
else it becomes ``LicenseRef-Debian-<name>`` (judged ``unknown-license``: read it), never a
license the file did not name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ipscan.licensing.gnu import gnu_name
from ipscan.licensing.names import normalize_license
from ipscan.licensing.spdx import parse_spdx_expression
from ipscan.licensing.statements import PUBLIC_DOMAIN
from ipscan.licensing.texts import group

# DEP-5's own short names that SPDX spells otherwise (keys in lower case, versions as written).
_SHORT_NAMES = {
    "expat": "MIT",
    "public-domain": PUBLIC_DOMAIN,
    "perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
    "artistic": "Artistic-1.0-Perl",
    "artistic-1.0": "Artistic-1.0-Perl",
    "apache": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd-4-clause": "BSD-4-Clause",
    "zope-2.1": "ZPL-2.1",
    "zope-2.0": "ZPL-2.0",
    "python-2.0": "Python-2.0",
    "psf-2": "PSF-2.0",
    "cc0": "CC0-1.0",
    "cc0-1.0": "CC0-1.0",
    "boost-1.0": "BSL-1.0",
    "mpl-2": "MPL-2.0",
    "mpl-1.1": "MPL-1.1",
}
_GNU_SHORT = re.compile(r"(?i)^(a?gpl|lgpl)-(\d(?:\.\d)?)(\+?)$")
_EXCEPTION = re.compile(r"(?i)\s+with\s+.+?\s+exception$")
# "A or B, and C": a comma before an operator makes it bind last.
_COMMA_OP = re.compile(r"(?i),\s*(and|or)\s+")
_OP = re.compile(r"(?i)\s+(and|or)\s+")


def dep5_license(expr: str, defined: Mapping[str, str] | None = None) -> str | None:
    """The SPDX expression of a DEP-5 ``License:`` field's first line, or None when empty.
    ``defined``: the licenses of the names the file defines, keyed by lower-case name."""
    text = " ".join(expr.split())
    if not text:
        return None
    parts = _COMMA_OP.split(text)  # name groups and the operators between them
    out: list[str] = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part.upper())
            continue
        inner = _joined(part, defined or {})
        out.append(group(inner) if len(parts) > 1 else inner)
    return parse_spdx_expression(" ".join(out)) or " ".join(out)


def _joined(text: str, defined: Mapping[str, str]) -> str:
    """Names joined by ``and``/``or`` (SPDX precedence: AND binds before OR)."""
    pieces = _OP.split(text)
    names = [p.upper() if i % 2 else dep5_name(p, defined) for i, p in enumerate(pieces)]
    return " ".join(group(n) if len(pieces) > 1 else n for n in names)


def _one_license(expr: str) -> bool:
    """Whether ``expr`` is one known license id (not an expression, not a LicenseRef)."""
    return " " not in expr and not expr.startswith("LicenseRef-") and expr != "NOASSERTION"


def dep5_name(name: str, defined: Mapping[str, str] | None = None) -> str:
    """One DEP-5 short name to SPDX (``LicenseRef-Debian-<name>`` when unknown)."""
    name = _EXCEPTION.sub("", name.strip().strip(","))
    low = name.lower()
    if low in _SHORT_NAMES:
        return _SHORT_NAMES[low]
    gnu = _GNU_SHORT.match(name)
    if gnu:
        found = gnu_name(f"{gnu.group(1)} {gnu.group(2)}{gnu.group(3)}")
        if found:
            return found
    text_reading = (defined or {}).get(low)
    found = parse_spdx_expression(name) or normalize_license(name)
    if found:
        # A name is a label and the text what was granted: yaml-cpp's "X11" paragraph holds
        # the MIT text (no advertising clause), so its files are MIT.
        if text_reading and _one_license(text_reading) and text_reading != found:
            return text_reading
        return found
    if text_reading:
        return text_reading
    found = normalize_license(name, families=True)  # "BSD": a BSD, variant unsaid
    if found:
        return found
    return "LicenseRef-Debian-" + (re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-.") or "unnamed")
