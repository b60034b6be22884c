"""Where widget callbacks run their coroutines: on the loop the Python client lives on.

A button click arrives through ipykernel's comm handler, an event from the client arrives on
the client's loop; both must reach the client's objects on that one loop without blocking it.
In ipykernel (and under ``asyncio.run``) that is the thread's running loop, found at widget
creation; a callback from any other thread is handed over thread-safely.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine
from typing import Any

_log = logging.getLogger(__name__)

ErrorHandler = Callable[[BaseException], None]


class ClientLoop:
    """Runs coroutines on one event loop and keeps them referenced until they end."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError(
                    "create collaboration widgets where the client runs: in a notebook cell "
                    "(ipykernel's loop) or inside a coroutine, or pass loop="
                ) from None
        self.loop = loop
        self._tasks: set[asyncio.Future[Any]] = set()

    def spawn(
        self, coroutine: Coroutine[Any, Any, Any], on_error: ErrorHandler | None = None
    ) -> None:
        """Start ``coroutine`` on the client's loop without waiting for it; its exception, if
        any, goes to ``on_error`` (on the loop), never lost in an unawaited task."""
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is self.loop:
            task: asyncio.Future[Any] = self.loop.create_task(coroutine)
            self._tasks.add(task)
            task.add_done_callback(lambda t: self._finished(t, on_error))
        else:
            future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
            future.add_done_callback(
                lambda f: self.loop.call_soon_threadsafe(self._finished, f, on_error)
            )

    def call(self, callback: Callable[[], object]) -> None:
        """Run a plain callback on the client's loop (at once when already there)."""
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is self.loop:
            callback()
        else:
            self.loop.call_soon_threadsafe(callback)

    def _finished(
        self,
        task: asyncio.Future[Any] | concurrent.futures.Future[Any],
        on_error: ErrorHandler | None,
    ) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if on_error is not None:
            try:
                on_error(error)
                return
            except Exception:
                _log.exception("a widget's error handler raised")
        _log.error("a widget action failed", exc_info=error)

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
