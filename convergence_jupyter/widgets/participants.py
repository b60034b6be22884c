"""Who is in the notebook and where their cursor is, as a live widget in a cell's output.

The state comes from the notebook's activity (``jupyter-notebook``; each session publishes
``user``, ``cellId`` and ``cursor``, see ``notebooks/CONTRACT.md`` §4), the same source as
JupyterLab's presence list. With the notebook model the cursor is shown as "cell 3, line 2,
col 5" and follows cells that move. Everything is re-read on every event: the participant
list is small, and a full re-read cannot drift from the activity.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets
import traitlets

from .colors import color_for
from .loop import ClientLoop
from .positions import line_and_column

BOT_PREFIX = "bot:"


@dataclass(frozen=True, slots=True)
class Cursor:
    cell_id: str
    anchor: int
    head: int
    #: 0-based index of the cell in the notebook (None: no model given, or cell not found).
    cell_index: int | None = None
    line: int | None = None
    column: int | None = None

    def describe(self) -> str:
        if self.cell_index is None:
            return f"cell {self.cell_id}"
        where = f"cell {self.cell_index + 1}"
        if self.line is not None:
            where += f", line {self.line}, col {self.column}"
        if self.anchor != self.head:
            where += f" ({abs(self.head - self.anchor)} selected)"
        return where


@dataclass(frozen=True, slots=True)
class Participant:
    session_id: str
    username: str
    display_name: str
    color: str
    local: bool
    bot: bool
    #: The cell the participant is in (active cell), even without a text cursor.
    cell_id: str | None
    cursor: Cursor | None


def _participant(p: Any, model: Any | None) -> Participant:
    state = dict(p.state or {})
    raw_user = state.get("user")
    user: dict[str, Any] = raw_user if isinstance(raw_user, dict) else {}
    username = str(user.get("name") or p.user.username)
    display = str(user.get("displayName") or p.user.display_name or username)
    # The server's mark, which no client can fake: kernel bots' usernames start with "bot:".
    bot = str(p.user.username).startswith(BOT_PREFIX)
    cell_id = state.get("cellId") if isinstance(state.get("cellId"), str) else None
    raw = state.get("cursor")
    cursor = None
    if isinstance(raw, dict) and isinstance(raw.get("cellId"), str):
        cursor = _cursor(raw, model)
        cell_id = cell_id or cursor.cell_id
    return Participant(
        session_id=p.session_id,
        username=username,
        display_name=display,
        color=str(user.get("color") or color_for(username)),
        local=bool(p.local),
        bot=bot,
        cell_id=cell_id,
        cursor=cursor,
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def find_cell(model: Any | None, cell_id: str) -> tuple[int, str | None] | None:
    """(index, source) of the cell with ``cell_id`` in a notebook model, read element by
    element (not the whole notebook with its outputs, on every keystroke); None if absent."""
    if model is None or model.closed:
        return None
    cells = model.element_at("cells")
    if cells is None or not hasattr(cells, "__iter__"):
        return None
    for index, cell in enumerate(cells):
        ident = cell.get("id") if hasattr(cell, "get") else None
        if ident is not None and ident.value() == cell_id:
            source = cell.get("source")
            text = source.value() if source is not None else None
            return index, text if isinstance(text, str) else None
    return None


def _cursor(raw: dict[str, Any], model: Any | None) -> Cursor:
    cell_id, anchor, head = raw["cellId"], _int(raw.get("anchor")), _int(raw.get("head"))
    found = find_cell(model, cell_id)
    if found is None:
        return Cursor(cell_id, anchor, head)
    index, source = found
    if source is None:
        return Cursor(cell_id, anchor, head, index)
    line, column = line_and_column(source, head)
    return Cursor(cell_id, anchor, head, index, line, column)


class ParticipantsWidget(ipywidgets.VBox):
    """``ParticipantsWidget(activity, model=notebook_model)``; ``participants`` is the live list
    (local session first), the rendered HTML has one ``.cj-w-participant`` row per session."""

    participants = traitlets.List(trait=traitlets.Instance(Participant))
    #: False once the activity was left or the connection closed.
    live = traitlets.Bool(True)

    def __init__(self, activity: Any, model: Any | None = None, **kwargs: Any) -> None:
        self._loop = ClientLoop()
        self._view = ipywidgets.HTML()
        self._view.add_class("cj-w-participants-list")
        title = ipywidgets.HTML("<b>Participants</b>")
        super().__init__(children=[title, self._view], **kwargs)
        self.add_class("cj-w-participants")
        self.attach(activity, model)
        self._render()

    def attach(self, activity: Any, model: Any | None = None) -> None:
        """Follow another activity (and model), e.g. a restarted bot's."""
        self._loop.cancel()
        self._activity, self._model = activity, model
        # Subscribed now, consumed by tasks on the client's loop: nothing between this line and
        # the tasks' start is missed, and the end of the stream (left, connection lost) is seen.
        self._loop.spawn(self._follow(activity.events.subscribe(), every_event=True))
        if model is not None:
            self._loop.spawn(self._follow(model.events.subscribe(), every_event=False))
        self.refresh()

    async def _follow(self, events: Any, *, every_event: bool) -> None:
        try:
            async for event in events:
                if every_event or getattr(event, "kind", "") in ("operation", "force_closed"):
                    self.refresh()
        finally:
            events.close()
        self.refresh()

    def refresh(self) -> None:
        """Re-read the activity (events call this; call it yourself after a reconnect)."""
        joined = getattr(self._activity, "joined", True)
        self.live = bool(joined() if callable(joined) else joined)
        # Once left, the activity's last view is stale: nobody is shown rather than ghosts.
        listed = self._activity.participants() if self.live else []
        people = [_participant(p, self._model) for p in listed]
        people.sort(key=lambda p: (not p.local, p.display_name.lower(), p.session_id))
        if people != self.participants:
            self.participants = people

    @traitlets.observe("participants", "live")
    def _render(self, _change: object = None) -> None:
        rows = []
        for p in self.participants:
            name = html.escape(p.display_name)
            tags = " (you)" if p.local else ""
            tags += (
                ' <span class="cj-w-bot" style="font-size:80%;padding:0 0.3em;'
                'border:1px solid #888;border-radius:0.3em">bot</span>'
                if p.bot
                else ""
            )
            if p.cursor is not None:
                where = p.cursor.describe()
            elif p.cell_id is not None:
                where = self._cell_label(p.cell_id)
            else:
                where = "no cursor"
            rows.append(
                f'<li class="cj-w-participant" data-username="{html.escape(p.username)}" '
                f'data-session="{html.escape(p.session_id)}">'
                f'<span style="display:inline-block;width:0.8em;height:0.8em;'
                f'border-radius:50%;background:{html.escape(p.color)}"></span> '
                f'<span class="cj-w-name">{name}</span>{tags} — '
                f'<span class="cj-w-where">{html.escape(where)}</span></li>'
            )
        status = "" if self.live else '<div class="cj-w-offline">not connected</div>'
        self._view.value = status + f'<ul style="margin:0">{"".join(rows)}</ul>'

    def _cell_label(self, cell_id: str) -> str:
        found = find_cell(self._model, cell_id)
        return f"cell {found[0] + 1}" if found is not None else f"cell {cell_id}"

    def close(self) -> None:
        self._loop.cancel()
        super().close()
