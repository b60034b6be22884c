"""One open notebook: debounced autosave of the live model, and polling of the file for
changes made outside the session, which are merged cell by cell as server operations.

``base`` is always what we believe is on disk (as model data) and ``known_mtime`` its
``last_modified``; the model is "dirty" when its version is not the one we last saved or
loaded. Saves and merges of one notebook never overlap (one lock).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from tornado.web import HTTPError

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.models.live_model import LiveModel
from convergence_jupyter.notebooks.backend import Backend
from convergence_jupyter.notebooks.mapping import (
    InvalidNotebook,
    comparable,
    data_to_notebook,
    notebook_to_data,
)
from convergence_jupyter.notebooks.merge import merge_operation

log = logging.getLogger(__name__)

Json = Any


def _snapshot(live: LiveModel) -> tuple[int, Json]:
    return live.version, ot.to_plain(live.tree.root)


class NotebookWatcher:
    def __init__(
        self,
        backend: Backend,
        *,
        file_id: str,
        model_id: str,
        path: str,
        base: dict[str, Json],
        known_mtime: datetime,
        saved_version: int,
        autosave_delay: float,
        poll_interval: float,
        idle_grace: float,
    ) -> None:
        self._backend = backend
        self.file_id = file_id
        self.model_id = model_id
        self.path = path
        self.base = base
        self.known_mtime = known_mtime
        self.saved_version = saved_version
        self._autosave_delay = autosave_delay
        self._poll_interval = poll_interval
        self._idle_grace = idle_grace
        self._lock = asyncio.Lock()
        self._seen_version = -1
        self._last_change = time.monotonic()
        self._last_poll = time.monotonic()
        self._empty_since: float | None = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self.stopped = False

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def touch(self) -> None:
        """Someone is about to open the model: restart the grace period."""
        self._empty_since = time.monotonic()

    async def stop(self, *, save: bool = True) -> None:
        self.stopped = True
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if save:
            await self.save_if_dirty()

    @property
    def running(self) -> bool:
        return not self.stopped

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        tick = max(0.05, min(0.5, self._autosave_delay / 4, self._poll_interval / 2))
        while not self.stopped:
            await asyncio.sleep(tick)
            try:
                if await self._step():
                    self.stopped = True
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notebook %s: watcher step failed", self.path)

    async def _step(self) -> bool:
        """One tick; True when the watcher should stop: nobody has had the model open for the
        grace period (counted from the last session call) and there is nothing to save."""
        models = await self._backend.models()
        state = models.live_version(self.model_id)
        now = time.monotonic()
        dirty = False
        if state is not None:
            version, members = state
            if version != self._seen_version:
                self._seen_version = version
                self._last_change = now
            if members:
                self._empty_since = None
            elif self._empty_since is None:
                self._empty_since = now
            dirty = version != self.saved_version
            if dirty and (now - self._last_change >= self._autosave_delay or not members):
                await self.save_if_dirty()
                dirty = False
        elif self._empty_since is None:
            self._empty_since = now
        if now - self._last_poll >= self._poll_interval:
            self._last_poll = now
            await self.check_disk()
        empty_since = self._empty_since
        return not dirty and empty_since is not None and now - empty_since >= self._idle_grace

    # -- save --------------------------------------------------------------------------------

    async def save_if_dirty(self) -> datetime | None:
        models = await self._backend.models()
        state = models.live_version(self.model_id)
        if state is None or state[0] == self.saved_version:
            return None
        return await self.save()

    async def save(self) -> datetime:
        """Write the model through the ContentsManager now (after merging a newer disk)."""
        async with self._lock:
            await self._merge_disk_locked()
            models = await self._backend.models()
            version, data = await models.read_model(self.model_id, _snapshot)
            try:
                notebook = data_to_notebook(data)
            except InvalidNotebook:
                log.exception(
                    "notebook %s: the model is not a valid notebook; not saved", self.path
                )
                raise
            stamp = await self._backend.write(self.path, notebook)
            self.base = notebook_to_data(notebook, self.path)
            self.known_mtime = stamp
            self.saved_version = version
            log.debug("notebook %s: saved version %s", self.path, version)
            return stamp

    # -- external changes --------------------------------------------------------------------

    async def check_disk(self) -> None:
        async with self._lock:
            await self._merge_disk_locked()

    async def _merge_disk_locked(self) -> None:
        try:
            stat = await self._backend.stat(self.path)
        except HTTPError as exc:
            if exc.status_code == 404:
                return  # moved or deleted; a rename event (if any) gives us the new path
            raise
        if stat.get("last_modified") == self.known_mtime:
            return
        model = await self._backend.read(self.path)
        disk = notebook_to_data(model["content"], self.path, base=self.base)
        mtime: datetime = model["last_modified"]
        if comparable(disk) == comparable(self.base):
            self.known_mtime = mtime  # touched, not changed
            return
        version = await self._submit_merge(self.base, disk)
        if version is not None and version - 1 == self.saved_version:
            self.saved_version = version  # the model was clean: now it equals the disk
        self.base = disk
        self.known_mtime = mtime
        log.info("notebook %s: merged a change made on disk (version %s)", self.path, version)

    async def _submit_merge(
        self, base: dict[str, Json] | None, disk: dict[str, Json]
    ) -> int | None:
        models = await self._backend.models()
        session = await self._backend.server_session()
        try:
            return await models.submit_server_operation(
                self.model_id,
                session,
                lambda tree, next_id: merge_operation(tree, base, disk, next_id),
            )
        except ot.InvalidOperationError:
            if base is None:
                raise
            log.warning("notebook %s: three-way merge failed; taking the disk version", self.path)
            return await self._submit_merge(None, disk)

    async def set_path(self, path: str) -> None:
        """The file was renamed: follow it, and tell clients through the model's ``path``."""
        async with self._lock:
            self.path = path
            self.base = {**self.base, "path": path}
            models = await self._backend.models()
            session = await self._backend.server_session()

            def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation | None:
                current = tree.root.children.get("path")
                if isinstance(current, ot.StringValue) and current.value == path:
                    return None
                value = ot.StringValue(next_id(), path)
                if current is None:
                    return ot.ObjectAddProperty(id=tree.root.id, key="path", value=value)
                return ot.ObjectSetProperty(id=tree.root.id, key="path", value=value)

            try:
                version = await models.submit_server_operation(self.model_id, session, build)
            except ServiceError:
                return
            if version is not None and version - 1 == self.saved_version:
                self.saved_version = version
