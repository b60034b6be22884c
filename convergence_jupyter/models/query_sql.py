"""Compile a query's condition and ordering to SQL over the stored snapshots (SQLite's JSON
functions, PostgreSQL's jsonb), exactly as :mod:`query` evaluates them, or not at all.

Why client text cannot become SQL: nothing here builds SQL text. Every piece is a SQLAlchemy
construct whose values are bound parameters: literals of the query are bound values; a field
path becomes a *bound* JSON path (SQLite: a path string such as ``$.value."a".value[0].type``
passed as the second argument of ``json_extract``; PostgreSQL: a bound ``text[]`` for ``#>>``),
so a name can at worst select nothing. The SQLite path syntax has no escapes, so names holding
``"``, ``\\`` or control characters are not compiled at all (the condition is judged in Python).
The only identifiers are our own columns and the fixed collation ``"C"``. LIKE patterns are
translated character by character into GLOB (SQLite, case-sensitive like the evaluator) or an
escaped LIKE (PostgreSQL) and bound.

Exactness: each compiled predicate is total (true or false, never NULL) so ``NOT`` and ``OR``
behave as in Python; type tags are checked before values are compared; numbers compare as
doubles (integer literals beyond 2**53 are left to Python); strings compare by code point
(SQLite's BINARY collation on UTF-8, PostgreSQL ``COLLATE "C"``). Arithmetic, unary minus on a
field and field-to-field comparisons are not compiled: SQL's integer division, ``%`` and NULLs
differ from the evaluator. A top-level ``AND`` is split: the compilable conjuncts go to SQL, the
rest stays a residual for Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Float,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from convergence_jupyter.models.query_ast import (
    And,
    Compare,
    Field,
    Like,
    Literal,
    Node,
    Not,
    Or,
    Query,
)
from convergence_jupyter.models.query_eval import compare_values, value_of
from convergence_jupyter.store.model_tables import ModelRow

_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}
_EXACT_INT = 2**53
#: Order classes of the evaluator's ``sort_key``.
_CLASSES = (("boolean", 1), ("double", 2), ("string", 3), ("date", 4), ("array", 5), ("object", 6))


#: PostgreSQL: each model's snapshot parsed to jsonb once per row, by this LATERAL subquery,
#: instead of once per field reference (a cast per reference was most of a query's time:
#: 10,000 models, ``owner = 'ann' ORDER BY score``, 282 ms, see bench/README.md). ``OFFSET 0``
#: keeps the planner from inlining it back into every reference.
POSTGRES_DOC = (
    select(cast(ModelRow.data, JSONB).label("doc"))
    .correlate(ModelRow)
    .offset(0)
    .lateral("snapshot_doc")
)


@dataclass(frozen=True, slots=True)
class Plan:
    """``where``: SQL conjuncts; ``residual``: what Python still has to check; ``order_by``:
    the SQL ordering (ending in creation order), None when Python must order. ``exact``: SQL
    alone decides the page, so LIMIT/OFFSET and the total come from the database. ``joins``:
    what the conditions and ordering read besides the model row (joined ``ON true``)."""

    where: tuple[ColumnElement[bool], ...]
    residual: Node | None
    order_by: tuple[ColumnElement[Any], ...] | None
    joins: tuple[FromClause, ...] = ()

    @property
    def exact(self) -> bool:
        return self.residual is None and self.order_by is not None


def _total(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """True or false, never NULL (NULL would make NOT and OR disagree with Python)."""
    return case((condition, true()), else_=false())


def _when(guard: ColumnElement[bool], test: ColumnElement[bool]) -> ColumnElement[bool]:
    """``test`` only where ``guard`` holds: PostgreSQL does not promise to evaluate AND in
    order, and a cast of the wrong kind of value would fail the query."""
    return case((guard, _total(test)), else_=false())


def _safe_text(value: str) -> bool:
    return "\x00" not in value


class _Value:
    """SQL views of one field: its type tag and its value as a number, text or boolean."""

    def tag_is(self, *tags: str) -> ColumnElement[bool]:
        raise NotImplementedError

    def missing(self) -> ColumnElement[bool]:
        raise NotImplementedError

    def number(self) -> ColumnElement[Any]:
        return null()

    def text(self) -> ColumnElement[Any]:
        return null()

    def is_true(self) -> ColumnElement[bool]:
        raise NotImplementedError

    def sort_keys(self) -> list[ColumnElement[Any]]:
        raise NotImplementedError


class _SqliteJson(_Value):
    def __init__(self, path: str) -> None:
        self._tag = func.json_extract(ModelRow.data, literal(path + ".type", Text))
        self._value = func.json_extract(ModelRow.data, literal(path + ".value", Text))

    def tag_is(self, *tags: str) -> ColumnElement[bool]:
        return self._tag.in_(tags)

    def missing(self) -> ColumnElement[bool]:
        return or_(self._tag.is_(None), self._tag == "null")

    def number(self) -> ColumnElement[Any]:
        return self._value

    def text(self) -> ColumnElement[Any]:
        return self._value

    def is_true(self) -> ColumnElement[bool]:
        return and_(self._tag == "boolean", self._value == 1)

    def sort_keys(self) -> list[ColumnElement[Any]]:
        scalar = case((self._tag.in_(("boolean", "double", "string", "date")), self._value))
        return [_class_of(self._tag), scalar]


class _PostgresJson(_Value):
    def __init__(self, parts: list[str]) -> None:
        doc = POSTGRES_DOC.c.doc
        self._tag = doc.op("#>>", return_type=Text)(literal([*parts, "type"], ARRAY(Text)))
        self._raw = doc.op("#>>", return_type=Text)(literal([*parts, "value"], ARRAY(Text)))

    def tag_is(self, *tags: str) -> ColumnElement[bool]:
        return self._tag.in_(tags)

    def missing(self) -> ColumnElement[bool]:
        return or_(self._tag.is_(None), self._tag == "null")

    def number(self) -> ColumnElement[Any]:
        return cast(self._raw, Float)

    def text(self) -> ColumnElement[Any]:
        return self._raw.collate("C")

    def is_true(self) -> ColumnElement[bool]:
        return and_(self._tag == "boolean", self._raw == "true")

    def sort_keys(self) -> list[ColumnElement[Any]]:
        numeric = case(
            (self._tag == "boolean", case((self._raw == "true", 1.0), else_=0.0)),
            (self._tag.in_(("double", "date")), cast(self._raw, Float)),
        )
        text = case((self._tag == "string", self._raw.collate("C")))
        return [_class_of(self._tag), numeric, text]


class _ModelId(_Value):
    def tag_is(self, *tags: str) -> ColumnElement[bool]:
        return true() if "string" in tags else false()

    def missing(self) -> ColumnElement[bool]:
        return false()

    def text(self) -> ColumnElement[Any]:
        return ModelRow.model_id.expression

    def is_true(self) -> ColumnElement[bool]:
        return false()

    def sort_keys(self) -> list[ColumnElement[Any]]:
        return [ModelRow.model_id.expression]


class _PostgresModelId(_ModelId):
    def text(self) -> ColumnElement[Any]:
        return ModelRow.model_id.collate("C")

    def sort_keys(self) -> list[ColumnElement[Any]]:
        return [self.text()]


class _Version(_Value):
    def tag_is(self, *tags: str) -> ColumnElement[bool]:
        return true() if "double" in tags else false()

    def missing(self) -> ColumnElement[bool]:
        return false()

    def number(self) -> ColumnElement[Any]:
        return _data_version()

    def is_true(self) -> ColumnElement[bool]:
        return false()

    def sort_keys(self) -> list[ColumnElement[Any]]:
        return [_data_version()]


def _data_version() -> ColumnElement[Any]:
    """The version the stored data is at (``ModelRecord.data_version``): a query judges
    each model as of its stored snapshot, which ``ModelService.flush_snapshots`` brought up
    to every acknowledged op just before."""
    return func.coalesce(ModelRow.snapshot_version, ModelRow.version)


def _class_of(tag: ColumnElement[Any]) -> ColumnElement[Any]:
    return case(*((tag == name, rank) for name, rank in _CLASSES), else_=0)


def _sqlite_path(field: Field) -> str | None:
    out = "$"
    for part in field.path:
        if isinstance(part, int):
            out += f".value[{part}]"
        elif '"' in part or "\\" in part or any(ord(c) < 0x20 for c in part):
            return None
        else:
            out += f'.value."{part}"'
    return out


class _Compiler:
    def __init__(self, dialect: str) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"no JSON query support for {dialect!r}")
        self.postgres = dialect == "postgresql"
        #: Whether a compiled field reads the parsed snapshot (PostgreSQL: ``POSTGRES_DOC``).
        self.reads_document = False

    def field(self, field: Field) -> _Value | None:
        if field.meta:
            if field.reserved == "id":
                return _PostgresModelId() if self.postgres else _ModelId()
            return _Version()
        if self.postgres:
            parts: list[str] = []
            for part in field.path:
                if isinstance(part, str) and not _safe_text(part):
                    return None
                parts += ["value", str(part)]
            self.reads_document = True
            return _PostgresJson(parts)
        path = _sqlite_path(field)
        return None if path is None else _SqliteJson(path)

    def condition(self, node: Node) -> ColumnElement[bool] | None:
        """A total SQL predicate equal to the evaluator's truth of ``node``, or None."""
        if isinstance(node, And | Or):
            parts = [self.condition(item) for item in node.items]
            if any(p is None for p in parts):
                return None
            return (and_ if isinstance(node, And) else or_)(*parts)  # type: ignore[arg-type]
        if isinstance(node, Not):
            inner = self.condition(node.operand)
            return None if inner is None else not_(inner)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Like):
            return self.like(node)
        if isinstance(node, Literal):
            return true() if node.value is True else false()
        if isinstance(node, Field):
            value = self.field(node)
            return None if value is None else _total(value.is_true())
        # Arithmetic and negation yield numbers or null, never true.
        return false()

    def compare(self, node: Compare) -> ColumnElement[bool] | None:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Field):
            op, left, right = _FLIP[op], right, left
        if isinstance(left, Literal) and isinstance(right, Literal):
            return true() if compare_values(op, left.value, right.value) else false()
        if not (isinstance(left, Field) and isinstance(right, Literal)):
            return None
        value = self.field(left)
        if value is None:
            return None
        if op == "!=":
            equal = self.compare(Compare("=", left, right))
            return None if equal is None else not_(equal)
        v = right.value
        if v is None:
            return _total(value.missing()) if op == "=" else false()
        if isinstance(v, bool):
            if op != "=":
                return false()
            if v:
                return _total(value.is_true())
            return _when(value.tag_is("boolean"), not_(value.is_true()))
        if isinstance(v, str):
            if not _safe_text(v):
                return None
            return _when(value.tag_is("string"), _op(op, value.text(), literal(v, Text)))
        if isinstance(v, int) and abs(v) > _EXACT_INT:
            return None
        return _when(value.tag_is("double"), _op(op, value.number(), literal(float(v), Float)))

    def like(self, node: Like) -> ColumnElement[bool] | None:
        if isinstance(node.operand, Literal):
            return true() if value_of(node, None, None) else false()
        if not isinstance(node.operand, Field) or not _safe_text(node.pattern):
            return None
        value = self.field(node.operand)
        if value is None:
            return None
        if self.postgres:
            escaped = node.pattern.replace("\\", "\\\\")
            test = value.text().like(literal(escaped, Text), escape="\\")
        else:
            test = value.text().op("GLOB")(literal(_glob(node.pattern), Text))
        return _when(value.tag_is("string"), test)

    def order(self, query: Query) -> tuple[ColumnElement[Any], ...] | None:
        terms: list[ColumnElement[Any]] = []
        for key in query.order:
            value = self.field(key.field)
            if value is None:
                return None
            for term in value.sort_keys():
                terms.append(term.desc() if key.descending else term.asc())
        terms.append(ModelRow.id.asc())
        return tuple(terms)


def _op(op: str, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[bool]:
    if op == "=":
        return a == b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _glob(pattern: str) -> str:
    out = []
    for c in pattern:
        if c == "%":
            out.append("*")
        elif c == "_":
            out.append("?")
        elif c in "*?[":
            out.append(f"[{c}]")
        else:
            out.append(c)
    return "".join(out)


def compile_query(query: Query, dialect: str) -> Plan:
    compiler = _Compiler(dialect)
    where: list[ColumnElement[bool]] = []
    residual: list[Node] = []
    conjuncts: Sequence[Node] = ()
    if isinstance(query.where, And):
        conjuncts = query.where.items
    elif query.where is not None:
        conjuncts = (query.where,)
    for item in conjuncts:
        compiled = compiler.condition(item)
        if compiled is None:
            residual.append(item)
        else:
            where.append(compiled)
    rest: Node | None = None
    if len(residual) == 1:
        rest = residual[0]
    elif residual:
        rest = And(tuple(residual))
    order_by = compiler.order(query)
    joins = (POSTGRES_DOC,) if compiler.reads_document else ()
    return Plan(tuple(where), rest, order_by, joins)
