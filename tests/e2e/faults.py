"""Helpers for the durability and reconnect tests: the ``models_faults`` scenario run in the
background, SIGKILL of a server process, and the exactly-once checks on its result."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.models import wire

from .harness import DRIVER, HERE, ScenarioResult, ServerProcess, _node_env, _parse_result

MARKER = re.compile(r"<\d+\.\d+>")


class BackgroundScenario:
    """``node run.js NAME`` running while the test breaks things; ``result()`` waits."""

    def __init__(self, name: str, args: dict[str, Any], timeout: float) -> None:
        self.name = name
        self.timeout = timeout
        args = {"timeoutMs": int((timeout - 2) * 1000), **args}
        if os.environ.get("CONVERGENCE_E2E_DEBUG"):
            args.setdefault("debug", True)
        self.proc = subprocess.Popen(
            ["node", str(DRIVER), name, json.dumps(args)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_node_env(),
            cwd=HERE / "js",
        )

    def result(self) -> ScenarioResult:
        try:
            stdout, stderr = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            stdout, stderr = self.proc.communicate()
            raise AssertionError(
                f"scenario {self.name} did not finish within {self.timeout}s\n{stderr[-4000:]}"
            ) from None
        return _parse_result(self.name, stdout, stderr, self.proc.returncode)

    def kill(self) -> str:
        """Stop the scenario (if still running); returns the tail of its stderr."""
        if self.proc.returncode is not None:
            return ""
        self.proc.kill()
        _, stderr = self.proc.communicate()
        lines = stderr.splitlines()
        errors = [line for line in lines if "ERROR" in line or "rror:" in line]
        return "\n".join(["--- node errors ---", *errors[:40], "--- node tail ---", *lines[-30:]])


def kill9(server: ServerProcess) -> None:
    """SIGKILL the server's process group (no shutdown code runs), and wait for the port."""
    proc = server.proc
    assert proc is not None and proc.poll() is None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    server.stops.append((proc.returncode, True))
    server.proc = None
    server._wait_port_free()


def summary(r: ScenarioResult) -> str:
    """The scenario result without the (large) model data, plus the node stderr tail."""
    brief = {k: v for k, v in r.items() if k not in ("results", "server")}
    brief["server"] = {"version": r.get("server", {}).get("version")}
    brief["clients"] = [
        {k: v for k, v in c.items() if k not in ("data", "made")} for c in r.get("results", [])
    ]
    lines = r.stderr.splitlines()
    errors = [line for line in lines if "ERROR" in line or "rror:" in line][:30]
    return "\n".join(
        [
            json.dumps(brief, indent=1, default=str),
            "--- node errors ---",
            *errors,
            "--- node stderr tail ---",
            *lines[-30:],
        ]
    )


def check_exactly_once(r: ScenarioResult) -> dict[str, int]:
    """Every op every client made is in the server's data exactly once; every client and a
    fresh open agree with it. Returns figures for the report."""
    assert r.get("ok"), summary(r)
    assert r["errors"] == [], summary(r)
    assert r["settled"], summary(r)
    server = r["server"]
    data = server["data"]
    made_text: collections.Counter[str] = collections.Counter()
    made_list: collections.Counter[str] = collections.Counter()
    adds = ops = acked = 0
    for client in r["results"]:
        made_text.update(client["made"]["text"])
        made_list.update(client["made"]["list"])
        adds += client["made"]["adds"]
        ops += client["ops"]
        acked += client["acked"]
    text = data["text"]
    assert "".join(MARKER.findall(text)) == text, f"text has foreign content: {text!r}"
    have_text = collections.Counter(MARKER.findall(text))
    have_list = collections.Counter(data["list"])
    lost = (made_text - have_text) + (made_list - have_list)
    extra = (have_text - made_text) + (have_list - made_list)
    assert not lost, f"lost ops: {sorted(lost)}\n{summary(r)}"
    assert not extra, f"duplicated or foreign ops: {sorted(extra)}\n{summary(r)}"
    assert data["num"] == adds, f"num {data['num']} != {adds} increments\n{summary(r)}"
    # One version per op (discrete or batch): nothing applied twice, nothing skipped.
    assert server["version"] == ops, summary(r)
    for client in r["results"]:
        assert client["version"] == server["version"], summary(r)
        assert client["data"] == data, summary(r)
    assert acked == ops, summary(r)
    return {
        "ops": ops,
        "acked": acked,
        "interruptions": sum(c["interrupted"] for c in r["results"]),
    }


def node_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plain(value: dict[str, Any]) -> Any:
    """A stored snapshot value (``ot.value_to_json`` form) as plain JSON."""
    inner: Any = value.get("value")
    if value.get("type") == "object":
        return {k: plain(v) for k, v in inner.items()}
    if value.get("type") == "array":
        return [plain(v) for v in inner]
    return inner


def read_store(database_url: str, model_id: str) -> dict[str, Any]:
    """The model's row and op log read straight from the database the server left behind."""
    if database_url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            pk, version, data, snapshot_at = conn.execute(
                "SELECT id, version, data, snapshot_version FROM models WHERE model_id = ?",
                (model_id,),
            ).fetchone()
            log = conn.execute(
                "SELECT version, operation FROM model_operations WHERE model_pk = ?"
                " ORDER BY version",
                (pk,),
            ).fetchall()
        finally:
            conn.close()
    else:
        import psycopg

        _, rest = database_url.split("://", 1)
        with psycopg.connect("postgresql://" + rest) as pg:
            integrity = "ok"
            row = pg.execute(
                "SELECT id, version, data, snapshot_version FROM models WHERE model_id = %s",
                (model_id,),
            ).fetchone()
            assert row is not None
            pk, version, data, snapshot_at = row
            log = pg.execute(
                "SELECT version, operation FROM model_operations WHERE model_pk = %s"
                " ORDER BY version",
                (pk,),
            ).fetchall()
    versions = [v for v, _ in log]
    return {
        "integrity": integrity,
        "version": version,
        "versions": versions,
        "data": plain(_with_tail(json.loads(data), snapshot_at, log)),
    }


def _with_tail(snapshot: Any, snapshot_at: int | None, log: list[Any]) -> Any:
    """The stored snapshot plus the op-log tail after it (issue 11: a batch commits only its
    ops; ``snapshot_version`` says which version the snapshot is at, NULL: the model's)."""
    if snapshot_at is None:
        return snapshot
    tree = ot.ModelTree(ot.value_from_json(snapshot))
    for _, operation in (entry for entry in log if entry[0] > snapshot_at):
        ot.apply(tree, ot.as_operation(wire.applied_from_json(operation)))
    return ot.value_to_json(tree.root)


def check_acked_present(store: dict[str, Any], acks: list[dict[str, Any]]) -> None:
    """Every acknowledged op is in the stored snapshot exactly once; versions contiguous."""
    assert store["integrity"] == "ok", store["integrity"]
    assert store["versions"] == list(range(1, store["version"] + 1)), (
        f"op log not contiguous up to the model version {store['version']}"
    )
    data = store["data"]
    text = collections.Counter(MARKER.findall(data["text"]))
    items = collections.Counter(data["list"])
    assert all(n == 1 for n in text.values()), f"duplicated text markers: {text}"
    assert all(n == 1 for n in items.values()), f"duplicated list items: {items}"
    lost = [a for a in acks if any(m not in text for m in a["text"])]
    lost += [a for a in acks if any(m not in items for m in a["list"])]
    assert not lost, f"{len(lost)} acknowledged ops missing after the kill: {lost[:5]}"
    assert data["num"] >= sum(a["adds"] for a in acks)
    assert all(a["version"] < store["version"] for a in acks)
