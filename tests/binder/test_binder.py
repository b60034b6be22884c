"""The Binder recipe works from scratch: the demo notebook, run against the Binder-built server's
own kernel, brings in the kernel bot and the simulated participant, and they take part.

The environment is built as mybinder.org builds it (``conftest.py``); the notebook is executed
with nbclient on a kernel the *server* started for ``binder/demo.ipynb`` (through its sessions
API, as JupyterLab opens a notebook), so the kernel has its server-issued bot token and the
notebook's session. A test client, logged in like a browser tab, watches the notebook's
presence list (activity), chat, user presence and model while the demo runs.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from nbclient import NotebookClient

from convergence_jupyter.client import connect

from .conftest import BinderEnv, BinderServer

DEMO = "binder/demo.ipynb"
GRACE = "Grace (simulated)"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = [pytest.mark.binder, pytest.mark.timeout(900)]


def _texts(cell: Any) -> str:
    outputs = cell.get("outputs", [])
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


async def _eventually(check: Any, what: str, timeout: float = 30) -> Any:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def _scenario(env: BinderEnv, server: BinderServer) -> dict[str, Any]:
    headers = {"Authorization": f"token {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60) as http:
        reply = await http.post("convergence/api/v1/notebooks/session", json={"path": DEMO})
        reply.raise_for_status()
        info = reply.json()
        observer = await connect(info["realtimeUrl"], jwt=info["jwt"])
        try:
            activity = await observer.activities().join(
                info["activityType"],
                info["activityId"],
                {"user": {"name": "observer", "displayName": "Test observer"}},
            )
            events: list[Any] = []
            activity.events.on(events.append)
            chat = await observer.chat().join(info["chatId"])
            model = await observer.models().open(info["modelId"])

            reply = await http.post(
                "api/sessions",
                json={
                    "path": DEMO,
                    "name": "demo.ipynb",
                    "type": "notebook",
                    "kernel": {"name": "python3"},
                },
            )
            reply.raise_for_status()
            session = reply.json()
            kernel_id = session["kernel"]["id"]
            connection_file = env.root / "runtime" / f"kernel-{kernel_id}.json"
            kc = AsyncKernelClient(connection_file=str(connection_file))
            kc.load_connection_file()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=120)
                nb = nbformat.read(env.repo / DEMO, as_version=4)
                runner = NotebookClient(nb, timeout=240, kernel_name="python3")
                runner.kc = kc
                runner.reset_execution_trackers()
                started = time.monotonic()
                for index, cell in enumerate(nb.cells):
                    await runner.async_execute_cell(cell, index, execution_count=index + 1)
                demo_seconds = time.monotonic() - started

                bot_username = next(
                    e.user.username
                    for e in events
                    if e.kind == "joined" and e.user and e.user.username.startswith("bot:")
                )
                bot_presence = await observer.presence().subscribe(bot_username)
                bot_available = bot_presence.available
                history = await chat.history(limit=50, forward=True, event_filter=["message"])
                cells = {c["id"]: c for c in model.value()["cells"]}
            finally:
                kc.stop_channels()
            # The kernel stops: its bot leaves; Grace, whose parent was the kernel, goes too.
            (await http.delete(f"api/sessions/{session['id']}")).raise_for_status()
            left = await _eventually(
                lambda: (
                    {e.session_id for e in events if e.kind == "left"}
                    >= {e.session_id for e in events if e.kind == "joined"}
                ),
                "the bot and Grace to leave after the kernel stopped",
            )
            return {
                "nb": nb,
                "joined": [e for e in events if e.kind == "joined"],
                "left": left,
                "bot_username": bot_username,
                "bot_available": bot_available,
                "history": history,
                "cells": cells,
                "demo_seconds": demo_seconds,
            }
        finally:
            await observer.dispose()


def test_binder_demo_from_a_fresh_venv(
    binder_env: BinderEnv, binder_server: BinderServer, record_property: Any
) -> None:
    result = asyncio.run(_scenario(binder_env, binder_server))
    record_property("binder_build_seconds", round(binder_env.build_seconds, 1))
    record_property("demo_seconds", round(result["demo_seconds"], 1))
    print(f"binder build {binder_env.build_seconds:.1f}s, demo run {result['demo_seconds']:.1f}s")

    # The notebook ran without errors; the widgets were displayed and read their live state.
    cells = {c["id"]: c for c in result["nb"].cells}
    views = [o for o in cells["widgets"]["outputs"] if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 3
    summary = _texts(cells["wait"])
    assert GRACE in summary and "Reviewer [bot]" in summary, summary
    assert "@Reviewer" in summary and "Thanks" in summary, summary
    assert "Bot: online" in summary, summary

    # Presence: the notebook's presence list had the bot (server-marked) and Grace.
    joined = result["joined"]
    bots = [e for e in joined if e.user.username.startswith("bot:reviewer:")]
    assert len(bots) == 1 and bots[0].state["user"]["bot"], bots
    graces = [e for e in joined if (e.state or {}).get("user", {}).get("displayName") == GRACE]
    assert len(graces) == 1, joined
    assert result["bot_available"], "the bot's user was not available in presence"
    assert result["left"]

    # Chat: Grace's greeting and question, the bot's answer, in this order.
    messages = [(e.user.username, e.message) for e in result["history"]]
    grace_user = graces[0].user.username
    texts = [m for _, m in messages]
    hello = next(i for i, (u, m) in enumerate(messages) if u == grace_user and "Grace" in m)
    question = next(i for i, (u, m) in enumerate(messages) if u == grace_user and "@Reviewer" in m)
    answer = next(
        i for i, (u, m) in enumerate(messages) if u == result["bot_username"] and "Thanks" in m
    )
    assert hello < question < answer, texts

    # Model: what Grace typed and the bot's review note are in her cell, in that order.
    source = result["cells"]["grace-types-here"]["source"]
    typed = source.index("print('Hello from Grace, typed live!')")
    assert source.index("# Reviewed by Reviewer") > typed, source


def test_binder_files_are_the_ones_the_demo_uses() -> None:
    """requirements.txt installs this repository; postBuild installs the config it ships."""
    binder = Path(__file__).resolve().parents[2] / "binder"
    requirements = [
        line.strip()
        for line in (binder / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert requirements == [".[lab]"]
    post_build = (binder / "postBuild").read_text()
    assert "binder/jupyter_server_config.json" in post_build
    assert (binder / "postBuild").stat().st_mode & 0o111
    nb = nbformat.read(binder / "demo.ipynb", as_version=4)
    nbformat.validate(nb)
    assert "simulated_user.py" in "".join(c.source for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
