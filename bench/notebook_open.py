"""Opening a large notebook: server-side load, and the first open with the real client.

``python bench/notebook_open.py [--cells 1000] [--repeat 3]``

Each repeat starts a fresh ``jupyter convergence`` on a new SQLite file with a generated
notebook (code cells with outputs, markdown cells), then measures:

- ``session (load)``: the first ``POST .../notebooks/session``: read through the
  ContentsManager, convert, create the model in one insert, grants, JWT;
- ``session (warm)``: the same call again (model exists and is watched);
- ``client open``: ``domain.models().open(id)`` in the rc.12 client (Node) until it resolves,
  first open (the model service loads the stored snapshot) and a second client's open;
- ``disk change → clients``: one cell changed on disk until a connected client sees it
  (poll interval + cell-level merge + broadcast).

Prints the medians (and all samples) in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.e2e.harness import (  # noqa: E402
    ServerProcess,
    http_request,
    jwt_auth,
    run_scenario,
    sqlite_url,
)


def make_notebook(cells: int) -> dict[str, Any]:
    out = []
    for i in range(cells):
        if i % 3 == 2:
            out.append(
                {
                    "id": f"md-{i}",
                    "cell_type": "markdown",
                    "metadata": {},
                    "source": f"## Section {i}\n\nSome *text* with unicode: é 😀 {i}.\n",
                }
            )
            continue
        out.append(
            {
                "id": f"code-{i}",
                "cell_type": "code",
                "metadata": {"tags": []},
                "execution_count": i,
                "source": "".join(f"value_{i}_{k} = {k} * {i}\n" for k in range(5))
                + f"print(value_{i}_4)\n",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": f"{4 * i}\n"},
                    {
                        "output_type": "execute_result",
                        "execution_count": i,
                        "data": {"text/plain": f"'{'x' * 80}'"},
                        "metadata": {},
                    },
                ],
            }
        )
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": out,
    }


def post_session(server: ServerProcess, path: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    status, body = http_request(
        f"{server.http_url}convergence/api/v1/notebooks/session",
        method="POST",
        data=json.dumps({"path": path}).encode(),
        headers={"Authorization": f"token {server.token}"},
        timeout=120,
    )
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"session call failed: {status} {body[:500]}")
    return elapsed, json.loads(body)


def client_steps(session: dict[str, Any], nb_path: Path, cells: int) -> list[dict[str, Any]]:
    model = json.dumps(session["modelId"])
    target = cells // 2
    edit = f"""
const fs = await import("node:fs");
const nb = JSON.parse(fs.readFileSync({json.dumps(str(nb_path))}, "utf8"));
nb.cells[{target}].source = "changed on disk";
ctx.mark = Date.now();
fs.writeFileSync({json.dumps(str(nb_path))}, JSON.stringify(nb));
for (;;) {{
  const c = ctx.m.elementAt("cells").get({target}).get("source").value();
  if (c === "changed on disk") return Date.now() - ctx.mark;
  if (Date.now() - ctx.mark > 20000) throw new Error("merge not seen");
  await new Promise((r) => setTimeout(r, 2));
}}"""
    timed_open = (
        f"const t = Date.now(); ctx.m = await d.models().open({model});"
        "const n = ctx.m.elementAt('cells').length(); return {ms: Date.now() - t, cells: n};"
    )
    return [
        {"c": "a", "op": "connect", "auth": jwt_auth(session["jwt"])},
        {"c": "a", "js": timed_open},
        {"c": "b", "op": "connect", "auth": jwt_auth(session["jwt"])},
        {"c": "b", "js": timed_open},
        {"c": "a", "js": edit},
    ]


def run_once(cells: int, workdir: Path) -> dict[str, float]:
    server = ServerProcess(
        "bench-notebook",
        workdir,
        sqlite_url(workdir / "convergence.db"),
        extra_args=["--ConvergenceApp.notebook_poll_interval=0.5"],
    )
    nb_path = server.root_dir / "big.ipynb"
    nb_path.write_text(json.dumps(make_notebook(cells), indent=1), encoding="utf-8")
    server.start()
    try:
        load_ms, session = post_session(server, "big.ipynb")
        warm_ms, _ = post_session(server, "big.ipynb")
        result = run_scenario(
            "collab",
            {"url": server.url, "steps": client_steps(session, nb_path, cells)},
            timeout=120,
        )
        if not result.get("ok") or not all(r["ok"] for r in result["results"]):
            raise SystemExit(f"client scenario failed:\n{result.describe()}")
        steps = [r["value"] for r in result["results"]]
        assert steps[1]["cells"] == cells, steps[1]
        return {
            "session (load)": load_ms,
            "session (warm)": warm_ms,
            "client open (first)": float(steps[1]["ms"]),
            "client open (second client)": float(steps[3]["ms"]),
            "disk change -> client": float(steps[4]),
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = len(json.dumps(make_notebook(args.cells), indent=1).encode())
    print(f"notebook: {args.cells} cells, {size / 1024:.0f} KiB on disk")
    samples: dict[str, list[float]] = {}
    for n in range(args.repeat):
        workdir = Path(tempfile.mkdtemp(prefix="nb-open-"))
        try:
            for key, value in run_once(args.cells, workdir).items():
                samples.setdefault(key, []).append(value)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(f"  run {n + 1}/{args.repeat} done", flush=True)
    print(f"{'measure':32} {'median ms':>10}   samples")
    for key, values in samples.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"{key:32} {statistics.median(values):10.0f}   {shown}")


if __name__ == "__main__":
    main()
