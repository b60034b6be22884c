"""Fixtures for the web hook tests: a real HTTP receiver on 127.0.0.1 and a migrated database
(SQLite, and PostgreSQL when CONVERGENCE_TEST_POSTGRES_URL is set) with a domain, a
collection and a model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from convergence_jupyter import ot
from convergence_jupyter.models.lifecycle import ModelRef
from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.models import CollectionRepository, ModelRepository
from tests.database_backends import BACKENDS, database_url

from .receiver import Receiver

COLLECTION = "docs"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    try:
        yield found
    finally:
        found.close()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request, tmp_path, "webhooks.db")


@dataclass
class Place:
    db: Database
    domain_pk: int

    def ref(self, model_id: str, collection: str = COLLECTION) -> ModelRef:
        return ModelRef(self.domain_pk, "convergence", "default", collection, model_id)

    async def create_model(self, model_id: str, data: dict[str, Any]) -> int:
        root = ot.from_plain(data, iter(f"0:{i}" for i in range(10**6)).__next__)
        assert isinstance(root, ot.ObjectValue)
        async with self.db.transaction() as tx:
            collection = await CollectionRepository(tx).ensure(self.domain_pk, COLLECTION)
            record = await ModelRepository(tx).create(
                self.domain_pk, collection, model_id, snapshot_to_json(root)
            )
        return record.pk


RunPlace = Callable[[Callable[[Place], Awaitable[Any]]], Any]


@pytest.fixture
def run_place(db_url: str) -> RunPlace:
    """``run_place(async_fn)``: a migrated database with the domain convergence/default and
    the collection ``docs``; ``async_fn(place)`` runs on a fresh event loop."""
    import asyncio

    def run(body: Callable[[Place], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            db = Database.from_url(db_url)
            try:
                await db.upgrade()
                async with db.transaction() as tx:
                    domain = await DomainRepository(tx).ensure("convergence", "default")
                    await CollectionRepository(tx).ensure(domain.pk, COLLECTION)
                return await body(Place(db, domain.pk))
            finally:
                await db.close()

        return asyncio.run(main())

    return run
