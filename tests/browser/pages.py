"""One user's JupyterLab page, driven like a person would (keyboard and clicks).

State is read through ``window.jupyterapp`` (``LabApp.expose_app_in_browser``): the notebook's
shared model, which is what JupyterLab renders.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from .labserver import LabServer

DEFAULT_TIMEOUT = 30.0

_CELLS_JS = """
() => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.content.model) { return null; }
  return w.content.model.sharedModel.cells.map(c => ({
    id: c.id, cell_type: c.cell_type, source: c.getSource()
  }));
}
"""


def wait_until(
    predicate: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT, message: str = ""
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out: {message} (last: {last!r})")


class LabPage:
    def __init__(self, lab: LabServer, context: Any, user: str) -> None:
        self.lab = lab
        self.context = context
        self.user = user
        self.page = context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e} {e.stack}"))

    def control_realtime_socket(self) -> None:
        """Routes the page's Convergence websocket through Playwright so a test can drop it.

        Only that socket goes down: JupyterLab's own HTTP and kernel traffic keep working,
        as when one long-lived connection dies behind a proxy or on a flaky network.
        """
        self._sockets: list[tuple[Any, Any]] = []
        self._socket_down = False

        def route(ws: Any) -> None:
            if self._socket_down:
                ws.close(code=4000, reason="test: network down")
                return
            server = ws.connect_to_server()
            self._sockets.append((ws, server))

        self.page.route_web_socket(re.compile(r".*/convergence/realtime/.*"), route)

    def drop_realtime_socket(self) -> None:
        self._socket_down = True
        for ws, server in self._sockets:
            server.close()
            ws.close(code=4000, reason="test: network down")
        self._sockets.clear()

    def restore_realtime_socket(self) -> None:
        self._socket_down = False

    def open_notebook(self, path: str) -> None:
        self.page.goto(self.lab.lab_url(self.user, path))
        self.page.wait_for_selector(
            ".jp-NotebookPanel[data-coedit='ready']", timeout=DEFAULT_TIMEOUT * 2000
        )
        self.page.wait_for_selector(".cj-status-online", timeout=DEFAULT_TIMEOUT * 1000)

    # -- reading -------------------------------------------------------------------------

    def cells(self) -> list[dict[str, str]]:
        return self.page.evaluate(_CELLS_JS) or []

    def cell_ids(self) -> list[str]:
        return [c["id"] for c in self.cells()]

    def index_of(self, cell_id: str) -> int:
        return self.cell_ids().index(cell_id)

    # -- acting ----------------------------------------------------------------------------

    def cell_editor(self, index: int) -> Any:
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")

    def click_end_of_cell(self, cell_id: str) -> None:
        editor = self.cell_editor(self.index_of(cell_id))
        editor.click()
        self.page.keyboard.press("Control+End")

    def type_in_cell(self, cell_id: str, text: str, delay: float = 15) -> None:
        self.click_end_of_cell(cell_id)
        self.page.keyboard.type(text, delay=delay)

    def command_mode_on(self, cell_id: str) -> None:
        self.click_end_of_cell(cell_id)
        self.page.keyboard.press("Escape")

    def insert_below(self, cell_id: str) -> str:
        before = set(self.cell_ids())
        self.command_mode_on(cell_id)
        self.page.keyboard.press("b")
        new = wait_until(lambda: set(self.cell_ids()) - before, message="new cell")
        return next(iter(new))

    def delete_cell(self, cell_id: str) -> None:
        self.command_mode_on(cell_id)
        self.page.keyboard.press("d")
        self.page.keyboard.press("d")
        wait_until(lambda: cell_id not in self.cell_ids(), message="cell deleted")

    def move_up(self, cell_id: str) -> None:
        self.command_mode_on(cell_id)
        self.page.keyboard.press("Control+Shift+ArrowUp")

    def open_panel(self) -> None:
        self.page.evaluate(
            "() => window.jupyterapp.commands.execute('convergence-jupyter:open-panel')"
        )
        self.page.wait_for_selector(".cj-chat-input", state="visible")

    def send_chat(self, text: str) -> None:
        self.open_panel()
        self.page.fill(".cj-chat-input", text)
        self.page.click(".cj-chat-send")

    def chat_texts(self) -> list[str]:
        return self.page.locator(".cj-chat-text").all_inner_texts()

    def presence_users(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".cj-presence-user", "els => els.map(e => e.dataset.username)"
        )

    def remote_caret_labels(self) -> list[str]:
        return self.page.locator(".cj-remote-caret-label").all_inner_texts()

    def screenshot(self, path: Any) -> None:
        self.page.screenshot(path=str(path), full_page=True)


#: Types `text` into the editor of cell `cellId`, one character every `ms` at a pseudo-random
#: position, through CodeMirror transactions (as keystrokes would), without waiting; resolves
#: when done. Lets two pages type at the same moment, which Playwright's keyboard cannot.
CONCURRENT_TYPING_JS = """
async ([cellId, text, ms, seed]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cell = panel.content.widgets.find(c => c.model.id === cellId);
  const view = cell.editor.editor;
  let s = seed;
  const chars = Array.from(text);
  for (const ch of chars) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const len = view.state.doc.length;
    // A position that never splits a surrogate pair.
    let pos = s % (len + 1);
    const code = view.state.doc.sliceString(pos - 1, pos).charCodeAt(0);
    if (pos > 0 && code >= 0xd800 && code <= 0xdbff) { pos -= 1; }
    view.dispatch({ changes: { from: pos, insert: ch } });
    await new Promise(r => setTimeout(r, ms));
  }
}
"""
