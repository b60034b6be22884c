"""What notebook code needs from the rest of the server, gathered in one place: the database,
the Jupyter ContentsManager, the default domain's model service and a server session id.

The server session is a real session row of the Convergence-type user ``jupyter-server``, so
ops the server makes (external-change merges) are stored, replayed and shown to clients like
anyone's, with an identity the clients can resolve.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from jupyter_core.utils import ensure_async

from convergence_jupyter import __version__
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.session_ids import format_session_id, parse_session_id
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.sessions import SessionRepository
from convergence_jupyter.store.users import UserRepository

SERVER_USERNAME = "jupyter-server"


class Backend:
    def __init__(
        self,
        database: Database,
        contents_manager: Any,
        runtime: Callable[[], Awaitable[DomainRuntime]],
    ) -> None:
        self.db = database
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

    async def write(self, path: str, notebook: dict[str, Any]) -> datetime:
        model = await ensure_async(
            self._cm.save({"type": "notebook", "format": "json", "content": notebook}, path)
        )
        stamp: datetime = model["last_modified"]
        return stamp
