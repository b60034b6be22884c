"""Notebook ids from the file-id service: renames and moves done outside Jupyter keep the
model, ids stored by our own table before revision 0006 are carried over, and the
``.ipynb_checkpoints`` copies are never co-edited."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from jupyter_server_fileid.manager import LocalFileIdManager
from sqlalchemy import text
from traitlets.config import Config

from convergence_jupyter import ot
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.notebooks import ids
from convergence_jupyter.store import Database
from convergence_jupyter.store.models import ModelRepository
from convergence_jupyter.store.notebook_files import LegacyNotebookIdRepository, NotebookKeys
from convergence_jupyter.store.users import UserRepository

from .conftest import Session, make_notebook, read_notebook, write_notebook
from .test_session import cell_of, model_data, server_edit, wait_until


@pytest.fixture(params=["alone", "with-fileid-extension"])
def jp_server_config(
    request: pytest.FixtureRequest, jp_server_config: Config, tmp_path: Path
) -> Config:
    """Without and with the ``jupyter_server_fileid`` extension (as in JupyterLab, with its
    default manager): ours is our own either way and the two do not disturb each other."""
    if request.param == "with-fileid-extension":
        jp_server_config.ServerApp.jpserver_extensions["jupyter_server_fileid"] = True
        jp_server_config.ArbitraryFileIdManager.db_path = str(tmp_path / "extension-ids.db")
    return jp_server_config


def edit_source(cell_id: str, index: int, text_: str) -> Any:
    def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation:
        source = cell_of(tree, cell_id).children["source"]
        return ot.StringSplice(id=source.id, index=index, insert_value=text_)

    return build


def disk_source(path: Path, index: int) -> str:
    """The cell's source in the file ("" while the file is missing or being rewritten)."""
    try:
        source = read_notebook(path)["cells"][index]["source"]
    except (OSError, ValueError, IndexError):
        return ""
    return "".join(source) if isinstance(source, list) else str(source)


async def test_the_service_follows_inodes_in_the_data_dir(
    app: Any, jp_serverapp: Any, jp_data_dir: Path, jp_root_dir: Path, session: Session
) -> None:
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c1", "code", "x")]))
    _, body = await session("a.ipynb")
    service = app.notebooks.backend.file_ids.service
    assert isinstance(service, LocalFileIdManager)
    assert service.db_path == str(jp_data_dir / "convergence" / "file_ids.db")
    assert service is not jp_serverapp.web_app.settings.get("file_id_manager")
    assert body["activityId"] == service.get_id("a.ipynb")


async def test_outside_move_of_an_open_notebook_keeps_the_model(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    write_notebook(jp_root_dir / "d" / "a.ipynb", make_notebook([("c1", "code", "x = 1")]))
    status, first = await session("d/a.ipynb")
    assert status == 200
    await model_data(app, first["modelId"])  # live, as when a client has it open
    (jp_root_dir / "e").mkdir()
    os.rename(jp_root_dir / "d" / "a.ipynb", jp_root_dir / "e" / "b.ipynb")

    async def followed() -> bool:
        return bool((await model_data(app, first["modelId"]))["path"] == "e/b.ipynb")

    await wait_until(followed)
    # An edit after the move is saved where the file is now, and the old path stays empty.
    await server_edit(app, first["modelId"], edit_source("c1", 5, "0"))
    await wait_until(lambda: _async(disk_source(jp_root_dir / "e" / "b.ipynb", 0) == "x = 10"))
    assert not (jp_root_dir / "d" / "a.ipynb").exists()
    status, second = await session("e/b.ipynb")
    assert status == 200
    assert (second["modelId"], second["chatId"]) == (first["modelId"], first["chatId"])


async def test_outside_rename_of_a_closed_notebook_keeps_the_model(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    write_notebook(jp_root_dir / "x.ipynb", make_notebook([("c1", "code", "x")]))
    _, first = await session("x.ipynb")
    await server_edit(app, first["modelId"], edit_source("c1", 1, " = 2"))
    watcher = app.notebooks.watcher(first["activityId"])
    await watcher.stop(save=True)  # as after the idle grace: saved, nobody watching
    os.rename(jp_root_dir / "x.ipynb", jp_root_dir / "y.ipynb")
    _, second = await session("y.ipynb")
    assert second["modelId"] == first["modelId"]
    data = await model_data(app, second["modelId"])
    assert data["path"] == "y.ipynb"
    assert data["cells"][0]["source"] == "x = 2"


async def test_a_new_file_where_one_was_moved_from_is_a_new_notebook(
    jp_root_dir: Path, session: Session
) -> None:
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c1", "code", "x")]))
    _, first = await session("a.ipynb")
    os.rename(jp_root_dir / "a.ipynb", jp_root_dir / "b.ipynb")
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c9", "code", "y")]))
    _, again = await session("a.ipynb")
    _, moved = await session("b.ipynb")
    assert again["modelId"] != first["modelId"]
    assert moved["modelId"] == first["modelId"]


async def test_checkpoint_copies_are_not_co_edited(jp_root_dir: Path, session: Session) -> None:
    write_notebook(
        jp_root_dir / ".ipynb_checkpoints" / "a-checkpoint.ipynb",
        make_notebook([("c1", "code", "x")]),
    )
    status, _ = await session(".ipynb_checkpoints/a-checkpoint.ipynb")
    assert status == 400


async def test_an_id_stored_before_the_service_is_carried_over(
    app: Any, jp_root_dir: Path, session: Session
) -> None:
    """A model and chat stored under an id of our old table (as revision 0006 leaves them)
    move to the service's id at the first session, the model's content intact (here newer
    than the file, as after a crash before an autosave)."""
    from convergence_jupyter.notebooks.mapping import notebook_to_data
    from convergence_jupyter.store.chats import ChatRepository

    write_notebook(jp_root_dir / "old.ipynb", make_notebook([("c1", "code", "on disk")]))
    legacy = "0123456789abcdef0123456789abcdef"
    data = notebook_to_data(make_notebook([("c1", "code", "in the old model")]), "old.ipynb")
    backend = app.notebooks.backend
    domain_pk = await backend.domain_pk()
    await app.notebooks._create_model(domain_pk, ids.model_id(legacy), data)
    async with backend.db.transaction() as tx:
        user, _ = await UserRepository(tx).get_or_create(domain_pk, int(UserType.NORMAL), "ada")
        await ChatRepository(tx).create(
            domain_pk,
            ids.chat_id(legacy),
            chat_type="room",
            membership="public",
            name="old.ipynb",
            topic="old.ipynb",
            creator_pk=user.pk,
        )
        await LegacyNotebookIdRepository(tx).add("old.ipynb", legacy)

    status, body = await session("old.ipynb")
    assert status == 200
    assert body["modelId"] == ids.model_id(backend.file_ids.get("old.ipynb"))
    assert body["modelId"] != ids.model_id(legacy)
    assert (await model_data(app, body["modelId"]))["cells"][0]["source"] == "in the old model"
    async with backend.db.transaction() as tx:
        assert await ModelRepository(tx).get(domain_pk, ids.model_id(legacy)) is None
        assert await ChatRepository(tx).get(domain_pk, body["chatId"]) is not None
        assert await LegacyNotebookIdRepository(tx).claim("old.ipynb") is None
    # The model's newer content reaches the file (it was not overwritten by the disk).
    await wait_until(
        lambda: _async(disk_source(jp_root_dir / "old.ipynb", 0) == "in the old model")
    )


def _keys(file_id: str) -> NotebookKeys:
    return NotebookKeys(
        ids.model_id(file_id), ids.ACTIVITY_TYPE, ids.activity_id(file_id), ids.chat_id(file_id)
    )


async def _async(value: bool) -> bool:
    return value


def test_legacy_ids_are_claimed_once_and_rekey_moves_the_rows(db_url: str) -> None:
    from convergence_jupyter.store.activities import ActivityRepository
    from convergence_jupyter.store.chats import ChatRepository
    from convergence_jupyter.store.domains import DomainRepository
    from convergence_jupyter.store.models import CollectionRepository, PermissionFlags

    async def main() -> None:
        db = Database.from_url(db_url)
        await db.upgrade()
        try:
            async with db.transaction() as tx:
                domain = await DomainRepository(tx).ensure("ns", "d")
                collection = await CollectionRepository(tx).ensure(
                    domain.pk, ids.COLLECTION, world=PermissionFlags()
                )
                for key in ("old", "taken"):
                    await ModelRepository(tx).create(
                        domain.pk, collection, ids.model_id(key), "{}", world=PermissionFlags()
                    )
                await ActivityRepository(tx).create(domain.pk, ids.ACTIVITY_TYPE, "old")
                user, _ = await UserRepository(tx).get_or_create(
                    domain.pk, int(UserType.NORMAL), "ada"
                )
                await ChatRepository(tx).create(
                    domain.pk,
                    ids.chat_id("old"),
                    chat_type="room",
                    membership="public",
                    name="a",
                    topic="a",
                    creator_pk=user.pk,
                )
                repo = LegacyNotebookIdRepository(tx)
                await repo.add("a.ipynb", "old")
                assert await repo.claim("a.ipynb") == "old"
                assert await repo.claim("a.ipynb") is None
                assert not await repo.rekey(domain.pk, _keys("old"), _keys("taken"))
                assert await repo.rekey(domain.pk, _keys("old"), _keys("new"))
                models = ModelRepository(tx)
                assert await models.get(domain.pk, ids.model_id("old")) is None
                assert await models.get(domain.pk, ids.model_id("new")) is not None
                assert (
                    await ActivityRepository(tx).get(domain.pk, ids.ACTIVITY_TYPE, "new")
                    is not None
                )
                assert await ChatRepository(tx).get(domain.pk, ids.chat_id("new")) is not None
        finally:
            await db.close()

    asyncio.run(main())


def test_migration_keeps_stored_ids_as_legacy_ids(db_url: str) -> None:
    async def main() -> None:
        db = Database.from_url(db_url)
        try:
            await db.upgrade("0005_session_lineage")
            async with db.transaction() as tx:
                await tx.execute(
                    text(
                        "INSERT INTO notebook_files (file_id, path, created_at) "
                        "VALUES ('f1', 'a.ipynb', CURRENT_TIMESTAMP), "
                        "('f2', 'd/b.ipynb', CURRENT_TIMESTAMP)"
                    )
                )
            await db.upgrade("0006_file_ids")
            async with db.transaction() as tx:
                repo = LegacyNotebookIdRepository(tx)
                assert await repo.claim("d/b.ipynb") == "f2"
            await db.downgrade("0005_session_lineage")
            async with db.transaction(readonly=True) as tx:
                rows = (await tx.execute(text("SELECT path, file_id FROM notebook_files"))).all()
            assert [tuple(r) for r in rows] == [("a.ipynb", "f1")]
        finally:
            await db.close()

    asyncio.run(main())
