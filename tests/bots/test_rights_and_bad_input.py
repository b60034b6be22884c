"""What a kernel token is good for, and what a misbehaving bot meets: a clear error for it,
nothing for the notebook and the people in it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from convergence_jupyter.bots import BotError, KernelCredentials, NotebookBot
from convergence_jupyter.bots.kernel_session import request_session
from convergence_jupyter.client import (
    AuthenticationError,
    PermissionDeniedError,
    connect,
    wire,
)
from convergence_jupyter.ot import operations as o
from convergence_jupyter.protocol.schema import model_pb2

from .conftest import USER_HEADER, JoinHuman, StartKernel, eventually, write_notebook


async def _credentials(kernel: Any) -> KernelCredentials:
    env = await kernel.environment()
    return KernelCredentials(env["CONVERGENCE_URL"], env["CONVERGENCE_KERNEL_TOKEN"])


async def test_token_is_only_a_kernel_token(
    start_kernel: StartKernel, jp_root_dir: Any, jp_fetch: Any, server_url: str
) -> None:
    path = write_notebook(jp_root_dir, "t.ipynb", ["1"])
    kernel = await start_kernel(path)
    credentials = await _credentials(kernel)
    # Not a Jupyter credential: the contents API refuses it.
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("api", "contents", headers={"Authorization": f"token {credentials.token}"})
    assert refused.value.code == 403
    # Not a Convergence credential by itself either.
    session = await request_session(credentials, "Probe")
    with pytest.raises(AuthenticationError):
        await connect(session.realtime_url, jwt=credentials.token)
    # Wrong or missing tokens get a reason, and no session.
    for token, reason in [
        ("", "not a kernel token"),
        ("cjk_" + "A" * 32, "unknown kernel token"),
        (credentials.token + "x", "not a kernel token"),
    ]:
        with pytest.raises(BotError, match=reason):
            await request_session(KernelCredentials(server_url, token), "Probe")
    with pytest.raises(BotError, match=r"400.*'name'"):
        await request_session(credentials, "no:colons")


async def test_rights_are_the_owners_at_most_and_only_this_notebook(
    start_kernel: StartKernel, human: JoinHuman, jp_root_dir: Any, jp_fetch: Any
) -> None:
    mine = write_notebook(jp_root_dir, "mine.ipynb", ["a = 1"])
    other = write_notebook(jp_root_dir, "other.ipynb", ["b = 2"])
    ada = await human(other, user="ada")  # the other notebook is open and has a model
    kernel = await start_kernel(mine, user="reader1")  # may read files, not write them
    credentials = await _credentials(kernel)
    session = await request_session(credentials, "Peek")
    assert session.owner == "reader1" and not session.can_write
    bot = await connect(session.realtime_url, jwt=session.jwt)
    try:
        model = await bot.models().open(session.model_id)
        assert model.permissions["read"] and not model.permissions["write"]
        # The server refuses a write the client would not even make (sent raw).
        bot._connection.send(
            "operationSubmission",
            _splice(model, 0, "gotcha"),
        )
        await eventually(lambda: model.closed or not bot.connected, message="write refused")
        # Another notebook of the same user is out of the kernel's reach.
        if bot.connected:
            with pytest.raises(PermissionDeniedError):
                await bot.models().open(ada.info["modelId"])
    finally:
        await bot.dispose()
    assert ada.cells()[0]["source"] == "b = 2"

    # The owner's rights are re-checked at every join: a writer's kernel gets write.
    writer = await start_kernel(other, user="ada")
    assert (await request_session(await _credentials(writer), "Pen")).can_write

    # The session list marks bot sessions as bots (an admin's view).
    pen = await NotebookBot.join("Pen", credentials=await _credentials(writer))
    try:
        response = await jp_fetch(
            "convergence/api/v1/domains/convergence/default/sessions",
            headers={USER_HEADER: "ada"},
        )
        items = json.loads(response.body)["items"]
        bots = [s for s in items if s["bot"]]
        assert [s["bot"] for s in bots] == [
            {"name": "pen", "kernel": writer.kernel_id[:8], "acting_for": "ada"}
        ]
        assert bots[0]["display_name"] == "Pen [bot]"
        assert not any(s["bot"] for s in items if s["username"] == "ada")
    finally:
        await pen.leave()


def _splice(model: Any, index: int, text: str) -> model_pb2.OperationSubmissionMessage:
    """A raw string splice into the first cell's source, sent past the client's checks."""
    source = model.element_at("cells", 0, "source")
    op = o.StringSplice(id=source.id, index=index, delete_count=0, insert_value=text)
    return model_pb2.OperationSubmissionMessage(
        resourceId=model.resource_id,
        sequenceNumber=0,
        contextVersion=model.version,
        operation=wire.operation_to_wire(op),
    )


async def test_chat_flood_is_refused_and_the_bot_leaves(
    start_kernel: StartKernel, human: JoinHuman, jp_root_dir: Any
) -> None:
    path = write_notebook(jp_root_dir, "flood.ipynb", ["x = 1"])
    kernel = await start_kernel(path)
    ada = await human(path, user="ada")
    out = await kernel.run(
        "from convergence_jupyter.bots import NotebookBot, BotError\n"
        "bot = await NotebookBot.join(name='Chatty')\n"
        "sent = 0\n"
        "try:\n"
        "    for i in range(200):\n"
        "        await bot.say(f'spam {i}')\n"
        "        sent += 1\n"
        "except BotError as exc:\n"
        "    print(sent, bot.status, exc)\n"
    )
    sent, status, reason = out.strip().split(" ", 2)
    assert 0 < int(sent) < 200 and status == "left"
    assert "rate_limited" in reason and "the bot left" in reason
    await eventually(lambda: not ada.bots(), message="the flooding bot left")
    # The room and the person are fine.
    await ada.chat.send("still talking")
    history = await ada.chat.history(limit=5)
    assert history[-1].message == "still talking" or history[0].message == "still talking"


async def test_interrupt_stops_the_kernels_bots(
    start_kernel: StartKernel, human: JoinHuman, jp_root_dir: Any, jp_serverapp: Any
) -> None:
    path = write_notebook(jp_root_dir, "int.ipynb", ["x = 1"])
    kernel = await start_kernel(path)
    ada = await human(path, user="ada")
    await kernel.run(
        "from convergence_jupyter.bots import NotebookBot\n"
        "bot = await NotebookBot.join(name='Busy')"
    )
    await eventually(ada.bots, message="joined")
    await jp_serverapp.kernel_manager.interrupt_kernel(kernel.kernel_id)
    await eventually(lambda: not ada.bots(), message="the bot left on interrupt")
    out = await kernel.run("print(bot.status, '|', bot.stop_reason)")
    assert out.startswith("stopped |") and "interrupted" in out
    # The token still works: the kernel may start bots again.
    await kernel.run("bot = await NotebookBot.join(name='Busy'); print(bot.status)")
    await eventually(ada.bots, message="joined again")


def _far_past_the_end(model: Any) -> model_pb2.OperationSubmissionMessage:
    return _splice(model, 10_000, "x")


def _from_the_future(model: Any) -> model_pb2.OperationSubmissionMessage:
    message = _splice(model, 0, "x")
    message.contextVersion = model.version + 50
    return message


def _unknown_element(model: Any) -> model_pb2.OperationSubmissionMessage:
    message = _splice(model, 0, "x")
    op = o.StringSplice(id="no-such-element", index=0, delete_count=0, insert_value="x")
    message.operation.CopyFrom(wire.operation_to_wire(op))
    return message


@pytest.mark.parametrize(
    "malformed", [_far_past_the_end, _from_the_future, _unknown_element], ids=lambda f: f.__name__
)
async def test_a_malformed_op_stops_only_that_bot(
    start_kernel: StartKernel, human: JoinHuman, jp_root_dir: Any, malformed: Any
) -> None:
    """An op the server cannot apply (sent raw, past the client's checks): the bot is told why
    and leaves; the notebook keeps its content and the person keeps editing."""
    path = write_notebook(jp_root_dir, "bad.ipynb", ["x = 1"])
    kernel = await start_kernel(path, user="ada")
    ada = await human(path, user="ada")
    bot = await NotebookBot.join("Broken", credentials=await _credentials(kernel))
    await eventually(lambda: len(ada.bots()) == 1, message="the bot joined")
    assert bot.domain is not None and bot.model is not None
    message = malformed(bot.model)
    message.sequenceNumber = 1_000
    bot.domain._connection.send("operationSubmission", message)
    await eventually(lambda: bot.status == "stopped", message="the bot stopped")
    assert bot.stop_reason.startswith("the server closed the notebook for this bot: ")
    assert len(bot.stop_reason) > len("the server closed the notebook for this bot: ") + 5
    await eventually(lambda: not ada.bots(), message="the bot left presence")
    await eventually(lambda: bot.domain is None or not bot.domain.connected, message="gone")
    # Nobody else noticed: the notebook is as it was and the person's edit commits.
    assert ada.cells()[0]["source"] == "x = 1"
    ada.model.element_at("cells", 0, "source").insert(0, "# still here\n")
    await ada.model.committed()
    assert ada.cells()[0]["source"] == "# still here\nx = 1"
