"""Benchmark our server against ShareDB 7 on the same workloads, in one run, on this machine.

``python bench/run.py [--quick] [--only W2,W4] [--targets ours,sharedb,ours-pg]``

Follows ../shared/reference/benchmark-protocol.md: a fresh server per data point pinned to cpu0,
the Node load generator pinned to cpu1, loopback only, compression off, TCP_NODELAY on (our
websocket handler sets it; Node ``ws`` does by default). Our server is ``jupyter convergence``
on a durable SQLite file (WAL, ack after commit: the default); ShareDB runs MemoryDB, as in the
protocol. ShareDB and the clients are installed by npm into ``bench/.work/node`` (git-ignored).
Target ``ours-pg`` is the same server on PostgreSQL (``--postgres-url``, default
``$CONVERGENCE_BENCH_POSTGRES_URL``), a fresh schema per server, printed as its own table.
Prints a table with the ratios ours/ShareDB and writes ``bench/results/latest.json``.
"""

# The bench starts fixed local commands (our server, node, npm, taskset) by design.
# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
NODE_DIR = WORK / "node"
JS = BENCH / "js"
RESULTS = BENCH / "results"

#: What the generators need; installed by npm, never committed.
PEER_PACKAGES = {
    "sharedb": "7.0.0",
    "@teamwork/websocket-json-stream": "2.0.0",
    "ot-text-unicode": "4.0.0",
    "ws": "8.18.3",
    "protobufjs": "7.4.0",
    "@convergence/convergence": "1.0.0-rc.12",
}

#: ``ours-pg``: the PostgreSQL server our server gets a fresh schema in (``--postgres-url``).
POSTGRES_URL: str | None = None

#: Where server run directories (and our SQLite file) go; ``--runs-dir /dev/shm/x`` puts the
#: database on tmpfs (the protocol's "in-memory store beside it"; ack after commit is kept).
RUNS: Path | None = None

SERVER_CPU = "0"
GEN_CPU = "1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def pinned(cpu: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *argv] if shutil.which("taskset") else argv


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Server(Protocol):
    name: str
    url: str
    pid: int

    def force_gc(self) -> None: ...


@dataclass
class OursServer:
    """``jupyter convergence`` (via bench/serve_ours.py, which adds a SIGUSR2 -> gc hook)."""

    workdir: Path
    #: None: a SQLite file in ``workdir`` (the default deployment).
    database_url: str | None = None
    name: str = "ours"
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        root = self.workdir / "root"
        root.mkdir(exist_ok=True)
        token = secrets.token_hex(8)
        db = self.database_url or f"sqlite:///{self.workdir / 'convergence.db'}"
        argv = [
            sys.executable,
            str(BENCH / "serve_ours.py"),
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--ConvergenceApp.database_url={db}",
            "--ConvergenceApp.anonymous_auth=True",
            "--ServerApp.log_level=WARN",
            "--ConvergenceApp.log_level=WARN",
            *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
        ]
        env = dict(os.environ)
        jdir = self.workdir / "jupyter"
        env.update(
            JUPYTER_CONFIG_DIR=str(jdir / "config"),
            JUPYTER_DATA_DIR=str(jdir / "data"),
            JUPYTER_RUNTIME_DIR=str(jdir / "runtime"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        self.log = (self.workdir / "server.log").open("ab")
        self.proc = subprocess.Popen(
            pinned(SERVER_CPU, argv),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.workdir,
            start_new_session=True,
        )
        self.pid = self.proc.pid
        self.url = f"ws://127.0.0.1:{self.port}/convergence/realtime/convergence/default"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"our server exited; see {self.workdir / 'server.log'}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("our server did not start in 60 s")

    def force_gc(self) -> None:
        os.kill(self.pid, signal.SIGUSR2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@dataclass
class ShareDBServer:
    """ShareDB 7 with MemoryDB behind ``ws`` (bench/js/sharedb_server.js)."""

    workdir: Path
    name: str = "sharedb"

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log = (self.workdir / "sharedb.log").open("ab")
        argv = ["node", "--expose-gc", str(JS / "sharedb_server.js"), "0"]
        env = dict(os.environ, BENCH_NODE_DIR=str(NODE_DIR))
        self.proc = subprocess.Popen(
            pinned(SERVER_CPU, argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            start_new_session=True,
        )
        self.pid = self.proc.pid
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if not line.startswith("READY "):
            raise RuntimeError(f"ShareDB did not start: {line!r}")
        self.url = f"ws://127.0.0.1:{int(line.split()[1])}"

    def force_gc(self) -> None:
        os.kill(self.pid, signal.SIGUSR2)

    def stop(self) -> None:
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@contextmanager
def fresh_server(target: str, tag: str) -> Iterator[Server]:
    """A new server for one data point; its files live under bench/.work/runs/."""
    workdir = (RUNS or WORK / "runs") / f"{target}-{tag}-{secrets.token_hex(3)}"
    with ExitStack() as stack:
        server: OursServer | ShareDBServer
        if target == "ours":
            server = OursServer(workdir)
        elif target == "ours-pg":
            if POSTGRES_URL is None:
                raise SystemExit("target ours-pg needs --postgres-url")
            sys.path.insert(0, str(REPO))
            from tests.database_backends import postgres_schema

            server = OursServer(workdir, stack.enter_context(postgres_schema(POSTGRES_URL)))
        else:
            server = ShareDBServer(workdir)
        try:
            yield server
        finally:
            server.stop()
            shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def server_for(target: str, tag: str, shared: Server | None) -> Iterator[Server]:
    """``shared`` when given (the smoke test runs everything on one server), else a fresh one."""
    if shared is not None:
        yield shared
    else:
        with fresh_server(target, tag) as server:
            yield server


# -- generators -----------------------------------------------------------------------------

Hook = Callable[[str], None]


def run_gen(
    target: str,
    workload: str,
    args: dict[str, Any],
    server: Server,
    *,
    on_event: Hook | None = None,
    timeout: float = 900,
) -> dict[str, Any]:
    """Run ``bench/js/gen.js`` pinned to the generator core; sample server CPU at the window."""
    generator = "sharedb" if target == "sharedb" else "ours"
    argv = [
        "node",
        str(JS / "gen.js"),
        generator,
        workload,
        json.dumps({**args, "url": server.url}),
    ]
    log_path = WORK / "gen.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            pinned(GEN_CPU, argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=dict(os.environ, BENCH_NODE_DIR=str(NODE_DIR)),
        )
        assert proc.stdout is not None and proc.stdin is not None
        deadline = time.monotonic() + timeout
        try:
            result, cpu0, cpu1 = _follow(proc, server, on_event, deadline)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(30)
            proc.stdin.close()
            proc.stdout.close()
    if result is None:
        raise RuntimeError(f"{target} {workload} failed; see {log_path}")
    seconds = result.get("seconds")
    if cpu1 > cpu0 and seconds:
        result["server_cpu_util"] = round((cpu1 - cpu0) / seconds, 3)
        if result.get("ops"):
            result["server_cpu_s_per_10k_ops"] = round((cpu1 - cpu0) / result["ops"] * 1e4, 3)
    elif cpu1 > cpu0:
        result["server_cpu_s"] = round(cpu1 - cpu0, 3)
    return result


def _follow(
    proc: subprocess.Popen[bytes], server: Server, on_event: Hook | None, deadline: float
) -> tuple[dict[str, Any] | None, float, float]:
    """Read the generator's event lines until it exits; returns (result, cpu at start, at end)."""
    assert proc.stdout is not None and proc.stdin is not None
    cpu0 = cpu1 = 0.0
    result: dict[str, Any] | None = None
    for raw in proc.stdout:
        if time.monotonic() > deadline:
            proc.kill()
            break
        message = json.loads(raw)
        event = message.get("event")
        if event == "start":
            cpu0 = cpu_seconds(server.pid)
        elif event == "end":
            cpu1 = cpu_seconds(server.pid)
        elif event == "result":
            result = message["result"]
        elif event in ("ready", "done"):
            if on_event is not None:
                on_event(event)
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
    return result, cpu0, cpu1


def gc_then_rss(server: Server) -> float:
    server.force_gc()
    time.sleep(1.0)
    return rss_mb(server.pid)


# -- workloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    seconds: float
    warmup_ms: int
    w1_clients: tuple[int, ...]
    w2_clients: tuple[int, ...]
    fanout_seconds: float
    docs: int
    history_ops: int
    #: W6 stops here even if fewer ops were done (our window-1 rate makes 100k ops long).
    history_max_seconds: float
    #: W3: this many typists at 4 ops/s each (the protocol's 50; fewer only in the smoke test).
    typists: int = 50


FULL = Plan(10, 1000, (1, 10, 50), (1, 10, 50), 10, 1000, 100_000, 300)
QUICK = Plan(3, 500, (1, 10), (10, 50), 3, 200, 3_000, 30)


def w1(target: str, plan: Plan, shared: Server | None = None) -> list[dict[str, Any]]:
    out = []
    for c in plan.w1_clients:
        with server_for(target, f"w1-{c}", shared) as server:
            args = {"clients": c, "seconds": plan.seconds, "warmupMs": plan.warmup_ms}
            r = run_gen(target, "lib", {**args, "modelId": f"w1-{c}"}, server)
        out.append({"clients": c, **r})
    return out


def w2(target: str, plan: Plan, shared: Server | None = None) -> list[dict[str, Any]]:
    out = []
    for c in plan.w2_clients:
        with server_for(target, f"w2-{c}", shared) as server:
            args = {"clients": c, "seconds": plan.seconds, "warmupMs": plan.warmup_ms}
            r = run_gen(target, "proto", {**args, "modelId": f"w2-{c}"}, server)
        out.append({"clients": c, **r})
    return out


def w3(target: str, plan: Plan, shared: Server | None = None) -> dict[str, Any]:
    with server_for(target, "w3", shared) as server:
        args = {
            "clients": plan.typists,
            "rate": 4,
            "seconds": plan.seconds,
            "warmupMs": plan.warmup_ms,
            "modelId": "w3",
        }
        return {"clients": plan.typists, **run_gen(target, "typing", args, server)}


def w4(target: str, plan: Plan, shared: Server | None = None) -> dict[str, Any]:
    with server_for(target, "w4", shared) as server:
        args = {"readers": 50, "rate": 100, "seconds": plan.fanout_seconds, "modelId": "w4"}
        return run_gen(target, "fanout", args, server)


def w5(target: str, plan: Plan, shared: Server | None = None) -> dict[str, Any]:
    marks: dict[str, float] = {}

    with server_for(target, "w5", shared) as server:

        def hook(event: str) -> None:
            if event == "ready":
                marks["idle"] = gc_then_rss(server)
            else:
                marks["after"] = rss_mb(server.pid)
                marks["after_gc"] = gc_then_rss(server)

        r = run_gen(target, "memDocs", {"docs": plan.docs, "modelId": "w5"}, server, on_event=hook)
    delta = marks["after_gc"] - marks["idle"]
    return {
        **r,
        "rss_idle_mb": round(marks["idle"], 1),
        "rss_after_mb": round(marks["after"], 1),
        "rss_after_gc_mb": round(marks["after_gc"], 1),
        "delta_mb": round(delta, 1),
        "kb_per_doc": round(delta * 1024 / plan.docs, 1),
    }


def w6(target: str, plan: Plan, shared: Server | None = None) -> dict[str, Any]:
    marks: dict[str, float] = {}
    with server_for(target, "w6", shared) as server:

        def hook(event: str) -> None:
            if event == "ready":
                marks["idle"] = gc_then_rss(server)
            else:
                marks["after"] = rss_mb(server.pid)
                marks["after_gc"] = gc_then_rss(server)

        args = {"ops": plan.history_ops, "maxSeconds": plan.history_max_seconds, "modelId": "w6"}
        r = run_gen(target, "history", args, server, on_event=hook, timeout=1800)
    return {
        **r,
        "rss_idle_mb": round(marks["idle"], 1),
        "rss_after_mb": round(marks["after"], 1),
        "rss_after_gc_mb": round(marks["after_gc"], 1),
        "delta_mb": round(marks["after_gc"] - marks["idle"], 1),
    }


WORKLOADS: dict[str, Callable[[str, Plan, Server | None], Any]] = {
    "W1": w1,
    "W2": w2,
    "W3": w3,
    "W4": w4,
    "W5": w5,
    "W6": w6,
}


# -- set-up and report ----------------------------------------------------------------------


def ensure_peers() -> None:
    """npm-install ShareDB and the clients into the scratch directory (once)."""
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    manifest = {"name": "convergence-bench-peers", "private": True, "dependencies": PEER_PACKAGES}
    package = NODE_DIR / "package.json"
    wanted = json.dumps(manifest, indent=1) + "\n"
    installed = all((NODE_DIR / "node_modules" / name).is_dir() for name in PEER_PACKAGES)
    if installed and package.exists() and package.read_text() == wanted:
        return
    package.write_text(wanted)
    print("installing ShareDB 7 and the clients with npm into", NODE_DIR, flush=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_DIR,
        check=True,
    )


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float | int):
        return f"{value:,.{digits}f}"
    return str(value)


def _ratio(ours: Any, peer: Any) -> str:
    if not ours or not peer:
        return "-"
    return f"{ours / peer:.2f}x"


def rows(results: dict[str, Any], mine: str = "ours") -> list[tuple[str, Any, Any, int]]:
    """(label, ours, sharedb, digits) for the summary table of our target ``mine``."""
    ours = results["targets"].get(mine, {})
    peer = results["targets"].get("sharedb", {})
    out: list[tuple[str, Any, Any, int]] = []

    def by_c(data: dict[str, Any], workload: str, c: int) -> dict[str, Any]:
        return next((r for r in data.get(workload, []) if r["clients"] == c), {})

    for workload, label in (("W1", "lib (real client)"), ("W2", "proto")):
        cs = sorted({r["clients"] for d in (ours, peer) for r in d.get(workload, [])})
        for c in cs:
            o, p = by_c(ours, workload, c), by_c(peer, workload, c)
            name = f"{workload} {label} C={c}"
            out.append((f"{name}: ops/s", o.get("ops_per_s"), p.get("ops_per_s"), 0))
            for q in ("p50", "p99"):
                out.append(
                    (
                        f"{name}: ack {q} ms",
                        o.get("ack_ms", {}).get(q),
                        p.get("ack_ms", {}).get(q),
                        2,
                    )
                )
            out.append(
                (
                    f"{name}: server CPU-s/10k ops",
                    o.get("server_cpu_s_per_10k_ops"),
                    p.get("server_cpu_s_per_10k_ops"),
                    2,
                )
            )
            if workload == "W1":
                out.append((f"{name}: converged", o.get("converged"), p.get("converged"), 0))
    o3, p3 = ours.get("W3", {}), peer.get("W3", {})
    if o3 or p3:
        name = f"W3 typing {o3.get('clients') or p3.get('clients')}x4/s"
        out.append((f"{name}: ops/s", o3.get("ops_per_s"), p3.get("ops_per_s"), 0))
        for q in ("p50", "p99"):
            out.append(
                (
                    f"{name}: ack {q} ms",
                    o3.get("ack_ms", {}).get(q),
                    p3.get("ack_ms", {}).get(q),
                    2,
                )
            )
        out.append(
            (
                f"{name}: server CPU util",
                o3.get("server_cpu_util"),
                p3.get("server_cpu_util"),
                3,
            )
        )
        out.append((f"{name}: converged", o3.get("converged"), p3.get("converged"), 0))
    o4, p4 = ours.get("W4", {}), peer.get("W4", {})
    if o4 or p4:
        for q in ("p50", "p99"):
            out.append(
                (
                    f"W4 fan-out 100/s->50: all-readers {q} ms",
                    o4.get("all_readers_ms", {}).get(q),
                    p4.get("all_readers_ms", {}).get(q),
                    2,
                )
            )
        out.append(
            (
                "W4 fan-out: per-delivery p99 ms",
                o4.get("per_delivery_ms", {}).get("p99"),
                p4.get("per_delivery_ms", {}).get("p99"),
                2,
            )
        )
        out.append(
            (
                "W4 fan-out: delivered to all / sent",
                f"{o4.get('delivered_to_all')}/{o4.get('sent')}" if o4 else None,
                f"{p4.get('delivered_to_all')}/{p4.get('sent')}" if p4 else None,
                0,
            )
        )
    o5, p5 = ours.get("W5", {}), peer.get("W5", {})
    if o5 or p5:
        docs = o5.get("docs") or p5.get("docs")
        out.append(
            (f"W5 {docs} open models: KB per model", o5.get("kb_per_doc"), p5.get("kb_per_doc"), 1)
        )
        out.append(("W5: RSS idle MB", o5.get("rss_idle_mb"), p5.get("rss_idle_mb"), 1))
    o6, p6 = ours.get("W6", {}), peer.get("W6", {})
    if o6 or p6:
        out.append(("W6 history: ops done (window 1, one client)", o6.get("ops"), p6.get("ops"), 0))
        out.append(("W6: RSS delta MB (after gc)", o6.get("delta_mb"), p6.get("delta_mb"), 1))

        def per_k(d: dict[str, Any]) -> float | None:
            return d["delta_mb"] * 1024 / d["ops"] * 1000 if d.get("ops") else None

        out.append(("W6: RSS delta KB per 1k ops", per_k(o6), per_k(p6), 1))
        out.append(
            ("W6: ops/s (window 1, one client)", o6.get("ops_per_s"), p6.get("ops_per_s"), 0)
        )
        for d, tag in ((o6, "ours"), (p6, "sharedb")):
            if d.get("slice_ops_per_s"):
                out.append(
                    (
                        f"W6: ops/s per tenth ({tag})",
                        " ".join(map(str, d["slice_ops_per_s"])),
                        None,
                        0,
                    )
                )
    return out


def print_table(results: dict[str, Any]) -> None:
    for mine in ("ours", "ours-pg"):
        if mine not in results["targets"]:
            continue
        table = rows(results, mine)
        width = max(len(r[0]) for r in table) if table else 20
        print()
        print(f"{'metric':<{width}}  {mine:>12}  {'ShareDB':>12}  {mine + '/ShareDB':>15}")
        print("-" * (width + 45))
        for label, o, p, digits in table:
            plain_number = isinstance(o, float | int) and not isinstance(o, bool)
            ratio = _ratio(o, p) if plain_number else ""
            print(f"{label:<{width}}  {_fmt(o, digits):>12}  {_fmt(p, digits):>12}  {ratio:>15}")
        print()


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, about 2 minutes")
    parser.add_argument("--only", default="W1,W2,W3,W4,W5,W6", help="comma-separated workloads")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CONVERGENCE_BENCH_POSTGRES_URL"),
        help="PostgreSQL for target ours-pg (a fresh schema per server)",
    )
    parser.add_argument("--targets", default="ours,sharedb")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--runs-dir", type=Path, help="server run directories, e.g. /dev/shm/bench (tmpfs)"
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    global RUNS, POSTGRES_URL
    RUNS = args.runs_dir
    POSTGRES_URL = args.postgres_url
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupted)  # so that every started server is stopped
    targets = [t for t in args.targets.split(",") if t]
    workloads = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    if shutil.which("node") is None:
        sys.exit("node is required (the load generators and ShareDB run on Node)")
    ensure_peers()
    WORK.mkdir(exist_ok=True)
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "mode": "quick" if args.quick else "full",
        "ours_database": f"SQLite (WAL, synchronous=NORMAL) under {RUNS or WORK / 'runs'}",
        "plan": plan.__dict__,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "node": subprocess.run(
                ["node", "--version"], capture_output=True, text=True
            ).stdout.strip(),
            "load_before": load_average(),
        },
        "targets": {t: {} for t in targets},
    }
    for workload in workloads:
        for target in targets:
            started = time.monotonic()
            print(f"{workload} {target} ... (load {load_average()})", flush=True)
            results["targets"][target][workload] = WORKLOADS[workload](target, plan, None)
            print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    results["machine"]["load_after"] = load_average()
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    print_table(results)
    machine = results["machine"]
    print(f"load average before/after: {machine['load_before']} / {machine['load_after']}")
    print(f"results: {args.output}")


if __name__ == "__main__":
    main()
