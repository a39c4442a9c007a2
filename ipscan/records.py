"""Core records, passed one way: SourceFile → Unit → Candidate → Finding → Report.

All records are frozen. Vectors live in numpy arrays addressed by position, never inside records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple


@dataclass(frozen=True)
class Span:
    """Where a unit sits: 1-based inclusive lines, 0-based half-open UTF-8 byte offsets."""

    start_line: int
    end_line: int
    start_byte: int
    end_byte: int


@dataclass(frozen=True)
class SourceFile:
    """A text file that passed the gate: POSIX path relative to its root, text, language."""

    path: str
    text: str
    language: str


class UnitKind(StrEnum):
    """What a unit is. Values are part of the JSON contract."""

    FUNCTION = "function"
    METHOD = "method"
    TOP_LEVEL = "top-level"


class Token(NamedTuple):
    """One normalized token: identifiers become ID, literals LIT; keywords and operators stay.

    A named tuple: cheap to make from a file's ``TokenColumns`` where a caller wants tokens
    one by one (``ParsedFile.tokens``, tests)."""

    text: str
    line: int
    start_byte: int
    end_byte: int = -1  # -1: unknown (tokens made without a source, as in some tests)


@dataclass(frozen=True)
class Unit:
    """A function, method, constructor, or a window of top-level code: the thing that is matched."""

    path: str
    language: str
    name: str
    kind: UnitKind
    span: Span
    text: str


@dataclass(frozen=True, eq=False)
class TokenColumns:
    """A normalized token stream as columns, one list per ``Token`` field: how a file's stream
    is made and read (a file has tens of thousands of tokens; a tuple each costs more than
    everything fingerprinting does with them)."""

    texts: list[str]
    lines: list[int]
    starts: list[int]
    ends: list[int]

    @classmethod
    def empty(cls) -> TokenColumns:
        """The stream of no tokens."""
        return cls([], [], [], [])

    @classmethod
    def of(cls, tokens: Sequence[Token]) -> TokenColumns:
        """The columns of ``tokens``."""
        return cls(
            [t.text for t in tokens],
            [t.line for t in tokens],
            [t.start_byte for t in tokens],
            [t.end_byte for t in tokens],
        )

    def __len__(self) -> int:
        return len(self.texts)

    def tokens(self) -> tuple[Token, ...]:
        """The stream as Token tuples."""
        return tuple(map(Token, self.texts, self.lines, self.starts, self.ends))


@dataclass(frozen=True)
class ParsedFile:
    """A parsed file: its units and the normalized token stream of the whole file in byte order."""

    file: SourceFile
    units: tuple[Unit, ...]
    columns: TokenColumns
    has_errors: bool = False

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        """The token stream as Token tuples (made on first use)."""
        return self.columns.tokens()


@dataclass(frozen=True)
class SkippedFile:
    """A file the scan passed over, and why (binary, invalid-utf8, too-large, minified, ...)."""

    path: str
    reason: str


class Verdict(StrEnum):
    """Stable verdict strings; part of the JSON contract."""

    COPIED = "copied"
    MODIFIED_COPY = "modified-copy"
    SIMILAR = "similar"


class Reason(StrEnum):
    """Evidence that fired for a finding; part of the JSON contract."""

    IDENTICAL_TOKENS = "identical-normalized-tokens"
    FINGERPRINTS_COVER_UNIT = "fingerprints-cover-unit"
    FINGERPRINTS_COVER_REGION = "fingerprints-cover-region"
    EMBEDDING_AGREES = "embedding-agrees"
    BOILERPLATE = "common-fingerprints"
    IDENTICAL_FILE = "identical-file"
    IDENTICAL_FILE_CODE = "identical-file-code"
    VERBATIM_REGION = "verbatim-region"
    NEAR_IDENTICAL_FILE = "near-identical-file"
    IDENTICAL_FILE_BESIDE_COPIES = "identical-file-beside-copies"
    SHORT_UNIT_BESIDE_COPIES = "short-unit-beside-copies"
    SHORT_RUN_BESIDE_COPIES = "short-run-beside-copies"


class Matcher(StrEnum):
    """Which matcher proposed a candidate."""

    FILE = "0-file"
    HASH = "1-hash"
    WINNOW = "2-winnow"
    VERBATIM = "2-verbatim"
    STRUCTURE = "2-structure"
    EMBED = "3-embed"


class Scope(StrEnum):
    """Whether a finding covers one unit or most of a file."""

    UNIT = "unit"
    FILE = "file"


@dataclass(frozen=True)
class SourceRef:
    """Where matched code lives in the indexed open source."""

    package: str
    version: str
    path: str
    start_line: int
    end_line: int
    license: str
    unit_name: str = ""
    # Copyright statements of the matched file's header, else of its package's license files.
    copyright: tuple[str, ...] = ()
    # The package's ecosystem as a purl type (pypi, npm, ...), "" when the index does not know.
    ecosystem: str = ""

    @property
    def file_key(self) -> tuple[str, str, str]:
        """The indexed file this names: (package, version, path), lines aside."""
        return (self.package, self.version, self.path)


@dataclass(frozen=True)
class Finding:
    """A region of the scanned code that matches indexed open source, with the verdict."""

    path: str
    start_line: int
    end_line: int
    similarity: float
    verdict: Verdict
    source: SourceRef
    scope: Scope = Scope.UNIT
    unit_name: str = ""
    matchers: tuple[Matcher, ...] = ()
    evidence: dict[str, float] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()
    # May the source's license be copied into this project? (ipscan.licensing.compat values)
    license_verdict: str = ""
    obligations: tuple[str, ...] = ()
    license_reason: str = ""  # why that license verdict (table rule, policy, attribution check)
    notice: str = ""  # the attribution to add when it is missing
    # Other indexed files that hold this code as well, as good a match as ``source`` (the same
    # verdict, similarity within HOME_FILE_MARGIN), likeliest first, at most MAX_ALSO_IN: the
    # same code in several packages, or a plagiarized program in several submissions.
    also_in: tuple[SourceRef, ...] = ()


# Verdicts that fail a run unless the policy's `fail-on` says otherwise: license verdicts of
# copies that are not allowed as they stand (values of ipscan.licensing.compat and the policy).
DEFAULT_FAIL_ON = (
    "attribution-required",
    "unknown-license",
    "no-license",
    "copyleft-conflict",
    "restricted",
    "incompatible",
    "denied",
)


@dataclass(frozen=True)
class Report:
    """The result of one scan."""

    root: str
    findings: tuple[Finding, ...]
    files_scanned: int
    units_scanned: int
    skipped: tuple[SkippedFile, ...]
    index_summary: dict[str, object]
    elapsed_s: float
    project_license: str | None = None  # the scanned project's own (outbound) license
    # Verdicts (detection or license) that make the run fail (the policy's `fail-on`).
    fail_on: tuple[str, ...] = DEFAULT_FAIL_ON
    policy_file: str | None = None  # where the policy came from (None: defaults)
    # The project's own package (its metadata's name) when findings of it were left out, and
    # how many (``ipscan.decide.own_package``).
    own_package: str | None = None
    own_package_findings: int = 0
    # The scanned text of every file that has a finding (for side-by-side views); not in JSON.
    texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Candidate:
    """A proposed (scanned unit, indexed unit) pair and the matcher that proposed it."""

    query: int
    unit_id: int
    matcher: Matcher
    score: float
