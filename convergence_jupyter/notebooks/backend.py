"""What notebook code needs from the rest of the server, gathered in one place: the database,
the Jupyter ContentsManager, the file-id service, the default domain's model service and a
server session id.

The server session is a real session row of the Convergence-type user ``jupyter-server``, so
ops the server makes (external-change merges) are stored, replayed and shown to clients like
anyone's, with an identity the clients can resolve.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from tornado.web import HTTPError

from convergence_jupyter import __version__
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.session_ids import format_session_id, parse_session_id
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.notebooks.file_ids import FileIds
from convergence_jupyter.notebooks.file_state import FileState, stat_file, write_if_unchanged
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.sessions import SessionRepository
from convergence_jupyter.store.users import UserRepository

SERVER_USERNAME = "jupyter-server"


def _serialise(node: Any) -> bytes:
    """The file's bytes, as jupyter_server writes notebooks (nbformat JSON, final newline)."""
    text = nbformat.writes(node, version=nbformat.NO_CONVERT)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


class Backend:
    def __init__(
        self,
        database: Database,
        contents_manager: Any,
        runtime: Callable[[], Awaitable[DomainRuntime]],
        file_ids: FileIds,
    ) -> None:
        self.db = database
        self.file_ids = file_ids
        self._cm = contents_manager
        self._runtime_factory = runtime
        self._runtime: DomainRuntime | None = None
        self._server_session: str | None = None
        self._lock = asyncio.Lock()

    async def runtime(self) -> DomainRuntime:
        if self._runtime is None:
            self._runtime = await self._runtime_factory()
        return self._runtime

    async def models(self) -> ModelService:
        runtime = await self.runtime()
        for service in runtime.services:
            if isinstance(service, ModelService):
                return service
        raise RuntimeError("the model service is not configured")

    async def domain_pk(self) -> int:
        return (await self.runtime()).domain.pk

    async def server_session(self) -> str:
        async with self._lock:
            if self._server_session is None:
                runtime = await self.runtime()
                async with self.db.transaction() as tx:
                    user, _ = await UserRepository(tx).get_or_create(
                        runtime.domain.pk,
                        int(UserType.CONVERGENCE),
                        SERVER_USERNAME,
                        display_name="Jupyter server",
                    )
                    record = await SessionRepository(tx).open(
                        runtime.domain.pk,
                        user.pk,
                        client="convergence-jupyter notebooks",
                        client_version=__version__,
                    )
                session_id = format_session_id(record.id)
                await runtime.directory.ensure_known([session_id])
                self._server_session = session_id
            return self._server_session

    async def close(self) -> None:
        number = parse_session_id(self._server_session) if self._server_session else None
        if number is not None:
            async with self.db.transaction() as tx:
                await SessionRepository(tx).close(number)
        self._server_session = None
        self.file_ids.close()

    # -- contents ----------------------------------------------------------------------------

    async def stat(self, path: str) -> dict[str, Any]:
        """The contents model without content; raises tornado's HTTPError(404) if missing."""
        model: dict[str, Any] = await ensure_async(self._cm.get(path, content=False))
        return model

    async def read(self, path: str) -> dict[str, Any]:
        model: dict[str, Any] = await ensure_async(
            self._cm.get(path, content=True, type="notebook")
        )
        return model

    def _os_path(self, path: str) -> str | None:
        """The local file behind ``path`` when the ContentsManager keeps files on this disk
        (its own resolver, which refuses paths outside the root); None for other stores."""
        resolve = getattr(self._cm, "_get_os_path", None)
        return None if resolve is None else str(resolve(path))

    async def state(self, path: str) -> FileState | None:
        """The file's current state for change detection; None if it does not exist."""
        os_path = self._os_path(path)
        if os_path is not None:
            return await asyncio.to_thread(stat_file, os_path)
        try:
            stamp: datetime = (await self.stat(path))["last_modified"]
        except HTTPError as exc:
            if exc.status_code == 404:
                return None
            raise
        return FileState(0, -1, int(stamp.timestamp() * 1e9))

    async def write(
        self, path: str, notebook: dict[str, Any], expected: FileState | None
    ) -> FileState | None:
        """Save ``notebook`` if the file is still in state ``expected`` (None: if there is no
        file): the new state, or None (nothing written) when the file changed since. Local
        files are compared and written in one step (``file_state``); a missing file, and files
        of other ContentsManagers, get a check just before the ContentsManager's save, so there
        the race window is that save's duration."""
        os_path = self._os_path(path)
        if os_path is None or expected is None:
            if await self.state(path) != expected:
                return None
            await ensure_async(
                self._cm.save({"type": "notebook", "format": "json", "content": notebook}, path)
            )
            return await self.state(path)
        node = nbformat.from_dict(notebook)
        model = {"type": "notebook", "format": "json", "content": node, "path": path}
        self._cm.run_pre_save_hooks(model=model, path=path)
        node = nbformat.from_dict(model["content"])
        self._cm.check_and_sign(node, path)  # as its own save does: we wrote it, it is trusted
        data = await asyncio.to_thread(_serialise, node)  # 1,000 cells: ~0.5 s, off the loop
        state = await asyncio.to_thread(write_if_unchanged, os_path, expected, data)
        if state is None:
            return None
        # The rest of what the ContentsManager's own save does after writing.
        if not await ensure_async(self._cm.checkpoints.list_checkpoints(path)):
            await ensure_async(self._cm.create_checkpoint(path))
        saved = await self.stat(path)
        self._cm.run_post_save_hooks(model=saved, os_path=os_path)
        self._cm.emit(data={"action": "save", "path": path})
        return state
