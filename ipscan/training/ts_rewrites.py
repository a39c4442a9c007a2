"""Copies of a function in any parsed language, rewritten the way a copier hides a copy.

Done on the tree-sitter tree of the function's file, as byte edits of the function's text:

- ``reformatted``: comments dropped or one added, indentation width changed, spacing inside
  brackets and after commas changed, (brace languages but Go) opening braces on their own line;
- ``renamed``: plain lower-case identifiers renamed consistently to word-like names (member
  names after ``.``/``->``/``::`` and capitalized names are kept: they mostly belong to other
  code, such as classes and built-ins), then reformatted;
- ``renamed-edited``: renamed, reformatted and one statement deleted;
- ``statement-added``: renamed, reformatted and one dead statement inserted;
- ``control-swapped``: one control structure rewritten the way it could have been written
  instead (an ``if``/``else`` with its condition negated and its branches swapped, or a
  counting ``for`` loop written as a ``while`` loop in a block of its own), then renamed and
  reformatted;
- ``declarations-split``, ``statements-reordered``, ``members-reordered`` (``MOVED_LEVELS``):
  code moved without changing what it does (``ipscan.training.moved_code``), then renamed and
  reformatted. Not in ``LEVELS``: they measure whole programs, where there is code to move.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from tree_sitter import Node

from ipscan.extract.languages import get_language
from ipscan.extract.languages import get_parser
from ipscan.training import moved_code

LEVELS = (
    "verbatim",
    "reformatted",
    "renamed",
    "renamed-edited",
    "statement-added",
    "control-swapped",
)
# Levels a function may lack (no if/else or counting for loop to rewrite): it is measured
# without them rather than left out.
OPTIONAL_LEVELS = frozenset({"control-swapped"})
# Rewrites that move code, each followed by renaming; a file may lack what one moves.
MOVED_LEVELS = {
    "declarations-split": moved_code.declarations_split,
    "statements-reordered": moved_code.statements_reordered,
    "members-reordered": moved_code.members_reordered,
}
_RENAMED_TYPES = frozenset({"identifier"})
_MEMBER_OPERATORS = frozenset({".", "->", "::", "?."})
_BLOCK_TYPES = frozenset({"block", "statement_block", "compound_statement", "statement_list"})
_NO_ALLMAN = frozenset({"go", "python"})
# A dead statement per language: {name} is a fresh identifier, {n} a number.
_DEAD = {
    "python": "{name} = {n}",
    "javascript": "let {name} = {n};",
    "typescript": "let {name} = {n};",
    "java": "int {name} = {n};",
    "c": "int {name} = {n};",
    "cpp": "int {name} = {n};",
    "go": "{name} := {n}; _ = {name}",
    "rust": "let _{name} = {n};",
}
_LINE_COMMENT = {"python": "#"}
_WORDS = [
    "item",
    "value",
    "count",
    "total",
    "node",
    "entry",
    "key",
    "name",
    "data",
    "result",
    "index",
    "buffer",
    "state",
    "config",
    "handler",
    "record",
    "target",
    "source",
    "offset",
    "limit",
    "flag",
    "payload",
    "context",
    "cursor",
    "token",
    "size",
    "first",
    "last",
    "acc",
    "current",
    "output",
    "input",
    "temp",
    "pos",
    "elem",
    "part",
    "chunk",
    "step",
]


def _leaves(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.child_count == 0:
            out.append(n)
        else:
            stack.extend(reversed(n.children))
    return out


def _statements(node: Node, body: Node | None) -> list[Node]:
    """Statements in blocks under ``node`` (comments left out)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in _BLOCK_TYPES and n is not body:
            out.extend(c for c in n.named_children if "comment" not in c.type)
        stack.extend(n.named_children)
    if body is not None:
        out.extend(c for c in body.named_children if "comment" not in c.type)
    return out


class FunctionRewriter:
    """Rewrites of one function, given its file's bytes and the function's byte span."""

    def __init__(self, language: str, data: bytes, start: int, end: int) -> None:
        self.language = language
        self.data = data
        self.start = start
        self.end = end
        spec = get_language(language)
        root = get_parser(spec.name).parse(data).root_node
        node = root.descendant_for_byte_range(start, end)
        while node is not None and node.end_byte - node.start_byte < end - start:
            node = node.parent
        self.node = node
        self.root = root
        self.comment_types = spec.comment_types

    def rewrite(self, level: str, rng: random.Random) -> str | None:
        """The function rewritten at ``level`` (one of ``LEVELS``), or None if it cannot be."""
        if self.node is None:
            return None
        if level == "control-swapped":
            swapped = self._control_swapped(rng)
            return None if swapped is None else swapped.rewrite("renamed", rng)
        if level in MOVED_LEVELS:
            moves = MOVED_LEVELS[level](self.root, self.data, self.start, self.end, rng)
            return None if moves is None else self._edited(moves).rewrite("renamed", rng)
        edits: list[tuple[int, int, str]] = []
        if level == "verbatim":
            return self._apply(edits)
        leaves = [n for n in _leaves(self.node) if self.start <= n.start_byte < self.end]
        edits += self._comment_edits(leaves, rng)
        if level != "reformatted":
            renames = self._renames(leaves, rng)
            if not renames:
                return None
            edits += renames
        if level == "renamed-edited":
            deletion = self._deletion(rng)
            if deletion is None:
                return None
            edits = [e for e in edits if not (deletion[0] <= e[0] < deletion[1])] + [deletion]
        elif level == "statement-added":
            insertion = self._insertion(rng)
            if insertion is None:
                return None
            edits.append(insertion)
        text = self._apply(edits)
        return None if text is None else self._reformat(text, rng)

    def _control_swapped(self, rng: random.Random) -> FunctionRewriter | None:
        """A rewriter of the file with one control structure of the function rewritten."""
        assert self.node is not None
        choices = []
        stack = [self.node]
        while stack:
            n = stack.pop()
            stack.extend(n.named_children)
            if n.type in ("if_statement", "if_expression"):
                edits = self._inverted_if(n)
            elif n.type == "for_statement":
                edits = self._for_as_while(n)
            else:
                continue
            if edits:
                choices.append(edits)
        if not choices:
            return None
        return self._edited(rng.choice(choices))

    def _edited(self, edits: Sequence[tuple[int, int, str]]) -> FunctionRewriter:
        """A rewriter of the file with ``edits`` (non-overlapping) applied."""
        edits = sorted(edits)
        data = bytearray(self.data)
        for a, b, new in reversed(edits):
            data[a:b] = new.encode()
        grown = sum(len(new.encode()) - (b - a) for a, b, new in edits)
        return FunctionRewriter(self.language, bytes(data), self.start, self.end + grown)

    def _text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def _inverted_if(self, node: Node) -> list[tuple[int, int, str]] | None:
        """``if not c: B else: A`` for ``if c: A else: B`` (no ``elif``/``else if``)."""
        cond = node.child_by_field_name("condition")
        then = node.child_by_field_name("consequence")
        alt = node.child_by_field_name("alternative")
        if cond is None or then is None or alt is None or then.type not in _BLOCK_TYPES:
            return None
        if any(c.type == "elif_clause" for c in node.children):
            return None
        if node.child_by_field_name("initializer") is not None or "let" in cond.type:
            return None  # Go's `if x := f(); ...`, Rust's `if let`
        other = alt if alt.type in _BLOCK_TYPES else None
        if alt.type == "else_clause":
            body = alt.child_by_field_name("body")
            named = [c for c in alt.named_children if "comment" not in c.type]
            other = body if body is not None else (named[0] if len(named) == 1 else None)
        if other is None or other.type not in _BLOCK_TYPES:
            return None
        text = self._text(cond)
        if self.language == "python":
            negated = f"not ({text})"
        elif text.startswith("(") and text.endswith(")") and len(cond.named_children) == 1:
            negated = f"(!{text})"
        elif self.language in ("go", "rust"):
            negated = f"!({text})"
        else:
            return None
        return [
            (cond.start_byte, cond.end_byte, negated),
            (then.start_byte, then.end_byte, self._text(other)),
            (other.start_byte, other.end_byte, self._text(then)),
        ]

    def _for_as_while(self, node: Node) -> list[tuple[int, int, str]] | None:
        """``{ init; while (cond) { body; update; } }`` for ``for (init; cond; update) body``
        (``for cond`` in Go); not when the body has ``continue``, which would skip the update."""
        clause = next((c for c in node.named_children if c.type == "for_clause"), node)
        init = clause.child_by_field_name("initializer") or clause.child_by_field_name("init")
        cond = clause.child_by_field_name("condition")
        update = clause.child_by_field_name("update") or clause.child_by_field_name("increment")
        body = node.child_by_field_name("body")
        if init is None or cond is None or update is None or body is None:
            return None
        if body.type not in _BLOCK_TYPES:
            return None
        inner = self._text(body)
        if "continue" in inner or not inner.endswith("}"):
            return None
        first = self._text(init).rstrip(";")
        if self.language == "go":
            loop = f"for {self._text(cond)} {inner[:-1].rstrip()}\n{self._text(update)}\n}}"
            return [(node.start_byte, node.end_byte, f"{{\n{first}\n{loop}\n}}")]
        loop = f"while ({self._text(cond)}) {inner[:-1].rstrip()}\n{self._text(update)};\n}}"
        return [(node.start_byte, node.end_byte, f"{{\n{first};\n{loop}\n}}")]

    def _apply(self, edits: Sequence[tuple[int, int, str]]) -> str | None:
        out = []
        pos = self.start
        for a, b, new in sorted(edits):
            if a < pos:
                return None  # overlapping edits
            out.append(self.data[pos:a])
            out.append(new.encode())
            pos = b
        out.append(self.data[pos : self.end])
        return b"".join(out).decode("utf-8", "replace")

    def _comment_edits(self, leaves: list[Node], rng: random.Random) -> list[tuple[int, int, str]]:
        comments = [n for n in leaves if n.type in self.comment_types]
        if comments and rng.random() < 0.6:
            return [(n.start_byte, n.end_byte, "") for n in comments]
        return []

    def _renames(self, leaves: list[Node], rng: random.Random) -> list[tuple[int, int, str]]:
        names: dict[bytes, str] = {}
        edits = []
        previous = ""
        for n in leaves:
            if n.type in self.comment_types:
                continue
            old = self.data[n.start_byte : n.end_byte]
            if n.type in _RENAMED_TYPES and previous not in _MEMBER_OPERATORS and old.islower():
                if old not in names:
                    names[old] = f"{rng.choice(_WORDS)}_{rng.randint(1, 999)}"
                edits.append((n.start_byte, n.end_byte, names[old]))
            previous = n.type
        return edits

    def _candidates(self) -> list[Node]:
        assert self.node is not None
        body = self.node.child_by_field_name("body")
        lines = self.node.end_point[0] - self.node.start_point[0] + 1
        return [
            s
            for s in _statements(self.node, body)
            if s.end_point[0] - s.start_point[0] + 1 <= max(1, lines // 4)
            and self.start <= s.start_byte
            and s.end_byte <= self.end
            and s.parent is not None
            and len(s.parent.named_children) > 1
        ]

    def _deletion(self, rng: random.Random) -> tuple[int, int, str] | None:
        candidates = self._candidates()
        if not candidates:
            return None
        s = rng.choice(candidates)
        a, b = s.start_byte, s.end_byte
        # Take the statement's whole line when nothing else is on it.
        line_start = self.data.rfind(b"\n", 0, a) + 1
        line_end = self.data.find(b"\n", b)
        if line_end < 0:
            line_end = len(self.data)
        tail = self.data[b:line_end].strip()
        if not self.data[line_start:a].strip() and tail in (b"", b";"):
            a, b = max(line_start - 1, self.start), line_end
        return a, min(b, self.end), ""

    def _insertion(self, rng: random.Random) -> tuple[int, int, str] | None:
        candidates = self._candidates()
        template = _DEAD.get(self.language)
        if not candidates or template is None:
            return None
        s = rng.choice(candidates)
        line_start = self.data.rfind(b"\n", 0, s.start_byte) + 1
        indent = self.data[line_start : s.start_byte].decode("utf-8", "replace")
        if indent.strip():
            return None
        name = f"{rng.choice(_WORDS)}_{rng.randint(1, 999)}"
        dead = template.format(name=name, n=rng.randint(0, 99))
        return s.start_byte, s.start_byte, f"{dead}\n{indent}"

    def _reformat(self, text: str, rng: random.Random) -> str:
        lines = text.split("\n")
        # Lines after the first carry the indentation of the function's own line (a method's).
        line_start = self.data.rfind(b"\n", 0, self.start) + 1
        base = self.data[line_start : self.start].decode("utf-8", "replace")
        base = base if not base.strip() else ""
        body = [line[len(base) :] if line.startswith(base) else line for line in lines[1:]]
        width = _indent_unit(["", *body])
        new_unit = rng.choice([u for u in ("  ", "    ", "\t") if u != width] or ["  "])
        if width:
            body = [_reindent(line, width, new_unit) for line in body]
        lines = [lines[0], *(base + line if line.strip() else line for line in body)]
        text = "\n".join(line.rstrip() for line in lines if line.strip())
        if rng.random() < 0.5:
            text = re.sub(r",(?=\S)", ", ", text) if rng.random() < 0.5 else text.replace(", ", ",")
        else:
            text = re.sub(r"\(\s*(?=\S)", "( ", text)
        if self.language not in _NO_ALLMAN and rng.random() < 0.5:
            text = re.sub(r"\)[ \t]*\{[ \t]*\n", _allman, text)
        if rng.random() < 0.3:
            mark = _LINE_COMMENT.get(self.language, "//")
            first, _, rest = text.partition("\n")
            text = f"{first}\n{_leading(rest)}{mark} adapted\n{rest}" if rest else text
        return text + "\n"


def _allman(m: re.Match[str]) -> str:
    text = m.string
    line_start = text.rfind("\n", 0, m.start()) + 1
    return f")\n{_leading(text[line_start:])}{{\n"


def _leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _indent_unit(lines: list[str]) -> str:
    for line in lines[1:]:
        lead = _leading(line)
        if lead and line.strip():
            return "\t" if lead.startswith("\t") else " " * min(len(lead), 4)
    return ""


def _reindent(line: str, old: str, new: str) -> str:
    lead = _leading(line)
    if not old or not lead:
        return line
    depth, rest = divmod(len(lead.replace("\t", "    ")), len(old.replace("\t", "    ")))
    return new * depth + " " * rest + line[len(lead) :]
