"""Autosave against programs writing the same file: a write that lands just before ours is
merged, not overwritten, and a read-modify-write that raced an autosave does not undo it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from convergence_jupyter.notebooks.file_state import FileState, stat_file, write_if_unchanged

from .conftest import Session, make_notebook, read_notebook, write_notebook
from .test_file_ids import disk_source, edit_source
from .test_session import model_data, server_edit, wait_until

#: Waits are bounds, not speed checks: generous, as the machine may be busy.
WAIT = 15.0


async def _true(value: bool) -> bool:
    return value


def test_compare_and_write_refuses_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text("one")
    seen = stat_file(str(path))
    assert seen is not None
    path.write_text("other program")  # a different size: a different state at any clock
    assert write_if_unchanged(str(path), seen, b"ours") is None
    assert path.read_text() == "other program"
    now = stat_file(str(path))
    assert now is not None
    after = write_if_unchanged(str(path), now, b"ours")
    assert path.read_text() == "ours"
    assert after == stat_file(str(path)) and after is not None
    assert after.ino == now.ino  # rewritten in place: the file-id service's inode stays
    assert not (tmp_path / ".~a.ipynb").exists()  # the backup is gone after the write
    assert write_if_unchanged(str(tmp_path / "missing"), FileState(1, 2, 3), b"x") is None


async def test_a_write_landing_just_before_our_autosave_is_merged(
    app: Any, jp_root_dir: Path, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = jp_root_dir / "a.ipynb"
    write_notebook(path, make_notebook([("c1", "code", "ours"), ("c2", "code", "theirs")]))
    _, body = await session("a.ipynb")
    backend = app.notebooks.backend
    real_write = backend.write
    outcomes: list[FileState | None] = []

    async def racing_write(*args: Any, **kwargs: Any) -> FileState | None:
        if not outcomes:
            # Another program writes the file after our last look and before our write.
            nb = read_notebook(path)
            nb["cells"][1]["source"] = "theirs, written during our save"
            write_notebook(path, nb)
        outcome = await real_write(*args, **kwargs)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(backend, "write", racing_write)
    await server_edit(app, body["modelId"], edit_source("c1", 4, " + edited in the model"))

    async def both_on_disk() -> bool:
        return [disk_source(path, 0), disk_source(path, 1)] == [
            "ours + edited in the model",
            "theirs, written during our save",
        ]

    await wait_until(both_on_disk, within=WAIT)
    await wait_until(lambda: _true(any(outcomes)))  # the write that succeeded has returned
    assert outcomes[0] is None  # the first write found the newer file and wrote nothing
    data = await model_data(app, body["modelId"])
    assert [c["source"] for c in data["cells"]] == [
        "ours + edited in the model",
        "theirs, written during our save",
    ]


async def test_a_read_modify_write_around_our_autosave_does_not_undo_it(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    path = jp_root_dir / "a.ipynb"
    write_notebook(path, make_notebook([("c1", "code", "one"), ("c2", "code", "two")]))
    _, body = await session("a.ipynb")
    await model_data(app, body["modelId"])
    read_by_them = read_notebook(path)  # another program reads the file...
    await server_edit(app, body["modelId"], edit_source("c1", 3, " (autosaved)"))
    await wait_until(lambda: _true(disk_source(path, 0) == "one (autosaved)"), within=WAIT)
    # ... and writes back its own change, made to what it read before our autosave.
    read_by_them["cells"][1]["source"] = "two (theirs)"
    write_notebook(path, read_by_them)

    async def merged() -> bool:
        data = await model_data(app, body["modelId"])
        return [c["source"] for c in data["cells"]] == ["one (autosaved)", "two (theirs)"]

    try:
        await wait_until(merged, within=WAIT)
    except AssertionError:
        data = await model_data(app, body["modelId"])
        raise AssertionError(
            f"model {[c['source'] for c in data['cells']]}, "
            f"disk {[disk_source(path, 0), disk_source(path, 1)]}"
        ) from None

    async def on_disk() -> bool:
        return [disk_source(path, 0), disk_source(path, 1)] == ["one (autosaved)", "two (theirs)"]

    await wait_until(on_disk, within=WAIT)


async def test_an_outside_delete_of_an_open_notebook_loses_nothing(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    """Removed behind Jupyter's back while open: the next autosave writes the model back."""
    path = jp_root_dir / "a.ipynb"
    write_notebook(path, make_notebook([("c1", "code", "keep")]))
    _, body = await session("a.ipynb")
    await model_data(app, body["modelId"])
    os.unlink(path)
    await server_edit(app, body["modelId"], edit_source("c1", 4, " me"))
    await wait_until(lambda: _true(disk_source(path, 0) == "keep me"), within=WAIT)
