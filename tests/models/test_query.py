"""The query language: every form of Convergence's own grammar, printing and parsing back
(hypothesis over syntax trees), evaluation against a pure-Python oracle, and hostile input that
must only ever produce a clean ``invalid_query`` (QueryError with an index)."""

# The table of Convergence forms reads best one form per line.
# ruff: noqa: E501

from __future__ import annotations

import operator
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence_jupyter.models.query import QueryError, evaluate, parse_query, project
from convergence_jupyter.models.query_ast import (
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
    to_text,
)
from convergence_jupyter.models.query_grammar import MAX_DEPTH

ROWS: list[tuple[int, dict[str, Any]]] = [
    (i, {"name": f"n{i % 7}", "age": i % 13, "tags": [i % 3, "t"], "nested": {"x": i * 1.5}})
    for i in range(60)
]


def run(text: str) -> list[int]:
    page, _ = evaluate(parse_query(text), list(ROWS))
    return [key for key, _ in page]


def test_where_order_limit_offset_match_the_oracle() -> None:
    got = run(
        "select * FROM docs WHERE age >= 3 AND (name = 'n1' OR nested.x > 60) "
        "ORDER BY age DESC, name LIMIT 5 OFFSET 2"
    )
    oracle = [
        r for r in ROWS if r[1]["age"] >= 3 and (r[1]["name"] == "n1" or r[1]["nested"]["x"] > 60)
    ]
    oracle.sort(key=lambda r: r[1]["name"])
    oracle.sort(key=lambda r: r[1]["age"], reverse=True)
    assert got == [k for k, _ in oracle[2:7]]


def test_like_not_arithmetic_and_array_paths() -> None:
    assert run("SELECT * FROM c WHERE name LIKE 'n_' AND NOT(age % 2 = 0) AND tags[0] = 1") == [
        k for k, d in ROWS if d["age"] % 2 == 1 and d["tags"][0] == 1
    ]


def test_projection_with_alias() -> None:
    q = parse_query("SELECT name AS who, nested.x FROM c")
    assert project(q, ROWS[2][1]) == {"who": "n2", "nested.x": 3.0}


def test_random_comparisons_match_the_oracle() -> None:
    rand = random.Random(5)
    fns = {"=": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
           ">=": operator.ge, "<=": operator.le}  # fmt: skip
    for _ in range(200):
        op = rand.choice(list(fns))
        value = rand.randrange(13)
        got = run(f"SELECT * FROM c WHERE age {op} {value}")
        assert got == [k for k, d in ROWS if fns[op](d["age"], value)]


# --- Convergence's grammar: every form its parser accepts parses here, to the same meaning ---

A, B = Field(("a",)), Field(("b",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SELECT: '*', a field list, or no field list at all; leading space; any case
        ("SELECT * FROM c", Query("c")),
        ("SELECT FROM c", Query("c")),
        ("  select  from  c  ", Query("c")),
        ("SeLeCt * FrOm c", Query("c")),
        ("SELECT a, b.c FROM c", Query("c", (Projection(("a",), "a"), Projection(("b", "c"), "b.c")))),
        ("SELECT a AS x FROM c", Query("c", (Projection(("a",), "x"),))),
        ("SELECT a as `x y` FROM c", Query("c", (Projection(("a",), "x y"),))),
        ("SELECT a[1].b FROM c", Query("c", (Projection(("a", 1, "b"), "a[1].b"),))),
        # the collection is any run of non-space characters
        ("SELECT * FROM my-coll.v2/x", Query("my-coll.v2/x")),
        # WHERE: AND binds tighter than OR, NOT before a comparison or parentheses
        ("SELECT * FROM c WHERE a = 1 OR b = 2 AND a = 3",
         Query("c", where=Or((Compare("=", A, Literal(1)),
                              And((Compare("=", B, Literal(2)), Compare("=", A, Literal(3)))))))),
        ("SELECT * FROM c WHERE NOT a = 1", Query("c", where=Not(Compare("=", A, Literal(1))))),
        ("SELECT * FROM c WHERE NOT (a = 1 or b = 2)",
         Query("c", where=Not(Or((Compare("=", A, Literal(1)), Compare("=", B, Literal(2))))))),
        ("SELECT * FROM c WHERE (a = 1) and (b = 2)",
         Query("c", where=And((Compare("=", A, Literal(1)), Compare("=", B, Literal(2)))))),
        # keywords need no space after a literal (Convergence's rules do not ask for one)
        ("SELECT * FROM c WHERE a = 1and b = 'x'or a = 2",
         Query("c", where=Or((And((Compare("=", A, Literal(1)), Compare("=", B, Literal("x")))),
                              Compare("=", A, Literal(2)))))),
        # every comparison
        *[(f"SELECT * FROM c WHERE a {op} 1", Query("c", where=Compare(op, A, Literal(1))))
          for op in ("=", "!=", "<", "<=", ">", ">=")],
        ("SELECT * FROM c WHERE a<=b", Query("c", where=Compare("<=", A, B))),
        # LIKE with either quote, any case
        ("SELECT * FROM c WHERE a LIKE 'x%'", Query("c", where=Like(A, "x%"))),
        ('SELECT * FROM c WHERE a like "_y"', Query("c", where=Like(A, "_y"))),
        # arithmetic with precedence and parentheses
        ("SELECT * FROM c WHERE a + 2 * 3 = 7",
         Query("c", where=Compare("=", Arithmetic("+", A, Arithmetic("*", Literal(2), Literal(3))),
                                  Literal(7)))),
        ("SELECT * FROM c WHERE (a - 1) % 4 / 2 = 0",
         Query("c", where=Compare("=", Arithmetic("/", Arithmetic("%", Arithmetic("-", A, Literal(1)),
                                                                  Literal(4)), Literal(2)),
                                  Literal(0)))),
        ("SELECT * FROM c WHERE a -5 = 1",
         Query("c", where=Compare("=", Arithmetic("-", A, Literal(5)), Literal(1)))),
        # literals: both quotes, the escaped quote (the only escape), signed numbers, decimals,
        # exponents, booleans in any case
        ("SELECT * FROM c WHERE a = 'it\\'s'", Query("c", where=Compare("=", A, Literal("it's")))),
        ('SELECT * FROM c WHERE a = "say \\"hi\\""',
         Query("c", where=Compare("=", A, Literal('say "hi"')))),
        ("SELECT * FROM c WHERE a = 'back\\slash'",
         Query("c", where=Compare("=", A, Literal("back\\slash")))),
        ("SELECT * FROM c WHERE a = \"it's\"", Query("c", where=Compare("=", A, Literal("it's")))),
        ("SELECT * FROM c WHERE a = -12", Query("c", where=Compare("=", A, Literal(-12)))),
        ("SELECT * FROM c WHERE a = +12", Query("c", where=Compare("=", A, Literal(12)))),
        ("SELECT * FROM c WHERE a = 1.5e3", Query("c", where=Compare("=", A, Literal(1500.0)))),
        ("SELECT * FROM c WHERE a = 2E-2", Query("c", where=Compare("=", A, Literal(0.02)))),
        ("SELECT * FROM c WHERE a = 7e2", Query("c", where=Compare("=", A, Literal(700.0)))),
        ("SELECT * FROM c WHERE a = TRUE AND b = false",
         Query("c", where=And((Compare("=", A, Literal(True)), Compare("=", B, Literal(False)))))),
        # field paths: dots, indices, backticks, unusual characters, the reserved fields
        ("SELECT * FROM c WHERE a.b[2].c = 1",
         Query("c", where=Compare("=", Field(("a", "b", 2, "c")), Literal(1)))),
        ("SELECT * FROM c WHERE `a b`.`c.d` = 1",
         Query("c", where=Compare("=", Field(("a b", "c.d")), Literal(1)))),
        ("SELECT * FROM c WHERE $x_1:é = 1", Query("c", where=Compare("=", Field(("$x_1:é",)), Literal(1)))),
        ("SELECT * FROM c WHERE @id = 'm1'", Query("c", where=Compare("=", Field(("@id",), meta=True), Literal("m1")))),
        ("SELECT * FROM c WHERE @version > 3",
         Query("c", where=Compare(">", Field(("@version",), meta=True), Literal(3)))),
        ("SELECT * FROM c WHERE @@id = 1", Query("c", where=Compare("=", Field(("@id",)), Literal(1)))),
        # words that are keywords elsewhere are names here
        ("SELECT order, limits FROM c WHERE ascending = 1",
         Query("c", (Projection(("order",), "order"), Projection(("limits",), "limits")),
               where=Compare("=", Field(("ascending",)), Literal(1)))),
        # ORDER BY: several keys, every spelling of the direction
        ("SELECT * FROM c ORDER BY a", Query("c", order=(OrderKey(A),))),
        ("SELECT * FROM c order by a ASC, b desc, @id ascending, a.b DESCENDING",
         Query("c", order=(OrderKey(A), OrderKey(B, True), OrderKey(Field(("@id",), meta=True)),
                           OrderKey(Field(("a", "b")), True)))),
        # LIMIT then OFFSET
        ("SELECT * FROM c LIMIT 10", Query("c", limit=10)),
        ("SELECT * FROM c OFFSET 5", Query("c", offset=5)),
        ("SELECT * FROM c WHERE a = 1 ORDER BY b LIMIT 10 OFFSET 20",
         Query("c", where=Compare("=", A, Literal(1)), order=(OrderKey(B),), limit=10, offset=20)),
        # whitespace of every kind Convergence knows
        ("SELECT\t*\nFROM\rc\fWHERE a = 1", Query("c", where=Compare("=", A, Literal(1)))),
        # ours besides: NULL, <>, a bare condition, unary minus on a field
        ("SELECT * FROM c WHERE a = NULL", Query("c", where=Compare("=", A, Literal(None)))),
        ("SELECT * FROM c WHERE a <> 1", Query("c", where=Compare("!=", A, Literal(1)))),
        ("SELECT * FROM c WHERE a AND NOT b", Query("c", where=And((A, Not(B))))),
        ("SELECT * FROM c WHERE -a = 1", Query("c", where=Compare("=", Negate(A), Literal(1)))),
    ],
)  # fmt: skip
def test_convergence_forms(text: str, expected: Query) -> None:
    assert repr(parse_query(text)) == repr(expected)


# --- printing and parsing back ------------------------------------------------------------

NAMES = ["a", "b", "name", "x y", "order", "@z", "é", 'q"k', "k\\", "1st", "a.b", "it's", "_"]
names = st.sampled_from(NAMES)
paths = st.tuples(names, st.lists(names | st.integers(0, 3), max_size=2)).map(
    lambda t: (t[0], *t[1])
)
data_fields = paths.map(Field)
meta_fields = st.sampled_from([Field(("@id",), meta=True), Field(("@version",), meta=True)])
fields = data_fields | meta_fields
texts = st.text(st.sampled_from("ab%_'\"\\ é\n`"), max_size=6).filter(
    lambda s: not s.endswith("\\")
)
numbers = (
    st.integers(-5, 5)
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.5, -0.0, 2.5, 1e16])
)
literals = st.builds(Literal, st.none() | st.booleans() | numbers | texts)


def _values(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.builds(Negate, children.filter(lambda n: not isinstance(n, Literal))) | st.builds(
        Arithmetic, st.sampled_from("+-*/%"), children, children
    )


values = st.recursive(literals | fields, _values, max_leaves=3)
comparisons = st.builds(Compare, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), values, values)
likes = st.builds(Like, values, texts)


def _conditions(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def group(kind: type[And] | type[Or]) -> st.SearchStrategy[Node]:
        items = children.filter(lambda n: not isinstance(n, kind))
        return st.lists(items, min_size=2, max_size=3).map(lambda xs: kind(tuple(xs)))

    return group(And) | group(Or) | st.builds(Not, children)


conditions = st.recursive(comparisons | likes | fields | literals, _conditions, max_leaves=6)
projections = st.builds(
    lambda path, alias: Projection(path, alias if alias is not None else path_name(path)),
    paths,
    st.none() | names.filter(lambda n: not n.endswith("\\")),
)
collections = st.from_regex(r"[^ \t\n\r\f]{1,8}", fullmatch=True)
queries = st.builds(
    Query,
    collection=collections,
    fields=st.lists(projections, max_size=3).map(tuple),
    where=st.none() | conditions,
    order=st.lists(st.builds(OrderKey, fields, st.booleans()), max_size=3).map(tuple),
    limit=st.none() | st.integers(0, 2**63 - 1),
    offset=st.none() | st.integers(0, 2**63 - 1),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
def test_printed_queries_parse_back_to_the_same_tree(query: Query) -> None:
    text = to_text(query)
    assert repr(parse_query(text)) == repr(query), text


# --- hostile input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SELECT",
        "SELECT * WHERE a = 1",
        "SELECT * FROM c WHERE name = 'x",
        "SELECT * FROM c WHERE name = 'x'; DROP TABLE models; --",
        "SELECT * FROM c WHERE a = 1 /* comment */",
        "SELECT * FROM c WHERE a = \x00",
        "SELECT * FROM c LIMIT -1",
        "SELECT * FROM c ORDER BY " + ".".join(["a"] * 500),
        "SELECT * FROM c WHERE a..b = 1",
        "SELECT * FROM c WHERE a = 1e999",
        "SELECT * FROM c LIMIT 99999999999999999999",
        "SELECT * FROM c WHERE a = " + "9" * 5000,
        "SELECT * FROM c WHERE " + "NOT " * 2000 + "a",
        "SELECT * FROM c WHERE a = " + " + ".join(["1"] * 200),
        "SELECT * FROM c WHERE a = " + "(" * 4000 + "1" + ")" * 3999,
        "SELECT * FROM c WHERE ``= 1",
        "SELECT a, FROM c",
        "SELECT * FROM c OFFSET 1 LIMIT 1",
        "x" * 10_001,
    ],
)
def test_hostile_queries_give_clean_errors(text: str) -> None:
    with pytest.raises(QueryError) as info:
        run(text)
    assert 0 <= info.value.index <= len(text)
    assert info.value.message


def test_error_messages_say_what_was_expected_and_where() -> None:
    cases = {
        "SELECT * WHERE a = 1": (9, "FROM"),
        "SELECT * FROM c WHERE a = ": (26, "a field"),
        "SELECT * FROM c WHERE a = 'x": (26, "unterminated string"),
        "SELECT * FROM c LIMIT x": (22, "a non-negative integer"),
        "SELECT * FROM c ORDER BY": (24, "a field"),
    }
    for text, (index, word) in cases.items():
        with pytest.raises(QueryError) as info:
            parse_query(text)
        assert (info.value.index, word in info.value.message) == (index, True), info.value.message
    deep = "SELECT * FROM c WHERE a = " + " + ".join(["1"] * (MAX_DEPTH + 5))
    with pytest.raises(QueryError, match="nested too deeply"):
        parse_query(deep)


def test_injection_text_inside_strings_is_just_data() -> None:
    assert run("SELECT * FROM c WHERE name = 'x\\' OR 1=1 --'") == []
    assert run('SELECT * FROM c WHERE name = "\u00e9\U0001f600"') == []


@given(st.text(max_size=80))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        run(text)
    except QueryError as exc:
        assert 0 <= exc.index <= len(text)


@settings(max_examples=300, deadline=None)
@given(queries, st.data())
def test_damaged_queries_parse_or_fail_cleanly(query: Query, data: st.DataObject) -> None:
    text = to_text(query)
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 3))
    junk = data.draw(st.text(st.sampled_from("'\"`()[].,=<>!-+*/% \\aZ0@"), max_size=3))
    damaged = text[:at] + junk + text[at + cut :]
    try:
        parse_query(damaged)
    except QueryError as exc:
        assert 0 <= exc.index <= len(damaged)
