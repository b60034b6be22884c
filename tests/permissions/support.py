"""Shared by the presence, activity, chat and permission unit tests: fake sessions, a
migrated database per test (SQLite, and PostgreSQL when configured) and seed helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from database_backends import BACKENDS
from database_backends import database_url as backend_url
from google.protobuf.message import Message

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime, ServiceFactory
from convergence_jupyter.domain.session import DomainRef
from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.store import Database, DomainRepository, GroupRepository, UserRepository

__all__ = ["BACKENDS", "database_url"]

T = TypeVar("T")


@dataclass
class FakeSession:
    """A SessionHandle that records what a service sends."""

    session_id: str
    user: DomainUser
    user_pk: int
    domain: DomainRef
    sent: list[tuple[str, Message, tuple[str, ...]]] = field(default_factory=list)
    announced: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    closed: str | None = None

    def send(self, body_name: str, body: Message, *, mentions: Iterable[str] = ()) -> None:
        self.sent.append((body_name, body, tuple(mentions)))

    def announce(self, session_ids: Iterable[str]) -> None:
        self.announced.extend(session_ids)

    def send_error(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        self.errors.append((code, message))

    async def request(self, body_name: str, body: Message) -> Message:
        raise ServiceError("timeout", "fake sessions do not answer")

    def disconnect(self, reason: str) -> None:
        self.closed = reason

    def bodies(self, name: str) -> list[Any]:
        return [body for body_name, body, _ in self.sent if body_name == name]

    def names(self) -> list[str]:
        return [body_name for body_name, _, _ in self.sent]


def user(username: str, user_type: UserType = UserType.NORMAL) -> DomainUser:
    return DomainUser(DomainUserId(user_type, username))


class World:
    """A runtime with services, a database and helpers to open sessions and call handlers."""

    def __init__(self, db: Database, domain: DomainRef, factories: list[ServiceFactory]) -> None:
        self.db = db
        self.domain = domain
        self.runtime = DomainRuntime(domain, factories)
        self._next = 0
        self.user_pks: dict[str, int] = {}

    async def add_user(self, username: str, user_type: UserType = UserType.NORMAL) -> int:
        async with self.db.transaction() as tx:
            record = await UserRepository(tx).create(self.domain.pk, int(user_type), username)
        self.user_pks[username] = record.pk
        return record.pk

    async def add_group(self, group_id: str, members: Iterable[str]) -> None:
        async with self.db.transaction() as tx:
            await GroupRepository(tx).create(
                self.domain.pk, group_id, member_pks=[self.user_pks[m] for m in members]
            )

    async def open(self, username: str, user_type: UserType = UserType.NORMAL) -> FakeSession:
        if username not in self.user_pks:
            await self.add_user(username, user_type)
        self._next += 1
        session = FakeSession(
            str(self._next), user(username, user_type), self.user_pks[username], self.domain
        )
        await self.runtime.session_opened(session)  # type: ignore[arg-type]
        return session

    async def close(self, session: FakeSession) -> None:
        await self.runtime.session_closed(session)  # type: ignore[arg-type]

    async def call(self, session: FakeSession, body_name: str, body: Message) -> Any:
        handler = self.runtime.handler_for(body_name)
        assert handler is not None, body_name
        return await handler(session, body)  # type: ignore[arg-type]

    async def fails(self, session: FakeSession, body_name: str, body: Message) -> str:
        """The error code a call fails with."""
        with pytest.raises(ServiceError) as info:
            await self.call(session, body_name, body)
        return info.value.code


def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request, tmp_path, "store.db")


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[tuple[Database, DomainRef]]:
    db = Database.from_url(url)
    try:
        await db.upgrade()
        async with db.transaction() as tx:
            record = await DomainRepository(tx).ensure("ns", "d")
        yield db, DomainRef(record.pk, "ns", "d")
    finally:
        await db.close()


WorldRunner = Callable[[list[ServiceFactory], Callable[[World], Awaitable[T]]], T]


def run_world(url: str, factories: list[Any], body: Callable[[World], Awaitable[T]]) -> T:
    async def main() -> T:
        async with opened(url) as (db, domain):
            built = [f(db) if _wants_db(f) else f for f in factories]
            world = World(db, domain, built)
            return await body(world)

    return asyncio.run(main())


def _wants_db(factory: Any) -> bool:
    return getattr(factory, "needs_database", False)


def with_database(service_class: Any) -> Any:
    """A factory marker: ``with_database(ChatService)`` builds ``ChatService(runtime, db)``."""

    def bind(db: Database) -> Callable[[DomainRuntime], Any]:
        return lambda runtime: service_class(runtime, db)

    bind.needs_database = True  # type: ignore[attr-defined]
    return bind
