"""Drive the real protocol handler without sockets: ``ClientConnection`` objects of the app's own
``RealtimeServer`` (every service, a real database), fed frame by frame from the test.

The app under test is the pytest-jupyter server with the extension loaded, so the composition of
services is exactly the shipped one; only the socket is replaced by :class:`InProcessClient`,
which records every frame the server writes and answers the server's auto-create requests the
way the rc.12 client does. :class:`Replica` is a client-side copy of one model (Jupiter-style:
own pending ops, remote ops transformed against them) used to check convergence.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message
from google.protobuf.wrappers_pb2 import Int32Value, StringValue
from sqlalchemy import inspect, text

from convergence_jupyter import ot
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage
from convergence_jupyter.realtime.connection import ClientConnection, State
from convergence_jupyter.realtime.server import RealtimeServer
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.models import ModelRepository

NAMESPACE, DOMAIN = "convergence", "default"

#: Generous timers: in-process runs must never see a heartbeat or handshake timeout.
QUIET_LIMITS = {
    "handshake_timeout": 60.0,
    "ping_interval": 120.0,
    "pong_timeout": 120.0,
}


def realtime_of(serverapp: Any) -> RealtimeServer:
    server = serverapp.web_app.settings["convergence_realtime"]
    assert isinstance(server, RealtimeServer)
    return server


def initial_data() -> pb.ObjectValue:
    """What clients auto-create a model with: one string and one number."""
    root = ot.ObjectValue(
        "0:0", {"text": ot.StringValue("0:1", "hello"), "n": ot.DoubleValue("0:2", 0)}
    )
    return wire.object_to_wire(root)


class InProcessClient:
    """One protocol session on a :class:`ClientConnection`; the test plays the client."""

    def __init__(self, server: RealtimeServer, *, domain: str = DOMAIN) -> None:
        self.server = server
        self.frames: list[ConvergenceMessage] = []
        self.close_code: int | None = None
        self.hung_up = False
        self.session_id = ""
        self.reconnect_token = ""
        self._next_request = 0
        self.connection = ClientConnection(
            server, self, namespace=NAMESPACE, domain_name=domain, remote_host="127.0.0.1"
        )

    # -- Transport (what the server writes to "the socket") ---------------------------------

    def write(self, frame: bytes) -> None:
        message = ConvergenceMessage.FromString(frame)
        if message.WhichOneof("body") == "modelAutoCreateConfigRequest":
            reply = pb.AutoCreateModelConfigResponseMessage(collection="fuzz", data=initial_data())
            frame = encode(
                "modelAutoCreateConfigResponse", reply, response_id=message.requestId.value
            )
            asyncio.get_running_loop().call_soon(self.connection.receive_binary, frame)
            return
        self.frames.append(message)

    def close(self, code: int, reason: str) -> None:
        self.close_code = code

    # -- what the client does ----------------------------------------------------------------

    @property
    def closed_by_server(self) -> bool:
        return self.close_code is not None

    @property
    def live(self) -> bool:
        return self.connection.state is State.CONNECTED

    def send_raw(self, data: bytes) -> None:
        self.connection.receive_binary(data)

    def send(self, body_name: str, body: Message | None = None) -> None:
        self.send_raw(encode(body_name, body))

    def send_request(self, body_name: str, body: Message | None = None) -> int:
        request_id = self._next_request
        self._next_request += 1
        self.send_raw(encode(body_name, body, request_id=request_id))
        return request_id

    async def request(
        self,
        body_name: str,
        body: Message | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> ConvergenceMessage:
        request_id = self.send_request(body_name, body)
        found: list[ConvergenceMessage] = []

        def answered() -> bool:
            for message in self.frames:
                if message.HasField("responseId") and message.responseId.value == request_id:
                    found.append(message)
                    return True
            return self.closed_by_server

        await wait_until(answered, timeout, f"no reply to {body_name}")
        assert found, f"closed ({self.close_code}) while waiting for the reply to {body_name}"
        return found[0]

    async def connect(self, name: str = "tester") -> ConvergenceMessage:
        request = core_pb2.ConnectionRequestMessage(client="inprocess", clientVersion="0")
        request.anonymous.displayName.value = name
        return await self._connect(request)

    async def reconnect(self, token: str) -> ConvergenceMessage:
        request = core_pb2.ConnectionRequestMessage(client="inprocess", clientVersion="0")
        request.reconnect.token = token
        return await self._connect(request)

    async def _connect(self, request: core_pb2.ConnectionRequestMessage) -> ConvergenceMessage:
        reply = await self.request("connectionRequest", request)
        response = reply.connectionResponse
        if response.WhichOneof("response") == "success":
            self.session_id = response.success.sessionId
            self.reconnect_token = response.success.reconnectToken
        return reply

    def hang_up(self) -> None:
        """The socket went away (what Tornado's ``on_close`` reports)."""
        self.hung_up = True
        self.connection.transport_closed()

    def take(self, body_name: str) -> list[Any]:
        """Remove and return the bodies of one kind received so far."""
        kept, taken = [], []
        for message in self.frames:
            if message.WhichOneof("body") == body_name:
                taken.append(getattr(message, body_name))
            else:
                kept.append(message)
        self.frames = kept
        return taken

    def errors(self) -> list[core_pb2.ErrorMessage]:
        return [m.error for m in self.frames if m.WhichOneof("body") == "error"]


async def new_client(server: RealtimeServer, *, domain: str = DOMAIN) -> InProcessClient:
    """A connection must be built on the running loop (it starts its own worker task)."""
    return InProcessClient(server, domain=domain)


async def wait_until(
    predicate: Callable[[], bool],
    timeout: float = 10.0,  # noqa: ASYNC109
    what: str = "condition",
) -> None:
    """Let the server's tasks run until ``predicate`` holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    spins = 0
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for: {what}")
        # A few bare loop turns first (cheap), then real sleeps so DB worker threads can finish.
        spins += 1
        await asyncio.sleep(0 if spins < 20 else 0.002)


async def settle(turns: int = 30) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


@dataclass
class Replica:
    """A client's copy of one open model: its tree, the version it has seen, its pending ops."""

    model_id: str
    resource_id: int
    tree: ot.ModelTree
    version: int
    text_id: str
    number_id: str
    pending: list[tuple[int, ot.Operation]] = field(default_factory=list)
    next_seq: int = 1

    @classmethod
    def from_open(cls, model_id: str, reply: pb.OpenRealtimeModelResponseMessage) -> Replica:
        root = wire.object_from_wire(reply.data)
        text_value, number = root.children["text"], root.children["n"]
        return cls(
            model_id,
            reply.resourceId,
            ot.ModelTree(root),
            reply.version,
            text_value.id,
            number.id,
        )

    def plain(self) -> Any:
        return ot.to_plain(self.tree.root)

    def text_length(self) -> int:
        value = self.tree.get(self.text_id)
        assert isinstance(value, ot.StringValue)
        return ot.utf16_len(value.value)

    def local(self, op: ot.Operation) -> pb.OperationSubmissionMessage:
        """Apply a local edit and return the submission that carries it."""
        ot.apply(self.tree, op)
        seq = self.next_seq
        self.next_seq += 1
        self.pending.append((seq, op))
        return pb.OperationSubmissionMessage(
            resourceId=self.resource_id,
            sequenceNumber=seq,
            contextVersion=self.version,
            operation=wire.operation_to_wire(op),
        )

    def remote(self, message: pb.RemoteOperationMessage) -> None:
        assert message.contextVersion == self.version, (
            f"{self.model_id}: remote op at {message.contextVersion}, replica at {self.version}"
        )
        incoming = wire.operation_from_wire(message.operation)
        transformed: list[tuple[int, ot.Operation]] = []
        for seq, mine in self.pending:
            incoming, mine = ot.transform(incoming, mine)
            transformed.append((seq, mine))
        self.pending = transformed
        ot.apply(self.tree, ot.preprocess(self.tree, incoming))
        self.version += 1

    def ack(self, message: pb.OperationAcknowledgementMessage) -> None:
        assert self.pending, f"{self.model_id}: ack of seq {message.sequenceNumber} unexpected"
        seq, _ = self.pending.pop(0)
        assert message.sequenceNumber == seq, (message.sequenceNumber, seq)
        assert message.version == self.version, (message.version, self.version)
        self.version += 1


def deliver(client: InProcessClient, replicas: dict[int, Replica]) -> None:
    """Feed the client's received remote ops and acks to its replicas, in arrival order."""
    kept: list[ConvergenceMessage] = []
    for message in client.frames:
        body = message.WhichOneof("body")
        if body == "remoteOperation" and message.remoteOperation.resourceId in replicas:
            replicas[message.remoteOperation.resourceId].remote(message.remoteOperation)
        elif body == "operationAck" and message.operationAck.resourceId in replicas:
            replicas[message.operationAck.resourceId].ack(message.operationAck)
        elif body in ("remoteOperation", "operationAck"):
            continue  # for a model this client already closed
        else:
            kept.append(message)
    client.frames = kept


def open_request(model_id: str) -> pb.OpenRealtimeModelRequestMessage:
    return pb.OpenRealtimeModelRequestMessage(
        modelId=StringValue(value=model_id), autoCreateId=Int32Value(value=1)
    )


@dataclass(frozen=True)
class StoredModel:
    version: int
    data: Any
    ops: list[Any]


async def stored_models(
    server: RealtimeServer, domain_pk: int, model_ids: list[str]
) -> dict[str, StoredModel]:
    """The committed version, data and op log of some models (one read transaction). The data
    is the stored snapshot plus the op tail after it (the snapshot is written behind the op
    log, models/snapshots.py)."""
    found: dict[str, StoredModel] = {}
    async with server.database.transaction(readonly=True) as tx:
        repo = ModelRepository(tx)
        for model_id in model_ids:
            record = await repo.get(domain_pk, model_id)
            if record is None:
                continue
            ops = await repo.operations(record.pk, 1, record.version)
            data = ot.to_plain((await snapshots.current_tree(tx, record)).root)
            found[model_id] = StoredModel(record.version, data, ops)
    return found


async def default_runtime(server: RealtimeServer) -> DomainRuntime:
    """The default domain's runtime (the one sessions of these tests live in)."""
    await server.start()
    async with server.database.transaction(readonly=True) as tx:
        domain = await DomainRepository(tx).get(NAMESPACE, DOMAIN)
    assert domain is not None
    return server.runtime_for(domain)


async def database_fingerprint(server: RealtimeServer) -> dict[str, str]:
    """A content hash per table: proves a refused message wrote nothing.

    Tables that record connections themselves (sessions, reconnect tokens) change with every
    login, so callers compare fingerprints taken around the refused message only.
    """
    digests: dict[str, str] = {}
    async with server.database.transaction(readonly=True) as tx:
        connection = await tx.connection()
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for name in sorted(names):
            rows = (await tx.execute(text(f'SELECT * FROM "{name}"'))).all()
            lines = sorted(repr(tuple(row)) for row in rows)
            digests[name] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return digests
