"""The collaboration widgets in a real JupyterLab (with its widgets manager), in Chromium.

Alice runs a cell that starts a kernel bot and displays the three widgets in the cell's output;
Bob, in another browser, joins the notebook, moves his cursor and chats; Alice's widgets show
it live. Alice posts through the chat widget and stops and starts the bot with its buttons;
Bob's JupyterLab sees the messages and the bot come and go.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import make_notebook
from .labserver import LabServer
from .pages import LabPage, wait_until

SETUP = """\
from convergence_jupyter.bots import NotebookBot
from convergence_jupyter.widgets import BotControlWidget, ChatWidget, ParticipantsWidget

bot = await NotebookBot.join(name="Helper")
people = ParticipantsWidget(bot.activity, model=bot.model)
chat = await ChatWidget.create(bot.chat)
display(people, chat, BotControlWidget(bot, follow=[people, chat]))"""

KERNEL_TIMEOUT = 120.0


@pytest.fixture
def pages(browser: Any, lab: LabServer, server_log: None) -> Iterator[tuple[LabPage, LabPage]]:
    contexts = [browser.new_context(viewport={"width": 1280, "height": 1000}) for _ in range(2)]
    both = (LabPage(lab, contexts[0], "alice"), LabPage(lab, contexts[1], "bob"))
    yield both
    for page in both:
        if page.console:
            print(f"--- {page.user} console (last 30) ---\n" + "\n".join(page.console[-30:]))
    for context in contexts:
        context.close()


def widget_rows(page: LabPage) -> dict[str, str]:
    """The participants widget's rows: username -> where their cursor is."""
    rows: list[list[str]] = page.page.eval_on_selector_all(
        ".cj-w-participant",
        "els => els.map(e => [e.dataset.username, e.querySelector('.cj-w-where').textContent])",
    )
    return dict((name, where) for name, where in rows)


def widget_chat(page: LabPage) -> list[str]:
    return page.page.locator(".cj-w-chat-text").all_inner_texts()


def bot_status(page: LabPage) -> str:
    found = page.page.locator(".cj-w-bot-status")
    return found.inner_text() if found.count() else ""


def test_widgets_render_and_follow_a_second_participant(
    lab: LabServer, pages: tuple[LabPage, LabPage], artifacts: Path
) -> None:
    alice, bob = pages
    path = make_notebook(lab, "widgets.ipynb", [SETUP, "x = 1\ny = 22"])
    alice.open_notebook(path)
    ids = alice.cell_ids()
    alice.click_end_of_cell(ids[0])
    alice.page.keyboard.press("Control+Enter")

    # Rendered by JupyterLab's widgets manager in the cell's output: the bot and Alice.
    alice.page.wait_for_selector(".cj-w-participants", timeout=KERNEL_TIMEOUT * 1000)
    rows = wait_until(
        lambda: (r := widget_rows(alice)) and "alice" in r and len(r) == 2 and r,
        message="the widget lists alice and the bot",
    )
    (bot_user,) = [name for name in rows if name.startswith("bot:helper:")]
    assert alice.page.locator(".cj-w-participant .cj-w-bot").count() == 1
    wait_until(lambda: bot_status(alice) == "online", message="bot online in the widget")
    alice.screenshot(artifacts / "1-alice-widgets.png")

    # Bob arrives and puts his cursor at the end of the second cell.
    bob.open_notebook(path)
    wait_until(lambda: "bob" in widget_rows(alice), message="alice's widget shows bob")
    wait_until(lambda: bot_user in bob.presence_users(), message="bob sees the bot")
    bob.click_end_of_cell(ids[1])
    wait_until(
        lambda: widget_rows(alice).get("bob") == "cell 2, line 2, col 7",
        message="bob's cursor in alice's widget",
    )

    # Bob chats from his panel: the chat widget shows it.
    bob.send_chat("hello from bob")
    wait_until(lambda: "hello from bob" in widget_chat(alice), message="widget shows bob's chat")
    alice.screenshot(artifacts / "2-alice-sees-bob.png")

    # Alice posts through the widget's box (as the bot): Bob's panel gets it.
    box = alice.page.locator(".cj-w-chat-input input")
    box.fill("posted from the widget")
    alice.page.locator(".cj-w-chat-send").click()
    wait_until(lambda: "posted from the widget" in bob.chat_texts(), message="bob gets the post")
    wait_until(lambda: "posted from the widget" in widget_chat(alice), message="widget echo")
    assert box.input_value() == ""

    # Stop: the bot leaves (Bob's presence list drops it); Start: a new bot joins.
    alice.page.locator(".cj-w-bot-stop").click()
    wait_until(lambda: bot_status(alice).startswith("left"), message="widget: bot left")
    wait_until(lambda: bot_user not in bob.presence_users(), message="bob: bot gone")
    # The participants widget watched through that bot's session, which is gone: it says so.
    wait_until(
        lambda: alice.page.locator(".cj-w-offline").count() == 1 and not widget_rows(alice),
        message="participants widget: not connected",
    )
    alice.screenshot(artifacts / "3-alice-bot-stopped.png")
    alice.page.locator(".cj-w-bot-start").click()
    wait_until(lambda: bot_status(alice) == "online", message="widget: bot online again")
    wait_until(
        lambda: any(u.startswith("bot:helper:") for u in bob.presence_users()),
        message="bob sees the new bot",
    )
    assert "joined" in alice.page.locator(".cj-w-bot-action").inner_text()
    # The participants and chat widgets follow the new bot's session.
    wait_until(
        lambda: {"alice", "bob"} <= set(widget_rows(alice)) and len(widget_rows(alice)) == 3,
        message="participants widget live again",
    )
    bob.send_chat("after the restart")
    wait_until(lambda: "after the restart" in widget_chat(alice), message="chat widget live")
    alice.screenshot(artifacts / "4-alice-bot-restarted.png")
    bob.screenshot(artifacts / "bob.png")
