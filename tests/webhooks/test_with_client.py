"""Web hooks with the real rc.12 client (Node) against the server started as a user starts it
(``jupyter convergence``, SQLite or PostgreSQL), hooks configured over REST, and a real
receiver on 127.0.0.1 (admitted by ``--ConvergenceApp.webhook_allowed_networks``):

* init: ``openAutoCreate`` of a missing model gets the receiver's data;
* save: the client's edits reach the receiver as signed snapshots with the right data/version;
* the receiver down for 10 s: the client keeps editing (ack latency printed), saves retry,
  and the snapshot that finally arrives has every op.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.database_backends import BACKENDS, PG_ENV
from tests.e2e.harness import (
    PostgresSchema,
    ServerProcess,
    http_request,
    node_executable,
    run_scenario,
    sqlite_url,
)

from .receiver import Answer, Receiver

pytestmark = pytest.mark.e2e

API = "convergence/api/v1/domains/convergence/default"
JS_ROOT = Path(__file__).parents[1] / "js" / "node_modules" / "@convergence"

# Helpers defined once per scenario (a step's body runs as an async function).
HELPERS = """
ctx.committed = async (m) => { while (!m.isCommitted()) await lib.sleep(2); };
return null;
"""


@pytest.fixture(params=BACKENDS, scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    if node_executable() is None or not JS_ROOT.exists():
        pytest.skip("the real client runs in Node.js with tests/js/node_modules (npm ci)")
    workdir = tmp_path_factory.mktemp(f"webhooks-{request.param}")
    schema: PostgresSchema | None = None
    if request.param == "postgres":
        base = os.environ.get(PG_ENV)
        if not base:
            pytest.skip(f"PostgreSQL tests need {PG_ENV}")
        schema = PostgresSchema(base)
        url = schema.create()
    else:
        url = sqlite_url(workdir / "convergence.db")
    proc = ServerProcess(
        name=f"webhooks-{request.param}",
        workdir=workdir,
        database_url=url,
        extra_args=["--ConvergenceApp.webhook_allowed_networks=127.0.0.1/32"],
    )
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
        if schema is not None:
            schema.drop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    try:
        yield found
    finally:
        found.close()


def rest(server: ServerProcess, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, text = http_request(
        f"{server.http_url}{API}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
        timeout=20,
    )
    assert status is not None, text
    return status, json.loads(text) if text else None


def collection_with_hook(
    server: ServerProcess, receiver: Receiver, name: str, **hook: Any
) -> dict[str, Any]:
    status, body = rest(server, "POST", "/collections", {"id": name})
    assert status == 201, body
    status, body = rest(
        server, "POST", f"/collections/{name}/webhooks", {"url": receiver.url(), **hook}
    )
    assert status == 201, body
    assert isinstance(body, dict)
    return body


def scenario(server: ServerProcess, steps: list[dict[str, Any]], limit: float = 60) -> list[Any]:
    result = run_scenario("collab", {"url": server.url, "steps": steps}, timeout=limit)
    assert result.get("ok"), result.describe()
    for n, entry in enumerate(result["results"]):
        assert entry["ok"], f"step {n}: {entry}\n{result.describe()}"
    return [entry["value"] for entry in result["results"]]


def connect() -> list[dict[str, Any]]:
    return [
        {"c": "a", "op": "connect", "auth": {"method": "anonymous", "displayName": "Ada"}},
        {"c": "a", "js": HELPERS},
    ]


def test_init_creates_the_model_and_edits_arrive_as_signed_snapshots(
    server: ServerProcess, receiver: Receiver
) -> None:
    hook = collection_with_hook(
        server, receiver, "books", events=["init", "save"], debounce_seconds=0.3
    )

    def answer(request: Any) -> Answer:
        if request.headers.get("X-Convergence-Event") == "init":
            data = {"title": "Dune", "tags": ["sf"], "pages": 412}
            return Answer(body=json.dumps({"data": data}).encode())
        return Answer()

    receiver.respond = answer
    _, _, opened, edited, _ = scenario(
        server,
        [
            *connect(),
            {
                "c": "a",
                "js": """
ctx.m = await d.models().openAutoCreate({collection: "books", id: "dune",
                                        data: {title: "client default"}});
return {version: ctx.m.version(), data: ctx.m.root().toJSON()};
""",
            },
            {
                "c": "a",
                "js": """
const m = ctx.m;
m.root().set("title", "Dune Messiah");
m.root().get("tags").push("classic");
m.root().get("pages").add(-156);
await ctx.committed(m);
return {version: m.version(), data: m.root().toJSON()};
""",
            },
            {"c": "a", "js": "await ctx.m.close(); return null;"},
        ],
    )
    assert opened == {"version": 0, "data": {"title": "Dune", "tags": ["sf"], "pages": 412}}
    assert edited["data"] == {"title": "Dune Messiah", "tags": ["sf", "classic"], "pages": 256}
    assert edited["version"] == 3
    found = receiver.wait_for(
        lambda rs: any(
            r.headers.get("X-Convergence-Event") == "save"
            and r.json()["model"]["version"] == edited["version"]
            for r in rs
        )
    )
    init = [r for r in found if r.headers["X-Convergence-Event"] == "init"]
    assert len(init) == 1 and init[0].json()["model"] == {"id": "dune"}
    for request in found:
        assert request.signature_valid(hook["secret"]), request.headers
    save = [r for r in found if r.headers["X-Convergence-Event"] == "save"][-1].json()
    assert save["collection"] == "books" and save["model"]["id"] == "dune"
    assert save["model"]["data"] == edited["data"]
    status, stored = rest(server, "GET", "/models/dune")
    assert status == 200 and stored["version"] == 3, stored


def test_a_failing_init_receiver_fails_the_open_with_a_clear_error(
    server: ServerProcess, receiver: Receiver
) -> None:
    collection_with_hook(server, receiver, "ledgers", events=["init"], timeout_seconds=1.0)
    receiver.respond = lambda request: Answer(status=503)
    (_, _, outcome) = scenario(
        server,
        [
            *connect(),
            {
                "c": "a",
                "js": """
try {
  await d.models().openAutoCreate({collection: "ledgers", id: "l-1", data: {}});
  return {opened: true};
} catch (e) { return {opened: false, code: e.code, message: e.message}; }
""",
            },
        ],
    )
    print(f"client saw: {outcome}")
    assert outcome["opened"] is False
    assert outcome["code"] == "model_initialization_failed"
    assert "init web hook" in outcome["message"]
    assert rest(server, "GET", "/models/l-1")[0] == 404


def test_receiver_down_for_ten_seconds_loses_nothing_and_never_stalls_editing(
    server: ServerProcess, receiver: Receiver
) -> None:
    hook = collection_with_hook(
        server,
        receiver,
        "notes",
        events=["save"],
        debounce_seconds=0.2,
        max_wait_seconds=1.0,  # steady editing: a save starts every second
        max_attempts=20,
    )
    receiver.down()
    back = threading.Timer(10.0, receiver.up)
    back.start()
    try:
        (_, _, result) = scenario(
            server,
            [
                *connect(),
                {
                    "c": "a",
                    "js": """
const m = await d.models().openAutoCreate({collection: "notes", id: "n-1", data: {}});
const started = Date.now();
const lat = [];
let i = 0;
while (Date.now() - started < 12000) {
  const t0 = Date.now();
  m.root().set("k" + i, i);
  await ctx.committed(m);
  lat.push({at: t0 - started, ms: Date.now() - t0});
  i += 1;
  await lib.sleep(50);
}
const out = {ops: i, version: m.version(), data: m.root().toJSON(), lat};
await m.close();
return out;
""",
                },
            ],
            limit=90,
        )
    finally:
        back.cancel()
        back.join()
        receiver.up()
    during = [x["ms"] for x in result["lat"] if x["at"] < 10000]
    after = [x["ms"] for x in result["lat"] if x["at"] >= 10000]
    print(
        f"{result['ops']} ops in 12 s; ack latency while the receiver was down: "
        f"median {statistics.median(during):.0f} ms, max {max(during)} ms ({len(during)} ops); "
        f"after: median {statistics.median(after):.0f} ms, max {max(after)} ms"
    )
    assert result["version"] == result["ops"]
    assert result["data"] == {f"k{n}": n for n in range(result["ops"])}
    found = receiver.wait_for(
        lambda rs: any(r.json()["model"]["version"] == result["version"] for r in rs),
        timeout=60,
    )
    final = next(r for r in found if r.json()["model"]["version"] == result["version"])
    assert final.signature_valid(hook["secret"])
    assert final.json()["model"]["data"] == result["data"]
    status, log = rest(server, "GET", f"/collections/notes/webhooks/{hook['id']}/deliveries")
    assert status == 200, log
    retried = [d for d in log["items"] if d["attempts"] > 1]
    assert retried and retried[-1]["status"] == "succeeded", log
    print(
        "deliveries: "
        + ", ".join(
            f"v{d['version']} {d['status']} after {d['attempts']} attempt(s)"
            for d in reversed(log["items"])
        )
    )


def test_a_save_outstanding_at_shutdown_is_recorded(
    server: ServerProcess, receiver: Receiver
) -> None:
    """SIGTERM while the receiver is down: the app's stop gives the save its grace period,
    then records it as abandoned; after the restart the log shows it and the model has every
    op. (Last in this module: it restarts the shared server.)"""
    hook = collection_with_hook(
        server, receiver, "drafts", events=["save"], debounce_seconds=0.1, max_attempts=50
    )
    receiver.down()
    (_, _, edited) = scenario(
        server,
        [
            *connect(),
            {
                "c": "a",
                "js": """
const m = await d.models().openAutoCreate({collection: "drafts", id: "d-1", data: {}});
for (let i = 0; i < 3; i++) m.root().set("k" + i, i);
await ctx.committed(m);
const out = {version: m.version(), data: m.root().toJSON()};
await m.close();
return out;
""",
            },
        ],
    )
    path = f"/collections/drafts/webhooks/{hook['id']}/deliveries"
    deadline = time.monotonic() + 20
    while True:
        items = rest(server, "GET", path)[1]["items"]
        if (items and items[0]["attempts"] >= 1) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert items and items[0]["status"] == "pending", items
    started = time.monotonic()
    server.stop()
    print(f"server stopped in {time.monotonic() - started:.1f} s (grace 5 s)")
    assert server.stops[-1] == (0, False), server.stops
    server.start()
    (entry,) = rest(server, "GET", path)[1]["items"]
    assert entry["status"] == "abandoned" and "shut down" in entry["error"], entry
    assert entry["completed_at"] is not None
    status, stored = rest(server, "GET", "/models/d-1")
    assert status == 200 and stored["version"] == edited["version"] == 3, stored
    assert receiver.received() == []
