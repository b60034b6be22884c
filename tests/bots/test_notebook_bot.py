"""A NotebookBot run inside a real kernel, seen by a person in the same notebook."""

from __future__ import annotations

import json
from typing import Any

import pytest

from convergence_jupyter.bots import BotError, KernelCredentials
from convergence_jupyter.bots.kernel_session import request_session
from convergence_jupyter.client import AuthenticationError, connect

from .conftest import JoinHuman, StartKernel, eventually, write_notebook

BOT_CELL = """
from convergence_jupyter.bots import NotebookBot
bot = await NotebookBot.join(name="Reviewer")

@bot.on_mention
def answer(mention):
    return f"{len(bot.cells())} cells; you asked: {mention.text}"

new_id = await bot.insert_cell("print('from the bot')", after="cell0")
await bot.set_source("cell0", "x = 1  # reviewed")
await bot.append_output(new_id, "from the bot\\n")
await bot.say("Reviewer here")
import json
print(json.dumps({"status": bot.status, "username": bot.username, "new": new_id,
                  "last": bot.last_action}))
"""


async def test_bot_in_kernel_edits_chats_and_answers(
    start_kernel: StartKernel, human: JoinHuman, jp_root_dir: Any, app: Any
) -> None:
    path = write_notebook(jp_root_dir, "review.ipynb", ["x = 1", "y = 2"])
    kernel = await start_kernel(path, user="ada")
    ada = await human(path, user="ada")

    out = json.loads((await kernel.run(BOT_CELL)).strip().splitlines()[-1])
    assert out["status"] == "online"
    assert out["username"] == f"bot:reviewer:{kernel.kernel_id[:8]}:ada"
    assert out["last"] == "said: Reviewer here"

    # The person sees the bot in presence, marked as a bot, with its own colour...
    (bot,) = await eventually(ada.bots, message="the bot in the activity")
    user_state = bot.state["user"]
    assert user_state["displayName"] == "Reviewer"
    assert user_state["bot"] == {"owner": "ada", "kernel": kernel.kernel_id}
    assert user_state["color"] != "#e6194b"
    assert bot.user.display_name == "Reviewer [bot]"
    # ...and its cursor where it edited last.
    assert bot.state["cursor"]["cellId"] == "cell0"

    # The edits, live in the person's model.
    cells = await eventually(lambda: len(ada.cells()) == 3 and ada.cells(), message="edits")
    assert [c["id"] for c in cells] == ["cell0", out["new"], "cell1"]
    assert cells[0]["source"] == "x = 1  # reviewed"
    assert cells[1]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "from the bot\n"}
    ]

    # Chat: the bot's message, then an answer to a mention.
    history = await ada.chat.history(limit=10)
    said = [e for e in history if getattr(e, "message", None) == "Reviewer here"]
    assert said and said[0].user.username == out["username"]
    replies: list[str] = []
    ada.chat.events.on(
        lambda e: replies.append(e.message) if getattr(e, "message", None) and not e.local else None
    )
    await ada.chat.send("@Reviewer how many cells?")
    await eventually(lambda: replies, message="the bot's answer")
    assert replies == ["3 cells; you asked: how many cells?"]

    # Leaving: gone from presence, the notebook stays.
    await kernel.run("await bot.leave(); print(bot.status)")
    await eventually(lambda: not ada.bots(), message="the bot left")
    assert len(ada.cells()) == 3


async def test_kernel_stop_ends_token_and_bot(
    start_kernel: StartKernel, human: JoinHuman, jp_root_dir: Any, jp_serverapp: Any
) -> None:
    path = write_notebook(jp_root_dir, "stop.ipynb", ["a = 1"])
    kernel = await start_kernel(path, user="ada")
    ada = await human(path, user="ada")
    env = await kernel.environment()
    credentials = KernelCredentials(env["CONVERGENCE_URL"], env["CONVERGENCE_KERNEL_TOKEN"])
    await kernel.run(
        "from convergence_jupyter.bots import NotebookBot\n"
        "bot = await NotebookBot.join(name='Helper')"
    )
    await eventually(ada.bots, message="the bot joined")
    # A session the test holds with the same credentials (the kernel's token), to probe it.
    session = await request_session(credentials, "Probe")
    probe = await connect(session.realtime_url, jwt=session.jwt)
    reconnect_token = probe.reconnect_token

    await jp_serverapp.kernel_manager.shutdown_kernel(kernel.kernel_id, now=True)

    await eventually(lambda: not ada.bots(), message="the bot is gone with its kernel")
    await eventually(lambda: not probe.connected, message="the probe was disconnected")
    await probe.dispose()
    with pytest.raises(BotError, match=r"401.*no longer valid: the kernel has stopped"):
        await request_session(credentials, "Helper")
    with pytest.raises(AuthenticationError):
        await connect(session.realtime_url, reconnect_token=reconnect_token)
    with pytest.raises(AuthenticationError):
        await connect(session.realtime_url, jwt=session.jwt)
    # The person and the notebook carry on.
    ada.model.element_at("cells", 0, "source").insert(0, "# still here\n")
    await ada.model.committed()
    assert ada.cells()[0]["source"].startswith("# still here")
