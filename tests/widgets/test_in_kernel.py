"""The widgets inside a real ipykernel, on its running loop, fed by a real kernel bot's client:
a person (a Python client logged in as JupyterLab logs in) joins, moves, chats; the widgets'
state follows; the chat box and the bot buttons act on the server.

The kernel is started through jupyter_server's sessions API, as JupyterLab starts it for an
open notebook, so the bot joins with the token the server gave that kernel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest

from convergence_jupyter.client import connect

from .conftest import eventually

KERNEL_TIMEOUT = 90.0

SETUP = """
import json
from convergence_jupyter.bots import NotebookBot
from convergence_jupyter.widgets import BotControlWidget, ChatWidget, ParticipantsWidget

bot = await NotebookBot.join(name="Watcher")
people = ParticipantsWidget(bot.activity, model=bot.model)
chat = await ChatWidget.create(bot.chat)
control = BotControlWidget(bot, follow=[people, chat])
display(people, chat, control)

def state():
    print(json.dumps({
        "people": [
            [p.display_name, p.bot, p.local, p.cursor.describe() if p.cursor else None]
            for p in people.participants
        ],
        "live": people.live,
        "chat": [[m.display_name, m.text] for m in chat.messages],
        "error": chat.error,
        "status": control.status,
        "action": control.last_action,
        "running": control.bot is not None,
    }))
"""


class Kernel:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def run(self, code: str) -> str:
        texts: list[str] = []
        errors: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                texts.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        reply = await self.client.execute_interactive(
            code, timeout=KERNEL_TIMEOUT, output_hook=hook
        )
        if errors or reply["content"]["status"] != "ok":
            raise AssertionError(f"the kernel failed: {errors or reply['content']}")
        return "".join(texts)

    async def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(await self.run("state()"))
        return data


@pytest.fixture
def kernel(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Any, http_server_client: Any, io_loop: Any
) -> Iterator[Kernel]:
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 5
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    for index, source in enumerate(["a = 1", "b = 2\nc = 3"]):
        cell = nbformat.v4.new_code_cell(source)
        cell["id"] = f"cell{index}"
        nb.cells.append(cell)
    (jp_root_dir / "w.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    body = {"path": "w.ipynb", "name": "w.ipynb", "type": "notebook", "kernel": {"name": "python3"}}

    async def start() -> tuple[str, Any]:
        response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
        kernel_id = json.loads(response.body)["kernel"]["id"]
        client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
        client.start_channels()
        await client.wait_for_ready(timeout=KERNEL_TIMEOUT)
        return kernel_id, client

    kernel_id, client = io_loop.run_sync(start)
    yield Kernel(client)
    client.stop_channels()
    io_loop.run_sync(lambda: jp_serverapp.kernel_manager.shutdown_kernel(kernel_id, now=True))


async def poll(kernel: Kernel, check: Any, message: str) -> dict[str, Any]:
    """The kernel's widget state once ``check(state)`` holds (asked every 0.2 s)."""
    last: dict[str, Any] = {}
    for _ in range(100):
        last = await kernel.state()
        if check(last):
            return last
        await kernel.run("import asyncio; await asyncio.sleep(0.2)")
    raise AssertionError(f"timed out: {message} (last: {last})")


async def test_widgets_follow_a_person_and_act(kernel: Kernel, jp_fetch: Any) -> None:
    await kernel.run(SETUP)
    first = await kernel.state()
    assert first["people"] == [["Watcher", True, True, None]]
    assert first["status"] == "online" and first["running"]

    response = await jp_fetch(
        "convergence/api/v1/notebooks", "session", method="POST", body='{"path": "w.ipynb"}'
    )
    info = json.loads(response.body)
    person = await connect(info["realtimeUrl"], jwt=info["jwt"])
    try:
        user = {"name": "ada", "displayName": "Ada", "color": "#e6194b"}
        activity = await person.activities().join(
            info["activityType"], info["activityId"], {"user": user}
        )
        room = await person.chat().join(info["chatId"])
        heard = room.events.subscribe()

        # Ada joins and puts her cursor on line 2 of the second cell; then she chats.
        activity.set_state("cursor", {"cellId": "cell1", "anchor": 8, "head": 8})
        await room.send("hello widgets")
        state = await poll(
            kernel,
            lambda s: (
                ["Ada", False, False, "cell 2, line 2, col 3"] in s["people"]
                and "hello widgets" in [text for _name, text in s["chat"]]
            ),
            "Ada and her message in the widgets",
        )
        assert state["live"]

        # The chat box posts as the bot; Ada receives it.
        await kernel.run("chat.post('hi from the widget')")
        while True:
            event = await heard.next(15)
            if getattr(event, "message", None) == "hi from the widget":
                assert event.user.username.startswith("bot:watcher:")
                break
        await poll(kernel, lambda s: s["chat"][-1][1] == "hi from the widget", "own echo")

        # Stop: the bot leaves (Ada sees it go), the widget says so; Start: a new bot joins.
        await kernel.run("control.stop()")
        stopped = await poll(kernel, lambda s: not s["running"], "bot stopped")
        assert stopped["status"] == "left"
        await eventually(
            lambda: not any(p.user.username.startswith("bot:") for p in activity.participants()),
            "Ada sees the bot leave",
        )
        await kernel.run("control.start()")
        started = await poll(kernel, lambda s: s["running"] and s["status"] == "online", "start")
        assert started["action"].startswith("joined")
        await eventually(
            lambda: any(p.user.username.startswith("bot:") for p in activity.participants()),
            "Ada sees the new bot",
        )
        # The participants and chat widgets moved to the new bot's session with it.
        await room.send("after the restart")
        await poll(
            kernel,
            lambda s: (
                s["live"]
                and [p[0] for p in s["people"]] == ["Watcher", "Ada"]
                and s["chat"][-1][1] == "after the restart"
            ),
            "widgets follow the new bot",
        )
    finally:
        await person.dispose()
