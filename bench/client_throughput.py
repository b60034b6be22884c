"""Acked ops/s of our Python client beside the rc.12 JavaScript client, same server, one run.

``python bench/client_throughput.py [--clients 1,10] [--seconds 10] [--repeat 2]``

The W1 workload of bench/run.py (one shared string; each of C clients appends one character
at the end of its local copy and waits for its acknowledgement, window 1), driven once by C
Python clients (``convergence_jupyter.client``, one asyncio loop in one process) and once by C
rc.12 clients (``bench/js/ours.js`` ``lib``, one Node process). As the benchmark protocol says:
a fresh ``jupyter convergence`` per data point pinned to cpu0, the generator pinned to cpu1,
loopback, 1 s warm-up, server CPU from /proc over the measured window, convergence checked at
the end (all replicas equal, one character per acked op). ``--repeat`` runs every point that
many times, alternating Python and JS, and reports the median (the machine is shared).

The rc.12 client comes from bench/.work/node (bench/run.py installs it) or, if that is missing,
from tests/js/node_modules (same version). Writes bench/results/client_throughput.json.
"""

# The bench starts fixed local commands (our server, node, taskset) by design.
# ruff: noqa: S603

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TESTS_JS = REPO / "tests" / "js"


def _load_run() -> ModuleType:
    """bench/run.py as a module (servers, pinning, the generator line protocol)."""
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


# -- the Python generator (a child process, pinned to the generator core) --------------------


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _summary(values: list[float]) -> dict[str, Any]:
    s = sorted(values)

    def pick(p: float) -> float | None:
        if not s:
            return None
        return round(s[min(len(s) - 1, max(0, int(-(-p * len(s) // 100)) - 1))], 3)

    return {"n": len(s), "p50": pick(50), "p90": pick(90), "p99": pick(99)}


async def _generate(args: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from convergence_jupyter.client import RealTimeString, connect

    domains = []
    pairs = []
    for i in range(args["clients"]):
        domain = await connect(args["url"], anonymous=f"p{i}")
        domains.append(domain)
        model = await domain.models().open_auto_create(
            collection="bench", id=args["modelId"], data={"text": ""}
        )
        text = model.element_at("text")
        assert isinstance(text, RealTimeString)
        pairs.append((model, text))
    latencies: list[float] = []
    state = {"ops": 0, "counting": False, "stop": False}

    async def loop(model: Any, text: Any) -> None:
        while not state["stop"]:
            t0 = time.perf_counter()
            text.insert(len(text), "x")
            await model.committed()
            if state["counting"] and not state["stop"]:
                state["ops"] += 1
                latencies.append((time.perf_counter() - t0) * 1000)

    tasks = [asyncio.ensure_future(loop(m, t)) for m, t in pairs]
    await asyncio.sleep(args["warmupMs"] / 1000)
    state["counting"] = True
    t0, cpu0 = time.perf_counter(), time.process_time()
    _emit({"event": "start"})
    await asyncio.sleep(args["seconds"])
    state["stop"] = True
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    _emit({"event": "end"})
    await asyncio.gather(*tasks)
    for _ in range(300):  # up to 15 s for every replica to see every op
        if len({m.version for m, _ in pairs}) == 1:
            break
        await asyncio.sleep(0.05)
    texts = [t.value() for _, t in pairs]
    versions = {m.version for m, _ in pairs}
    result = {
        "ops": state["ops"],
        "seconds": seconds,
        "ops_per_s": state["ops"] / seconds,
        "ack_ms": _summary(latencies),
        "gen_cpu_util": cpu / seconds,
        "converged": len(versions) == 1 and len(set(texts)) == 1,
        "final_length": len(texts[0]),
        "version": versions.pop(),
    }
    for domain in domains:
        await domain.dispose()
    return result


def generate_main(raw: str) -> None:
    _emit({"event": "result", "result": asyncio.run(_generate(json.loads(raw)))})


# -- the driver -----------------------------------------------------------------------------


def run_python_gen(bench: ModuleType, args: dict[str, Any], server: Any) -> dict[str, Any]:
    """bench/run.py's ``run_gen`` with the Python generator in place of gen.js."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--generate", json.dumps(args)]
    log_path = bench.WORK / "gen-python.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            bench.pinned(bench.GEN_CPU, argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        try:
            result, cpu0, cpu1 = bench._follow(proc, server, None, time.monotonic() + 300)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(30)
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.close()
            proc.stdout.close()
    if result is None:
        raise RuntimeError(f"the Python generator failed; see {log_path}")
    if cpu1 > cpu0 and result.get("seconds"):
        result["server_cpu_util"] = round((cpu1 - cpu0) / result["seconds"], 3)
        if result.get("ops"):
            result["server_cpu_s_per_10k_ops"] = round((cpu1 - cpu0) / result["ops"] * 1e4, 3)
    return result


def point(bench: ModuleType, client: str, clients: int, seconds: float) -> dict[str, Any]:
    args = {"clients": clients, "seconds": seconds, "warmupMs": 1000, "modelId": "tp"}
    with bench.fresh_server("ours", f"client-{client}-{clients}") as server:
        if client == "python":
            result = run_python_gen(bench, {**args, "url": server.url}, server)
        else:
            result = bench.run_gen("ours", "lib", args, server)
    if not result.get("converged"):
        raise RuntimeError(f"{client} x{clients}: replicas did not converge: {result}")
    return result


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--generate":
        generate_main(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,10", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per point")
    parser.add_argument("--repeat", type=int, default=2, help="runs per point (median)")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "client_throughput.json")
    options = parser.parse_args()
    bench = _load_run()
    if not (bench.NODE_DIR / "node_modules" / "@convergence" / "convergence").is_dir():
        setattr(bench, "NODE_DIR", TESTS_JS)  # noqa: B010 (the same rc.12 build as the e2e tests)
    bench.WORK.mkdir(parents=True, exist_ok=True)
    counts = [int(c) for c in options.clients.split(",") if c]
    load_before = bench.load_average()
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {"python": {}, "js": {}}
    for c in counts:
        for r in range(options.repeat):
            order = ("python", "js") if r % 2 == 0 else ("js", "python")
            for client in order:
                print(f"{client} x{c} run {r + 1} (load {bench.load_average()})", flush=True)
                runs[client].setdefault(c, []).append(point(bench, client, c, options.seconds))
    load_after = bench.load_average()

    def med(client: str, c: int, key: str) -> float:
        return statistics.median(r[key] for r in runs[client][c])

    print()
    print(
        f"{'clients':>7}  {'python ops/s':>12}  {'rc.12 ops/s':>12}  {'py/js':>6}  "
        f"{'py p50 ms':>9}  {'js p50 ms':>9}  {'srv CPU py':>10}  {'srv CPU js':>10}  "
        f"{'gen CPU py':>10}  {'gen CPU js':>10}"
    )
    summary = []
    for c in counts:
        py, js = med("python", c, "ops_per_s"), med("js", c, "ops_per_s")
        row = {
            "clients": c,
            "python_ops_per_s": round(py, 1),
            "js_ops_per_s": round(js, 1),
            "ratio_python_to_js": round(py / js, 3),
            "python_ack_p50_ms": statistics.median(r["ack_ms"]["p50"] for r in runs["python"][c]),
            "js_ack_p50_ms": statistics.median(r["ack_ms"]["p50"] for r in runs["js"][c]),
            "python_server_cpu_util": med("python", c, "server_cpu_util"),
            "js_server_cpu_util": med("js", c, "server_cpu_util"),
            "python_gen_cpu_util": round(med("python", c, "gen_cpu_util"), 3),
            "js_gen_cpu_util": round(med("js", c, "gen_cpu_util"), 3),
        }
        summary.append(row)
        print(
            f"{c:>7}  {py:>12,.0f}  {js:>12,.0f}  {py / js:>6.2f}  "
            f"{row['python_ack_p50_ms']:>9.2f}  {row['js_ack_p50_ms']:>9.2f}  "
            f"{row['python_server_cpu_util']:>10.2f}  {row['js_server_cpu_util']:>10.2f}  "
            f"{row['python_gen_cpu_util']:>10.2f}  {row['js_gen_cpu_util']:>10.2f}"
        )
    print(f"load average before/after: {load_before} / {load_after}")
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(
        json.dumps(
            {
                "load_before": load_before,
                "load_after": load_after,
                "summary": summary,
                "runs": runs,
            },
            indent=1,
            default=str,
        )
        + "\n"
    )
    print(f"results: {options.output}")


if __name__ == "__main__":
    main()
