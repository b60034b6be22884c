"""Auto reconnect and model resync through the public API, against the real server.

The Python client under test talks to the server through :class:`Relay`, a TCP relay on the
test's loop that can hold one direction (frames wait in the relay: sent ops that have not
reached the server, or acks the client has not seen), cut the connection abruptly (held
frames are lost, as on a dead network) and refuse new connections (the client stays offline
while it keeps editing). Other clients (Python, and the real rc.12 client in Node) connect
directly and edit meanwhile. Every edit carries a unique token, so "nothing lost, nothing
duplicated" is checked on the content, and the model version counts the ops the server stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from convergence_jupyter.client import (
    ConnectionEvent,
    Domain,
    ModelEvent,
    RealTimeArray,
    RealTimeModel,
    RealTimeNumber,
    RealTimeString,
    connect,
)
from tests.client.conftest import ClientFactory

FAST = {"reconnect_intervals": (0.05, 0.1), "request_timeout": 10.0}
DATA = {"text": "", "log": [], "n": 0}


class Relay:
    """A TCP relay between one client and the server that a test can hold and cut."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.accepting = True
        self.connections = 0
        self._hold = {"c2s": False, "s2c": False}
        self._held: dict[str, list[tuple[asyncio.StreamWriter, bytes]]] = {"c2s": [], "s2c": []}
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> Relay:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, direct_url: str) -> str:
        return direct_url.replace(f":{self.target_port}/", f":{self.port}/", 1)

    def hold(self, direction: str) -> None:
        """Stop forwarding one direction ("c2s" / "s2c"); what arrives waits here."""
        self._hold[direction] = True

    def release(self, direction: str) -> None:
        """Forward what was held, in order, and stop holding."""
        for writer, data in self._held[direction]:
            if not writer.transport.is_closing():
                writer.write(data)
        self._held[direction].clear()
        self._hold[direction] = False

    def cut(self, *, offline: bool = True) -> None:
        """Drop every connection now (held bytes are lost); refuse new ones if ``offline``."""
        self.accepting = not offline
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for direction in self._held:
            self._held[direction].clear()
            self._hold[direction] = False

    def go_online(self) -> None:
        self.accepting = True

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepting:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers.update((writer, up_writer))
        await asyncio.gather(
            self._pump(reader, up_writer, "c2s"),
            self._pump(up_reader, writer, "s2c"),
            return_exceptions=True,
        )
        for w in (writer, up_writer):
            w.transport.abort()
            self._writers.discard(w)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: str
    ) -> None:
        while True:
            data = await reader.read(65536)
            if not data or writer.transport.is_closing():
                return
            if self._hold[direction]:
                self._held[direction].append((writer, data))
                continue
            writer.write(data)
            await writer.drain()


@pytest.fixture
def relay(jp_http_port: int, io_loop: Any) -> Iterator[Relay]:
    r = io_loop.run_sync(Relay(jp_http_port).start)
    yield r
    io_loop.run_sync(r.close)


@pytest.fixture
def via_relay(relay: Relay, realtime_url: str, io_loop: Any) -> Iterator[Callable[..., Any]]:
    """Connect Python clients through the relay (disposed after the test)."""
    opened: list[Domain] = []

    async def factory(name: str, **options: Any) -> Domain:
        domain = await connect(relay.url(realtime_url), anonymous=name, **options)
        opened.append(domain)
        return domain

    yield factory
    for domain in opened:
        io_loop.run_sync(domain.dispose)


async def wait_for(
    predicate: Callable[[], bool],
    timeout: float = 15.0,  # noqa: ASYNC109
    what: str | Callable[[], str] = "",
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out waiting for {described or predicate}")
        await asyncio.sleep(0.01)


def state(domain: Domain, model: RealTimeModel) -> str:
    """What a failure message needs to know about a client and one of its models."""
    return (
        f"online={model.online} closed={model.closed} ({model.close_reason}) "
        f"version={model.version} unacknowledged={len(model._cc.in_flight)} "
        f"connected={domain.connected} reconnect attempts={domain._link.attempts}"
    )


def parts(model: RealTimeModel) -> tuple[RealTimeString, RealTimeArray, RealTimeNumber]:
    text, log, n = model.element_at("text"), model.element_at("log"), model.element_at("n")
    assert isinstance(text, RealTimeString)
    assert isinstance(log, RealTimeArray)
    assert isinstance(n, RealTimeNumber)
    return text, log, n


def edit(model: RealTimeModel, token: str, at: int | None = None, *, batch: bool = False) -> int:
    """One tagged edit: the token into the text (at ``at``, default the end; only token
    boundaries, so no token splits another), into the log, and +1 on the counter; returns
    the ops it makes (a batch is one)."""
    text, log, n = parts(model)
    context = model.batch() if batch else contextlib.nullcontext()
    with context:
        text.insert(len(text) if at is None else min(at, len(text)), f"[{token}]")
        log.push(token)
        n.add(1)
    return 1 if batch else 3


def check_content(value: dict[str, Any], tokens: list[str], ordered: list[str]) -> None:
    """Each token exactly once in the text and the log; ``ordered`` in that order in the log;
    the counter counts every edit once."""
    for token in tokens:
        assert value["text"].count(f"[{token}]") == 1, (token, value["text"])
    assert sorted(value["log"]) == sorted(tokens), value["log"]
    mine = [t for t in value["log"] if t in ordered]
    assert mine == ordered, value["log"]
    assert value["n"] == len(tokens)


async def fresh_value(client: ClientFactory, model_id: str) -> tuple[dict[str, Any], int]:
    reader = await client("reader")
    model = await reader.models().open(model_id)
    try:
        return model.value(), model.version
    finally:
        await model.close()


def record(domain: Domain) -> list[ConnectionEvent]:
    seen: list[ConnectionEvent] = []
    domain.events.on(seen.append)
    return seen


def kinds(events: list[ConnectionEvent]) -> list[str]:
    return [e.kind for e in events]


@pytest.mark.parametrize("others_after_commit", [True, False], ids=["replayed", "trailing"])
async def test_offline_edits_are_kept_and_sent_once(
    client: ClientFactory, via_relay: Any, relay: Relay, others_after_commit: bool
) -> None:
    """A drops with acked, committed-but-unacknowledged and never-arrived ops, edits offline
    while B edits, and comes back: all converge, each op stored once, A's ops in order.

    "replayed": B edits after A's unacknowledged ops were committed, so the server replays
    B's ops and acks A's among them. "trailing": A's ops are the last ones stored, so the
    server acks them when A resends them (its de-duplication by sequence number)."""
    a = await via_relay("A", **FAST)
    b = await client("B")
    model_id = f"reconnect-{others_after_commit}"
    ma = await a.models().open_auto_create(collection="notes", id=model_id, data=DATA)
    mb = await b.models().open(model_id)
    model_events: list[ModelEvent] = []
    ma.events.on(model_events.append)
    b_events: list[ModelEvent] = []
    mb.events.on(b_events.append)
    connection_events = record(a)
    first_session = a.session_id
    expected_ops = 0

    expected_ops += edit(mb, "b0", at=0)
    await wait_for(lambda: ma.version == expected_ops, what="A sees b0")
    expected_ops += edit(ma, "a0")  # acknowledged before the drop
    await ma.committed(timeout=10)
    await wait_for(lambda: mb.version == expected_ops, what="B sees a0")

    # Committed at the server, but the acks never reach A.
    relay.hold("s2c")
    expected_ops += edit(ma, "a1")
    expected_ops += edit(ma, "a2", batch=True)
    await wait_for(lambda: mb.version == expected_ops, what="the server commits a1, a2")
    # Sent by A, but never reach the server.
    relay.hold("c2s")
    expected_ops += edit(ma, "a3")
    await asyncio.sleep(0.05)
    assert mb.version == expected_ops - 3
    relay.cut(offline=True)
    await wait_for(lambda: "disconnected" in kinds(connection_events), what="disconnected")
    assert not a.connected
    await wait_for(lambda: not ma.online, what="A's model offline")

    # Offline: applied locally at once, queued.
    expected_ops += edit(ma, "a4")
    expected_ops += edit(ma, "a5", at=0, batch=True)
    assert ma.value()["log"][-6:] == ["a0", "a1", "a2", "a3", "a4", "a5"]
    others = ["b1", "b2"] if others_after_commit else []
    for token in others:
        expected_ops += edit(mb, token, at=0)
    await mb.committed(timeout=10)

    relay.go_online()
    await wait_for(lambda: "reconnected" in kinds(connection_events), what="reconnected")
    await wait_for(lambda: ma.online, what="A resynchronised")
    await ma.committed(timeout=15)
    assert a.connected
    await wait_for(lambda: mb.version == expected_ops, what="B sees everything")
    await wait_for(lambda: ma.value() == mb.value(), what="A and B converge")

    tokens = ["b0", "a0", "a1", "a2", "a3", "a4", "a5", *others]
    check_content(ma.value(), tokens, ordered=["a0", "a1", "a2", "a3", "a4", "a5"])
    assert ma.version == mb.version == expected_ops
    value, version = await fresh_value(client, model_id)
    assert value == ma.value() and version == expected_ops

    assert kinds(connection_events)[:3] == ["disconnected", "reconnecting", "reconnected"]
    assert [e.kind for e in model_events if e.kind in ("offline", "resyncing", "online")] == [
        "offline",
        "resyncing",
        "online",
    ]
    assert relay.connections == 2
    # A new session of the same user; B sees it as a collaborator again.
    assert a.session_id != first_session
    assert connection_events[2].session_id == a.session_id
    assert a.session_id in mb.collaborators
    seen_by_b = [e.kind for e in b_events if e.session_id in (first_session, a.session_id)]
    assert [k for k in seen_by_b if k != "operation"] == [
        "closed",  # the old session went with its socket
        "remote_resync_started",
        "remote_resync_completed",
        "opened",
    ], seen_by_b
    assert a.user.display_name == "A"


async def test_two_drops_in_a_row_and_edits_after(
    client: ClientFactory, via_relay: Any, relay: Relay
) -> None:
    """A second drop (this time while the reconnect's resync may still be running) and live
    editing afterwards: still every op once."""
    a = await via_relay("A", **FAST)
    b = await client("B")
    ma = await a.models().open_auto_create(collection="notes", id="twice", data=DATA)
    mb = await b.models().open("twice")
    tokens: list[str] = []
    ops = 0
    for round_ in range(2):
        relay.hold("s2c")
        for i in range(3):
            tokens.append(f"a{round_}{i}")
            ops += edit(ma, tokens[-1], batch=i == 1)
        await asyncio.sleep(0.1)
        relay.cut(offline=True)
        await wait_for(lambda: not ma.online, what="offline")
        tokens.append(f"b{round_}")
        ops += edit(mb, tokens[-1], at=0)
        tokens.append(f"o{round_}")
        ops += edit(ma, tokens[-1])
        relay.go_online()
        if round_ == 0:
            await wait_for(lambda: relay.connections == 1 + 1, what="reconnect attempt")
    await wait_for(lambda: ma.online, what="online")
    tokens.append("live")
    ops += edit(ma, "live")
    await ma.committed(timeout=15)
    await mb.committed(timeout=15)
    await wait_for(lambda: mb.version == ops and ma.value() == mb.value(), what="converged")
    ordered = [t for t in tokens if t[0] in "aol"]
    check_content(mb.value(), tokens, ordered=ordered)
    value, version = await fresh_value(client, "twice")
    assert (value, version) == (mb.value(), ops)


async def test_dispose_does_not_reconnect(via_relay: Any, relay: Relay) -> None:
    a = await via_relay("A", **FAST)
    events = record(a)
    model = await a.models().open_auto_create(collection="notes", id="disposed", data=DATA)
    await a.dispose()
    await asyncio.sleep(0.3)
    assert kinds(events) == ["closed"]
    assert relay.connections == 1 and not a.connected and model.closed


async def test_without_auto_reconnect_a_drop_closes(via_relay: Any, relay: Relay) -> None:
    a = await via_relay("A", auto_reconnect=False)
    events = record(a)
    model = await a.models().open_auto_create(collection="notes", id="no-auto", data=DATA)
    relay.cut(offline=False)
    await wait_for(lambda: "closed" in kinds(events), what="closed")
    assert kinds(events) == ["disconnected", "closed"]
    assert model.closed and relay.connections == 1


async def test_events_as_an_async_iterator(relay: Relay, realtime_url: str) -> None:
    """``async for`` over ``domain.events`` across a drop; the iterator ends at dispose."""
    domain = await connect(relay.url(realtime_url), anonymous="it", **FAST)
    seen: list[str] = []

    async def listen() -> None:
        async for event in domain.events:
            seen.append(event.kind)

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0)
    relay.cut(offline=False)
    await wait_for(lambda: "reconnected" in seen, what="reconnected")
    await domain.server_time()  # requests work on the new connection
    await domain.dispose()
    await asyncio.wait_for(listener, 5)
    assert seen == ["disconnected", "reconnecting", "reconnected", "closed"]


# --- with the real rc.12 client ---------------------------------------------------------------


async def run_js(
    steps: list[dict[str, Any]],
    url: str,
    timeout: float = 60.0,  # noqa: ASYNC109
) -> dict[str, Any]:
    """The e2e harness's ``collab`` scenario in Node, without blocking the server's loop."""
    from tests.e2e.harness import DRIVER, HERE, _node_env

    node = shutil.which("node")
    assert node is not None
    proc = await asyncio.create_subprocess_exec(
        node,
        str(DRIVER),
        "collab",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_node_env(),
        cwd=HERE / "js",
    )
    args = {"url": url, "steps": steps, "timeoutMs": int((timeout - 2) * 1000)}
    try:
        out, err = await asyncio.wait_for(proc.communicate(json.dumps(args).encode()), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    assert lines, err.decode()[-3000:]
    result: dict[str, Any] = json.loads(lines[-1])
    assert result.get("ok"), (result, err.decode()[-3000:])
    for index, entry in enumerate(result["results"]):
        assert entry["ok"], (index, entry, err.decode()[-3000:])
    return result


JS_EDITS = """
const m = await d.models().open(vars.id);
ctx.model = m;
for (let i = 0; i < vars.count; i++) {
  const text = m.elementAt("text");
  text.insert(i % 2 ? 0 : text.length(), `[j${i}]`);
  m.elementAt("log").push(`j${i}`);
  m.elementAt("n").add(1);
}
while (!m.isCommitted()) await lib.sleep(20);
return m.version();
"""

JS_WAIT_DONE = """
const m = ctx.model;
const deadline = Date.now() + 40000;
while (!m.root().hasKey("a_done")) {
  if (Date.now() > deadline) throw new Error("A never finished");
  await lib.sleep(20);
}
return {value: m.root().value(), version: m.version()};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_rc12_client_edits_while_we_are_offline(
    client: ClientFactory, via_relay: Any, relay: Relay, realtime_url: str
) -> None:
    """The real JS client edits while A is offline (with unacknowledged and unsent ops), stays
    open through A's resync, and ends with A's value; so does a fresh open."""
    js_ops = 5
    a = await via_relay("A", **FAST)
    watcher = await client("W")
    ma = await a.models().open_auto_create(collection="notes", id="with-js", data=DATA)
    mw = await watcher.models().open("with-js")
    ops = edit(ma, "a0")
    await ma.committed(timeout=10)
    relay.hold("s2c")
    ops += edit(ma, "a1")
    await wait_for(lambda: mw.version == ops, what="a1 committed")
    relay.hold("c2s")
    ops += edit(ma, "a2", batch=True)
    relay.cut(offline=True)
    await wait_for(lambda: not ma.online, what="offline")
    ops += edit(ma, "a3", at=0)

    steps = [
        {"c": "js", "op": "connect", "auth": {"method": "anonymous", "displayName": "JS"}},
        {"c": "js", "js": f"vars.id = 'with-js'; vars.count = {js_ops}; return null;"},
        {"c": "js", "js": JS_EDITS, "save": "edited"},
        {"c": "js", "js": JS_WAIT_DONE, "save": "final"},
    ]
    js = asyncio.create_task(run_js(steps, realtime_url))
    ops += 3 * js_ops
    await wait_for(lambda: mw.version == ops - 3 - 1, timeout=40, what="the JS edits")

    relay.go_online()
    await wait_for(lambda: ma.online, what="A resynchronised")
    ma.root().set("a_done", True)
    ops += 1
    await ma.committed(timeout=15)
    result = await asyncio.wait_for(js, 60)
    final = result["results"][-1]["value"]
    await wait_for(lambda: mw.version == ops, what="the watcher sees all")

    tokens = ["a0", "a1", "a2", "a3", *[f"j{i}" for i in range(js_ops)]]
    check_content(ma.value(), tokens, ordered=["a0", "a1", "a2", "a3"])
    assert final["version"] == ma.version == ops
    assert final["value"] == ma.value() == mw.value()
    value, version = await fresh_value(client, "with-js")
    assert (value, version) == (ma.value(), ops)


# --- a real server restart, from a plain script (asyncio.run) ---------------------------------


def test_server_restart_under_asyncio_run(tmp_path: Any) -> None:
    """The server process stops (its socket goes away) and comes back on the same database;
    the client, running under ``asyncio.run`` as a script would, keeps editing meanwhile,
    reconnects with its token and resyncs: the restarted server has every op once."""
    from tests.e2e.harness import ServerProcess, sqlite_url

    server = ServerProcess(
        name="client-restart", workdir=tmp_path, database_url=sqlite_url(tmp_path / "c.db")
    )
    server.start()
    try:
        asyncio.run(_restart_scenario(server))
    finally:
        server.stop()


async def _restart_scenario(server: Any) -> None:
    url = server.realtime_url()
    options = {"reconnect_intervals": (0.1, 0.3), "request_timeout": 10.0}
    a = await connect(url, anonymous="script", **options)
    try:
        events = record(a)
        model = await a.models().open_auto_create(collection="notes", id="restart", data=DATA)
        ops = edit(model, "a0")
        await model.committed(timeout=10)
        ops += edit(model, "a1")  # sent just before the stop: committed or not, never lost
        await asyncio.to_thread(server.stop)
        await wait_for(lambda: not model.online, what="offline")
        ops += edit(model, "a2", batch=True)
        ops += edit(model, "a3", at=0)
        await asyncio.to_thread(server.start)
        await wait_for(lambda: model.online, timeout=30, what="back online")
        await model.committed(timeout=15)
        assert "reconnected" in kinds(events) and a.connected
        check_content(model.value(), ["a0", "a1", "a2", "a3"], ordered=["a0", "a1", "a2", "a3"])
        assert model.version == ops
        reader = await connect(url, anonymous="reader", auto_reconnect=False)
        try:
            fresh = await reader.models().open("restart")
            assert (fresh.value(), fresh.version) == (model.value(), ops)
        finally:
            await reader.dispose()
    finally:
        await a.dispose()


async def test_abort_drops_without_a_close_and_reconnects(client: ClientFactory) -> None:
    """``Connection.abort()`` (for fault drills) looks like a network failure: the domain
    reconnects and a pending edit still arrives once."""
    a = await client("A", anonymous="A", **FAST)
    b = await client("B")
    ma = await a.models().open_auto_create(collection="notes", id="abort", data=DATA)
    mb = await b.models().open("abort")
    events = record(a)
    ops = edit(ma, "a0")
    a._connection.abort()
    ops += edit(ma, "a1")
    await wait_for(lambda: "reconnected" in kinds(events), what="reconnected")
    await wait_for(lambda: ma.online, what="online again")
    await ma.committed(timeout=10)
    await wait_for(lambda: mb.version == ops, what="B sees both")
    check_content(mb.value(), ["a0", "a1"], ordered=["a0", "a1"])


async def test_a_model_deleted_while_offline_is_closed_at_the_resync(
    client: ClientFactory, via_relay: Any, relay: Relay
) -> None:
    """The resync is refused (the model is gone): the model closes with the reason, the
    domain and its other models carry on."""
    a = await via_relay("A", **FAST)
    b = await client("B")
    gone = await a.models().open_auto_create(collection="notes", id="gone", data=DATA)
    kept = await a.models().open_auto_create(collection="notes", id="kept", data=DATA)
    closed: list[ModelEvent] = []
    gone.events.on(lambda e: closed.append(e) if e.kind == "force_closed" else None)
    relay.cut(offline=True)
    await wait_for(lambda: not gone.online, what="offline")
    edit(gone, "lost")
    ops = edit(kept, "k0")
    await b.models().remove("gone")
    relay.go_online()
    await wait_for(lambda: kept.online and gone.closed, what="resync done")
    await kept.committed(timeout=10)
    assert closed and "resync failed" in closed[0].reason and "model_not_found" in closed[0].reason
    assert a.connected and kept.version == ops
    assert [m.id for m in a.models().open_models()] == ["kept"]


#: CONVERGENCE_RECONNECT_SEEDS=N runs seeds 1..N (default 8).
SEEDS = range(1, 1 + int(os.environ.get("CONVERGENCE_RECONNECT_SEEDS", "8")))


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_faults_lose_and_duplicate_nothing(
    client: ClientFactory, via_relay: Any, relay: Relay, seed: int
) -> None:
    """Rounds of: A edits (some batches), the relay holds one or both directions or none,
    cuts, A edits offline while B edits, A comes back (sometimes cut again while its resync
    is under way). At the end every edit is in the model exactly once, A's in order, and
    the version counts the stored ops."""
    import random

    rng = random.Random(seed)
    a = await via_relay("A", **FAST)
    b = await client("B")
    model_id = f"random-{seed}"
    ma = await a.models().open_auto_create(collection="notes", id=model_id, data=DATA)
    mb = await b.models().open(model_id)
    tokens: list[str] = []
    mine: list[str] = []
    ops = 0

    def a_edits(count: int) -> None:
        nonlocal ops
        for _ in range(count):
            mine.append(f"a{len(mine)}")
            tokens.append(mine[-1])
            ops += edit(ma, mine[-1], at=rng.choice([0, None]), batch=rng.random() < 0.3)

    def b_edits(count: int) -> None:
        nonlocal ops
        for _ in range(count):
            tokens.append(f"b{len(tokens)}")
            ops += edit(mb, tokens[-1], at=rng.choice([0, None]), batch=rng.random() < 0.3)

    for _round in range(4):
        a_edits(rng.randint(0, 2))
        for direction in ("s2c", "c2s"):
            if rng.random() < 0.5:
                relay.hold(direction)
        a_edits(rng.randint(1, 3))
        b_edits(rng.randint(0, 2))
        await asyncio.sleep(rng.choice([0, 0.01, 0.05]))
        relay.cut(offline=True)
        await wait_for(lambda: not ma.online, what="offline")
        a_edits(rng.randint(0, 3))
        b_edits(rng.randint(0, 2))
        before = relay.connections
        relay.go_online()
        if rng.random() < 0.5:  # cut again somewhere inside the reconnect or resync
            await wait_for(lambda b=before: relay.connections > b, what="reconnect")
            await asyncio.sleep(rng.choice([0, 0.005, 0.02]))
            relay.cut(offline=False)
            a_edits(rng.randint(0, 2))
        await wait_for(lambda: ma.online and a.connected, what=lambda: state(a, ma))
    await ma.committed(timeout=15)
    await mb.committed(timeout=15)
    await wait_for(
        lambda: mb.version == ops and ma.value() == mb.value(), what=f"converged at {ops}"
    )
    check_content(mb.value(), tokens, ordered=mine)
    value, version = await fresh_value(client, model_id)
    assert (value, version) == (mb.value(), ops)
