"""The session and save endpoints against a real Jupyter server: load, grants, refusals,
save round trips, autosave and rename."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import nbformat

from convergence_jupyter import ot
from convergence_jupyter.models.live_model import LiveModel
from convergence_jupyter.store.models import ModelRepository
from convergence_jupyter.store.users import UserRepository

from .conftest import AUTOSAVE, Session, make_notebook, read_notebook, write_notebook

UNICODE = "print('héllo 😀 世界')\n# e\u0301 combining, \U0001d518\U0001d52b\n"


def rich_notebook() -> dict[str, Any]:
    nb = make_notebook(
        [("c1", "code", UNICODE), ("m1", "markdown", "# Title 🎉\n\ntext"), ("r1", "raw", "raw")]
    )
    nb["cells"][0]["execution_count"] = 3
    nb["cells"][0]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": ["héllo 😀\n", "line 2\n"]},
        {
            "output_type": "execute_result",
            "execution_count": 3,
            "data": {"text/plain": ["42"], "application/json": {"a": [1, 2.5]}},
            "metadata": {"image/png": {"width": 10}},
        },
        {
            "output_type": "error",
            "ename": "E",
            "evalue": "v",
            "traceback": ["t1", "t2"],
        },
    ]
    nb["cells"][1]["attachments"] = {"a.png": {"image/png": "iVBORw0KGgo="}}
    nb["cells"][0]["metadata"] = {"tags": ["x"], "collapsed": False}
    return nb


async def model_data(app: Any, model_id: str) -> Any:
    models = await app.notebooks.backend.models()

    def read(live: LiveModel) -> Any:
        return ot.to_plain(live.tree.root)

    return await models.read_model(model_id, read)


async def server_edit(app: Any, model_id: str, build: Any) -> int | None:
    """An edit made inside the model by server code (stands in for a client here)."""
    models = await app.notebooks.backend.models()
    session = await app.notebooks.backend.server_session()
    return await models.submit_server_operation(model_id, session, build)


def cell_of(tree: ot.ModelTree, cell_id: str) -> ot.ObjectValue:
    cells = tree.root.children["cells"]
    assert isinstance(cells, ot.ArrayValue)
    for cell in cells.children:
        assert isinstance(cell, ot.ObjectValue)
        cid = cell.children["id"]
        assert isinstance(cid, ot.StringValue)
        if cid.value == cell_id:
            return cell
    raise KeyError(cell_id)


async def wait_until(check: Any, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_session_loads_the_notebook_into_a_model(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    write_notebook(jp_root_dir / "dir" / "a.ipynb", rich_notebook())
    status, body = await session("dir/a.ipynb")
    assert status == 200
    file_id = body["activityId"]
    assert body["modelId"] == f"nb-{file_id}"
    assert body["chatId"] == f"notebook-{file_id}"
    assert body["collection"] == "notebooks"
    assert body["activityType"] == "jupyter-notebook"
    assert body["canWrite"] is True
    assert body["jwt"]
    assert body["realtimeUrl"].startswith("ws://")
    assert body["realtimeUrl"].endswith("/convergence/realtime/convergence/default")
    data = await model_data(app, body["modelId"])
    assert data["path"] == "dir/a.ipynb"
    assert data["nbformat"] == 4 and data["nbformat_minor"] >= 5
    assert [c["id"] for c in data["cells"]] == ["c1", "m1", "r1"]
    assert data["cells"][0]["source"] == UNICODE
    assert data["cells"][0]["outputs"][0]["text"] == "héllo 😀\nline 2\n"
    assert data["cells"][0]["execution_count"] == 3
    assert data["cells"][1]["attachments"] == {"a.png": {"image/png": "iVBORw0KGgo="}}
    assert "outputs" not in data["cells"][1]
    # A second session (same or other user) reuses the model; ids are stable.
    status, again = await session("dir/a.ipynb", user="bob")
    assert status == 200 and again["modelId"] == body["modelId"]


async def test_grants_are_per_user_and_world_is_empty(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c1", "code", "x")]))
    _, writer = await session("a.ipynb", user="alice")
    status, reader = await session("a.ipynb", user="reader1")
    assert status == 200 and reader["canWrite"] is False
    db = app.database
    domain_pk = await app.notebooks.backend.domain_pk()
    async with db.transaction(readonly=True) as tx:
        model = await ModelRepository(tx).get(domain_pk, writer["modelId"])
        assert model is not None
        assert model.override_world and not model.world.read and not model.world.write
        grants = await ModelRepository(tx).user_permissions(model.pk)
        users = UserRepository(tx)
        by_name = {}
        for pk, flags in grants.items():
            user = await users.get_by_pk(pk)
            assert user is not None
            by_name[user.username] = (flags.read, flags.write, flags.remove, flags.manage)
    assert by_name == {"alice": (True, True, False, False), "reader1": (True, False, False, False)}


async def test_refusals(jp_root_dir: Path, session: Session) -> None:
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c1", "code", "x")]))
    (jp_root_dir / "t.txt").write_text("not a notebook")
    assert (await session("a.ipynb", user="eve"))[0] == 403
    assert (await session("missing.ipynb"))[0] == 404
    assert (await session("t.txt"))[0] == 400
    assert (await session(""))[0] == 400
    assert (await session("a.ipynb", user="reader2", endpoint="save"))[0] == 403
    assert (await session("a.ipynb", user="eve", endpoint="save"))[0] == 403


async def test_save_round_trip_keeps_ids_unicode_and_outputs(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    original = rich_notebook()
    write_notebook(jp_root_dir / "a.ipynb", original)
    _, body = await session("a.ipynb")
    # Nothing changed: an explicit save writes an equivalent notebook.
    status, saved = await session("a.ipynb", endpoint="save")
    assert status == 200
    on_disk = read_notebook(jp_root_dir / "a.ipynb")
    nbformat.validate(nbformat.from_dict(on_disk))
    assert [c["id"] for c in on_disk["cells"]] == ["c1", "m1", "r1"]
    for key in ("metadata", "nbformat"):
        assert on_disk[key] == original[key]
    for got, want in zip(on_disk["cells"], original["cells"], strict=True):
        assert got == want
    # An emoji inserted at a UTF-16 offset lands where a browser would put it.
    splice_at = len(UNICODE.encode("utf-16-le")) // 2  # the end, in UTF-16 units

    def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation:
        source = cell_of(tree, "c1").children["source"]
        return ot.StringSplice(id=source.id, index=splice_at, insert_value="x = '🦄'\n")

    await server_edit(app, body["modelId"], build)
    status, saved = await session("a.ipynb", endpoint="save")
    assert status == 200 and saved["saved"], saved
    on_disk = read_notebook(jp_root_dir / "a.ipynb")
    nbformat.validate(nbformat.from_dict(on_disk))
    assert "".join(on_disk["cells"][0]["source"]) == UNICODE + "x = '🦄'\n"
    assert on_disk["cells"][0]["execution_count"] == 3
    assert isinstance(on_disk["cells"][0]["outputs"][1]["execution_count"], int)


async def test_notebook_without_ids_gets_ids_that_stay(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    nb = make_notebook([("x", "code", "a = 1"), ("y", "markdown", "b")], minor=4)
    for cell in nb["cells"]:
        del cell["id"]
    write_notebook(jp_root_dir / "old.ipynb", nb)
    _, body = await session("old.ipynb")
    data = await model_data(app, body["modelId"])
    ids = [c["id"] for c in data["cells"]]
    assert len(set(ids)) == 2
    await session("old.ipynb", endpoint="save")
    on_disk = read_notebook(jp_root_dir / "old.ipynb")
    nbformat.validate(nbformat.from_dict(on_disk))
    assert on_disk["nbformat_minor"] >= 5
    assert [c["id"] for c in on_disk["cells"]] == ids


async def test_autosave_after_an_edit(app: Any, jp_root_dir: Path, session: Session) -> None:
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c1", "code", "x = 1")]))
    _, body = await session("a.ipynb")

    def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation:
        source = cell_of(tree, "c1").children["source"]
        return ot.StringSplice(id=source.id, index=5, insert_value="0")

    await server_edit(app, body["modelId"], build)

    async def saved() -> bool:
        return "".join(read_notebook(jp_root_dir / "a.ipynb")["cells"][0]["source"]) == "x = 10"

    await wait_until(saved, within=AUTOSAVE + 3)


async def test_external_change_is_merged_cell_by_cell(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    path = jp_root_dir / "a.ipynb"
    write_notebook(path, make_notebook([("c1", "code", "one"), ("c2", "code", "two")]))
    _, body = await session("a.ipynb")
    models = await app.notebooks.backend.models()
    await model_data(app, body["modelId"])  # loaded (as when a client opens it)
    before = models.live_version(body["modelId"])
    assert before is not None
    nb = read_notebook(path)
    nb["cells"][1]["source"] = "two!"
    nb["cells"].insert(1, make_notebook([("n1", "markdown", "new")])["cells"][0])
    await asyncio.sleep(0.05)
    write_notebook(path, nb)

    async def merged() -> bool:
        data = await model_data(app, body["modelId"])
        return [c["id"] for c in data["cells"]] == ["c1", "n1", "c2"]

    await wait_until(merged)
    data = await model_data(app, body["modelId"])
    assert data["cells"][2]["source"] == "two!"
    # One server op, and the untouched cell kept its value ids (no reload).
    after = models.live_version(body["modelId"])
    assert after is not None and after[0] == before[0] + 1


async def test_rename_keeps_the_model(
    app: Any, jp_root_dir: Path, session: Session, jp_fetch: Any
) -> None:
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c1", "code", "x")]))
    _, first = await session("a.ipynb")
    await jp_fetch(
        "api", "contents", "a.ipynb", method="PATCH", body=json.dumps({"path": "sub_b.ipynb"})
    )

    async def followed() -> bool:
        data = await model_data(app, first["modelId"])
        return bool(data["path"] == "sub_b.ipynb")

    await wait_until(followed)
    status, second = await session("sub_b.ipynb")
    assert status == 200
    assert second["modelId"] == first["modelId"]
    assert second["chatId"] == first["chatId"]
    # A new file at the old path is a new notebook.
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c9", "code", "y")]))
    status, third = await session("a.ipynb")
    assert third["modelId"] != first["modelId"]
