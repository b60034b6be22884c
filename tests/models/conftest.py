"""In-process fixtures for the model service: a migrated database (SQLite, and PostgreSQL
when CONVERGENCE_TEST_POSTGRES_URL is set), a domain with users, and fake sessions that
record every frame the service sends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from database_backends import BACKENDS, database_url
from google.protobuf.message import Message

from convergence_jupyter import ot
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.session import DomainRef
from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.models import wire
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage
from convergence_jupyter.store import Database, DomainRepository, UserRepository


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request, tmp_path, "models.db")


@dataclass
class FakeSession:
    session_id: str
    user: DomainUser
    user_pk: int
    domain: DomainRef
    #: Earlier sessions of this client, newest first (what a reconnect token links).
    lineage: tuple[str, ...] = ()
    sent: list[tuple[str, Message]] = field(default_factory=list)
    #: The bytes of every frame that arrived already encoded, with its body name.
    encoded: list[tuple[str, bytes]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    auto_create: pb.AutoCreateModelConfigResponseMessage | None = None

    def send(self, body_name: str, body: Message, *, mentions: Iterable[str] = ()) -> None:
        self.sent.append((body_name, body))

    def send_encoded(self, frame: bytes, *, mentions: Iterable[str] = ()) -> None:
        envelope = ConvergenceMessage.FromString(frame)
        body_name = envelope.WhichOneof("body")
        assert body_name is not None
        assert not envelope.HasField("requestId") and not envelope.HasField("responseId")
        self.encoded.append((body_name, frame))
        self.sent.append((body_name, getattr(envelope, body_name)))

    def announce(self, session_ids: Iterable[str]) -> None:
        return None

    def send_error(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        self.errors.append((code, message))

    async def request(self, body_name: str, body: Message) -> Message:
        assert body_name == "modelAutoCreateConfigRequest"
        assert self.auto_create is not None
        return self.auto_create

    def disconnect(self, reason: str) -> None:
        return None

    def of(self, name: str) -> list[Any]:
        return [b for n, b in self.sent if n == name]


@dataclass
class World:
    db: Database
    runtime: DomainRuntime
    service: ModelService
    domain: DomainRef
    counter: int = 0

    async def session(self, *, admin: bool = False) -> FakeSession:
        async with self.db.transaction() as tx:
            record = await UserRepository(tx).create_anonymous(self.domain.pk, "x")
        self.counter += 1
        kind = UserType.CONVERGENCE if admin else UserType.ANONYMOUS
        user = DomainUser(DomainUserId(kind, record.username))
        s = FakeSession(f"s{self.counter}", user, record.pk, self.domain)
        self.runtime.directory.register(s.session_id, user)
        return s

    async def request(self, session: FakeSession, body_name: str, body: Message) -> Any:
        handler = self.runtime.handler_for(body_name)
        assert handler is not None
        return await handler(session, body)


async def submit(w: World, s: FakeSession, rid: int, seq: int, cv: int, op: ot.Operation) -> None:
    """Send one operation from ``s`` as a client would."""
    await w.request(
        s,
        "operationSubmission",
        pb.OperationSubmissionMessage(
            resourceId=rid,
            sequenceNumber=seq,
            contextVersion=cv,
            operation=wire.operation_to_wire(op),
        ),
    )


RunWorld = Callable[..., Any]


@pytest.fixture
def run_world(db_url: str) -> RunWorld:
    def run(body: Callable[[World], Awaitable[Any]], **service_kwargs: Any) -> Any:
        async def main() -> Any:
            db = Database.from_url(db_url)
            try:
                await db.upgrade()
                async with db.transaction() as tx:
                    rec = await DomainRepository(tx).ensure("convergence", "default")
                ref = DomainRef(rec.pk, rec.namespace, rec.name)
                holder: dict[str, ModelService] = {}

                def factory(runtime: DomainRuntime) -> ModelService:
                    holder["s"] = ModelService(runtime, db, **service_kwargs)
                    return holder["s"]

                runtime = DomainRuntime(ref, [factory])
                world = World(db, runtime, holder["s"], ref)
                try:
                    return await body(world)
                finally:
                    await runtime.close()
                    await asyncio.sleep(0.01)
            finally:
                await db.close()

        return asyncio.run(main())

    return run
