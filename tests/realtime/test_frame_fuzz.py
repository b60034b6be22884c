"""T5: fuzz the frame handler with every client→server message type (reliability-lessons §3).

Frames are generated from the schema (``fuzz_messages.py``): valid envelopes with arbitrary field
values and ids, and truncated, bit-flipped or extended ones. Nine in ten go to an authenticated
session (every third one has the fuzzed model open), one in ten to a fresh, unauthenticated
socket. For every input:

* the handler never raises, and the server logs no ERROR (an unexpected exception in a handler);
* no reply is the catch-all "the server failed to handle this message";
* the input is fully handled within 1 s (measured with a probe request queued behind it);
* a bystander session with the same model open is never disconnected, and its replica still
  equals the stored model after every 250 inputs.

2,000 inputs in the default run, 100,000 with ``-m long``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traitlets.config import Config

from convergence_jupyter import ot
from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.realtime.connection import State
from convergence_jupyter.realtime.server import RealtimeServer
from tests.realtime.fuzz_messages import CLIENT_BODIES, client_frames, frames_of
from tests.realtime.inprocess import (
    QUIET_LIMITS,
    InProcessClient,
    Replica,
    default_runtime,
    deliver,
    new_client,
    open_request,
    realtime_of,
    stored_models,
    wait_until,
)
from tests.realtime.long_runs import require_long

MODEL = "fuzz-model"
HANG_SECONDS = 10.0
CHECK_EVERY = 250
CATCH_ALL = "the server failed to handle this message"


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'fuzz.db'}",
                "anonymous_auth": True,
                **QUIET_LIMITS,
            },
        }
    )


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class FuzzRig:
    server: RealtimeServer
    loop: asyncio.AbstractEventLoop
    errors: _ErrorRecords
    bystander: InProcessClient | None = None
    bystander_model: Replica | None = None
    fuzzer: InProcessClient | None = None
    inputs: int = 0
    sessions: int = 0
    closes: int = 0
    latencies: list[float] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    bodies: Counter[str] = field(default_factory=Counter)
    probe_id: int = 1_000_000
    unknown: set[str] = field(default_factory=set)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def start(self) -> None:
        self.bystander = await new_client(self.server)
        await self.bystander.connect("bystander")
        reply = await self.bystander.request("openRealTimeModelRequest", open_request(MODEL))
        assert reply.WhichOneof("body") == "openRealTimeModelResponse", reply
        self.bystander_model = Replica.from_open(MODEL, reply.openRealTimeModelResponse)

    async def _fresh_session(self) -> InProcessClient:
        client = await new_client(self.server)
        await client.connect("fuzzer")
        if self.sessions % 3 == 0:
            # A model open (on some sessions), so that operations and references reach it.
            await client.request("openRealTimeModelRequest", open_request(MODEL))
        client.frames.clear()
        self.sessions += 1
        return client

    def feed(self, body: str, data: bytes, fresh: bool) -> None:
        self.inputs += 1
        self.bodies[body] += 1
        self.run(self._feed(body, data, fresh))
        if self.inputs % CHECK_EVERY == 0:
            self.run(self.check_bystander())

    async def _feed(self, body: str, data: bytes, fresh: bool) -> None:
        if fresh:
            client = await new_client(self.server)
        else:
            if self.fuzzer is None or not self.fuzzer.live:
                if self.fuzzer is not None:
                    self.fuzzer.hang_up()
                self.fuzzer = await self._fresh_session()
            client = self.fuzzer
        started = time.perf_counter()
        client.send_raw(data)
        await self._handled(client)
        elapsed = time.perf_counter() - started
        self.latencies.append(elapsed)
        assert elapsed <= HANG_SECONDS, f"{body}: handling took {elapsed:.2f} s ({data!r:.300})"
        frames, client.frames = client.frames, []
        if self.errors.records:
            record = self.errors.records[0]
            self.errors.records.clear()
            raise AssertionError(
                f"the server logged an error for {body} {data!r:.300}: "
                f"{record.getMessage()}\n{_traceback(record)}"
            )
        if fresh:
            client.hang_up()
        for message in frames:
            if message.WhichOneof("body") == "error":
                self.codes[message.error.code] += 1
                if message.error.code == "unknown":
                    self.unknown.add(message.error.message)
                assert message.error.message != CATCH_ALL, (body, data)
        if client.closed_by_server:
            self.closes += 1

    async def _handled(self, client: InProcessClient) -> None:
        """Wait until the connection has dealt with everything it was sent."""
        connection = client.connection
        if connection.state is State.CONNECTED:
            # Requests are handled in arrival order: the probe's reply comes after the input's.
            self.probe_id += 1
            probe = self.probe_id
            client.send_raw(
                encode(
                    "serverTimeRequest", core_pb2.GetServerTimeRequestMessage(), request_id=probe
                )
            )

            def answered() -> bool:
                return client.closed_by_server or any(
                    m.HasField("responseId") and m.responseId.value == probe for m in client.frames
                )

            await wait_until(answered, 10, "the probe behind a fuzz input")
        elif connection.state is State.AUTHENTICATING:
            await wait_until(
                lambda: connection.state is not State.AUTHENTICATING, 10, "the handshake"
            )
            if connection.state is State.CONNECTED:
                await self._handled(client)

    async def check_bystander(self) -> None:
        bystander, replica = self.bystander, self.bystander_model
        assert bystander is not None and replica is not None
        assert bystander.live and not bystander.closed_by_server, "the bystander was dropped"
        runtime = await default_runtime(self.server)
        # An edit of its own, then wait until it agrees with what is stored.
        bystander.send("operationSubmission", replica.local(_append(replica)))

        async def agrees() -> bool:
            deliver(bystander, {replica.resource_id: replica})
            if replica.pending:
                return False
            stored = (await stored_models(self.server, runtime.domain.pk, [MODEL]))[MODEL]
            return stored.version == replica.version and stored.data == replica.plain()

        for _ in range(500):
            if await agrees():
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the bystander's replica never matched the stored model")
        bystander.frames.clear()


def _traceback(record: logging.LogRecord) -> str:
    return logging.Formatter().formatException(record.exc_info) if record.exc_info else ""


def _append(replica: Replica) -> ot.Operation:
    return ot.StringSplice(id=replica.text_id, index=replica.text_length(), insert_value=".")


@pytest.fixture
def rig(jp_serverapp: Any, jp_asyncio_loop: Any) -> Iterator[FuzzRig]:
    errors = _ErrorRecords()
    logger = logging.getLogger("convergence_jupyter")
    logger.addHandler(errors)
    rig = FuzzRig(realtime_of(jp_serverapp), jp_asyncio_loop, errors)
    rig.run(rig.start())
    try:
        yield rig
    finally:
        logger.removeHandler(errors)


FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _fuzz(rig: FuzzRig, examples: int) -> None:
    started = time.perf_counter()

    @settings(FUZZ_SETTINGS, max_examples=examples)
    @given(frame=client_frames(), fresh=st.integers(0, 9).map(lambda n: n == 0))
    def one(frame: tuple[str, bytes], fresh: bool) -> None:
        rig.feed(*frame, fresh)

    # A few inputs of every body type first, so that coverage does not hang on the draw.
    for name in CLIENT_BODIES:

        @settings(FUZZ_SETTINGS, max_examples=2)
        @given(frame=frames_of(name))
        def each(frame: tuple[str, bytes]) -> None:
            rig.feed(*frame, False)

        each()
    one()
    rig.run(rig.check_bystander())
    elapsed = time.perf_counter() - started
    latencies = sorted(rig.latencies)
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(
        f"\nT5 fuzz: {rig.inputs} inputs over {len(rig.bodies)}/{len(CLIENT_BODIES)} client "
        f"body types in {elapsed:.1f} s; {rig.closes} senders closed, {rig.sessions} sessions "
        f"opened; handling p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms\n  error codes: {dict(rig.codes.most_common())}"
        f"\n  'unknown' errors: {sorted(rig.unknown)}"
    )
    assert rig.inputs >= examples * 0.9 + len(CLIENT_BODIES)
    # Every body type of the schema was exercised.
    assert set(rig.bodies) == set(CLIENT_BODIES), set(CLIENT_BODIES) - set(rig.bodies)


@pytest.mark.timeout(900)
def test_frame_fuzz(rig: FuzzRig) -> None:
    _fuzz(rig, examples=2000)


@pytest.mark.long
@pytest.mark.timeout(14400)
def test_frame_fuzz_long(rig: FuzzRig, request: pytest.FixtureRequest) -> None:
    require_long(request)
    _fuzz(rig, examples=100_000)
