"""Start and stop a kernel bot from its cell's output, and watch what it does.

The widget shows the bot's ``status`` and ``last_action`` and follows its event hook, so it
stays current while the bot answers chat or edits cells in the background. "Stop" makes the
bot leave the notebook; "Start" joins a new bot with the same name (a bot that left cannot
come back: its session is gone).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import ipywidgets
import traitlets

from .chat import ChatWidget
from .loop import ClientLoop
from .participants import ParticipantsWidget

Starter = Callable[[], Awaitable[Any]]
#: A bot in one of these states is over (``NotebookBot``'s lifecycle); Start makes a new one.
TERMINAL = ("left", "stopped", "error")


class BotControlWidget(ipywidgets.VBox):
    """``BotControlWidget(bot)`` for a running bot, or ``BotControlWidget(start=coroutine
    function)`` to start it from the button; ``bot`` is the current bot (None when stopped).
    ``follow=[participants, chat]``: widgets moved to each newly started bot's session."""

    bot = traitlets.Any(None, allow_none=True)
    status = traitlets.Unicode("stopped")
    last_action = traitlets.Unicode("")
    error = traitlets.Unicode("")
    #: True between a click and the end of the start or stop it asked for.
    busy = traitlets.Bool(False)

    def __init__(
        self,
        bot: Any = None,
        *,
        start: Starter | None = None,
        follow: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        if bot is None and start is None:
            raise ValueError("give the running bot, or start= to start one")
        if start is None:
            name, kind = bot.name, type(bot)
            start = lambda: kind.join(name=name)  # noqa: E731
        self._start = start
        self._follow = tuple(follow)
        self._name = str(getattr(bot, "name", "") or "bot")
        self._loop = ClientLoop()
        self._off: Callable[[], None] | None = None
        self._start_button = ipywidgets.Button(description="Start", icon="play")
        self._stop_button = ipywidgets.Button(description="Stop", icon="stop")
        self._start_button.add_class("cj-w-bot-start")
        self._stop_button.add_class("cj-w-bot-stop")
        self._start_button.on_click(lambda _b: self.start())
        self._stop_button.on_click(lambda _b: self.stop())
        self._view = ipywidgets.HTML()
        self._view.add_class("cj-w-bot-state")
        super().__init__(
            children=[ipywidgets.HBox([self._start_button, self._stop_button]), self._view],
            **kwargs,
        )
        self.add_class("cj-w-bot-control")
        self._attach(bot)
        self._render()

    # -- actions -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start a bot (no-op while one runs); returns at once."""
        if self.bot is not None or self.busy:
            return
        self.busy, self.error = True, ""
        self._loop.spawn(self._started(), on_error=self._failed)

    async def _started(self) -> None:
        bot = await self._start()
        self.busy = False
        self._attach(bot)
        # The other widgets watched through the old bot's session: move them to the new one.
        for widget in self._follow:
            if isinstance(widget, ParticipantsWidget):
                widget.attach(bot.activity, bot.model)
            elif isinstance(widget, ChatWidget):
                await widget.attach(bot.chat)

    def stop(self) -> None:
        """Make the bot leave the notebook; returns at once."""
        if self.bot is None or self.busy:
            return
        self.busy, self.error = True, ""
        self._loop.spawn(self._stopped(self.bot), on_error=self._failed)

    async def _stopped(self, bot: Any) -> None:
        await bot.leave()
        self.busy = False
        self._refresh()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.error = f"{type(error).__name__}: {error}"
        self._refresh()

    # -- state -------------------------------------------------------------------------------

    def _attach(self, bot: Any) -> None:
        if self._off is not None:
            self._off()
            self._off = None
        self.bot = bot
        if bot is not None:
            self._off = bot.events.on(lambda _event: self._loop.call(self._refresh))
        self._refresh()

    def _refresh(self) -> None:
        bot = self.bot
        if bot is None:
            return
        self._name = str(bot.name)
        status = str(bot.status)
        reason = str(getattr(bot, "stop_reason", "") or "")
        if status in TERMINAL and reason and reason != status:
            status = f"{status} ({reason})"
        self.status = status
        self.last_action = str(bot.last_action or "")
        if bot.status in TERMINAL:
            if self._off is not None:
                self._off()
                self._off = None
            self.bot = None

    @traitlets.observe("bot", "status", "last_action", "error", "busy")
    def _render(self, _change: object = None) -> None:
        running = self.bot is not None
        self._start_button.disabled = running or self.busy
        self._stop_button.disabled = not running or self.busy
        name = html.escape(self._name)
        parts = [
            f'<b>{name}</b>: <span class="cj-w-bot-status">{html.escape(self.status)}</span>',
            f'<div>last action: <span class="cj-w-bot-action">'
            f"{html.escape(self.last_action) or '<i>none yet</i>'}</span></div>",
        ]
        if self.error:
            error = html.escape(self.error)
            parts.append(f'<div class="cj-w-error" style="color:#c00">{error}</div>')
        self._view.value = "".join(parts)

    def close(self) -> None:
        if self._off is not None:
            self._off()
            self._off = None
        super().close()
