"""Queries evaluated in the database (SQLite JSON functions, PostgreSQL jsonb) against the
Python evaluator as the oracle: random model sets and random queries through both paths on a
real database must give the same page, order and total; the read-permission filter in SQL must
admit exactly the models ``resolve_model_permissions`` lets the user read."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from database_backends import BACKENDS, database_url
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.models.query import run_query, run_query_python
from convergence_jupyter.models.query_ast import Field, OrderKey, Query, to_text
from convergence_jupyter.models.query_grammar import parse_query
from convergence_jupyter.models.query_sql import compile_query
from convergence_jupyter.ot.values import DATE_MARKER
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store import Database, DomainRepository, UserRepository
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRepository,
    PermissionFlags,
)
from tests.realtime.long_runs import require_long

from .test_query import NAMES, conditions, queries

T = TypeVar("T")


@dataclass(frozen=True)
class Reader:
    """The two things a query asks of its session: who the user is and their row id."""

    user: DomainUser
    user_pk: int
    session_id: str = "s"


@dataclass
class Env:
    db: Database
    domain_pk: int
    loop: asyncio.AbstractEventLoop
    admin: SessionHandle
    counter: Iterator[int]

    def run(self, make: Callable[[], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(make())  # type: ignore[arg-type]

    async def user(self, kind: UserType = UserType.ANONYMOUS) -> SessionHandle:
        async with self.db.transaction() as tx:
            record = await UserRepository(tx).create_anonymous(self.domain_pk, "x")
        reader = Reader(DomainUser(DomainUserId(kind, record.username)), record.pk)
        return cast(SessionHandle, reader)


@pytest.fixture(params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    for url in database_url(request, tmp_path, "query.db"):
        loop = asyncio.new_event_loop()
        db = Database.from_url(url)

        async def setup(db: Database = db) -> int:
            await db.upgrade()
            async with db.transaction() as tx:
                return (await DomainRepository(tx).ensure("convergence", "default")).pk

        domain_pk = loop.run_until_complete(setup())
        holder = Env(db, domain_pk, loop, cast(SessionHandle, None), itertools.count())
        holder.admin = loop.run_until_complete(holder.user(UserType.CONVERGENCE))
        try:
            yield holder
        finally:
            loop.run_until_complete(db.close())
            loop.close()


# --- model data ---------------------------------------------------------------------------

KEYS = [n for n in NAMES if n != "@z"] + ["@z"]
doc_text = st.text(st.sampled_from("ab%_'\"\\ é\n`*?[\x00"), max_size=5)
doc_numbers = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-5, 5).map(float)
dates = st.integers(0, 2**41).map(lambda ms: {DATE_MARKER: "date", "date": ms})
scalars = st.none() | st.booleans() | doc_numbers | doc_text | dates
documents = st.dictionaries(
    st.sampled_from(KEYS),
    st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
        ),
        max_leaves=6,
    ),
    max_size=5,
)


def snapshot(plain: dict[str, Any]) -> str:
    counter = itertools.count()
    root = ot.from_plain(plain, lambda: f"0:{next(counter)}")
    return json.dumps(ot.value_to_json(root), separators=(",", ":"), ensure_ascii=False)


async def fill(env: Env, docs: list[dict[str, Any]], **collection: Any) -> str:
    name = f"c{next(env.counter)}"
    async with env.db.transaction() as tx:
        record = await CollectionRepository(tx).ensure(env.domain_pk, name, **collection)
        for i, doc in enumerate(docs):
            await ModelRepository(tx).create(
                env.domain_pk, record, f"m{i:02d}-{name}", snapshot(doc)
            )
    return name


def outcome(reply: pb.ModelsQueryResponseMessage) -> tuple[int, list[tuple[str, Any]]]:
    models = [(m.modelId, json_format.MessageToDict(m.data)) for m in reply.models]
    return reply.totalResults, models


def same_answer(env: Env, session: SessionHandle, text: str) -> None:
    sql = env.run(lambda: run_query(env.db, env.domain_pk, session, text))
    oracle = env.run(lambda: run_query_python(env.db, env.domain_pk, session, text))
    assert outcome(sql) == outcome(oracle), text
    assert sql.offset == oracle.offset


small_pages = st.none() | st.integers(0, 12)
db_queries = st.builds(
    replace,
    queries,
    limit=small_pages,
    offset=small_pages,
)


def check_random_queries(env: Env, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(documents, max_size=10), st.lists(db_queries, min_size=1, max_size=4))
    def check(docs: list[dict[str, Any]], drawn: list[Query]) -> None:
        name = env.run(lambda: fill(env, docs))
        for query in drawn:
            same_answer(env, env.admin, to_text(replace(query, collection=name)))

    check()


def test_random_queries_match_the_oracle(env: Env) -> None:
    check_random_queries(env, 40 if env.db.dialect_name == "sqlite" else 25)


@pytest.mark.long
@pytest.mark.timeout(7200)
def test_random_queries_match_the_oracle_long(env: Env, request: pytest.FixtureRequest) -> None:
    require_long(request)
    check_random_queries(env, 2000)


# Hand-picked corners: each is a place where SQL and the evaluator could drift apart.
CORNERS = [
    {"a": 1.0, "b": "x"},
    {"a": -0.0, "b": "X"},
    {"a": 0.1, "b": "é"},
    {"a": 1e16, "b": "\U0001f600"},
    {"a": True, "b": "ab%"},
    {"a": False, "b": "a_b"},
    {"a": None, "b": "a*b?[c"},
    {"a": "1", "b": "line\nbreak"},
    {"a": [1.0, 2.0], "b": {"c": 1.0}},
    {"a": {DATE_MARKER: "date", "date": 5}, "b": ""},
    {"a": {DATE_MARKER: "date", "date": 3}, 'q"k': 1.0, "k\\": 2.0},
    {},
]


CORNER_CONDITIONS = [
        "a = 1", "a = 1.0", "a != 1", "a < 1", "a >= 0", "a = 0", "a = '1'", "a > '0'",
        "a = true", "a = false", "a != true", "a = NULL", "a != NULL", "a", "NOT a",
        "b LIKE 'a%'", "b LIKE 'A%'", "b LIKE 'a_b'", "b LIKE 'ab\\%'", "b LIKE '%*%'",
        "b LIKE '_'", "b LIKE '%'", "b LIKE 'line%'", "b < 'x'", "b > 'X'", "b >= 'é'",
        "b = 'x' OR a = 1", "NOT (b = 'x' OR a = 1)", "a + 1 = 2", "a = b", "-a = -1",
        "`q\"k` = 1", "`k\\` = 2", "b.c = 1", "a[1] = 2", "a[5] = NULL", "@id LIKE 'm03-%'",
        "@id > 'm05'", "@id LIKE 'm0_-c%'", "@id = 'm03'", "@version = 0", "@version > -1",
        "@id = 3",
        "1 = 1", "'x' LIKE 'x'", "9007199254740993 > a", "a = 10000000000000000",
]  # fmt: skip
CORNER_ORDERS = ["a", "a DESC", "b", "b DESC, a", "a, b DESC", "@id DESC", "@version, b",
                 "`q\"k`", "b.c"]  # fmt: skip


def test_corner_conditions_and_orderings_match_the_oracle(env: Env) -> None:
    name = env.run(lambda: fill(env, CORNERS))
    for where in CORNER_CONDITIONS:
        same_answer(env, env.admin, f"SELECT * FROM {name} WHERE {where}")
    for order in CORNER_ORDERS:
        for page in ("", " LIMIT 3", " LIMIT 4 OFFSET 2", " OFFSET 30"):
            same_answer(env, env.admin, f"SELECT * FROM {name} ORDER BY {order}{page}")


def test_simple_queries_are_decided_in_sql_alone(env: Env) -> None:
    """The point of the exercise: common forms need no Python filtering or ordering."""
    for text in [
        "SELECT * FROM c WHERE a = 1 AND (b LIKE 'x%' OR NOT c.d[0] = true) ORDER BY a DESC, @id",
        "SELECT FROM c WHERE @version >= 2 ORDER BY b LIMIT 5 OFFSET 5",
        "SELECT a FROM c WHERE a != NULL AND 'x' < b",
    ]:
        assert compile_query(parse_query(text), env.db.dialect_name).exact, text


def test_residual_conditions_are_applied_before_paging(env: Env) -> None:
    name = env.run(lambda: fill(env, [{"a": float(i % 4), "b": float(i)} for i in range(30)]))
    text = f"SELECT * FROM {name} WHERE a = 1 AND a + b > 10 ORDER BY b DESC LIMIT 3 OFFSET 1"
    reply = env.run(lambda: run_query(env.db, env.domain_pk, env.admin, text))
    assert [m.modelId for m in reply.models] == [f"m{i}-{name}" for i in (25, 21, 17)]
    assert reply.totalResults == 5  # b in 13, 17, 21, 25, 29
    same_answer(env, env.admin, text)


def test_nul_characters_are_answered_through_the_fallback(env: Env) -> None:
    name = env.run(lambda: fill(env, [{"a": "x\x00y"}, {"a": "xy"}, {"a": 1.0}]))
    for where in ("a = 'xy'", "a LIKE 'x%'", "a = 1", "a = 'x\x00y'"):
        same_answer(env, env.admin, f"SELECT * FROM {name} WHERE {where} ORDER BY a")


# --- permissions ----------------------------------------------------------------------------

flags = st.builds(PermissionFlags, st.booleans(), st.booleans(), st.booleans(), st.booleans())
maybe_flags = st.none() | flags


@dataclass(frozen=True)
class ModelSetup:
    override_world: bool
    world: PermissionFlags
    grant: PermissionFlags | None  # the reader's own grant on the model
    other_grant: PermissionFlags | None  # someone else's


def check_permissions(env: Env, examples: int) -> None:
    reader = env.run(env.user)
    other = env.run(env.user)

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(st.builds(ModelSetup, st.booleans(), flags, maybe_flags, maybe_flags), max_size=8),
        flags,
        maybe_flags,
        conditions,
    )
    def check(
        models: list[ModelSetup],
        world: PermissionFlags,
        collection_grant: PermissionFlags | None,
        where: Any,
    ) -> None:
        name = f"p{next(env.counter)}"

        async def setup() -> None:
            async with env.db.transaction() as tx:
                coll = await CollectionRepository(tx).ensure(env.domain_pk, name, world)
                if collection_grant is not None:
                    await CollectionRepository(tx).set_user_permissions(
                        coll.pk, reader.user_pk, collection_grant
                    )
                repo = ModelRepository(tx)
                for i, m in enumerate(models):
                    record = await repo.create(
                        env.domain_pk,
                        coll,
                        f"{name}-{i}",
                        snapshot({"a": float(i)}),
                        override_world=m.override_world,
                        world=m.world,
                    )
                    grants = [(reader.user_pk, m.grant), (other.user_pk, m.other_grant)]
                    await repo.set_user_permissions(
                        record.pk, [(u, g) for u, g in grants if g is not None]
                    )

        env.run(setup)
        same_answer(env, reader, f"SELECT * FROM {name}")
        same_answer(
            env, reader, to_text(Query(name, where=where, order=(OrderKey(Field(("a",))),)))
        )

    check()


def test_read_permissions_in_sql_match_resolve_model_permissions(env: Env) -> None:
    check_permissions(env, 25 if env.db.dialect_name == "sqlite" else 15)


def test_unknown_collection_and_all_kinds_of_readers(env: Env) -> None:
    name = env.run(lambda: fill(env, [{"a": 1.0}], world=PermissionFlags(read=False)))
    anonymous = env.run(env.user)
    text = f"SELECT * FROM {name}"
    assert outcome(env.run(lambda: run_query(env.db, env.domain_pk, anonymous, text))) == (0, [])
    assert outcome(env.run(lambda: run_query(env.db, env.domain_pk, env.admin, text)))[0] == 1
    missing = env.run(lambda: run_query(env.db, env.domain_pk, env.admin, "SELECT * FROM nope"))
    assert outcome(missing) == (0, [])
