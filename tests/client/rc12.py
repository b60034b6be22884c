"""Running the rc.12 ``collab`` scenario beside Python clients in the same test."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from tests.e2e import collab

T = TypeVar("T")


def start(realtime_url: str, steps: list[dict[str, Any]]) -> asyncio.Task[Any]:
    """Run the steps in a thread, so the in-process server keeps serving meanwhile."""
    url = realtime_url.replace("localhost", "127.0.0.1")
    return asyncio.create_task(asyncio.to_thread(collab.run, url, steps, 60.0))


async def meanwhile(scenario: asyncio.Task[Any], step: Awaitable[T]) -> T:
    """Await ``step``; if the scenario ends first, fail with its transcript."""
    task = asyncio.ensure_future(step)
    await asyncio.wait({task, scenario}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        task.cancel()
        result = scenario.result()  # raises if the scenario failed
        raise AssertionError(f"the rc.12 scenario ended first:\n{result.describe()}")
    return task.result()
