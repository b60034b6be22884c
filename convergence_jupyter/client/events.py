"""One event source with two ways to listen: callbacks, and ``async for`` iterators.

Iterators are unbounded queues filled synchronously as events happen, so a slow consumer never
misses an event (and never blocks the connection); an iterator ends when the source closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

E = TypeVar("E")

_log = logging.getLogger(__name__)
_END = object()


class EventSource(Generic[E]):
    def __init__(self) -> None:
        self._callbacks: list[Callable[[E], object]] = []
        self._queues: list[asyncio.Queue[object]] = []
        self._closed = False

    def on(self, callback: Callable[[E], object]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns a function that unsubscribes."""
        self._callbacks.append(callback)

        def off() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return off

    def __aiter__(self) -> Subscription[E]:
        return self.subscribe()

    def subscribe(self) -> Subscription[E]:
        """An iterator over events from this call on (registered now, not at the first
        ``__anext__``), until the source closes or ``close()`` is called on it."""
        subscription: Subscription[E] = Subscription(self)
        if self._closed:
            subscription.queue.put_nowait(_END)
        else:
            self._queues.append(subscription.queue)
        return subscription

    def emit(self, event: E) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                # A listener's bug must not break the connection that delivers events.
                _log.exception("an event callback raised")
        for queue in self._queues:
            queue.put_nowait(event)

    def close(self) -> None:
        self._closed = True
        for queue in self._queues:
            queue.put_nowait(_END)
        self._callbacks.clear()


class Subscription(Generic[E]):
    """An ``async for`` view of an :class:`EventSource`."""

    def __init__(self, source: EventSource[E]) -> None:
        self._source = source
        self.queue: asyncio.Queue[object] = asyncio.Queue()

    def __aiter__(self) -> Subscription[E]:
        return self

    async def __anext__(self) -> E:
        item = await self.queue.get()
        if item is _END:
            self.close()
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    async def next(self, timeout: float | None = None) -> E:  # noqa: ASYNC109
        """The next event, waiting at most ``timeout`` seconds (``TimeoutError`` after)."""
        return await asyncio.wait_for(self.__anext__(), timeout)

    def close(self) -> None:
        if self.queue in self._source._queues:
            self._source._queues.remove(self.queue)
