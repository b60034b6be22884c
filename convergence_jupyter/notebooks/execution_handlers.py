"""REST endpoints through which tabs hand executions to the server (``executions.py``).

``POST notebooks/kernel {path, kernelId}``: the tab's kernel for that notebook connected; the
server starts listening to it. ``POST notebooks/execution {path, kernelId, msgId, cellId}``:
the tab sent execute_request ``msgId`` for that cell; the server writes its outputs. Both
answer ``{"serverOutputs": bool}``; false means the tab writes the outputs itself.

Writing outputs into a notebook needs Jupyter ``write`` on contents, and tying a kernel to it
``execute`` on kernels: a user who may do neither gets 403 and the server writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import APIHandler
from tornado import web

from convergence_jupyter.notebooks.executions import ExecutionOutputs

#: Longest id accepted from a tab (Jupyter's are UUIDs, cell ids at most 64 characters).
MAX_ID = 128


class _ExecutionHandler(APIHandler):
    auth_resource = "kernels"

    def initialize(self, outputs: ExecutionOutputs) -> None:
        self._outputs = outputs

    def _body(self, *keys: str) -> dict[str, str]:
        try:
            body: Any = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "the body must be JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, "the body must be a JSON object")
        out: dict[str, str] = {}
        for key in ("path", *keys):
            value = body.get(key)
            if not isinstance(value, str) or not value.strip("/") or len(value) > 4096:
                raise web.HTTPError(400, f"'{key}' (a string) is required")
            if key != "path" and len(value) > MAX_ID:
                raise web.HTTPError(400, f"'{key}' is too long")
            out[key] = value.strip("/") if key == "path" else value
        if not out["path"].endswith(".ipynb"):
            raise web.HTTPError(400, "only notebooks (.ipynb) have executions")
        return out

    async def _require(self) -> None:
        user = self.current_user
        for action, resource in (("write", "contents"), ("execute", "kernels")):
            allowed = await ensure_async(
                self.authorizer.is_authorized(self, user, action, resource)
            )
            if not allowed:
                raise web.HTTPError(403, f"not allowed to {action} {resource}")

    def _answer(self, server_outputs: bool) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"serverOutputs": server_outputs}))


class KernelWatchHandler(_ExecutionHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self._body("kernelId")
        await self._require()
        self._answer(await self._outputs.watch(body["kernelId"]))


class ExecutionClaimHandler(_ExecutionHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self._body("kernelId", "msgId", "cellId")
        await self._require()
        claimed = await self._outputs.claim(
            body["kernelId"], body["msgId"], body["path"], body["cellId"]
        )
        self._answer(claimed)
