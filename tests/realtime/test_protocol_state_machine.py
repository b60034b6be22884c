"""T2: a hypothesis state machine over the in-process protocol handler (reliability-lessons §3).

Several sessions connect (anonymous, or a refused password login), open models, edit them alone
and concurrently, close them, hang up and reconnect with their reconnect token (resync), and
send bad frames. After every step, once the system is quiet:

* every open replica equals the committed model (data and version) in the database;
* each model's op log has versions 1..n without gaps, and no (session, sequence number) twice;
* the sender of a bad frame is closed with an error, and nobody else is;
* the domain's session directory lists exactly the connected sessions.

At the end of each example every session hangs up and the server must be back to where it was
(no session or connection left behind). 500 examples of up to 6 steps in the default run, 1,500
of up to 20 steps with ``-m long``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from database_backends import BACKENDS, database_url
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from traitlets.config import Config

from convergence_jupyter import ot
from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.realtime.server import RealtimeServer
from tests.realtime.inprocess import (
    QUIET_LIMITS,
    InProcessClient,
    Replica,
    StoredModel,
    default_runtime,
    deliver,
    new_client,
    open_request,
    realtime_of,
    settle,
    stored_models,
    wait_until,
)
from tests.realtime.long_runs import require_long

MODELS = 3
MAX_LIVE = 4

#: Frames a compatible client never sends; each must close its sender only.
BAD_FRAMES: dict[str, bytes] = {
    "garbage": b"\xff\x00\x13 not protobuf",
    "truncated": encode("serverTimeRequest", core_pb2.GetServerTimeRequestMessage(), request_id=1)[
        :-1
    ]
    + b"\x0a",
    "server-only body": encode("operationAck", pb.OperationAcknowledgementMessage()),
    "request without id": encode("serverTimeRequest", core_pb2.GetServerTimeRequestMessage()),
    "second handshake": encode(
        "connectionRequest", core_pb2.ConnectionRequestMessage(), request_id=99
    ),
    "empty envelope": b"",
}


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request, tmp_path, "state_machine.db")


@pytest.fixture
def jp_server_config(db_url: str) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {"database_url": db_url, "anonymous_auth": True, **QUIET_LIMITS},
        }
    )


@dataclass
class Member:
    """One simulated client across its connections."""

    name: str
    client: InProcessClient
    #: By model id; survives a hang-up so that the reconnect can resync them.
    replicas: dict[str, Replica] = field(default_factory=dict)
    state: str = "live"  # live | away | dropped

    def by_resource(self) -> dict[int, Replica]:
        return {r.resource_id: r for r in self.replicas.values()}


class ProtocolMachine(RuleBasedStateMachine):
    server: ClassVar[RealtimeServer]
    loop: ClassVar[asyncio.AbstractEventLoop]
    steps: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self.prefix = uuid.uuid4().hex[:8]
        self.members: list[Member] = []
        self.counter = 0
        #: Set by rules that can change a model; a quiet step skips the database read.
        self.dirty = True
        self.stored: dict[str, StoredModel] = {}
        self.runtime = self.run(default_runtime(self.server))
        self.baseline_sessions = self.runtime.directory.live_sessions()
        self.baseline_connections = len(self.server._connections)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def model_id(self, index: int) -> str:
        return f"{self.prefix}-m{index}"

    def live(self) -> list[Member]:
        return [m for m in self.members if m.state == "live"]

    def away(self) -> list[Member]:
        return [m for m in self.members if m.state == "away"]

    # -- rules -------------------------------------------------------------------------------

    @precondition(lambda self: len(self.live()) < MAX_LIVE)
    @rule()
    def connect(self) -> None:
        self.counter += 1
        client = self.run(new_client(self.server))
        reply = self.run(client.connect(f"user{self.counter}"))
        assert reply.connectionResponse.WhichOneof("response") == "success", reply
        self.members.append(Member(f"user{self.counter}", client))

    @rule(password=st.sampled_from(["", "wrong", "x" * 300]))
    def refused_login(self, password: str) -> None:
        client = self.run(new_client(self.server))
        request = core_pb2.ConnectionRequestMessage(client="inprocess", clientVersion="0")
        request.password.username = "nobody-" + self.prefix
        request.password.password = password
        reply = self.run(client.request("connectionRequest", request))
        assert reply.connectionResponse.WhichOneof("response") == "failure"
        assert reply.connectionResponse.failure.code == "authentication_failed"
        client.hang_up()  # what rc.12 does on a failure response
        self.run(settle())

    @precondition(lambda self: self.live())
    @rule(data=st.data(), index=st.integers(0, MODELS - 1))
    def open_model(self, data: st.DataObject, index: int) -> None:
        member = data.draw(st.sampled_from(self.live()))
        model_id = self.model_id(index)
        self.dirty = True
        reply = self.run(member.client.request("openRealTimeModelRequest", open_request(model_id)))
        if model_id in member.replicas:
            assert reply.error.code == "model_already_open", reply
            return
        assert reply.WhichOneof("body") == "openRealTimeModelResponse", reply
        member.replicas[model_id] = Replica.from_open(model_id, reply.openRealTimeModelResponse)

    @precondition(lambda self: any(m.replicas for m in self.live()))
    @rule(data=st.data())
    def close_model(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from([m for m in self.live() if m.replicas]))
        model_id = data.draw(st.sampled_from(sorted(member.replicas)))
        replica = member.replicas.pop(model_id)
        reply = self.run(
            member.client.request(
                "closeRealTimeModelRequest",
                pb.CloseRealtimeModelRequestMessage(resourceId=replica.resource_id),
            )
        )
        assert reply.WhichOneof("body") == "closeRealTimeModelResponse", reply

    @precondition(lambda self: any(m.replicas for m in self.live()))
    @rule(data=st.data(), count=st.integers(1, 3))
    def concurrent_edits(self, data: st.DataObject, count: int) -> None:
        """Several replicas edit without waiting for each other: the server must transform."""
        editors = [m for m in self.live() if m.replicas]
        self.dirty = True
        for _ in range(count):
            member = data.draw(st.sampled_from(editors))
            replica = member.replicas[data.draw(st.sampled_from(sorted(member.replicas)))]
            op = data.draw(edit_for(replica))
            member.client.send("operationSubmission", replica.local(op))

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def hang_up(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from(self.live()))
        member.client.hang_up()
        member.state = "away"

    @precondition(lambda self: self.away())
    @rule(data=st.data())
    def reconnect(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from(self.away()))
        old = member.client
        client = self.run(new_client(self.server))
        reply = self.run(client.reconnect(old.reconnect_token))
        assert reply.connectionResponse.WhichOneof("response") == "success", reply
        member.client, member.state = client, "live"
        self.dirty = True
        for model_id, replica in list(member.replicas.items()):
            self.run(self._resync(member, model_id, replica))

    async def _resync(self, member: Member, model_id: str, replica: Replica) -> None:
        reply = await member.client.request(
            "modelResyncRequest",
            pb.ModelResyncRequestMessage(modelId=model_id, contextVersion=replica.version),
        )
        assert reply.WhichOneof("body") == "modelResyncResponse", reply
        replica.resource_id = reply.modelResyncResponse.resourceId
        target = reply.modelResyncResponse.currentVersion

        def caught_up() -> bool:
            deliver(member.client, {replica.resource_id: replica})
            return replica.version >= target

        await wait_until(caught_up, 10, f"resync of {model_id} to {target}")
        member.client.send(
            "modelResyncClientComplete",
            pb.ModelResyncClientCompleteMessage(resourceId=replica.resource_id, open=True),
        )

    @precondition(lambda self: self.live())
    @rule(data=st.data(), kind=st.sampled_from(sorted(BAD_FRAMES)))
    def bad_frame(self, data: st.DataObject, kind: str) -> None:
        member = data.draw(st.sampled_from(self.live()))
        member.client.send_raw(BAD_FRAMES[kind])
        self.run(wait_until(lambda: member.client.closed_by_server, 5, f"close after {kind}"))
        assert member.client.close_code == 1008, (kind, member.client.close_code)
        assert any(e.code == "invalid_message" for e in member.client.errors()), kind
        member.state = "dropped"

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def round_trip(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from(self.live()))
        reply = self.run(
            member.client.request("serverTimeRequest", core_pb2.GetServerTimeRequestMessage())
        )
        assert reply.WhichOneof("body") == "serverTimeResponse"

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def quiet_state_is_consistent(self) -> None:
        type(self).steps += 1
        self.run(self._check())

    async def _check(self) -> None:
        live = self.live()
        for member in live:
            assert not member.client.closed_by_server, f"{member.name} was closed by the server"
        if self.dirty:
            self.stored = await self._quiesce(live)
            self.dirty = False
        stored = self.stored
        for index in range(MODELS):
            model_id = self.model_id(index)
            replicas = [m.replicas[model_id] for m in live if model_id in m.replicas]
            model = stored.get(model_id)
            if model is None:
                assert not replicas
                continue
            version = model.version
            assert [o.version for o in model.ops] == list(range(1, version + 1)), model_id
            submitted = [(o.session_id, o.sequence_number) for o in model.ops if o.session_id]
            assert len(submitted) == len(set(submitted)), f"{model_id}: an op applied twice"
            for replica in replicas:
                assert replica.version == version, (model_id, replica.version, version)
                assert replica.plain() == model.data, (model_id, replica.plain(), model.data)
        expected = {m.client.session_id for m in live} | self.baseline_sessions
        # A hung-up session leaves the services once its handler in hand has finished.
        await wait_until(
            lambda: self.runtime.directory.live_sessions() == expected, 10, "sessions to leave"
        )
        assert self.runtime.directory.live_sessions() == expected
        assert set(self.runtime.sessions) == expected

    async def _quiesce(self, live: list[Member]) -> dict[str, StoredModel]:
        """Wait until every replica has its acks and all replicas of a model agree."""

        def quiet() -> bool:
            for member in live:
                deliver(member.client, member.by_resource())
            versions: dict[str, set[int]] = {}
            for member in live:
                for replica in member.replicas.values():
                    if replica.pending:
                        return False
                    versions.setdefault(replica.model_id, set()).add(replica.version)
            return all(len(v) == 1 for v in versions.values())

        model_ids = [self.model_id(i) for i in range(MODELS)]
        for _ in range(200):
            await wait_until(quiet, 10, "replicas to agree")
            stored = await stored_models(self.server, self.runtime.domain.pk, model_ids)
            # An op of a session that hung up mid-flight may still be committing: wait for the
            # stored versions to match what the replicas saw.
            if all(
                model_id not in stored
                or {m.replicas[model_id].version for m in live if model_id in m.replicas}
                in (set(), {stored[model_id].version})
                for model_id in model_ids
            ):
                return stored
            await asyncio.sleep(0.005)
        raise AssertionError("the stored models never matched the replicas")

    def teardown(self) -> None:
        for member in self.members:
            if member.state == "live":
                member.client.hang_up()
        runtime = self.runtime

        def released() -> bool:
            return (
                runtime.directory.live_sessions() == self.baseline_sessions
                and len(self.server._connections) <= self.baseline_connections
            )

        # Refused logins keep their connection for the grace period unless the client hangs
        # up; ours do, so everything must be gone quickly.
        self.run(wait_until(released, 10, "sessions and connections released"))


def edit_for(replica: Replica) -> st.SearchStrategy[ot.Operation]:
    """A splice or a number delta. The draws do not depend on the replica's current text (which
    depends on how concurrent edits interleaved), only their clamping does: hypothesis needs the
    same draws when it replays an example."""
    return st.tuples(
        st.booleans(),
        st.integers(0, 10**6),
        st.integers(0, 3),
        st.text(alphabet="abcxyz\u00e9\U0001f600", max_size=3),
        st.integers(-5, 5),
    ).map(lambda drawn: _edit(replica, *drawn))


def _edit(
    replica: Replica, splice: bool, where: int, delete: int, insert: str, delta: int
) -> ot.Operation:
    if not splice:
        return ot.NumberDelta(id=replica.number_id, delta=float(delta))
    value = replica.tree.get(replica.text_id)
    assert isinstance(value, ot.StringValue)
    # Clamp to code-point boundaries of the current text, counted in UTF-16 units.
    points = [0]
    for char in value.value:
        points.append(points[-1] + ot.utf16_len(char))
    start = where % len(points)
    end = min(start + delete, len(points) - 1)
    return ot.StringSplice(
        id=replica.text_id,
        index=points[start],
        delete_count=points[end] - points[start],
        insert_value=insert,
    )


def _run(serverapp: Any, loop: asyncio.AbstractEventLoop, examples: int, steps: int) -> None:
    ProtocolMachine.server = realtime_of(serverapp)
    ProtocolMachine.loop = loop
    ProtocolMachine.steps = 0
    loop.run_until_complete(ProtocolMachine.server.start())
    started = time.perf_counter()
    run_state_machine_as_test(
        ProtocolMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    elapsed = time.perf_counter() - started
    print(
        f"\nT2 state machine: {examples} examples, {ProtocolMachine.steps} checked steps "
        f"in {elapsed:.1f} s ({elapsed / max(1, ProtocolMachine.steps) * 1000:.1f} ms/step)"
    )


@pytest.mark.timeout(900)
def test_protocol_state_machine(jp_serverapp: Any, jp_asyncio_loop: Any) -> None:
    _run(jp_serverapp, jp_asyncio_loop, examples=500, steps=6)


@pytest.mark.long
@pytest.mark.timeout(7200)
def test_protocol_state_machine_long(
    jp_serverapp: Any, jp_asyncio_loop: Any, request: pytest.FixtureRequest
) -> None:
    require_long(request)
    _run(jp_serverapp, jp_asyncio_loop, examples=1500, steps=20)
