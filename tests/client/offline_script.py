"""A bot in its own OS process, for tests/client/test_offline.py: ``first`` edits a model that
is subscribed offline and is killed while offline; ``second`` starts with the same store file
and syncs. It talks to the test in JSON lines: it prints ``{"at": step, ...}`` and, where the
test must act first, waits for a line on stdin."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from convergence_jupyter.client import RealTimeArray, RealTimeModel, RealTimeString, connect

FAST: dict[str, Any] = {"reconnect_intervals": (0.05, 0.1), "request_timeout": 10.0}


def say(at: str, **data: Any) -> None:
    print(json.dumps({"at": at, **data}), flush=True)


async def wait_line() -> str:
    return await asyncio.to_thread(sys.stdin.readline)


def edit(model: RealTimeModel, token: str) -> None:
    """The token at the end of the text and the log (as tests/client/test_reconnect.py)."""
    text, log = model.element_at("text"), model.element_at("log")
    assert isinstance(text, RealTimeString) and isinstance(log, RealTimeArray)
    with model.batch():
        text.insert(len(text), f"[{token}]")
        log.push(token)


async def first(url: str, store: str, model_id: str) -> None:
    domain = await connect(url, anonymous="bot", offline_store=store, **FAST)
    await domain.models().subscribe_offline(model_id)
    model = await domain.models().open_auto_create(
        collection="notes", id=model_id, data={"text": "", "log": []}
    )
    edit(model, "p1-acked")
    await model.committed(timeout=10)
    say("acked", version=model.version)
    await wait_line()  # the test holds the server's messages to us
    edit(model, "p1-unacked")  # committed at the server, the ack never arrives
    await domain.models().offline_saved()
    offline = asyncio.Event()
    model.events.on(lambda e: offline.set() if e.kind == "offline" else None)
    say("sent")
    await wait_line()  # the test cut the connection and refuses new ones
    await asyncio.wait_for(offline.wait(), 10)
    edit(model, "p1-offline-1")
    edit(model, "p1-offline-2")
    await domain.models().offline_saved()
    say("saved", pending=len(model._cc.in_flight), version=model.version)
    await asyncio.sleep(3600)  # killed here


async def second(url: str, store: str, model_id: str) -> None:
    domain = await connect(url, offline_store=store, **FAST)  # the stored token, no login
    try:
        stored = await domain.models()._require_store().store.load(model_id)
        pending = -1 if stored is None else len(stored.pending)
        model = await domain.models().open(model_id)
        deadline = asyncio.get_running_loop().time() + 20
        while not model.online and not model.closed:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("no resync")
            await asyncio.sleep(0.01)
        await model.committed(timeout=15)
        edit(model, "p2-live")
        await model.committed(timeout=15)
        say(
            "synced",
            pending_at_start=pending,
            value=model.value(),
            version=model.version,
            user=domain.user.display_name,
        )
    finally:
        await domain.dispose()


if __name__ == "__main__":
    mode, url, store_path, model_name = sys.argv[1:5]
    asyncio.run((first if mode == "first" else second)(url, store_path, model_name))
