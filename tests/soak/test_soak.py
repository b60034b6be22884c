"""T11: soak (reliability-lessons §3): bounded memory and resources under mixed, churning load.

Real websockets against the pytest-jupyter server (the extension in-process, SQLite on disk):
long-lived editors edit several models, short-lived clients connect, set presence, post to a
chat channel, open a model and leave, continuously, and the real rc.12 client (from Node) joins
and leaves every few seconds; 90 s in the default run, 10 minutes with
``-m long``. RSS, open file descriptors, asyncio tasks, live sessions and the database size are
sampled every second. Growth is judged robustly, on medians of the first and last third of the
samples after a warm-up and on the Theil-Sen slope (median of pairwise slopes), never on one
noisy sample. Afterwards every client leaves and tasks, descriptors, sessions and connections
must return to their baseline. A second test runs connect/disconnect cycles: 1,000 in the
default run, 10,000 with ``-m long``.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from jupyter_server.utils import url_path_join
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect
from traitlets.config import Config

from convergence_jupyter import ot
from convergence_jupyter.models import wire
from convergence_jupyter.protocol.schema import chat_pb2, core_pb2, presence_pb2
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.realtime.server import RealtimeServer
from tests.e2e.harness import JS_PACKAGE_DIR, anonymous, node_executable, run_scenario
from tests.realtime.inprocess import default_runtime, initial_data, realtime_of, wait_until
from tests.realtime.long_runs import require_long
from tests.realtime.protocol_client import ProtocolClient

MODELS = 6
EDITORS = 8
CHURNERS = 4
CHAT = "soak-room"
WARM_UP = 0.2  # fraction of the samples ignored at the start


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'soak.db'}",
                "anonymous_auth": True,
                "handshake_timeout": 30.0,
                "ping_interval": 5.0,
                "pong_timeout": 30.0,
            },
        }
    )


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def fd_kinds() -> Counter[str]:
    """Open descriptors by kind (socket, pipe, anon_inode, or the file's suffix)."""
    kinds: Counter[str] = Counter()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        kinds[target.split(":")[0] if ":" in target else Path(target).suffix or target] += 1
    return kinds


def theil_sen(xs: list[float], ys: list[float]) -> float:
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i, j in itertools.combinations(range(len(xs)), 2)
        if xs[j] != xs[i]
    ]
    return statistics.median(slopes) if slopes else 0.0


@dataclass
class Samples:
    t: list[float] = field(default_factory=list)
    series: dict[str, list[float]] = field(default_factory=dict)

    def add(self, moment: float, **values: float) -> None:
        self.t.append(moment)
        for name, value in values.items():
            self.series.setdefault(name, []).append(value)

    def judge(self, name: str) -> tuple[float, float, float]:
        """(median of the first third, median of the last third, slope per minute) after warm-up."""
        start = int(len(self.t) * WARM_UP)
        xs, ys = self.t[start:], self.series[name][start:]
        third = max(1, len(xs) // 3)
        return (
            statistics.median(ys[:third]),
            statistics.median(ys[-third:]),
            theil_sen(xs, ys) * 60,
        )


class Load:
    """The clients of one soak and what they did."""

    def __init__(self, url: str, server: RealtimeServer) -> None:
        self.url = url
        self.server = server
        self.stop = False
        self.ops = 0
        self.chats = 0
        self.presence = 0
        self.cycles = 0
        self.rc12_sessions = 0
        self.failures: list[str] = []
        self.clients: set[ProtocolClient] = set()

    async def client(self, name: str) -> ProtocolClient:
        ws = await websocket_connect(HTTPRequest(self.url))
        client = ProtocolClient(ws)
        self.clients.add(client)
        request = core_pb2.ConnectionRequestMessage(client="soak", clientVersion="0")
        request.anonymous.displayName.value = name
        client.send("connectionRequest", request, request_id=0)
        # A loaded 2-core machine can take seconds per login when many arrive at once.
        while True:
            reply = await client.recv(60)
            assert reply is not None, f"{name}: closed during the handshake"
            if reply.WhichOneof("body") == "connectionResponse":
                break
        assert reply.connectionResponse.WhichOneof("response") == "success", reply
        return client

    async def leave(self, client: ProtocolClient) -> None:
        """Close, then read until the server's close frame: a Tornado client whose unread
        messages fill its queue never sees the close otherwise (its receive loop would stay)."""
        client.close()
        self.clients.discard(client)
        try:
            await client.expect_closed(10)
        except TimeoutError:
            self.failures.append("the server did not complete a client's close handshake")

    async def editor(self, number: int) -> None:
        client = await self.client(f"editor{number}")
        rng = random.Random(number)
        models: list[tuple[int, str, str]] = []
        opened_at: dict[int, int] = {}
        for index in rng.sample(range(MODELS), 2):
            reply = await client.request("openRealTimeModelRequest", _open(f"soak-{index}"))
            opened = reply.openRealTimeModelResponse
            root = wire.object_from_wire(opened.data)
            models.append((opened.resourceId, root.children["text"].id, root.children["n"].id))
            opened_at[opened.resourceId] = opened.version
        seqs = dict.fromkeys((m[0] for m in models), 0)
        versions = dict(opened_at)
        while not self.stop:
            resource, text_id, number_id = rng.choice(models)
            seqs[resource] += 1
            op: ot.Operation = (
                ot.StringSet(id=text_id, value=f"{number}:{seqs[resource]}")
                if rng.random() < 0.5
                else ot.NumberDelta(id=number_id, delta=1.0)
            )
            client.send(
                "operationSubmission",
                pb.OperationSubmissionMessage(
                    resourceId=resource,
                    sequenceNumber=seqs[resource],
                    contextVersion=versions[resource],
                    operation=wire.operation_to_wire(op),
                ),
            )
            while True:
                message = await client.recv(30)
                if message is None:
                    self.failures.append(f"editor{number} was disconnected")
                    return
                body = message.WhichOneof("body")
                if body == "error":
                    self.failures.append(f"editor{number}: {message.error}")
                    return
                if body == "remoteOperation":
                    rid = message.remoteOperation.resourceId
                    versions[rid] = message.remoteOperation.contextVersion + 1
                elif body == "operationAck" and message.operationAck.resourceId == resource:
                    versions[resource] = message.operationAck.version + 1
                    break
            self.ops += 1
            await asyncio.sleep(rng.uniform(0.01, 0.05))
        await self.leave(client)

    async def rc12(self) -> None:
        """Now and then the real rc.12 client connects three sessions, holds them, leaves."""
        if node_executable() is None or not (JS_PACKAGE_DIR / "node_modules").exists():
            return
        for round_ in itertools.count():
            if self.stop:
                return
            args = {
                "url": self.url,
                "auths": [anonymous(f"rc12-{round_}-{n}") for n in range(3)],
                "holdMs": 500,
            }
            result = await asyncio.to_thread(run_scenario, "connect_many", args, 60.0)
            outcomes = result["results"]
            if not all(o["ok"] for o in outcomes):
                self.failures.append(f"rc.12 connect_many: {outcomes}")
                return
            self.rc12_sessions += len(outcomes)
            await asyncio.sleep(3.0)

    async def churner(self, number: int) -> None:
        rng = random.Random(1000 + number)
        for cycle in itertools.count():
            if self.stop:
                return
            client = await self.client(f"churn{number}-{cycle}")
            state = presence_pb2.PresenceSetStateMessage()
            state.state["status"].string_value = f"cycle {cycle}"
            client.send("presenceSetState", state)
            self.presence += 1
            if rng.random() < 0.5:
                await client.request(
                    "joinChatRequest", chat_pb2.JoinChatRequestMessage(chatId=CHAT)
                )
                reply = await client.request(
                    "publishChatMessageRequest",
                    chat_pb2.PublishChatRequestMessage(chatId=CHAT, message=f"hi {cycle}"),
                )
                if reply.WhichOneof("body") == "error":
                    self.failures.append(f"chat: {reply.error}")
                self.chats += 1
            if rng.random() < 0.5:
                await client.request(
                    "openRealTimeModelRequest", _open(f"soak-{rng.randrange(MODELS)}")
                )
            await self.leave(client)
            self.cycles += 1
            await asyncio.sleep(rng.uniform(0.0, 0.05))


def _open(model_id: str) -> pb.OpenRealtimeModelRequestMessage:
    return pb.OpenRealtimeModelRequestMessage(modelId=StringValue(value=model_id))


async def _prepare(load: Load) -> None:
    setup = await load.client("setup")
    for index in range(MODELS):
        create = pb.CreateRealtimeModelRequestMessage(collectionId="soak", data=initial_data())
        create.modelId.value = f"soak-{index}"
        reply = await setup.request("createRealTimeModelRequest", create)
        assert reply.WhichOneof("body") == "createRealTimeModelResponse", reply
    chat = chat_pb2.CreateChatRequestMessage(chatType="channel", membership="public", name="soak")
    chat.chatId.value = CHAT
    reply = await setup.request("createChatRequest", chat)
    assert reply.WhichOneof("body") == "createChatResponse", reply
    await load.leave(setup)


def _db_bytes(tmp_path: Path) -> int:
    return sum(p.stat().st_size for p in tmp_path.glob("soak.db*"))


async def _quiet_baseline(
    server: RealtimeServer, tasks: int, allowance: int = 5
) -> Callable[[], bool]:
    runtime = await default_runtime(server)

    def back() -> bool:
        return (
            not runtime.directory.live_sessions()
            and not runtime.sessions
            and not server._connections
            and len(asyncio.all_tasks()) <= tasks + allowance
        )

    return back


async def _describe(server: RealtimeServer) -> str:
    runtime = await default_runtime(server)
    kinds: Counter[str] = Counter()
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        name = getattr(coro, "__qualname__", repr(coro))
        owner = getattr(getattr(coro, "cr_frame", None), "f_locals", {}).get("self")
        side = type(getattr(owner, "handler", None)).__name__ if owner is not None else ""
        kinds[f"{name}[{side}]" if side else name] += 1
    return (
        f"live sessions {len(runtime.directory.live_sessions())}, runtime sessions "
        f"{len(runtime.sessions)}, connections {len(server._connections)}, tasks {dict(kinds)}"
    )


def _url(port: int, base_url: str) -> str:
    return f"ws://localhost:{port}" + url_path_join(
        base_url, "convergence", "realtime", "convergence", "default"
    )


@pytest.mark.timeout(900)
async def test_soak(
    jp_serverapp: Any, http_server_client: Any, jp_http_port: int, jp_base_url: str, tmp_path: Path
) -> None:
    seconds = float(os.environ.get("CONVERGENCE_SOAK_SECONDS", "90"))
    await _soak(jp_serverapp, jp_http_port, jp_base_url, tmp_path, seconds)


@pytest.mark.long
@pytest.mark.timeout(3600)
async def test_soak_long(
    jp_serverapp: Any,
    http_server_client: Any,
    jp_http_port: int,
    jp_base_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    require_long(request)
    await _soak(jp_serverapp, jp_http_port, jp_base_url, tmp_path, 600.0)


async def _soak(
    jp_serverapp: Any, jp_http_port: int, jp_base_url: str, tmp_path: Path, duration: float
) -> None:
    server = realtime_of(jp_serverapp)
    load = Load(_url(jp_http_port, jp_base_url), server)
    await _prepare(load)
    await asyncio.sleep(0.5)
    gc.collect()
    base_tasks, base_fds, base_rss = len(asyncio.all_tasks()), open_fds(), rss_mib()
    base_kinds = fd_kinds()
    runtime = await default_runtime(server)
    samples = Samples()
    started = time.perf_counter()
    workers = [asyncio.ensure_future(load.editor(n)) for n in range(EDITORS)]
    workers += [asyncio.ensure_future(load.churner(n)) for n in range(CHURNERS)]
    workers.append(asyncio.ensure_future(load.rc12()))
    try:
        while (elapsed := time.perf_counter() - started) < duration:
            await asyncio.sleep(1.0)
            samples.add(
                elapsed,
                rss=rss_mib(),
                fds=open_fds(),
                tasks=len(asyncio.all_tasks()),
                sessions=len(runtime.directory.live_sessions()),
                db=_db_bytes(tmp_path) / 2**20,
                ops=load.ops,
            )
            assert not load.failures, load.failures
            assert all(not w.done() or w.exception() is None for w in workers), [
                w.exception() for w in workers if w.done()
            ]
    finally:
        load.stop = True
        await asyncio.wait(workers, timeout=60)
    for client in list(load.clients):
        await load.leave(client)
    assert not load.failures, load.failures
    # Models stay loaded a while after their last client leaves: one task each at most.
    back = await _quiet_baseline(server, base_tasks, allowance=5 + MODELS)
    try:
        await wait_until(back, 60, "sessions, connections and tasks back to baseline")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {await _describe(server)}") from None
    gc.collect()
    end_fds, end_rss, end_kinds = open_fds(), rss_mib(), fd_kinds()
    lines = []
    for name in ("rss", "fds", "tasks", "sessions", "db"):
        first, last, slope = samples.judge(name)
        lines.append(f"{name}: {first:.1f} -> {last:.1f} (slope {slope:+.2f}/min)")
    ops_first, ops_last, _ = samples.judge("ops")
    print(
        f"\nT11 soak {duration:.0f} s: {load.ops} acked ops, {load.cycles} connect/leave cycles, "
        f"{load.chats} chat messages, {load.presence} presence updates, "
        f"{load.rc12_sessions} rc.12 client sessions, {EDITORS} editors on "
        f"{MODELS} models\n  " + "\n  ".join(lines) + f"\n  after: fds {base_fds} -> {end_fds}, "
        f"RSS {base_rss:.1f} -> {end_rss:.1f} MiB, tasks {base_tasks} -> "
        f"{len(asyncio.all_tasks())}; new descriptors {dict(end_kinds - base_kinds)}"
    )
    rss_first, rss_last, rss_slope = samples.judge("rss")
    # Unbounded growth is a sustained slope AND a real difference between the thirds.
    assert not (rss_slope > 20 and rss_last - rss_first > 48), "RSS keeps growing"
    fds_first, fds_last, _ = samples.judge("fds")
    assert fds_last <= fds_first + 20, "open file descriptors keep growing"
    tasks_first, tasks_last, _ = samples.judge("tasks")
    assert tasks_last <= tasks_first * 1.5 + 20, "asyncio tasks keep growing"
    # The database pool keeps the connections this load needed (a bounded number of .db/.wal
    # descriptors); sockets are what a connection leak would leave behind.
    assert end_kinds["socket"] <= base_kinds["socket"] + 2, (base_kinds, end_kinds)
    assert end_fds - base_fds <= 48, (base_fds, end_fds)
    db_first, db_last, _ = samples.judge("db")
    if ops_last > ops_first:
        per_op = (db_last - db_first) * 2**20 / (ops_last - ops_first)
        print(f"  database growth: {per_op:.0f} bytes per acked op (history is kept)")
        assert per_op < 16 * 1024, "the database grows far faster than the op history"


@pytest.mark.timeout(900)
async def test_connect_disconnect_cycles_leak_nothing(
    jp_serverapp: Any, http_server_client: Any, jp_http_port: int, jp_base_url: str
) -> None:
    # 10,000 cycles take 20+ minutes on a loaded 2-core machine: the default run does 1,000.
    await _cycles(jp_serverapp, jp_http_port, jp_base_url, 1000)


@pytest.mark.long
@pytest.mark.timeout(7200)
async def test_connect_disconnect_cycles_long(
    jp_serverapp: Any,
    http_server_client: Any,
    jp_http_port: int,
    jp_base_url: str,
    request: pytest.FixtureRequest,
) -> None:
    require_long(request)
    await _cycles(jp_serverapp, jp_http_port, jp_base_url, 10_000)


async def _cycles(jp_serverapp: Any, jp_http_port: int, jp_base_url: str, cycles: int) -> None:
    parallel = 4
    server = realtime_of(jp_serverapp)
    load = Load(_url(jp_http_port, jp_base_url), server)
    counter = itertools.count()
    slowest = 0.0

    async def worker(limit: int) -> None:
        nonlocal slowest
        while next(counter) < limit:
            begun = time.perf_counter()
            client = await load.client("cycle")
            await load.leave(client)
            load.cycles += 1
            slowest = max(slowest, time.perf_counter() - begun)

    # Warm up at the same concurrency (the runtime, caches and the database connection pool
    # grow to what this load needs), then take the baseline.
    await asyncio.gather(*(worker(100) for _ in range(parallel)))
    back = await _quiet_baseline(server, len(asyncio.all_tasks()))
    await wait_until(back, 30, "warm-up released")
    gc.collect()
    base_tasks, base_fds, base_rss = len(asyncio.all_tasks()), open_fds(), rss_mib()
    base_fd_kinds = fd_kinds()
    back = await _quiet_baseline(server, base_tasks)
    counter = itertools.count()
    started = time.perf_counter()
    await asyncio.gather(*(worker(cycles) for _ in range(parallel)))
    elapsed = time.perf_counter() - started
    await wait_until(back, 60, "sessions, connections and tasks back to baseline")
    for _ in range(3):
        gc.collect()
        await asyncio.sleep(0.1)
    end_tasks, end_fds, end_rss = len(asyncio.all_tasks()), open_fds(), rss_mib()
    print(
        f"\nT11 cycles: {cycles} connect/auth/disconnect cycles ({parallel} at a time) in "
        f"{elapsed:.1f} s ({cycles / elapsed:.0f}/s, slowest {slowest:.2f} s); "
        f"tasks {base_tasks} -> {end_tasks}, "
        f"fds {base_fds} -> {end_fds}, RSS {base_rss:.1f} -> {end_rss:.1f} MiB, "
        f"live sessions {len((await default_runtime(server)).directory.live_sessions())}, "
        f"tracked connections {len(server._connections)}; new descriptors: "
        f"{dict(fd_kinds() - base_fd_kinds)}"
    )
    assert end_tasks <= base_tasks + 5
    assert abs(end_fds - base_fds) <= 10
    # 10,000 sessions may leave caches and allocator slack, not a per-connection leak.
    assert end_rss - base_rss < 64, "memory grew with connection cycles"
