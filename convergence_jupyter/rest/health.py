"""Liveness and readiness: ``GET {base_url}convergence/api/v1/health`` and ``.../ready``.

Both are unauthenticated so that load balancers and orchestrators (which hold no Jupyter
token) can probe them. Security: they reveal only whether the extension runs and, when it does
not, a one-line reason; the reason names the database without its password (the app renders
it that way) and nothing a client could act on.

``/health`` answers 200 whenever the process serves HTTP. ``/ready`` answers 200 only when the
extension started and the database answers a trivial query within a short timeout, else 503
with ``{"ready": false, "reason": ...}``. The query goes through the async engine, so a slow
or dead database delays only this request, never the event loop.

:data:`StartupFailedHandler` stands in for every other ``/convergence/`` route after a failed
start: a client sees a 503 with the reason instead of a 404 that looks like a missing
extension.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler

HEALTH_PATH = r"/convergence/api/v1/health"
READY_PATH = r"/convergence/api/v1/ready"
#: Everything of ours; served by :class:`StartupFailedHandler` once start-up has failed.
ANY_PATH = r"/convergence/.*"


@dataclass(frozen=True, slots=True)
class Readiness:
    """What ``/ready`` asks the app; callables, so the answer is always the current one."""

    #: Why the extension cannot serve (start-up failed), or None.
    failure: Callable[[], str | None]
    #: True once the start hook has prepared the default domain.
    started: Callable[[], bool]
    #: A trivial database round trip; raises when the database does not answer.
    ping_database: Callable[[], Awaitable[None]] | None
    timeout: float = 3.0

    async def reason(self) -> str | None:
        """None when ready, else why not (one line)."""
        failure = self.failure()
        if failure is not None:
            return failure
        if not self.started():
            return "the extension is still starting"
        if self.ping_database is None:
            return "no database is configured"
        try:
            await asyncio.wait_for(self.ping_database(), self.timeout)
        except TimeoutError:
            return f"the database did not answer within {self.timeout:g} s"
        except Exception as exc:  # any driver error means "not ready", never a 500
            return f"the database does not answer: {one_line(exc)}"
        return None


def one_line(exc: BaseException) -> str:
    """The first line of an exception's text (driver errors span several lines)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    first = text.splitlines()[0] if text else ""
    return first or type(exc).__name__


class _JsonHandler(JupyterHandler):
    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class HealthHandler(_JsonHandler):
    """Liveness: the process serves HTTP (whatever the extension's state)."""

    @allow_unauthenticated
    def get(self) -> None:
        self._reply(200, {"status": "ok"})


class ReadyHandler(_JsonHandler):
    """Readiness: start-up succeeded and the database answers."""

    def initialize(self, readiness: Readiness) -> None:
        self._readiness = readiness

    @allow_unauthenticated
    async def get(self) -> None:
        reason = await self._readiness.reason()
        if reason is None:
            self._reply(200, {"ready": True, "database": "ok"})
        else:
            self._reply(503, {"ready": False, "reason": reason})


class StartupFailedHandler(_JsonHandler):
    """Any other route of ours after a failed start (including the realtime websocket)."""

    def initialize(self, reason: str) -> None:
        self._reason = reason

    def check_xsrf_cookie(self) -> None:
        """Nothing is done on any method, so there is nothing to forge."""

    @allow_unauthenticated
    def get(self, *args: Any) -> None:
        self._unavailable()

    @allow_unauthenticated
    def post(self, *args: Any) -> None:
        self._unavailable()

    @allow_unauthenticated
    def put(self, *args: Any) -> None:
        self._unavailable()

    @allow_unauthenticated
    def patch(self, *args: Any) -> None:
        self._unavailable()

    @allow_unauthenticated
    def delete(self, *args: Any) -> None:
        self._unavailable()

    def _unavailable(self) -> None:
        self._reply(503, {"ready": False, "reason": f"Convergence did not start: {self._reason}"})


def health_handlers(readiness: Readiness) -> list[tuple[str, type[JupyterHandler], dict[str, Any]]]:
    """The two probe routes, for the app to register first (before any catch-all)."""
    return [
        (HEALTH_PATH, HealthHandler, {}),
        (READY_PATH, ReadyHandler, {"readiness": readiness}),
    ]
