"""Whether a ``.h`` header holds C or C++: the grammar that parses it with fewer broken bytes.

``.h`` is C's extension, but C++ libraries use it too (fmt, spdlog, abseil, googletest, poppler).
Parsed by the C grammar, templates, namespaces and classes break into ERROR nodes, and their
functions are lost or mis-split: fmt 9.1's 13 public headers give 516 units as C and 737 as
C++. A header is C unless its code (comments and strings aside) uses a C++-only word and the
C++ grammar breaks at most half as many bytes as the C grammar (``guess_language.broken_bytes``):
a C header, ``extern "C"`` guards included, stays C as before, so indexes built before this read
it alike. The choice depends on the file's bytes alone, so an index and a scan label the same
header the same way.
"""

from __future__ import annotations

import re

from ipscan.extract.guess_language import broken_bytes
from ipscan.extract.languages import get_parser

# Words and tokens C has no use for (``class`` and friends are C identifiers, hence the parse),
# looked for in the code: comments and string literals taken out first.
_CPP_MARKERS = re.compile(
    rb"::|\b(?:namespace|template|typename|class|public|private|protected|operator|constexpr)\b"
)
_NOT_CODE = re.compile(rb'/\*.*?(?:\*/|\Z)|//[^\n]*|"(?:\\.|[^"\\\n])*"', re.DOTALL)
# The C++ grammar must break at most half as many bytes: preprocessor tricks break both
# grammars alike in C headers (lz4.h: 295 broken bytes as C, 284 as C++).
MARGIN = 2


def header_language(data: bytes) -> str:
    """The language of a header: "cpp" when it uses C++ that the C++ grammar reads far better,
    else "c"."""
    if not _CPP_MARKERS.search(_NOT_CODE.sub(b" ", data)):
        return "c"
    as_c = broken_bytes(get_parser("c").parse(data).root_node)
    if as_c == 0:
        return "c"
    as_cpp = broken_bytes(get_parser("cpp").parse(data).root_node)
    return "cpp" if as_cpp * MARGIN < as_c else "c"
