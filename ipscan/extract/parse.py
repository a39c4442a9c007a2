"""From a SourceFile to its units and its normalized token stream, with tree-sitter (the tokens
themselves: ``ipscan.extract.tokens``).

Units. Every outermost function, method or constructor (including ones reached through
decorators, ``export``, templates, or an assignment such as ``const f = () => {...}``) is one
unit; functions nested in it are part of it. Functions inside classes (at any depth) are methods,
as are Go functions with a receiver. Everything else outside functions is cut into top-level
windows: maximal runs of consecutive members of one container (module, class body, namespace)
that contain no function unit, split at member boundaries so no window spans more than
``WINDOW_LINES`` lines. A top-level statement that holds a function (a Python ``if`` block with
``def`` in it, an IIFE, a call with a multi-line callback) is opened up and its parts handled as
members, so that function becomes a unit of its own. Class headers, decorators of classes and
braces of containers belong to no unit.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from tree_sitter import Node

from ipscan.extract.languages import get_language
from ipscan.extract.languages import get_parser
from ipscan.extract.languages.base import LanguageSpec
from ipscan.extract.tokens import tokenize
from ipscan.records import ParsedFile
from ipscan.records import SourceFile
from ipscan.records import Span
from ipscan.records import TokenColumns
from ipscan.records import Unit
from ipscan.records import UnitKind

# Most lines one top-level window may span (a single longer statement is one window anyway).
WINDOW_LINES = 60
# A function longer than this that contains functions is cut up like a module (see _open_body).
OPEN_FUNCTION_LINES = 150
# How deep wrapper nodes are looked through for the function or class they wrap.
_WRAPPER_DEPTH = 6
# Fields of a wrapper node that name what it wraps (``const f = ...``, ``x.y = ...``).
_HOLDER_FIELDS = ("name", "property", "key", "left", "declarator")
_MAX_NAME_CHARS = 200
ANONYMOUS = "<anonymous>"
TOP_LEVEL = "<top-level>"

_FUNC = 0
_CLASS = 1
_NAMESPACE = 2
_DESCEND = 3
_STMT = 4
_ATTACHED = 5


def parse_source(file: SourceFile) -> ParsedFile:
    """Parse ``file`` into its units and the normalized token stream of the whole file."""
    spec = get_language(file.language)
    data = file.text.encode("utf-8", "surrogatepass")
    if not data.strip():
        return ParsedFile(file, (), TokenColumns.empty(), False)
    root = get_parser(spec.name).parse(data).root_node
    columns, func_starts = tokenize(root, spec, data)
    units = _UnitBuilder(file, spec, data, func_starts).build(root)
    return ParsedFile(file, units, columns, root.has_error)


@dataclass
class _Member:
    """One member of a container, classified."""

    role: int
    node: Node
    inner: Node | None = None
    holder: str | None = None
    start: Node | None = None


class _UnitBuilder:
    """Cuts a syntax tree into function units and top-level windows."""

    def __init__(
        self, file: SourceFile, spec: LanguageSpec, data: bytes, func_starts: list[int]
    ) -> None:
        self.file = file
        self.spec = spec
        self.data = data
        self.func_starts = func_starts
        self.skipped = spec.comment_types | spec.skip_types
        self.units: list[Unit] = []

    def build(self, root: Node) -> tuple[Unit, ...]:
        """All units of the tree, sorted by start byte."""
        # Work items: (container, qualifying names, inside a class). A stack, not recursion.
        stack: list[tuple[Node, tuple[str, ...], bool]] = [(root, (), False)]
        while stack:
            container, quals, in_class = stack.pop()
            self._container(container, quals, in_class, stack)
        self.units.sort(key=lambda u: u.span.start_byte)
        return tuple(self.units)

    # -- classification ------------------------------------------------------------------

    def _is_function(self, node: Node) -> bool:
        return (
            node.type in self.spec.function_types and node.child_by_field_name("body") is not None
        )

    def _has_body(self, node: Node) -> bool:
        return node.child_by_field_name("body") is not None

    def _classify(self, node: Node) -> _Member:
        spec = self.spec
        kind = node.type
        if kind in spec.function_types:
            if self._has_body(node):
                return _Member(_FUNC, node, node)
        elif kind in spec.class_types:
            if self._has_body(node):
                return _Member(_CLASS, node, node)
        elif kind in spec.namespace_types:
            body = node.child_by_field_name("body")
            if body is not None:
                if self._is_function(body):  # extern "C" int f() {...}
                    return _Member(_FUNC, node, body)
                return _Member(_NAMESPACE, node, node)
        elif kind in spec.wrapper_types:
            found = self._unwrap(node, 0, None)
            if found is not None:
                role, inner, holder = found
                return _Member(role, node, inner, holder)
        if kind not in spec.literal_types and self._contains_function(node):
            return _Member(_DESCEND, node)
        return _Member(_STMT, node)

    def _unwrap(
        self, node: Node, depth: int, holder: str | None
    ) -> tuple[int, Node, str | None] | None:
        """The function, class or namespace a wrapper leads to, with the name it is bound to."""
        spec = self.spec
        holder = self._holder(node) or holder
        for child in node.named_children:
            kind = child.type
            if kind in spec.function_types:
                if self._has_body(child):
                    return _FUNC, child, holder
            elif kind in spec.class_types:
                if self._has_body(child):
                    return _CLASS, child, holder
            elif kind in spec.namespace_types:
                if self._has_body(child):
                    return _NAMESPACE, child, holder
            elif kind in spec.wrapper_types and depth < _WRAPPER_DEPTH:
                found = self._unwrap(child, depth + 1, holder)
                if found is not None:
                    return found
        return None

    def _holder(self, node: Node) -> str | None:
        """The name a wrapper binds (``f`` in ``const f = ...``), if it has one."""
        spec = self.spec
        for field in _HOLDER_FIELDS:
            child = node.child_by_field_name(field)
            if child is None:
                continue
            kind = child.type
            if kind in spec.wrapper_types or kind in spec.function_types:
                continue
            if kind in spec.class_types or kind in spec.literal_types:
                continue
            return self._text(child)
        return None

    def _imports(self, node: Node) -> bool:
        """Whether a top-level statement only imports or exports (``LanguageSpec``)."""
        if node.type in self.spec.import_types:
            return True
        pattern = self.spec.import_text
        if pattern is None:
            return False
        text = self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        return pattern.fullmatch(text) is not None

    def _contains_function(self, node: Node) -> bool:
        starts = self.func_starts
        i = bisect.bisect_left(starts, node.start_byte)
        return i < len(starts) and starts[i] < node.end_byte

    # -- containers ----------------------------------------------------------------------

    def _container(
        self,
        container: Node,
        quals: tuple[str, ...],
        in_class: bool,
        stack: list[tuple[Node, tuple[str, ...], bool]],
    ) -> None:
        members = [
            self._classify(child)
            for child in container.named_children
            if child.type not in self.skipped
        ]
        if self.spec.leading_types:
            self._attach_leading(members)
        run: list[Node] = []
        window_name = f"{TOP_LEVEL[:-1]}:{'.'.join(quals)}>" if quals else TOP_LEVEL
        for member in members:
            role = member.role
            if role == _STMT and self._imports(member.node):
                if run:  # a top-level unit never spans an import
                    self._window(run, window_name)
                    run = []
                continue
            if role == _STMT:
                node = member.node
                if run and _end_line(node) - run[0].start_point[0] > WINDOW_LINES:
                    self._window(run, window_name)
                    run = []
                run.append(node)
                continue
            if role == _ATTACHED:
                continue
            if run:
                self._window(run, window_name)
                run = []
            if role == _FUNC:
                body = self._open_body(member)
                if body is None:
                    self._function(member, quals, in_class)
                else:
                    fn = body.parent
                    assert fn is not None  # the body is a field of the function node
                    name = self._function_name(fn) or member.holder
                    stack.append((body, (*quals, name) if name else quals, in_class))
            elif role == _DESCEND:
                stack.append((member.node, quals, in_class))
            else:
                inner = member.inner
                assert inner is not None
                body = inner.child_by_field_name("body")
                if body is None:
                    continue
                name = self._container_name(inner) or member.holder
                sub = (*quals, name) if name else quals
                stack.append((body, sub, in_class or role == _CLASS))
        if run:
            self._window(run, window_name)

    def _open_body(self, member: _Member) -> Node | None:
        """The body of a long function that holds functions, to be cut up like a module.

        Libraries wrapped in one closure (UMD and IIFE bundles such as lodash.js, C++ or Rust
        modules inside one function) would otherwise be one unit of thousands of lines, in which
        a copied function is a tiny share of the evidence.
        """
        fn = member.inner
        if fn is None or _end_line(fn) - fn.start_point[0] < OPEN_FUNCTION_LINES:
            return None
        body = fn.child_by_field_name("body")
        if body is None or not self._contains_function(body):
            return None
        return body

    def _attach_leading(self, members: list[_Member]) -> None:
        """Let leading members (Rust attributes) start the function right after them."""
        target: _Member | None = None
        for member in reversed(members):
            if member.role == _FUNC:
                target = member
            elif target is not None and member.node.type in self.spec.leading_types:
                target.start = member.node
                member.role = _ATTACHED
            else:
                target = None

    # -- units ---------------------------------------------------------------------------

    def _function(self, member: _Member, quals: tuple[str, ...], in_class: bool) -> None:
        fn = member.inner
        assert fn is not None
        name = self._function_name(fn) or member.holder
        kind = UnitKind.METHOD if in_class else UnitKind.FUNCTION
        field = self.spec.receiver_field
        if field is not None:
            receiver = fn.child_by_field_name(field)
            if receiver is not None:
                kind = UnitKind.METHOD
                type_name = self._receiver_type(receiver)
                if type_name and name:
                    name = f"{type_name}.{name}"
        name = ".".join((*quals, name)) if name else ANONYMOUS
        start = member.start or member.node
        self._add(start, member.node, name, kind)

    def _window(self, run: list[Node], name: str) -> None:
        self._add(run[0], run[-1], name, UnitKind.TOP_LEVEL)

    def _add(self, first: Node, last: Node, name: str, kind: UnitKind) -> None:
        start_byte = first.start_byte
        end_byte = last.end_byte
        if end_byte <= start_byte:
            return
        start_line = first.start_point[0] + 1
        end_line = max(_end_line(last), start_line)
        span = Span(start_line, end_line, start_byte, end_byte)
        text = self.data[start_byte:end_byte].decode("utf-8", "replace")
        self.units.append(Unit(self.file.path, self.file.language, name, kind, span, text))

    # -- names ---------------------------------------------------------------------------

    def _text(self, node: Node) -> str:
        raw = self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
        return " ".join(raw.split())[:_MAX_NAME_CHARS]

    def _function_name(self, fn: Node) -> str | None:
        name = fn.child_by_field_name("name")
        if name is not None:
            return self._text(name) or None
        # C and C++: the name sits at the end of a chain of declarators.
        node = fn.child_by_field_name("declarator")
        for _ in range(16):
            if node is None:
                return None
            if not node.type.endswith("_declarator"):
                return self._text(node) or None
            nxt = node.child_by_field_name("declarator")
            if nxt is None:
                named = [c for c in node.named_children if c.type != "parameter_list"]
                nxt = named[0] if named else None
            node = nxt
        return None

    def _container_name(self, node: Node) -> str | None:
        name = node.child_by_field_name("name") or node.child_by_field_name("type")
        if name is None:
            return None
        text = self._text(name).split("<", 1)[0].strip().strip("\"'")
        return text or None

    def _receiver_type(self, receiver: Node) -> str | None:
        """The first type name inside a Go receiver such as ``(s *Stack[T])``."""
        stack = [receiver]
        while stack:
            node = stack.pop()
            if node.type == "type_identifier":
                return self._text(node)
            stack.extend(reversed(node.named_children))
        return None


def _end_line(node: Node) -> int:
    """The 1-based line of a node's last byte (a node ending right after a newline ends on the
    line before)."""
    row, column = node.end_point
    if column == 0 and row > node.start_point[0]:
        return row
    return row + 1
