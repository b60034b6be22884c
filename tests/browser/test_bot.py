"""A kernel bot started from a cell in a real JupyterLab, seen by the person who started it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import make_notebook
from .labserver import LabServer
from .pages import LabPage, wait_until

BOT_CODE = (
    "from convergence_jupyter.bots import NotebookBot; "
    "bot = await NotebookBot.join(name='Reviewer'); "
    "bot.on_mention(lambda m: f'Reviewer answers: {m.text}'); "
    "await bot.set_source(bot.cells()[0].id, 'x = 1  # reviewed by the bot'); "
    "await bot.say('Reviewer here')"
)

RUN_CELL_JS = """
([index, code]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  panel.content.activeCell.model.sharedModel.setSource(code);
  return window.jupyterapp.commands.execute('notebook:run-cell');
}
"""


@pytest.fixture
def alice(browser: Any, lab: LabServer, server_log: None) -> Iterator[LabPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = LabPage(lab, context, "alice")
    yield page
    if page.console:
        print("--- alice console (last 30) ---\n" + "\n".join(page.console[-30:]))
    context.close()


def test_kernel_bot_joins_edits_and_answers(
    lab: LabServer, alice: LabPage, artifacts: Path
) -> None:
    path = make_notebook(lab, "bot.ipynb", ["x = 1", ""])
    alice.open_notebook(path)
    ids = alice.cell_ids()
    alice.page.evaluate(RUN_CELL_JS, [1, BOT_CODE])

    # Presence: the bot is there, marked as a bot.
    alice.page.wait_for_selector(".cj-presence-bot", timeout=90_000)
    title = alice.page.get_attribute(".cj-presence-bot", "title")
    assert title == "Reviewer (bot of alice)"
    # Its edit, live in the page.
    wait_until(
        lambda: alice.cells()[0]["source"] == "x = 1  # reviewed by the bot",
        timeout=60,
        message="the bot's edit",
    )
    assert alice.cell_ids() == ids
    # Chat: its message, then its answer to a mention.
    alice.open_panel()
    wait_until(lambda: "Reviewer here" in alice.chat_texts(), timeout=30, message="bot message")
    assert alice.page.locator(".cj-person-bot").count() == 1
    alice.send_chat("@Reviewer how are you?")
    wait_until(
        lambda: "Reviewer answers: how are you?" in alice.chat_texts(),
        timeout=30,
        message="the bot answers the mention",
    )
    alice.screenshot(artifacts / "alice-with-bot.png")
