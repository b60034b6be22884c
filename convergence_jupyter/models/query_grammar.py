"""The model query language (protocol §6.4) as a lark LALR grammar.

It accepts every form of Convergence's own query grammar (the Scala server's parser):
``SELECT`` with ``*``, a field list or *no* field list (``SELECT FROM c``), aliases
(``a.b AS x``), any run of non-space characters as the collection, ``WHERE`` with
``AND``/``OR``/``NOT`` and parentheses, ``= != > < >= <=``, ``LIKE 'pattern'``, arithmetic
``+ - * / %``, strings in either quote (a backslash escapes only the quote), signed integers and
decimals with exponents, ``true``/``false``, field paths with ``.name``, ``[index]`` and
backtick-quoted names, the reserved ``@id``/``@version`` (``@@x`` is the data field ``@x``),
``ORDER BY`` keys with ``ASC``/``ASCENDING``/``DESC``/``DESCENDING``, then ``LIMIT``, then
``OFFSET``; keywords in any case. Ours besides: ``NULL``, ``<>``, unary minus on any value, a
bare value as a condition, quoted aliases. Where the PEG parser backtracks so that a keyword
reads as a field (``WHERE not = 1``) we do not: such a name needs backticks. Unquoted names may
not hold control characters.

Every failure is a :class:`QueryError` with the index where the text stopped making sense.
"""

from __future__ import annotations

import re
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from convergence_jupyter.models.query_ast import (
    NAME_CHAR,
    NAME_PATTERN,
    RESERVED,
    And,
    Arithmetic,
    Compare,
    Field,
    Like,
    Literal,
    Negate,
    Node,
    Not,
    Or,
    OrderKey,
    Projection,
    Query,
    path_name,
)

MAX_QUERY_LENGTH = 10_000
MAX_PATH_SEGMENTS = 64
#: Deeper trees are refused, so the recursive evaluator and compiler stay far from Python's
#: recursion limit (AND/OR chains are flat and do not count).
MAX_DEPTH = 48
_MAX_INT = 2**63 - 1


class QueryError(ValueError):
    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


def _keyword(word: str) -> str:
    # Higher priority than NAME, but only as a whole word: "orders" stays a name.
    return f"{word.upper()}.2: /{word}(?!{NAME_CHAR})/i"


_GRAMMAR = rf"""
start: SELECT projection FROM COLLECTION where? order? limit? offset?

projection: STAR | [field_item ("," field_item)*]
field_item: path (AS alias)?
alias: NAME | QUOTED_NAME | STRING

path: first_segment ("." segment | "[" INT "]")*
first_segment: NAME | QUOTED_NAME
segment: NAME | QUOTED_NAME

where: WHERE or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: NOT not_expr -> not_
         | comparison
?comparison: sum COMPARE_OP sum -> compare
           | sum LIKE STRING -> like
           | sum
?sum: product (ADD_OP product)*
?product: unary (MUL_OP unary)*
?unary: ADD_OP unary -> sign
      | atom
?atom: "(" or_expr ")"
     | literal
     | path -> field
literal: STRING | NUMBER | TRUE | FALSE | NULL

order: ORDER BY order_key ("," order_key)*
order_key: path (ASC | DESC)?
limit: LIMIT INT
offset: OFFSET INT

{_keyword("select")}
{_keyword("from")}
{_keyword("where")}
{_keyword("order")}
{_keyword("by")}
ASC.2: /asc(ending)?(?!{NAME_CHAR})/i
DESC.2: /desc(ending)?(?!{NAME_CHAR})/i
{_keyword("limit")}
{_keyword("offset")}
{_keyword("as")}
{_keyword("and")}
{_keyword("or")}
{_keyword("not")}
{_keyword("like")}
{_keyword("true")}
{_keyword("false")}
{_keyword("null")}
STAR: "*"
COMPARE_OP: "!=" | "<>" | "<=" | ">=" | "=" | "<" | ">"
ADD_OP: "+" | "-"
MUL_OP: "*" | "/" | "%"
COLLECTION: /[^ \t\n\r\f]+/
NAME: /{NAME_PATTERN}/
QUOTED_NAME: /`[^`]+`/
STRING: /'(?:[\\]'|[^'])*+'/ | /"(?:[\\]"|[^"])*+"/
NUMBER: /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/
INT: /[0-9]+/
%ignore /[ \t\n\r\f]+/
"""  # noqa: S608 - a lark grammar, not SQL


def _index(token: Token) -> int:
    return token.start_pos or 0


def _check_depth(node: Node, at: int) -> Node:
    if node.depth > MAX_DEPTH:
        raise QueryError("the expression is nested too deeply", at)
    return node


def _unquote(token: Token) -> str:
    text = str(token)
    if token.type == "QUOTED_NAME":
        return text[1:-1]
    if token.type == "STRING":
        quote = text[0]
        return text[1:-1].replace("\\" + quote, quote)
    return text


class _Build(Transformer[Token, Any]):
    """Applied on every reduction (lark's inline LALR transformer): no recursion anywhere."""

    def start(self, items: list[Any]) -> Query:
        rest = {type(item).__name__: item for item in items[3:] if not isinstance(item, Token)}
        fields = items[1]
        where = rest.get("_Where")
        return Query(
            collection=str(items[3]),
            fields=fields,
            where=where.node if where is not None else None,
            order=rest.get("tuple", ()),
            limit=rest["_Limit"].value if "_Limit" in rest else None,
            offset=rest["_Offset"].value if "_Offset" in rest else None,
        )

    def projection(self, items: list[Any]) -> tuple[Projection, ...]:
        return tuple(item for item in items if isinstance(item, Projection))

    def field_item(self, items: list[Any]) -> Projection:
        path = items[0].path
        name = items[2] if len(items) == 3 else path_name(path)
        return Projection(path, name)

    def alias(self, items: list[Token]) -> str:
        return _unquote(items[0])

    def first_segment(self, items: list[Token]) -> tuple[str, bool]:
        return _unquote(items[0]), items[0].type == "NAME"

    def segment(self, items: list[Token]) -> Token:
        return items[0].update(value=_unquote(items[0]))

    def path(self, items: list[Any]) -> Field:
        (first, bare), rest = items[0], items[1:]
        parts: list[str | int] = [first]
        for item in rest:
            if isinstance(item, Token) and item.type == "INT":
                parts.append(self._count(item))
            else:
                parts.append(str(item))
        if len(parts) > MAX_PATH_SEGMENTS:
            raise QueryError("the field path is too long", _index(rest[MAX_PATH_SEGMENTS - 1]))
        if bare and first.startswith("@@"):
            parts[0] = first[1:]
        elif bare and first in RESERVED and len(parts) == 1:
            return Field((first,), meta=True)
        return Field(tuple(parts))

    def where(self, items: list[Any]) -> _Where:
        return _Where(_check_depth(items[1], _index(items[0])))

    def or_expr(self, items: list[Any]) -> Or:
        return Or(_flatten(Or, items[0::2]))

    def and_expr(self, items: list[Any]) -> And:
        return And(_flatten(And, items[0::2]))

    def not_(self, items: list[Any]) -> Node:
        return _check_depth(Not(items[1]), _index(items[0]))

    def compare(self, items: list[Any]) -> Node:
        op = str(items[1])
        return _check_depth(
            Compare("!=" if op == "<>" else op, items[0], items[2]), _index(items[1])
        )

    def like(self, items: list[Any]) -> Node:
        return _check_depth(Like(items[0], _unquote(items[2])), _index(items[1]))

    def sum(self, items: list[Any]) -> Node:
        return self._chain(items)

    def product(self, items: list[Any]) -> Node:
        return self._chain(items)

    def _chain(self, items: list[Any]) -> Node:
        node = items[0]
        for op, right in zip(items[1::2], items[2::2], strict=True):
            node = _check_depth(Arithmetic(str(op), node, right), _index(op))
        return node

    def sign(self, items: list[Any]) -> Node:
        op, operand = items
        number = operand.value if isinstance(operand, Literal) else None
        if isinstance(number, int | float) and not isinstance(number, bool):
            return Literal(-number if op == "-" else number)
        if op == "+":
            return operand
        return _check_depth(Negate(operand), _index(op))

    def field(self, items: list[Field]) -> Field:
        return items[0]

    def literal(self, items: list[Token]) -> Literal:
        token = items[0]
        kind = token.type
        if kind == "STRING":
            return Literal(_unquote(token))
        if kind == "NUMBER":
            return Literal(_number(token))
        return Literal({"TRUE": True, "FALSE": False, "NULL": None}[kind])

    def order(self, items: list[Any]) -> tuple[OrderKey, ...]:
        return tuple(item for item in items if isinstance(item, OrderKey))

    def order_key(self, items: list[Any]) -> OrderKey:
        descending = len(items) == 2 and items[1].type == "DESC"
        return OrderKey(items[0], descending)

    def limit(self, items: list[Token]) -> _Limit:
        return _Limit(self._count(items[1]))

    def offset(self, items: list[Token]) -> _Offset:
        return _Offset(self._count(items[1]))

    def _count(self, token: Token) -> int:
        if len(token) > 19 or int(token) > _MAX_INT:
            raise QueryError("the number is too large", _index(token))
        return int(token)


class _Where:
    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node


class _Limit:
    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value


class _Offset(_Limit):
    __slots__ = ()


def _flatten(kind: type[And] | type[Or], items: list[Node]) -> tuple[Node, ...]:
    out: list[Node] = []
    for item in items:
        out.extend(item.items if isinstance(item, kind) else (item,))
    return tuple(out)


def _number(token: Token) -> int | float:
    text = str(token)
    if len(text) > 400:
        raise QueryError("the number is too long", _index(token))
    if "." in text or "e" in text or "E" in text:
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise QueryError("the number is out of range", _index(token))
        return value
    return int(text)


_PARSER = Lark(
    _GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False, transformer=_Build()
)

_STRING = re.compile(r"'(?:\\'|[^'])*+'|\"(?:\\\"|[^\"])*+\"")
_QUOTED_NAME = re.compile(r"`[^`]+`")

_DESCRIBE = {
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "COMPARE_OP": "a comparison",
    "STAR": "'*'",
    "LPAR": "'('",
    "LSQB": "'['",
    "COMMA": "','",
    "DOT": "'.'",
    "COLLECTION": "a collection",
    "NAME": "a field",
    "QUOTED_NAME": "a field",
    "STRING": "a string",
    "NUMBER": "a number",
    "INT": "a non-negative integer",
    "RPAR": "')'",
    "RSQB": "']'",
    "$END": "the end of the query",
}


def _expected(names: set[str] | frozenset[str] | None) -> str:
    described = sorted({_DESCRIBE.get(n, n) for n in names or ()})
    if not described:
        return "unexpected text"
    if len(described) > 6:
        described = [*described[:6], "..."]
    return "expected " + ", ".join(described)


def _unquoted(text: str, at: int) -> str | None:
    """What is wrong when the text stops at an opening quote that the lexer could not end."""
    if _STRING.match(text, at) or _QUOTED_NAME.match(text, at):
        return None
    if text[at : at + 1] in ("'", '"'):
        return "unterminated string"
    if text[at : at + 1] == "`":
        return "unterminated or empty quoted name"
    return None


def parse_query(text: str) -> Query:
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("the query is too long", MAX_QUERY_LENGTH)
    try:
        result = _PARSER.parse(text)
    except QueryError:
        raise
    except UnexpectedEOF as exc:
        raise QueryError(_expected(set(exc.expected)), len(text)) from None
    except UnexpectedToken as exc:
        at = (exc.token.start_pos or 0) if exc.token.type != "$END" else len(text)
        raise QueryError(
            _unquoted(text, at) or _expected(exc.accepts or exc.expected), at
        ) from None
    except UnexpectedCharacters as exc:
        at = exc.pos_in_stream or 0
        raise QueryError(_unquoted(text, at) or _expected(exc.allowed), at) from None
    except UnexpectedInput as exc:  # pragma: no cover - the three above are all lark raises
        raise QueryError("invalid query", getattr(exc, "pos_in_stream", 0) or 0) from None
    assert isinstance(result, Query)
    return result
