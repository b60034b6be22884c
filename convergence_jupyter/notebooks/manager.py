"""Opens notebooks as models (load, or merge a newer disk into an existing model), keeps one
watcher per open notebook, follows renames and deletes, and saves on request. Calls for one
file are serialised by a per-file lock.

A notebook is known by its id in the file-id service (``file_ids``). A path that still has an
id from our own table of before (revision 0006) hands its model, activity and chat over to the
service's id the first time it is opened again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tornado.web import HTTPError

from convergence_jupyter import ot
from convergence_jupyter.models.live_model import LiveModel
from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.notebooks import ids
from convergence_jupyter.notebooks.access import Grantee, grant_notebook
from convergence_jupyter.notebooks.backend import Backend
from convergence_jupyter.notebooks.mapping import comparable, notebook_to_data
from convergence_jupyter.notebooks.merge import merge_operation
from convergence_jupyter.notebooks.watcher import NotebookWatcher
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRepository,
    PermissionFlags,
)
from convergence_jupyter.store.notebook_files import LegacyNotebookIdRepository, NotebookKeys

log = logging.getLogger(__name__)

#: The ids of a value tree built at load time ("0:…" is never handed to a client).
LOAD_PREFIX = "0"


@dataclass(frozen=True, slots=True)
class OpenedNotebook:
    file_id: str
    model_id: str


def _load_tree(data: dict[str, Any]) -> ot.ObjectValue:
    counter = iter(range(1 << 62))
    root = ot.from_plain(data, lambda: f"{LOAD_PREFIX}:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return root


def _state(live: LiveModel) -> tuple[int, datetime, Any]:
    return live.version, live.modified_at, ot.to_plain(live.tree.root)


def _keys(file_id: str) -> NotebookKeys:
    return NotebookKeys(
        ids.model_id(file_id), ids.ACTIVITY_TYPE, ids.activity_id(file_id), ids.chat_id(file_id)
    )


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


class NotebookManager:
    def __init__(
        self,
        backend: Backend,
        *,
        autosave_delay: float = 1.5,
        poll_interval: float = 1.0,
        idle_grace: float = 60.0,
    ) -> None:
        self.backend = backend
        self.autosave_delay = autosave_delay
        self.poll_interval = poll_interval
        self.idle_grace = idle_grace
        self._watchers: dict[str, NotebookWatcher] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # -- ids ---------------------------------------------------------------------------------

    async def file_id(self, path: str) -> str:
        """The file-id service's id of the notebook at ``path`` (HTTPError 404 if no file),
        after moving rows stored under an id of ours from before the service to it."""
        file_id = self.backend.file_ids.index(path)
        if file_id is None:
            raise HTTPError(404, f"no such notebook: {path}")
        await self._adopt_legacy_id(path, file_id)
        return file_id

    async def _adopt_legacy_id(self, path: str, file_id: str) -> None:
        domain_pk = await self.backend.domain_pk()
        async with self.backend.db.transaction() as tx:
            repo = LegacyNotebookIdRepository(tx)
            old = await repo.claim(path)
            if old is None or old == file_id:
                return
            moved = await repo.rekey(domain_pk, _keys(old), _keys(file_id))
        log.info(
            "notebooks: %s: stored id %s %s file id %s",
            path,
            old,
            "moved to" if moved else "dropped; the model already exists for",
            file_id,
        )

    # -- open --------------------------------------------------------------------------------

    async def open(self, path: str, grantee: Grantee, can_write: bool) -> OpenedNotebook:
        """Make sure the notebook's model exists, is up to date with the file and is watched;
        give ``grantee`` its permissions. Raises HTTPError(404) for a missing file."""
        file_id = await self.file_id(path)
        model_id = ids.model_id(file_id)
        async with self._locks[file_id]:
            watcher = self._watchers.get(file_id)
            if watcher is not None and watcher.running:
                watcher.touch()
                if watcher.path != path:
                    await watcher.set_path(path)
            else:
                self._watchers[file_id] = await self._load(file_id, model_id, path)
        domain_pk = await self.backend.domain_pk()
        async with self.backend.db.transaction() as tx:
            model = await ModelRepository(tx).get(domain_pk, model_id)
            assert model is not None
            await grant_notebook(tx, domain_pk, model.pk, file_id, path, grantee, can_write)
        return OpenedNotebook(file_id, model_id)

    async def _load(self, file_id: str, model_id: str, path: str) -> NotebookWatcher:
        state = await self.backend.state(path)  # before the read: a later change is seen
        content = await self.backend.read(path)
        mtime: datetime = content["last_modified"]
        domain_pk = await self.backend.domain_pk()
        async with self.backend.db.transaction(readonly=True) as tx:
            existing = await ModelRepository(tx).get(domain_pk, model_id)
        base_path: Any = path
        if existing is None:
            data = notebook_to_data(content["content"], path)
            await self._create_model(domain_pk, model_id, data)
            base, saved_version = data, 0
        else:
            models = await self.backend.models()
            version, modified_at, current = await models.read_model(model_id, _state)
            base = notebook_to_data(content["content"], path, base=current)
            base_path = current.get("path")
            saved_version = version
            if mtime > modified_at:
                # The file is newer than anything done in the model: it wins, cell by cell.
                session = await self.backend.server_session()
                disk = base
                merged = await models.submit_server_operation(
                    model_id, session, lambda tree, n: merge_operation(tree, None, disk, n)
                )
                saved_version = merged if merged is not None else version
            elif comparable(current) != comparable(base):
                saved_version = -1  # edits newer than the file (e.g. a crash before autosave)
        watcher = NotebookWatcher(
            self.backend,
            file_id=file_id,
            model_id=model_id,
            path=path,
            base=base,
            known_state=state,
            saved_version=saved_version,
            autosave_delay=self.autosave_delay,
            poll_interval=self.poll_interval,
            idle_grace=self.idle_grace,
        )
        if existing is not None and base_path != path:
            await watcher.set_path(path)
        watcher.start()
        return watcher

    async def _create_model(self, domain_pk: int, model_id: str, data: dict[str, Any]) -> None:
        """One server-side insert at version 0; nobody may create notebook models otherwise."""
        snapshot = snapshot_to_json(_load_tree(data))
        async with self.backend.db.transaction() as tx:
            collection = await CollectionRepository(tx).ensure(
                domain_pk, ids.COLLECTION, world=PermissionFlags()
            )
            try:
                await ModelRepository(tx).create(
                    domain_pk,
                    collection,
                    model_id,
                    snapshot,
                    override_world=True,
                    world=PermissionFlags(),
                )
            except AlreadyExists:
                pass  # another server process won the race; its content is the same file

    # -- save --------------------------------------------------------------------------------

    async def save(self, path: str) -> datetime | None:
        """Save the open notebook at ``path`` now; None if it is not open here."""
        file_id = self.backend.file_ids.get(path)
        watcher = self._watchers.get(file_id) if file_id is not None else None
        if watcher is None or not watcher.running:
            return None
        return await watcher.save()

    def watcher(self, file_id: str) -> NotebookWatcher | None:
        return self._watchers.get(file_id)

    # -- contents events ---------------------------------------------------------------------

    async def on_contents_event(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        """jupyter_server's contents_service events: follow renames, forget deletes."""
        try:
            action = data.get("action")
            if action == "rename":
                await self.renamed(data["source_path"], data["path"])
            elif action == "delete":
                await self.deleted(data["path"])
        except Exception:
            log.exception("notebooks: could not handle contents event %r", data)

    async def renamed(self, old: str, new: str) -> None:
        """A file or directory was renamed through the ContentsManager (the file-id service
        records it itself): open notebooks at or under ``old`` follow."""
        old, new = old.strip("/"), new.strip("/")
        for file_id, watcher in list(self._watchers.items()):
            if watcher.running and _under(watcher.path, old):
                async with self._locks[file_id]:
                    await watcher.set_path(new + watcher.path[len(old) :])

    async def deleted(self, path: str) -> None:
        path = path.strip("/")
        for file_id, watcher in list(self._watchers.items()):
            if _under(watcher.path, path):
                await watcher.stop(save=False)
                self._watchers.pop(file_id, None)

    # -- shutdown ----------------------------------------------------------------------------

    async def close(self) -> None:
        """Final saves, then stop watching; call before the realtime server closes."""
        for watcher in list(self._watchers.values()):
            try:
                await watcher.stop(save=True)
            except Exception:
                log.exception("notebook %s: final save failed", watcher.path)
        self._watchers.clear()
        await self.backend.close()
