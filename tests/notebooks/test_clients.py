"""The real rc.12 client (Node) against a notebook model: two users edit while the file is
changed on disk; the merge arrives as ordinary remote ops; everyone ends identical, nobody's
edit is lost, no cell is duplicated, and the saved file equals the model. Also: the model
service itself refuses a user Jupyter never vouched for, and a read-only user's edit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.e2e.harness import jwt_auth, node_executable, run_scenario

from .conftest import USER_HEADER, Session, make_notebook, read_notebook, write_notebook
from .test_session import model_data, wait_until

pytestmark = pytest.mark.e2e

CELL = """vars.cell = (m, id) => {
  const cells = m.elementAt("cells");
  for (let i = 0; i < cells.length(); i++) {
    const c = cells.get(i);
    if (c.get("id").value() === id) return c;
  }
  throw new Error("no cell " + id);
};
return null;"""


@pytest.fixture(autouse=True)
def _node() -> None:
    if node_executable() is None:
        pytest.skip("the real client runs in Node.js")
    if not (Path(__file__).parents[1] / "js" / "node_modules" / "@convergence").exists():
        pytest.skip("tests/js/node_modules is missing (npm ci in tests/js)")


def url_of(body: dict[str, Any], jp_http_port: int) -> str:
    # The endpoint answers with the request's Host; the Node client connects to 127.0.0.1.
    url: str = body["realtimeUrl"]
    return url.replace("localhost", "127.0.0.1")


def js(c: str, body: str) -> dict[str, Any]:
    return {"c": c, "js": body}


async def scenario(url: str, steps: list[dict[str, Any]], limit: float = 40.0) -> list[Any]:
    result = await asyncio.to_thread(run_scenario, "collab", {"url": url, "steps": steps}, limit)
    assert result.get("ok"), result.describe()
    return list(result["results"])


def values(results: list[Any]) -> list[Any]:
    for n, entry in enumerate(results):
        assert entry["ok"], f"step {n}: {entry}"
    return [entry["value"] for entry in results]


async def test_two_clients_and_an_edit_on_disk(
    app: Any, jp_root_dir: Path, session: Session, jp_http_port: int
) -> None:
    path = jp_root_dir / "shared.ipynb"
    write_notebook(
        path,
        make_notebook(
            [
                ("c1", "code", "print(1)\n"),
                ("c2", "code", "print(2)"),
                ("c3", "markdown", "three"),
                ("c4", "raw", "four"),
            ]
        ),
    )
    _, alice = await session("shared.ipynb", user="alice")
    _, bob = await session("shared.ipynb", user="bob")
    model_id = alice["modelId"]
    disk_edit = f"""
const fs = await import("node:fs");
const nb = JSON.parse(fs.readFileSync({json.dumps(str(path))}, "utf8"));
const byId = (id) => nb.cells.find((c) => c.id === id);
byId("c3").source = "three, changed on disk";
nb.cells = nb.cells.filter((c) => c.id !== "c4");
nb.cells.splice(1, 0, {{id: "d1", cell_type: "markdown", metadata: {{}}, source: "from disk"}});
byId("c2").outputs = [{{output_type: "stream", name: "stdout", text: "2\\n"}}];
byId("c2").execution_count = 7;
fs.writeFileSync({json.dumps(str(path))}, JSON.stringify(nb, null, 1));
return null;"""
    steps = [
        {"c": "a", "op": "connect", "auth": jwt_auth(alice["jwt"])},
        {"c": "b", "op": "connect", "auth": jwt_auth(bob["jwt"])},
        js("a", CELL),
        js("a", f"ctx.m = await d.models().open({json.dumps(model_id)}); return ctx.m.version();"),
        js("b", f"ctx.m = await d.models().open({json.dumps(model_id)}); return ctx.m.version();"),
        # Concurrent typing: alice at the start of c1 (an emoji: UTF-16), bob at its end and in c2.
        js("a", 'vars.cell(ctx.m, "c1").get("source").insert(0, "A😀"); return null;'),
        js(
            "b",
            'const s = vars.cell(ctx.m, "c1").get("source"); s.insert(s.length(), "Z");'
            'const t = vars.cell(ctx.m, "c2").get("source"); t.insert(t.length(), " # B");'
            "return null;",
        ),
        js("a", disk_edit),
        # More typing while the server merges the disk change.
        js("a", 'vars.cell(ctx.m, "c3").get("source").insert(0, "> "); return null;'),
        js("b", 'vars.cell(ctx.m, "c1").get("source").insert(3, "x"); return null;'),
        {"op": "sleep", "ms": 2500},
        js("a", "return ctx.m.root().value();"),
        js("b", "return ctx.m.root().value();"),
    ]
    results = values(await scenario(url_of(alice, jp_http_port), steps))
    seen_a, seen_b = results[-2], results[-1]
    server = await model_data(app, model_id)
    assert seen_a == seen_b == server
    ids = [c["id"] for c in server["cells"]]
    assert ids == ["c1", "d1", "c2", "c3"], ids  # no duplicate, c4 gone, d1 where disk put it
    sources = {c["id"]: c["source"] for c in server["cells"]}
    assert sources["c1"].startswith("A😀") and "x" in sources["c1"] and sources["c1"].endswith("Z")
    assert sources["c1"].replace("A😀", "", 1).replace("x", "", 1)[:-1] == "print(1)\n"
    assert sources["c2"] == "print(2) # B"
    assert sources["c3"] == "> three, changed on disk"
    assert sources["d1"] == "from disk"
    c2 = server["cells"][2]
    assert c2["execution_count"] == 7 and c2["outputs"][0]["text"] == "2\n"

    async def saved() -> bool:
        on_disk = read_notebook(path)
        return [c["id"] for c in on_disk["cells"]] == ids and all(
            "".join(c["source"]) == sources[c["id"]] for c in on_disk["cells"]
        )

    await wait_until(saved, within=5)
    nbformat.validate(nbformat.from_dict(read_notebook(path)))


async def test_model_service_refuses_users_without_grants(
    app: Any, jp_root_dir: Path, session: Session, jp_fetch: Any, jp_http_port: int
) -> None:
    write_notebook(jp_root_dir / "p.ipynb", make_notebook([("c1", "code", "secret")]))
    _, alice = await session("p.ipynb", user="alice")
    _, reader = await session("p.ipynb", user="reader1")
    assert reader["canWrite"] is False
    # mallory is a valid Jupyter user (she gets a bridge JWT) but never asked for a session.
    response = await jp_fetch(
        "convergence/api/v1/login-bridge/token",
        method="POST",
        body="{}",
        headers={USER_HEADER: "mallory"},
    )
    mallory_jwt = json.loads(response.body)["jwt"]
    model = json.dumps(alice["modelId"])
    steps = [
        {"c": "m", "op": "connect", "auth": jwt_auth(mallory_jwt)},
        js("m", f"await d.models().open({model}); return 'opened';"),
        {"c": "r", "op": "connect", "auth": jwt_auth(reader["jwt"])},
        js("r", f"ctx.m = await d.models().open({model}); return ctx.m.permissions().write;"),
        js(
            "r",
            'const c = ctx.m.elementAt("cells").get(0).get("source");'
            "try { c.insert(0, 'hacked'); } catch (e) { return 'refused locally: ' + e.message; }"
            "return 'sent';",
        ),
        {"op": "sleep", "ms": 500},
    ]
    results = await scenario(url_of(alice, jp_http_port), steps)
    assert results[0]["ok"]
    assert not results[1]["ok"], results[1]
    assert "unauthorized" in json.dumps(results[1]), results[1]
    assert results[2]["ok"] and results[3]["ok"] and results[3]["value"] is False
    assert results[4]["ok"]
    data = await model_data(app, alice["modelId"])
    assert data["cells"][0]["source"] == "secret"

    async def untouched() -> bool:
        return "".join(read_notebook(jp_root_dir / "p.ipynb")["cells"][0]["source"]) == "secret"

    await wait_until(untouched)
