"""Path patterns: globs over POSIX paths relative to the project root, as the policy's
``ignore`` list and each component's ``paths`` write them.

``**`` crosses folders, and ``**/`` may also match no folder; a pattern without ``/`` matches
the file name anywhere; a folder ("src", "vendor/**") covers what is below it. A list of
patterns is compiled once into one matcher (literal patterns looked up in sets, globs joined
into one regex): a 40 MB policy of two million globs once made a one-file scan take minutes.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

# The policy allows 10,000 patterns in all components' paths (``policy.MAX_PATTERNS``), so at
# most one matcher per component and one for ``ignore``: twice that is never evicted.
_CACHED_MATCHERS = 2 * 10_000
_GLOB_CHARS = re.compile(r"[*?\[]")


def path_matches(path: str, patterns: Sequence[str]) -> bool:
    """True when the POSIX ``path`` matches one of the glob ``patterns``."""
    return _path_matcher(tuple(patterns)).matches(path)


def union_regex(regexes: list[str]) -> re.Pattern[str] | None:
    """One regex matching what any of ``regexes`` matches (repeats dropped), or None when
    there is none."""
    unique = list(dict.fromkeys(regexes))
    return re.compile("|".join(f"(?:{r})" for r in unique)) if unique else None


class _PathMatcher(NamedTuple):
    """A list of path patterns compiled once: literal ones in sets, globs in one regex each."""

    names: frozenset[str]  # a literal pattern without "/": the file name anywhere
    paths: frozenset[str]  # a literal pattern: the path itself
    dirs: frozenset[str]  # the path or any folder above it ("src", "vendor/**")
    name_glob: re.Pattern[str] | None
    path_glob: re.Pattern[str] | None

    def matches(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        if name in self.names or path in self.paths or path in self.dirs:
            return True
        if self.dirs:
            parts = path.split("/")
            if any("/".join(parts[:i]) in self.dirs for i in range(1, len(parts))):
                return True
        if self.name_glob is not None and self.name_glob.match(name):
            return True
        return self.path_glob is not None and self.path_glob.match(path) is not None


@functools.lru_cache(maxsize=_CACHED_MATCHERS)
def _path_matcher(patterns: tuple[str, ...]) -> _PathMatcher:
    """The tests of each pattern: its name (no "/"), the whole path (also with "**/" matching no
    folder), a folder prefix ("vendor/**" and "src" cover what is below)."""
    names: set[str] = set()
    paths: set[str] = set()
    dirs: set[str] = set()
    name_globs: list[str] = []
    path_globs: list[str] = []
    for raw in patterns:
        p = raw.strip("/")
        dirs.add(p)
        if p.endswith("/**"):
            dirs.add(p[:-3])
        if not _GLOB_CHARS.search(p):
            (names if "/" not in p else paths).add(p)
            continue
        if "/" not in p:
            name_globs.append(fnmatch.translate(p))
        path_globs.append(fnmatch.translate(p))
        if "**/" in p:
            path_globs.append(fnmatch.translate(p.replace("**/", "")))
    return _PathMatcher(
        frozenset(names),
        frozenset(paths),
        frozenset(dirs),
        union_regex(name_globs),
        union_regex(path_globs),
    )
