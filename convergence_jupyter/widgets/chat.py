"""A notebook's chat room as a widget: the history, live messages, and a box to post.

The history is read once when the widget opens (``await ChatWidget.create(chat)``); from then
on messages arrive as the chat's events. Messages are kept by event number, so one seen both
in the history and as an event is shown once, and in the room's order.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

import ipywidgets
import traitlets

from .colors import color_for
from .loop import ClientLoop


@dataclass(frozen=True, slots=True)
class ChatLine:
    event_number: int
    username: str
    display_name: str
    text: str
    timestamp: dt.datetime | None
    session_id: str = ""


def _line(event: Any) -> ChatLine | None:
    text = getattr(event, "message", None)
    if not isinstance(text, str):
        return None  # joins, leaves and other room events are not messages
    user = getattr(event, "user", None)
    username = str(getattr(user, "username", None) or user or "?")
    display = str(getattr(user, "display_name", None) or username)
    return ChatLine(
        event_number=int(getattr(event, "event_number", 0)),
        username=username,
        display_name=display,
        text=text,
        timestamp=getattr(event, "timestamp", None),
        session_id=str(getattr(event, "session_id", "") or ""),
    )


class ChatWidget(ipywidgets.VBox):
    """Create with ``await ChatWidget.create(chat)``. ``messages`` is the live list of
    :class:`ChatLine`; posting from the box calls ``chat.send`` on the client's loop."""

    messages = traitlets.List(trait=traitlets.Instance(ChatLine))
    #: The last error of a post (empty when the last post went through).
    error = traitlets.Unicode("")
    #: Messages shown at most (older ones scroll out of the widget, not out of the room).
    limit = traitlets.Int(200)

    def __init__(self, chat: Any, **kwargs: Any) -> None:
        self._chat = chat
        self._loop = ClientLoop()
        self._log = ipywidgets.HTML()
        self._log.add_class("cj-w-chat-log")
        self._input = ipywidgets.Text(placeholder="Message the notebook", continuous_update=True)
        self._input.add_class("cj-w-chat-input")
        self._send_button = ipywidgets.Button(description="Send")
        self._send_button.add_class("cj-w-chat-send")
        self._status = ipywidgets.HTML()
        self._send_button.on_click(lambda _button: self.post())
        super().__init__(
            children=[
                ipywidgets.HTML(f"<b>Chat</b> {html.escape(str(getattr(chat, 'name', '')))}"),
                self._log,
                ipywidgets.HBox([self._input, self._send_button]),
                self._status,
            ],
            **kwargs,
        )
        self.add_class("cj-w-chat")
        self._by_number: dict[int, ChatLine] = {}
        self._loop.spawn(self._follow(chat.events.subscribe()))
        self._render()

    @classmethod
    async def create(cls, chat: Any, history: int = 50, **kwargs: Any) -> ChatWidget:
        """The widget with the room's last ``history`` messages, then live ones. (Not
        ``open``: that name is ipywidgets' own, the method that opens the widget's comm.)"""
        widget = cls(chat, **kwargs)
        await widget._load_history(history)
        return widget

    async def attach(self, chat: Any, history: int = 50) -> None:
        """Follow another session's view of a chat (e.g. a restarted bot's); the lines
        already shown stay (a room's event numbers are the same for every session)."""
        self._loop.cancel()
        self._chat = chat
        self._loop.spawn(self._follow(chat.events.subscribe()))
        await self._load_history(history)

    async def _load_history(self, history: int) -> None:
        if history > 0:
            events = await self._chat.history(limit=history, event_filter=["message"])
            self._add([line for line in map(_line, events) if line is not None])

    async def _follow(self, events: Any) -> None:
        try:
            async for event in events:
                line = _line(event)
                if line is not None:
                    self._add([line])
        finally:
            events.close()

    def _add(self, lines: list[ChatLine]) -> None:
        for line in lines:
            self._by_number[line.event_number] = line
        ordered = sorted(self._by_number.values(), key=lambda x: x.event_number)
        if len(ordered) > self.limit:
            ordered = ordered[-self.limit :]
            self._by_number = {x.event_number: x for x in ordered}
        self.messages = ordered

    def post(self, text: str | None = None) -> None:
        """Send ``text`` (default: the box's content, which is then cleared); returns at once,
        the message shows when the room echoes it back."""
        message = self._input.value if text is None else text
        if not message.strip():
            return
        if text is None:
            self._input.value = ""

        def failed(error: BaseException) -> None:
            self.error = f"not sent: {error}"
            if text is None and not self._input.value:
                self._input.value = message  # give the person their text back

        self.error = ""
        self._loop.spawn(self._chat.send(message), on_error=failed)

    @traitlets.observe("messages", "error")
    def _render(self, _change: object = None) -> None:
        rows = []
        for line in self.messages:
            when = line.timestamp.strftime("%H:%M:%S") if line.timestamp else ""
            rows.append(
                f'<div class="cj-w-chat-line" data-username="{html.escape(line.username)}">'
                f'<small style="color:#888">{when}</small> '
                f'<b style="color:{color_for(line.username)}">'
                f"{html.escape(line.display_name)}</b>: "
                f'<span class="cj-w-chat-text">{html.escape(line.text)}</span></div>'
            )
        self._log.value = (
            '<div style="max-height:16em;overflow-y:auto">'
            + ("".join(rows) or "<i>no messages yet</i>")
            + "</div>"
        )
        self._status.value = (
            f'<span class="cj-w-error" style="color:#c00">{html.escape(self.error)}</span>'
            if self.error
            else ""
        )

    def close(self) -> None:
        self._loop.cancel()
        super().close()
