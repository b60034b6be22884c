"""The syntax tree of a model query (protocol §6.4) and its canonical text.

One tree serves three readers: the Python evaluator (the reference semantics), the SQL compiler
and the printer. Nodes are frozen and know their nesting depth, so the parser can refuse a tree
too deep for the recursive readers without ever recursing itself. :func:`to_text` prints a tree
so that parsing the text gives the same tree back (the property tests rely on it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PathPart = str | int
Path = tuple[PathPart, ...]
LiteralValue = str | int | float | bool | None

#: Model metadata a query may name with a leading ``@`` (Convergence's reserved fields).
RESERVED = {"@id": "id", "@version": "version"}

#: Words that are keywords somewhere in the grammar; a field with such a name prints quoted.
KEYWORDS = frozenset(
    "select from where order by asc ascending desc descending limit offset as and or not"
    " like true false null".split()
)

#: Characters of an unquoted field name (Convergence's rule: anything but whitespace, a
#: backtick, an operator or a symbol; we also refuse control characters). Quotes and digits
#: may not start one, so a name never reads as a string or a number.
NAME_CHAR = r"(?:[^ \t\n\r\f`=<>!+\-*\/%()\[\].,\x00-\x1f\x7f]|!(?!=))"
NAME_PATTERN = r"(?:[^ \t\n\r\f`=<>!+\-*\/%()\[\].,\x00-\x1f\x7f'\"0-9]|!(?!=))" + NAME_CHAR + "*"
_NAME = re.compile(NAME_PATTERN)


def _depth(*children: Node) -> int:
    return 1 + max((c.depth for c in children), default=0)


@dataclass(frozen=True, slots=True)
class Literal:
    value: LiteralValue
    depth: int = field(default=1, init=False, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Field:
    """A path into the model's data, or (``meta``) one of the :data:`RESERVED` fields."""

    path: Path
    meta: bool = False
    depth: int = field(default=1, init=False, repr=False, compare=False)

    @property
    def reserved(self) -> str | None:
        return RESERVED[str(self.path[0])] if self.meta else None


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node
    depth: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.operand))


@dataclass(frozen=True, slots=True)
class Arithmetic:
    op: str  # + - * / %
    left: Node
    right: Node
    depth: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.left, self.right))


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # = != <> < <= > >=
    left: Node
    right: Node
    depth: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.left, self.right))


@dataclass(frozen=True, slots=True)
class Like:
    operand: Node
    pattern: str  # % any run, _ one character, no escape character (as Convergence)
    depth: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.operand))


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]  # two or more
    depth: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(*self.items))


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]  # two or more
    depth: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(*self.items))


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    depth: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", _depth(self.operand))


Node = Literal | Field | Negate | Arithmetic | Compare | Like | And | Or | Not


@dataclass(frozen=True, slots=True)
class Projection:
    path: Path
    name: str  # the result key: the alias, else the path as written


@dataclass(frozen=True, slots=True)
class OrderKey:
    field: Field
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    collection: str
    fields: tuple[Projection, ...] = ()  # empty: the whole model (SELECT *, or no list at all)
    where: Node | None = None
    order: tuple[OrderKey, ...] = ()
    limit: int | None = None
    offset: int | None = None


# --- printing -------------------------------------------------------------------------------


def path_name(path: Path) -> str:
    """A path as Convergence names an unaliased projection: ``a.b[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _name(name: str, first: bool) -> str:
    if first and name.startswith("@"):
        name = "@" + name  # "@@x" is the data field "@x"; a bare "@id" is the model id
    if _NAME.fullmatch(name) and name.lower() not in KEYWORDS:
        return name
    if not name or "`" in name:
        raise ValueError(f"field name {name!r} cannot be written in a query")
    return f"`{name}`"


def path_text(path: Path) -> str:
    out = _name(str(path[0]), True)
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else "." + _name(part, False)
    return out


def string_text(value: str) -> str:
    """A quoted literal; Convergence's only escape is a backslash before the quote."""
    if value.endswith("\\"):
        raise ValueError("a string ending in a backslash cannot be written in a query")
    return "'" + value.replace("'", "\\'") + "'"


def _literal_text(value: LiteralValue) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return string_text(value)
    return repr(value)


def node_text(node: Node) -> str:
    """Fully parenthesised, so precedence never has to be reconstructed."""
    if isinstance(node, Literal):
        return _literal_text(node.value)
    if isinstance(node, Field):
        return str(node.path[0]) if node.meta else path_text(node.path)
    if isinstance(node, Negate):
        return f"-({node_text(node.operand)})"
    if isinstance(node, Arithmetic | Compare):
        return f"({node_text(node.left)} {node.op} {node_text(node.right)})"
    if isinstance(node, Like):
        return f"({node_text(node.operand)} LIKE {string_text(node.pattern)})"
    if isinstance(node, And | Or):
        word = " AND " if isinstance(node, And) else " OR "
        return "(" + word.join(node_text(item) for item in node.items) + ")"
    return f"(NOT {node_text(node.operand)})"


def to_text(query: Query) -> str:
    parts = ["SELECT"]
    if not query.fields:
        parts.append("*")
    else:
        parts.append(
            ", ".join(
                path_text(p.path) + ("" if p.name == path_name(p.path) else " AS " + _alias(p.name))
                for p in query.fields
            )
        )
    parts += ["FROM", query.collection]
    if query.where is not None:
        parts += ["WHERE", node_text(query.where)]
    if query.order:
        keys = [node_text(k.field) + (" DESC" if k.descending else " ASC") for k in query.order]
        parts += ["ORDER BY", ", ".join(keys)]
    if query.limit is not None:
        parts.append(f"LIMIT {query.limit}")
    if query.offset is not None:
        parts.append(f"OFFSET {query.offset}")
    return " ".join(parts)


def _alias(name: str) -> str:
    if _NAME.fullmatch(name) and name.lower() not in KEYWORDS and not name.startswith("@"):
        return name
    return string_text(name) if "`" in name else f"`{name}`"
