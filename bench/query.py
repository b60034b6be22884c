"""Model queries at scale (issue 11, lever 6): 10,000 models in one collection, query latency
p50/p99 of a few representative queries, the SQL path (``run_query``) against the old
load-everything Python path (``run_query_python``) in the same run. SQLite always; PostgreSQL
too when CONVERGENCE_BENCH_POSTGRES_URL names a database (a fresh schema is used and dropped).

    .venv/bin/python bench/query.py [--models 10000] [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, cast

from convergence_jupyter import ot
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.models.query import run_query, run_query_python
from convergence_jupyter.store import Database, DomainRepository, UserRepository
from convergence_jupyter.store.models import CollectionRepository, ModelRepository

QUERIES = {
    "page, no filter": "SELECT * FROM docs LIMIT 20",
    "equality + order + page": (
        "SELECT * FROM docs WHERE owner = 'ann' ORDER BY score DESC LIMIT 20"
    ),
    "range AND LIKE, projection": (
        "SELECT title, score FROM docs WHERE score >= 500 AND title LIKE 'doc 1%' LIMIT 50"
    ),
    "nested OR, 2 keys": (
        "SELECT * FROM docs WHERE meta.draft = true OR meta.size < 10 ORDER BY owner, @id LIMIT 20"
    ),
}


class Reader:
    def __init__(self, user: DomainUser, pk: int) -> None:
        self.user, self.user_pk, self.session_id = user, pk, "bench"


def snapshot(plain: dict[str, Any]) -> str:
    counter = itertools.count()
    root = ot.from_plain(plain, lambda: f"0:{next(counter)}")
    return json.dumps(ot.value_to_json(root), separators=(",", ":"), ensure_ascii=False)


async def bench(url: str, models: int, runs: int) -> dict[str, Any]:
    db = Database.from_url(url)
    await db.upgrade()
    rnd = random.Random(1)  # noqa: S311 (seeded bench data, not secrets)
    async with db.transaction() as tx:
        domain = await DomainRepository(tx).ensure("convergence", "bench")
        coll = await CollectionRepository(tx).ensure(domain.pk, "docs")
        user = await UserRepository(tx).create_anonymous(domain.pk, "reader")
        repo = ModelRepository(tx)
        for k in range(models):
            doc = {
                "title": f"doc {k}",
                "owner": rnd.choice(["ann", "bob", "cy"]),
                "score": float(rnd.randrange(1000)),
                "tags": ["a", "b"],
                "meta": {"size": rnd.random() * 100, "draft": rnd.random() < 0.3},
            }
            await repo.create(domain.pk, coll, f"m{k}", snapshot(doc))
    session = cast(
        SessionHandle, Reader(DomainUser(DomainUserId(UserType.ANONYMOUS, user.username)), user.pk)
    )
    out: dict[str, Any] = {}
    for label, text in QUERIES.items():
        row: dict[str, Any] = {}
        for path, fn in (("sql", run_query), ("python", run_query_python)):
            times = []
            n = runs if path == "sql" else max(3, runs // 4)
            for _ in range(n):
                start = time.perf_counter()
                reply = await fn(db, domain.pk, session, text)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            row[path] = {
                "p50": statistics.median(times),
                "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
                "total": reply.totalResults,
                "n": n,
            }
        out[label] = row
    await db.close()
    return out


def show(name: str, result: dict[str, Any]) -> None:
    print(f"\n{name}")
    print(f"{'query':32} {'SQL p50/p99 ms':>16} {'Python p50/p99 ms':>19} {'total':>6}")
    for label, row in result.items():
        s, p = row["sql"], row["python"]
        print(
            f"{label:32} {s['p50']:7.1f}/{s['p99']:7.1f} {p['p50']:9.1f}/{p['p99']:8.1f}"
            f" {s['total']:6d}{'' if s['total'] == p['total'] else ' MISMATCH'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'query.db'}"
        show("SQLite (file, WAL)", asyncio.run(bench(url, args.models, args.runs)))
    pg = os.environ.get("CONVERGENCE_BENCH_POSTGRES_URL")
    if pg:
        sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
        from database_backends import postgres_schema

        with postgres_schema(pg, f"bench_{uuid.uuid4().hex[:4]}") as scoped:
            show("PostgreSQL", asyncio.run(bench(scoped, args.models, args.runs)))


if __name__ == "__main__":
    main()
