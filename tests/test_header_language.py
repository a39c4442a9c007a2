"""A ``.h`` header is C unless its code is C++ that the C++ grammar reads far better."""

from __future__ import annotations

from ipscan.extract.analyze import AnalyzedFile
from ipscan.extract.analyze import analyze_bytes
from ipscan.extract.header_language import header_language
from ipscan.extract.languages import language_for_file

CPP_HEADER = b"""\
#pragma once
#include <string>
#include <vector>

namespace textkit {

template <typename Char>
class basic_splitter {
 public:
  explicit basic_splitter(Char sep) : sep_(sep) {}

  std::vector<std::basic_string<Char>> split(const std::basic_string<Char>& text) const {
    std::vector<std::basic_string<Char>> parts;
    std::basic_string<Char> current;
    for (Char c : text) {
      if (c == sep_) {
        parts.push_back(current);
        current.clear();
      } else {
        current.push_back(c);
      }
    }
    parts.push_back(current);
    return parts;
  }

  std::size_t count(const std::basic_string<Char>& text) const {
    std::size_t n = 1;
    for (Char c : text) {
      if (c == sep_) {
        ++n;
      }
    }
    return n;
  }

 private:
  Char sep_;
};

}  // namespace textkit
"""

C_HEADER = b"""\
/* ring.h: a ring buffer. Not a C++ class:: of any kind; see the template in docs. */
#ifndef RING_H
#define RING_H
#ifdef __cplusplus
extern "C" {
#endif

struct ring { unsigned char *data; unsigned size, head, tail; };

static inline unsigned ring_used(const struct ring *r) {
    const char *why = "namespace::template";  /* strings and comments do not count */
    (void)why;
    return r->head >= r->tail ? r->head - r->tail : r->size - (r->tail - r->head);
}

int ring_push(struct ring *r, unsigned char byte);

#ifdef __cplusplus
}
#endif
#endif
"""


def test_a_cpp_header_is_cpp_and_a_c_header_stays_c() -> None:
    assert header_language(CPP_HEADER) == "cpp"
    assert header_language(C_HEADER) == "c"
    assert header_language(b"") == "c"
    cpp = language_for_file("include/textkit/split.h", CPP_HEADER)
    c = language_for_file("src/ring.H", C_HEADER)
    assert cpp is not None and cpp.name == "cpp"
    assert c is not None and c.name == "c"
    other = language_for_file("src/ring.c", CPP_HEADER)  # only headers are guessed
    assert other is not None and other.name == "c"


def test_the_methods_of_a_cpp_header_become_units() -> None:
    analyzed = analyze_bytes("include/textkit/split.h", CPP_HEADER)
    assert isinstance(analyzed, AnalyzedFile) and analyzed.file.language == "cpp"
    names = {au.unit.name for au in analyzed.units}
    assert {"split", "count"} <= {n.rsplit("::", 1)[-1].rsplit(".", 1)[-1] for n in names}


def test_an_unclosed_comment_runs_to_the_end_and_hides_its_words() -> None:
    # A comment opened and never closed hides what follows it; many of them (a damaged or
    # hostile header) are read in one pass.
    assert header_language(b"int f(void);\n/* a class template, never closed\n") == "c"
    assert header_language(b"int f(void);\n" + b"/* class " * 20000) == "c"
