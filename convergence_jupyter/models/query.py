"""Model queries (protocol §6.4): our own tokenizer and recursive-descent parser, evaluated in
Python over the collection's snapshots.

No client text ever reaches SQL: the only database access is "the models of collection X"
with X as a bound parameter, then filtering, ordering and paging happen here. Every error is
a :class:`QueryError` with the character index where parsing stopped.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format

from convergence_jupyter import ot
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.models import wire
from convergence_jupyter.models.permissions import resolve_model_permissions
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.models import CollectionRepository, ModelRepository

MAX_QUERY_LENGTH = 10_000
MAX_PATH_SEGMENTS = 64
MAX_RESULTS = 1000


class QueryError(ValueError):
    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


# --- tokens -------------------------------------------------------------------------------

_KEYWORDS = {
    "SELECT", "FROM", "WHERE", "ORDER", "BY", "ASC", "DESC", "LIMIT", "OFFSET", "AS",
    "AND", "OR", "NOT", "LIKE", "TRUE", "FALSE", "NULL",
}  # fmt: skip
_OPERATORS = ("!=", "<>", ">=", "<=", "=", ">", "<", "+", "-", "*", "/", "%", "(", ")", ",")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "kw", "ident", "str", "num", "op", "end"
    value: Any
    index: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("the query is too long", MAX_QUERY_LENGTH)
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "'\"":
            j, out = i + 1, []
            while j < len(text) and text[j] != ch:
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                out.append(text[j])
                j += 1
            if j >= len(text):
                raise QueryError("unterminated string", i)
            tokens.append(Token("str", "".join(out), i))
            i = j + 1
            continue
        m = _NUMBER.match(text, i)
        if m:
            raw = m.group(0)
            tokens.append(Token("num", float(raw) if m.group(1) or m.group(2) else int(raw), i))
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            word = m.group(0)
            if word.upper() in _KEYWORDS:
                tokens.append(Token("kw", word.upper(), i))
            else:
                tokens.append(Token("ident", word, i))
            i = m.end()
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("op", op, i))
                i += len(op)
                break
        else:
            if ch in ".[]":
                tokens.append(Token("op", ch, i))
                i += 1
                continue
            raise QueryError(f"unexpected character {ch!r}", i)
    tokens.append(Token("end", None, len(text)))
    return tokens


# --- syntax tree --------------------------------------------------------------------------

Path = tuple[str | int, ...]
Expr = Callable[[Any], Any]


@dataclass
class Query:
    collection: str
    fields: list[tuple[Path, str]] | None  # None: SELECT *
    where: Expr | None = None
    order: list[tuple[Path, bool]] = field(default_factory=list)  # (path, descending)
    limit: int | None = None
    offset: int = 0


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def fail(self, message: str) -> QueryError:
        return QueryError(message, self.tok.index)

    def accept(self, kind: str, value: Any = None) -> Token | None:
        t = self.tok
        if t.kind == kind and (value is None or t.value == value):
            self.pos += 1
            return t
        return None

    def expect(self, kind: str, value: Any = None) -> Token:
        t = self.accept(kind, value)
        if t is None:
            raise self.fail(f"expected {value or kind}")
        return t

    def parse(self) -> Query:
        self.expect("kw", "SELECT")
        fields: list[tuple[Path, str]] | None
        if self.accept("op", "*"):
            fields = None
        else:
            fields = []
            while True:
                path = self.path()
                name = _path_name(path)
                if self.accept("kw", "AS"):
                    name = self.name()
                fields.append((path, name))
                if not self.accept("op", ","):
                    break
        self.expect("kw", "FROM")
        collection = self.collection()
        query = Query(collection, fields)
        if self.accept("kw", "WHERE"):
            query.where = self.expr_or()
        if self.accept("kw", "ORDER"):
            self.expect("kw", "BY")
            while True:
                path = self.path()
                desc = bool(self.accept("kw", "DESC"))
                if not desc:
                    self.accept("kw", "ASC")
                query.order.append((path, desc))
                if not self.accept("op", ","):
                    break
        if self.accept("kw", "LIMIT"):
            query.limit = self.count()
        if self.accept("kw", "OFFSET"):
            query.offset = self.count()
        if self.tok.kind != "end":
            raise self.fail("unexpected text after the query")
        return query

    def collection(self) -> str:
        start = self.tok.index
        if self.tok.kind == "end":
            raise self.fail("expected a collection")
        end = start
        while end < len(self.text) and not self.text[end].isspace():
            end += 1
        while self.tok.kind != "end" and self.tok.index < end:
            self.pos += 1
        return self.text[start:end]

    def name(self) -> str:
        t = self.accept("ident") or self.accept("str")
        if t is None:
            raise self.fail("expected a name")
        return str(t.value)

    def count(self) -> int:
        t = self.expect("num")
        if not isinstance(t.value, int) or t.value < 0:
            raise QueryError("expected a non-negative integer", t.index)
        return t.value

    def path(self) -> Path:
        parts: list[str | int] = [self.name()]
        while True:
            if self.accept("op", "."):
                parts.append(self.name())
            elif self.accept("op", "["):
                t = self.expect("num")
                if not isinstance(t.value, int):
                    raise QueryError("array indices are integers", t.index)
                parts.append(t.value)
                self.expect("op", "]")
            else:
                break
            if len(parts) > MAX_PATH_SEGMENTS:
                raise self.fail("the field path is too long")
        return tuple(parts)

    # expressions: or > and > not > comparison > additive > multiplicative > unary > primary

    def expr_or(self) -> Expr:
        left = self.expr_and()
        while self.accept("kw", "OR"):
            right = self.expr_and()
            left = (lambda a, b: lambda d: _truthy(a(d)) or _truthy(b(d)))(left, right)
        return left

    def expr_and(self) -> Expr:
        left = self.expr_not()
        while self.accept("kw", "AND"):
            right = self.expr_not()
            left = (lambda a, b: lambda d: _truthy(a(d)) and _truthy(b(d)))(left, right)
        return left

    def expr_not(self) -> Expr:
        if self.accept("kw", "NOT"):
            inner = self.expr_not()
            return lambda d: not _truthy(inner(d))
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        t = self.tok
        if t.kind == "op" and t.value in ("=", "!=", "<>", ">", "<", ">=", "<="):
            self.pos += 1
            right = self.additive()
            return _compare(t.value, left, right)
        if self.accept("kw", "LIKE"):
            pattern = self.expect("str").value
            regex = re.compile(_like_regex(pattern), re.DOTALL)
            return lambda d: isinstance(v := left(d), str) and regex.fullmatch(v) is not None
        return left

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.tok.kind == "op" and self.tok.value in ("+", "-"):
            op = self.tok.value
            self.pos += 1
            left = _arith(op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.value in ("*", "/", "%"):
            op = self.tok.value
            self.pos += 1
            left = _arith(op, left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.accept("op", "-"):
            inner = self.unary()
            return lambda d: -v if _is_number(v := inner(d)) else None
        return self.primary()

    def primary(self) -> Expr:
        t = self.tok
        if self.accept("op", "("):
            inner = self.expr_or()
            self.expect("op", ")")
            return inner
        if t.kind in ("str", "num"):
            self.pos += 1
            value = t.value
            return lambda d: value
        if t.kind == "kw" and t.value in ("TRUE", "FALSE", "NULL"):
            self.pos += 1
            constant = {"TRUE": True, "FALSE": False, "NULL": None}[t.value]
            return lambda d: constant
        if t.kind in ("ident", "str"):
            path = self.path()
            return lambda d: lookup(d, path)
        raise self.fail("expected a value or a field")


def _path_name(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _truthy(value: Any) -> bool:
    return value is True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _like_regex(pattern: str) -> str:
    return "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)


def _compare(op: str, left: Expr, right: Expr) -> Expr:
    def run(d: Any) -> bool:
        a, b = left(d), right(d)
        if op in ("=", "!=", "<>"):
            equal = (a == b) if type(a) is type(b) or (_is_number(a) and _is_number(b)) else False
            return equal if op == "=" else not equal
        comparable = (_is_number(a) and _is_number(b)) or (
            isinstance(a, str) and isinstance(b, str)
        )
        if not comparable:
            return False
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]

    return run


def _arith(op: str, left: Expr, right: Expr) -> Expr:
    def run(d: Any) -> Any:
        a, b = left(d), right(d)
        if not (_is_number(a) and _is_number(b)):
            return None
        try:
            result = {"+": a + b, "-": a - b, "*": a * b}.get(op)
            if op == "/":
                result = a / b
            elif op == "%":
                result = math.fmod(a, b)
        except ZeroDivisionError:
            return None
        return result

    return run


def lookup(data: Any, path: Path) -> Any:
    """The value at ``path`` in plain model data, or None where it does not exist."""
    current = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(current, list) or not 0 <= part < len(current):
                return None
            current = current[part]
        else:
            if not isinstance(current, dict) or part not in current:
                return None
            current = current[part]
    return current


def parse_query(text: str) -> Query:
    return _Parser(text).parse()


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if _is_number(value):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True, default=str))


def evaluate(query: Query, rows: list[tuple[Any, Any]]) -> tuple[list[tuple[Any, Any]], int]:
    """Filter, order and page ``(key, plain data)`` rows; returns the page and the total."""
    selected = [r for r in rows if query.where is None or _truthy(query.where(r[1]))]
    for path, desc in reversed(query.order):
        selected.sort(key=lambda r: _sort_key(lookup(r[1], path)), reverse=desc)
    total = len(selected)
    limit = min(query.limit if query.limit is not None else MAX_RESULTS, MAX_RESULTS)
    return selected[query.offset : query.offset + limit], total


def project(query: Query, data: Any) -> dict[str, Any]:
    if query.fields is None:
        return data if isinstance(data, dict) else {}
    return {name: lookup(data, path) for path, name in query.fields}


async def run_query(
    db: Database, domain_pk: int, session: SessionHandle, text: str
) -> pb.ModelsQueryResponseMessage:
    query = parse_query(text)
    rows = []
    async with db.transaction(readonly=True) as tx:
        collection = await CollectionRepository(tx).get(domain_pk, query.collection)
        if collection is not None:
            for model in await ModelRepository(tx).in_collection(collection.pk):
                perms = await resolve_model_permissions(
                    tx, model, collection, session.user, session.user_pk
                )
                if perms.read:
                    root = ot.value_from_json(json.loads(model.data))
                    rows.append((model, ot.to_plain(root)))
    page, total = evaluate(query, rows)
    reply = pb.ModelsQueryResponseMessage(offset=query.offset, totalResults=total)
    for model, data in page:
        result = reply.models.add(
            collectionId=model.collection_id,
            modelId=model.model_id,
            createdTime=wire.datetime_to_timestamp(model.created_at),
            modifiedTime=wire.datetime_to_timestamp(model.modified_at),
            version=model.version,
        )
        result.data.SetInParent()
        json_format.ParseDict(project(query, data), result.data)
    return reply
