"""One open notebook: debounced autosave of the live model, and polling of the file for
changes made outside the session, which are merged cell by cell as server operations.

``base`` is always what we believe is on disk (as model data) and ``known_state`` the file's
state when we read or wrote it; the model is "dirty" when its version is not the one we last
saved or loaded. Saves and merges of one notebook never overlap (one lock).

A save never overwrites a file that changed since we last saw it: the write is a
compare-and-write against ``known_state`` (``file_state``), and when it finds a newer file the
newer file is merged into the model first and the save tried again. The merge's base is the
recent version of ours the newer file was most likely made from (``merge.closest_base``), so a
program's read-modify-write that raced an autosave does not undo what that autosave wrote.

A file that vanished from its path is looked up by its file id: a move done outside Jupyter is
followed when the file-id service can see it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from datetime import datetime
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.models.live_model import LiveModel
from convergence_jupyter.notebooks.backend import Backend
from convergence_jupyter.notebooks.file_state import FileState
from convergence_jupyter.notebooks.mapping import (
    InvalidNotebook,
    comparable,
    data_to_notebook,
    notebook_to_data,
)
from convergence_jupyter.notebooks.merge import closest_base, merge_operation

log = logging.getLogger(__name__)

Json = Any

#: Our versions a newer file may have been made from (see ``merge.closest_base``).
RECENT_VERSIONS = 8
#: Merge-then-write rounds of one save before it gives up (the next autosave tries again).
SAVE_ATTEMPTS = 5


class SaveConflict(RuntimeError):
    """The file kept changing while we tried to save; nothing of ours was written."""


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
        known_state: FileState | None,
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
        self.known_state = known_state
        self._recent: deque[dict[str, Json]] = deque([base], maxlen=RECENT_VERSIONS)
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
        """Write the model to the file now, merging a newer file first (also one that lands
        while we save). Raises :class:`SaveConflict` if the file does not hold still."""
        async with self._lock:
            models = await self._backend.models()
            for _ in range(SAVE_ATTEMPTS):
                await self._merge_disk_locked()
                version, data = await models.read_model(self.model_id, _snapshot)
                try:
                    notebook = data_to_notebook(data)
                except InvalidNotebook:
                    log.exception(
                        "notebook %s: the model is not a valid notebook; not saved", self.path
                    )
                    raise
                state = await self._backend.write(self.path, notebook, self.known_state)
                if state is None:
                    log.info("notebook %s: changed on disk while saving; merging", self.path)
                    continue
                self._remember(notebook_to_data(notebook, self.path), state)
                self.saved_version = version
                log.debug("notebook %s: saved version %s", self.path, version)
                stamp: datetime = (await self._backend.stat(self.path))["last_modified"]
                return stamp
            raise SaveConflict(f"notebook {self.path}: the file kept changing; not saved")

    def _remember(self, base: dict[str, Json], state: FileState | None) -> None:
        self.base = base
        self.known_state = state
        self._recent.appendleft(base)

    # -- external changes --------------------------------------------------------------------

    async def check_disk(self) -> None:
        async with self._lock:
            await self._merge_disk_locked()

    async def _merge_disk_locked(self) -> None:
        state = await self._backend.state(self.path)
        if state is None:
            state = await self._follow_move()
            if state is None:
                # Deleted, or moved where the file-id service cannot see it: the next save
                # writes the model there again rather than lose it.
                self.known_state = None
                return
        if state == self.known_state:
            return
        # The state is taken before the read: a change landing in between is seen next time.
        model = await self._backend.read(self.path)
        disk = notebook_to_data(model["content"], self.path, base=self.base)
        if comparable(disk) == comparable(self.base):
            self.known_state = state  # touched, not changed
            return
        base = closest_base([comparable(b) for b in self._recent], comparable(disk))
        version = await self._submit_merge({**base, "path": self.path}, disk)
        if version is not None and version - 1 == self.saved_version:
            # The model was clean; it is still clean if it now equals the file (not so when
            # the merge kept cells of ours that the file, made from an older version, lacks).
            models = await self._backend.models()
            now, data = await models.read_model(self.model_id, _snapshot)
            if now == version and comparable(data) == comparable(disk):
                self.saved_version = version
        self._remember(disk, state)
        log.info("notebook %s: merged a change made on disk (version %s)", self.path, version)

    async def _follow_move(self) -> FileState | None:
        """The file left its path: find it by id and follow it; its state there, or None."""
        moved_to = self._backend.file_ids.path_of(self.file_id)
        if moved_to is None or moved_to == self.path:
            return None
        log.info("notebook %s: moved outside Jupyter to %s", self.path, moved_to)
        await self._set_path_locked(moved_to)
        return await self._backend.state(self.path)

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
            await self._set_path_locked(path)

    async def _set_path_locked(self, path: str) -> None:
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
