"""The query language: parsing, evaluation against a pure-Python oracle, and hostile input
that must only ever produce a clean ``invalid_query`` (QueryError with an index)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convergence_jupyter.models.query import QueryError, evaluate, parse_query, project

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
    for _ in range(200):
        op = rand.choice(["=", "!=", ">", "<", ">=", "<="])
        value = rand.randrange(13)
        got = run(f"SELECT * FROM c WHERE age {op} {value}")
        import operator

        fn = {"=": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
              ">=": operator.ge, "<=": operator.le}[op]  # fmt: skip
        assert got == [k for k, d in ROWS if fn(d["age"], value)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SELECT",
        "SELECT * WHERE a = 1",
        "SELECT * FROM c WHERE name = 'x",
        "SELECT * FROM c WHERE name = 'x'; DROP TABLE models; --",
        "SELECT * FROM c WHERE a = 1 /* comment */",
        "SELECT * FROM c WHERE `a` = 1",
        "SELECT * FROM c WHERE a = \x00",
        "SELECT * FROM c LIMIT -1",
        "SELECT * FROM c ORDER BY " + ".".join(["a"] * 500),
        "SELECT * FROM c WHERE a..b = 1",
    ],
)
def test_hostile_queries_give_clean_errors(text: str) -> None:
    with pytest.raises(QueryError) as info:
        run(text)
    assert 0 <= info.value.index <= max(len(text), 10_000)


def test_injection_text_inside_strings_is_just_data() -> None:
    assert run("SELECT * FROM c WHERE name = 'x\\' OR 1=1 --'") == []
    assert run('SELECT * FROM c WHERE name = "\u00e9\U0001f600"') == []


@given(st.text(max_size=80))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        run(text)
    except QueryError:
        pass
