"""Two people co-edit one notebook in real JupyterLab pages (headless Chromium).

Each test opens a fresh notebook in two browser contexts logged in as ``alice`` and ``bob``
(distinct Jupyter users on one server), acts through the UI, and checks that both pages and the
file the server saves end up the same.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import make_notebook
from .labserver import LabServer
from .pages import LabPage, wait_until


@pytest.fixture
def two_users(browser: Any, lab: LabServer, server_log: None) -> Iterator[tuple[LabPage, LabPage]]:
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(2)]
    pages = (LabPage(lab, contexts[0], "alice"), LabPage(lab, contexts[1], "bob"))
    yield pages
    for page in pages:
        if page.console:
            print(f"--- {page.user} console (last 30) ---\n" + "\n".join(page.console[-30:]))
    for context in contexts:
        context.close()


def disk_cells(lab: LabServer, path: str) -> list[dict[str, str]]:
    nb = json.loads((lab.root_dir / path).read_text())
    return [
        {
            "id": c["id"],
            "cell_type": c["cell_type"],
            "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
        }
        for c in nb["cells"]
    ]


def converged(alice: LabPage, bob: LabPage) -> list[dict[str, str]] | None:
    a, b = alice.cells(), bob.cells()
    return a if a == b else None


def assert_saved(lab: LabServer, path: str, cells: list[dict[str, str]]) -> None:
    """The server's autosave writes what both pages show (nbformat-valid, ids kept)."""

    def same() -> bool:
        try:
            return disk_cells(lab, path) == cells
        except (json.JSONDecodeError, OSError):
            return False

    wait_until(same, timeout=30, message="file on disk equals the pages")
    import nbformat

    nbformat.validate(nbformat.read(str(lab.root_dir / path), as_version=4))


def test_two_users_edit_same_and_different_cells(
    lab: LabServer, two_users: tuple[LabPage, LabPage], artifacts: Path
) -> None:
    alice, bob = two_users
    path = make_notebook(lab, "together.ipynb", ["a = 1", "b = 2", "c = 3"])
    alice.open_notebook(path)
    bob.open_notebook(path)
    ids = alice.cell_ids()
    assert bob.cell_ids() == ids

    # Different cells, then the same cell.
    alice.type_in_cell(ids[0], "  # alice")
    bob.type_in_cell(ids[2], "  # bob")
    wait_until(lambda: converged(alice, bob), message="after typing in different cells")
    alice.type_in_cell(ids[1], " + 10")
    bob.type_in_cell(ids[1], " * 3")
    cells = wait_until(lambda: converged(alice, bob), message="after typing in one cell")
    middle = next(c for c in cells if c["id"] == ids[1])["source"]
    assert "+ 10" in middle and "* 3" in middle and middle.startswith("b = 2")
    assert "# alice" in cells[0]["source"] and "# bob" in cells[2]["source"]

    # Presence and cursors: each sees the other.
    wait_until(lambda: "bob" in alice.presence_users(), message="alice sees bob")
    wait_until(lambda: "alice" in bob.presence_users(), message="bob sees alice")
    alice.click_end_of_cell(ids[0])
    bob.click_end_of_cell(ids[2])
    wait_until(lambda: "Bob" in alice.remote_caret_labels(), message="alice sees bob's cursor")
    wait_until(lambda: "Alice" in bob.remote_caret_labels(), message="bob sees alice's cursor")

    # Chat.
    alice.send_chat("hello from alice")
    bob.open_panel()
    wait_until(lambda: "hello from alice" in bob.chat_texts(), message="bob gets the message")
    bob.send_chat("hi alice")
    wait_until(lambda: "hi alice" in alice.chat_texts(), message="alice gets the reply")

    alice.screenshot(artifacts / "alice.png")
    bob.screenshot(artifacts / "bob.png")
    assert_saved(lab, path, cells)

    # The room keeps its history: a reloaded page shows the conversation again, in order.
    bob.open_notebook(path)
    bob.open_panel()
    wait_until(lambda: bob.chat_texts() == ["hello from alice", "hi alice"], message="chat history")


def test_structure_add_move_delete(
    lab: LabServer, two_users: tuple[LabPage, LabPage], artifacts: Path
) -> None:
    alice, bob = two_users
    path = make_notebook(lab, "structure.ipynb", ["one", "two", "three"])
    alice.open_notebook(path)
    bob.open_notebook(path)
    ids = alice.cell_ids()

    new_a = alice.insert_below(ids[0])
    alice.page.keyboard.press("Enter")
    alice.page.keyboard.type("added by alice", delay=15)
    new_b = bob.insert_below(ids[2])
    bob.page.keyboard.press("Enter")
    bob.page.keyboard.type("added by bob", delay=15)
    wait_until(lambda: converged(alice, bob), message="after inserts")

    bob.move_up(ids[2])  # "three" moves above "two"
    wait_until(
        lambda: alice.index_of(ids[2]) < alice.index_of(ids[1]), message="alice sees the move"
    )
    alice.delete_cell(ids[0])
    cells = wait_until(lambda: converged(alice, bob), message="after move and delete")

    got = [c["id"] for c in cells]
    assert ids[0] not in got
    assert len(got) == len(set(got)) == 4
    assert {new_a, new_b} <= set(got)
    assert got.index(ids[2]) < got.index(ids[1])
    by_id = {c["id"]: c["source"] for c in cells}
    assert by_id[new_a] == "added by alice" and by_id[new_b] == "added by bob"
    alice.screenshot(artifacts / "alice.png")
    bob.screenshot(artifacts / "bob.png")
    assert_saved(lab, path, cells)


def test_reconnect_keeps_edits_without_duplicates(
    lab: LabServer, two_users: tuple[LabPage, LabPage], artifacts: Path
) -> None:
    alice, bob = two_users
    path = make_notebook(lab, "offline.ipynb", ["x = 1", "y = 2"])
    bob.control_realtime_socket()
    alice.open_notebook(path)
    bob.open_notebook(path)
    ids = alice.cell_ids()

    bob.drop_realtime_socket()
    wait_until(
        lambda: bob.page.locator(".cj-status-offline").count() > 0,
        timeout=40,
        message="bob notices he is offline",
    )
    bob.type_in_cell(ids[1], "  # typed offline")
    offline_cell = bob.insert_below(ids[1])
    bob.page.keyboard.press("Enter")
    bob.page.keyboard.type("print('offline')", delay=15)
    alice.type_in_cell(ids[0], "  # alice meanwhile")
    bob.screenshot(artifacts / "bob-offline.png")

    bob.restore_realtime_socket()
    cells = wait_until(lambda: converged(alice, bob), timeout=60, message="after reconnect")
    wait_until(lambda: bob.page.locator(".cj-status-online").count() > 0, message="bob online")
    got = [c["id"] for c in cells]
    assert len(got) == len(set(got)) == 3, got
    by_id = {c["id"]: c["source"] for c in cells}
    assert by_id[ids[0]] == "x = 1  # alice meanwhile"
    assert by_id[ids[1]] == "y = 2  # typed offline"
    assert by_id[offline_cell] == "print('offline')"
    assert bob.page.locator(".jp-Dialog").count() == 0
    alice.screenshot(artifacts / "alice.png")
    bob.screenshot(artifacts / "bob.png")
    assert_saved(lab, path, cells)

    # A full reload (a new connection and a fresh load from the server) duplicates nothing.
    bob.open_notebook(path)
    assert wait_until(lambda: converged(alice, bob), message="after reload") == cells


def test_outputs_type_change_and_save_without_conflict(
    lab: LabServer, two_users: tuple[LabPage, LabPage], artifacts: Path
) -> None:
    alice, bob = two_users
    path = make_notebook(lab, "outputs.ipynb", ["print(6 * 7)", "title"])
    alice.open_notebook(path)
    bob.open_notebook(path)
    ids = alice.cell_ids()

    # Alice runs a cell: its output and execution count reach Bob (outputs are set wholesale).
    alice.click_end_of_cell(ids[0])
    alice.page.keyboard.press("Control+Enter")
    wait_until(
        lambda: "42" in " ".join(bob.page.locator(".jp-OutputArea-output").all_inner_texts()),
        timeout=60,
        message="bob sees alice's output",
    )
    # Bob turns the second cell into markdown: same id, new type, for both.
    bob.command_mode_on(ids[1])
    bob.page.keyboard.press("m")
    wait_until(
        lambda: [c["cell_type"] for c in alice.cells()] == ["code", "markdown"],
        message="alice sees the type change",
    )
    cells = wait_until(lambda: converged(alice, bob), message="after run and type change")
    assert [c["id"] for c in cells] == ids
    assert_saved(lab, path, cells)
    nb = json.loads((lab.root_dir / path).read_text())
    assert nb["cells"][0]["outputs"][0]["text"] in ("42\n", ["42\n"])
    assert nb["cells"][0]["execution_count"] == 1

    # Saving by hand (Ctrl+S) after the server's own autosaves raises no "file changed" dialog.
    alice.command_mode_on(ids[0])
    alice.page.keyboard.press("Control+s")
    bob.command_mode_on(ids[0])
    bob.page.keyboard.press("Control+s")
    alice.page.wait_for_timeout(1500)
    assert alice.page.locator(".jp-Dialog").count() == 0
    assert bob.page.locator(".jp-Dialog").count() == 0
    alice.screenshot(artifacts / "alice.png")
    bob.screenshot(artifacts / "bob.png")


def test_simultaneous_typing_in_one_cell_with_unicode(
    lab: LabServer, two_users: tuple[LabPage, LabPage], artifacts: Path
) -> None:
    """Both type at once, at random places of one cell, with emoji and CJK (UTF-16 pairs)."""
    from .pages import CONCURRENT_TYPING_JS

    alice, bob = two_users
    path = make_notebook(lab, "race.ipynb", ["# start 🎉 漢字"])
    alice.open_notebook(path)
    bob.open_notebook(path)
    cell_id = alice.cell_ids()[0]
    alice_text = "abcdefghij😀klmnopqrst"
    bob_text = "ABCDEFGHIJ漢KLMNOPQ🎈RST"
    # Start both loops, then wait for both (they run concurrently in the two pages).
    alice.page.evaluate(
        "([a]) => { window.__typing = (" + CONCURRENT_TYPING_JS + ")(a); }",
        [[cell_id, alice_text, 15, 11]],
    )
    bob.page.evaluate(
        "([a]) => { window.__typing = (" + CONCURRENT_TYPING_JS + ")(a); }",
        [[cell_id, bob_text, 15, 29]],
    )
    alice.page.evaluate("() => window.__typing")
    bob.page.evaluate("() => window.__typing")
    cells = wait_until(lambda: converged(alice, bob), message="after simultaneous typing")
    source = cells[0]["source"]
    expected = sorted("# start 🎉 漢字" + alice_text + bob_text)
    assert sorted(source) == expected, source
    alice.screenshot(artifacts / "alice.png")
    bob.screenshot(artifacts / "bob.png")
    assert_saved(lab, path, cells)


def test_undo_reverts_only_own_edits(
    lab: LabServer, two_users: tuple[LabPage, LabPage], artifacts: Path
) -> None:
    """Remote changes stay out of the local undo history."""
    alice, bob = two_users
    path = make_notebook(lab, "undo.ipynb", ["v = 0"])
    alice.open_notebook(path)
    bob.open_notebook(path)
    cell_id = alice.cell_ids()[0]
    alice.type_in_cell(cell_id, " + 1")
    wait_until(lambda: converged(alice, bob), message="alice's edit arrives")
    bob.type_in_cell(cell_id, "  # bob")
    wait_until(
        lambda: alice.cells()[0]["source"] == "v = 0 + 1  # bob", message="bob's edit arrives"
    )
    # Alice undoes: her " + 1" goes, Bob's comment stays.
    alice.cell_editor(0).click()
    for _ in range(6):
        alice.page.keyboard.press("Control+z")
        if "+ 1" not in alice.cells()[0]["source"]:
            break
        alice.page.wait_for_timeout(200)
    cells = wait_until(lambda: converged(alice, bob), message="after undo")
    assert cells[0]["source"] == "v = 0  # bob"
    alice.screenshot(artifacts / "alice.png")
    assert_saved(lab, path, cells)


def test_read_only_user_follows_but_cannot_edit(
    browser: Any, lab: LabServer, server_log: None, artifacts: Path
) -> None:
    """Carol may read the file but not write it: she sees edits live, hers go nowhere."""
    path = make_notebook(lab, "readonly.ipynb", ["shared = 1"])
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(2)]
    try:
        alice = LabPage(lab, contexts[0], "alice")
        carol = LabPage(lab, contexts[1], "carol")
        alice.open_notebook(path)
        carol.open_notebook(path)
        cell_id = alice.cell_ids()[0]
        alice.type_in_cell(cell_id, "  # from alice")
        wait_until(
            lambda: carol.cells() and carol.cells()[0]["source"] == "shared = 1  # from alice",
            message="carol sees alice's edit",
        )
        carol.cell_editor(0).click()
        carol.page.keyboard.type("zzz")
        carol.page.keyboard.press("Escape")
        carol.page.keyboard.press("b")  # would insert a cell
        carol.page.wait_for_timeout(1500)
        assert [c["source"] for c in alice.cells()] == ["shared = 1  # from alice"]
        assert [c["source"] for c in carol.cells()] == ["shared = 1  # from alice"]
        carol.screenshot(artifacts / "carol.png")
        assert_saved(lab, path, alice.cells())
    finally:
        for context in contexts:
            context.close()


_DIRTY_JS = """
() => {
  const w = window.jupyterapp.shell.currentWidget;
  const tab = document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current');
  return {
    model: w.context.model.dirty,
    tab: tab !== null && tab.classList.contains('jp-mod-dirty')
  };
}
"""


def dirty(page: LabPage) -> dict[str, bool]:
    return dict(page.page.evaluate(_DIRTY_JS))


def unload_warnings(page: LabPage) -> int:
    """Close the tab as a person would (``beforeunload`` runs) and count the "leave this
    page?" dialogs; a dialog is dismissed, so the page stays open. Without one, the page is
    closed."""
    shown: list[str] = []

    def on_dialog(dialog: Any) -> None:
        shown.append(dialog.type)
        dialog.dismiss()

    page.page.on("dialog", on_dialog)
    try:
        page.page.close(run_before_unload=True)
        deadline = time.monotonic() + 10
        while not shown and not page.page.is_closed():
            assert time.monotonic() < deadline, "the tab neither closed nor asked"
            page.context.cookies()  # any call lets the sync API deliver the page's events
            time.sleep(0.05)
    finally:
        page.page.remove_listener("dialog", on_dialog)
    assert set(shown) <= {"beforeunload"}, shown
    return len(shown)


def clean(page: LabPage) -> bool:
    return dirty(page) == {"model": False, "tab": False}


def test_unsaved_marker_means_not_yet_confirmed_by_the_server(
    lab: LabServer, two_users: tuple[LabPage, LabPage]
) -> None:
    """Not shown after opening, nor for a co-editor's edits; shown for one's own edits while
    the server has not confirmed them (socket down), and gone once it has."""
    alice, bob = two_users
    alice.control_realtime_socket()
    path = make_notebook(lab, "clean.ipynb", ["a = 1", "b = 2"])
    alice.open_notebook(path)
    time.sleep(1.0)  # the first bind, and the kernel's language_info, have happened by now
    wait_until(lambda: clean(alice), timeout=10, message="alice's tab clean after opening")

    bob.open_notebook(path)
    ids = bob.cell_ids()
    bob.type_in_cell(ids[1], "  # bob")
    wait_until(
        lambda: any("# bob" in c["source"] for c in alice.cells()), message="bob's edit at alice"
    )
    assert clean(alice)

    alice.drop_realtime_socket()
    alice.type_in_cell(ids[0], "  # alice")
    time.sleep(0.5)
    assert dirty(alice) == {"model": True, "tab": True}  # her edit is not confirmed yet
    # Closing the tab now asks first (JupyterLab's unload warning for a dirty document).
    assert unload_warnings(alice) == 1
    alice.restore_realtime_socket()
    wait_until(lambda: clean(alice), message="alice's tab clean once her edit is confirmed")
    wait_until(
        lambda: any("# alice" in c["source"] for c in bob.cells()), message="alice's edit at bob"
    )
    assert unload_warnings(alice) == 0  # confirmed: the tab closes without asking
