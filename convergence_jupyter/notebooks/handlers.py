"""REST endpoints of ``CONTRACT.md`` §1: the notebook session and explicit save.

Authorization is jupyter_server's: ``read`` on ``contents`` to get a session at all, ``write``
on ``contents`` to edit (and to save). The grants the session call writes are what the
realtime services enforce afterwards.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import APIHandler
from tornado import web

from convergence_jupyter.auth.jupyter_users import convergence_identity
from convergence_jupyter.auth.login_bridge import LoginBridge
from convergence_jupyter.notebooks import ids
from convergence_jupyter.notebooks.access import Grantee
from convergence_jupyter.notebooks.manager import NotebookManager
from convergence_jupyter.notebooks.mapping import InvalidNotebook

AUTH_RESOURCE = "contents"
#: Where jupyter_server's file checkpoints live (``FileCheckpoints.checkpoint_dir``).
CHECKPOINTS_DIR = ".ipynb_checkpoints"


class _NotebookHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    def initialize(self, manager: NotebookManager, bridge: LoginBridge, realtime_path: str) -> None:
        self._manager = manager
        self._bridge = bridge
        self._realtime_path = realtime_path

    def _path(self) -> str:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "the body must be JSON") from None
        path = body.get("path") if isinstance(body, dict) else None
        if not isinstance(path, str) or not path.strip("/"):
            raise web.HTTPError(400, "'path' (a contents path) is required")
        path = path.strip("/")
        if not path.endswith(".ipynb"):
            raise web.HTTPError(400, "only notebooks (.ipynb) can be co-edited")
        if CHECKPOINTS_DIR in path.split("/"):
            # Jupyter's own copies (File > Revert): co-editing one would fork the notebook.
            raise web.HTTPError(400, f"notebooks in {CHECKPOINTS_DIR}/ are not co-edited")
        return path

    async def _allowed(self, action: str) -> bool:
        user = self.current_user
        return bool(
            await ensure_async(self.authorizer.is_authorized(self, user, action, AUTH_RESOURCE))
        )

    async def _require_file(self, path: str) -> dict[str, Any]:
        stat = await self._manager.backend.stat(path)  # HTTPError(404) if missing
        if stat.get("type") != "notebook":
            raise web.HTTPError(400, f"'{path}' is not a notebook")
        return stat


class NotebookSessionHandler(_NotebookHandler):
    @web.authenticated
    async def post(self) -> None:
        path = self._path()
        if not await self._allowed("read"):
            raise web.HTTPError(403, "not allowed to read this notebook")
        can_write = await self._allowed("write")
        await self._require_file(path)
        identity = convergence_identity(self.current_user, self.identity_provider)
        grantee = Grantee(identity.username, identity.display_name or identity.username)
        try:
            opened = await self._manager.open(path, grantee, can_write)
        except InvalidNotebook as exc:
            raise web.HTTPError(400, f"cannot co-edit '{path}': {exc}") from None
        token, _ = await self._bridge.issue(identity)
        scheme = "wss" if self.request.protocol == "https" else "ws"
        self.set_header("Cache-Control", "no-store")
        self.finish(
            json.dumps(
                {
                    "modelId": opened.model_id,
                    "collection": ids.COLLECTION,
                    "activityType": ids.ACTIVITY_TYPE,
                    "activityId": ids.activity_id(opened.file_id),
                    "chatId": ids.chat_id(opened.file_id),
                    "canWrite": can_write,
                    "realtimeUrl": f"{scheme}://{self.request.host}{self._realtime_path}",
                    "jwt": token,
                }
            )
        )


class NotebookSaveHandler(_NotebookHandler):
    @web.authenticated
    async def post(self) -> None:
        path = self._path()
        if not await self._allowed("write"):
            raise web.HTTPError(403, "not allowed to write this notebook")
        stat = await self._require_file(path)
        try:
            stamp = await self._manager.save(path)
        except InvalidNotebook as exc:
            raise web.HTTPError(409, f"the model is not a valid notebook: {exc}") from None
        last = stamp if stamp is not None else stat.get("last_modified")
        self.finish(
            json.dumps(
                {
                    "path": path,
                    "saved": stamp is not None,
                    "last_modified": last.isoformat() if last is not None else None,
                }
            )
        )
