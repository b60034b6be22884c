"""``NotebookBot``: a kernel taking part in its own notebook, next to the people editing it.

::

    from convergence_jupyter.bots import NotebookBot

    bot = await NotebookBot.join(name="Reviewer")          # in a notebook cell
    cell = bot.cells()[0]
    await bot.set_source(cell.id, cell.source + "  # reviewed")
    new = await bot.insert_cell("print('hi')", after=cell.id)
    await bot.append_output(new, "hi\\n")
    await bot.say("Done: one cell reviewed")

    @bot.on_mention
    async def answer(mention):                             # "@Reviewer how many cells?"
        return f"{len(bot.cells())} cells"                  # a returned string is the reply

    await bot.run()        # optional: keep the cell busy until interrupted (then it leaves)

Lifecycle (``status``): ``joining`` -> ``online`` -> ``left`` (after :meth:`leave`) or
``stopped`` (the server ended the session: the kernel was interrupted, its token ended, or
the connection died); ``error`` when joining failed. Every change of ``status`` and every
action the bot takes is also a :class:`BotEvent` on ``events`` (``bot.events.on(callback)``
returns an unsubscribe function; ``async for event in bot.events`` works too), and the last
action is in ``last_action``: what a bot-control widget shows.

Every edit method returns once the server acknowledged it (``model.committed()``), so what a
bot reports in chat is already visible to everyone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from convergence_jupyter.client import Domain, RealTimeModel, ServerError, connect
from convergence_jupyter.client.activities import Activity
from convergence_jupyter.client.chat import Chat, ChatEvent, ChatMessageEvent
from convergence_jupyter.client.events import EventSource
from convergence_jupyter.client.model import ModelEvent

from .kernel_session import BotError, BotSession, KernelCredentials, request_session
from .mentions import mention_pattern, mentioned_text
from .notebook_cells import Cell, NotebookCells, stream_output

_log = logging.getLogger(__name__)

#: Colours for bots: darker and distinct from the labextension's palette for people.
BOT_COLORS = ("#5c6bc0", "#00897b", "#6d4c41", "#8e24aa", "#3949ab", "#00838f", "#558b2f")
BOT_USERNAME_PREFIX = "bot:"
TERMINAL = ("left", "stopped", "error")


def bot_color(username: str) -> str:
    digest = 0
    for ch in username:
        digest = (digest * 31 + ord(ch)) & 0xFFFFFFFF
    return BOT_COLORS[digest % len(BOT_COLORS)]


@dataclass(frozen=True, slots=True)
class BotEvent:
    """``kind``: "status" (``detail`` is the new status), "action" (what the bot did),
    "mention" (a message that addressed it) or "error" (a handler or an edit failed)."""

    kind: str
    detail: str
    time: dt.datetime


@dataclass(frozen=True, slots=True)
class Mention:
    """A chat message addressed to the bot: ``text`` is the request without ``@Name``."""

    bot: NotebookBot
    text: str
    message: str
    username: str | None
    display_name: str | None

    async def reply(self, text: str) -> None:
        await self.bot.say(text)


MentionHandler = Callable[[Mention], Awaitable[str | None] | str | None]


class NotebookBot:
    """A bot participant of the notebook this kernel runs for. Create with :meth:`join` (or
    :meth:`start` from code that cannot ``await``)."""

    def __init__(
        self,
        name: str = "Bot",
        *,
        color: str | None = None,
        path: str | None = None,
        credentials: KernelCredentials | None = None,
        answer_bots: bool = False,
    ) -> None:
        self.name = name
        self.status = "joining"
        self.last_action: str | None = None
        self.stop_reason = ""
        self.events: EventSource[BotEvent] = EventSource()
        self._color = color
        self._path = path
        self._credentials = credentials
        self._answer_bots = answer_bots
        self._handlers: list[MentionHandler] = []
        self._pattern = mention_pattern(name)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ended = asyncio.Event() if _has_loop() else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._settled: asyncio.Event | None = None
        self.session: BotSession | None = None
        self.domain: Domain | None = None
        self.model: RealTimeModel | None = None
        self.activity: Activity | None = None
        self.chat: Chat | None = None
        self._cells: NotebookCells | None = None

    def __repr__(self) -> str:
        return f"<NotebookBot {self.name!r} {self.status} in {self.path or '?'}>"

    # -- joining -----------------------------------------------------------------------------

    @classmethod
    async def join(
        cls,
        name: str = "Bot",
        *,
        color: str | None = None,
        path: str | None = None,
        credentials: KernelCredentials | None = None,
        answer_bots: bool = False,
    ) -> NotebookBot:
        """Join this kernel's notebook (model, presence and chat) as the bot ``name``.

        ``path`` picks the notebook when the kernel serves several; ``credentials`` default to
        the kernel's environment. Raises :class:`BotError` with the server's reason."""
        bot = cls(name, color=color, path=path, credentials=credentials, answer_bots=answer_bots)
        await bot._open()
        return bot

    @classmethod
    def start(cls, name: str = "Bot", **options: Any) -> NotebookBot:
        """The synchronous helper. In a notebook cell (a loop runs in this thread) it returns
        at once with the bot ``joining``; watch ``status`` or ``await bot.online()``. In plain
        code without a loop it runs the bot on a background thread's loop and returns once
        joined (raising what joining raised)."""
        if _has_loop():
            bot = cls(name, **options)
            bot._spawn(bot._open_logged())
            return bot
        loop = _background_loop()

        async def make() -> NotebookBot:
            return await cls.join(name, **options)

        return asyncio.run_coroutine_threadsafe(make(), loop).result()

    async def _open_logged(self) -> None:
        try:
            await self._open()
        except Exception as exc:
            _log.warning("bot %s could not join: %s", self.name, exc)

    async def _open(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._ended is None:
            self._ended = asyncio.Event()
        try:
            credentials = self._credentials or KernelCredentials.from_environment()
            session = await request_session(credentials, self.name, self._path)
            self.session = session
            self.domain = await connect(session.realtime_url, jwt=session.jwt)
            self._watch_connection(self.domain)
            self.model = await self.domain.models().open(session.model_id)
            self.model.events.on(self._on_model_event)
            self._cells = NotebookCells(self.model)
            user = {
                "name": session.username,
                "displayName": session.name,
                "color": self._color or bot_color(session.username),
                "bot": {"owner": session.owner, "kernel": session.kernel_id},
            }
            self.activity = await self.domain.activities().join(
                session.activity_type,
                session.activity_id,
                state={"user": user, "cellId": None, "cursor": None},
            )
            self.chat = await self.domain.chat().join(session.chat_id)
            self.chat.events.on(self._on_chat)
        except BaseException as exc:
            self.stop_reason = str(exc)
            await self._close_quietly()
            self._set_status("error")
            if isinstance(exc, Exception) and not isinstance(exc, BotError):
                raise BotError(f"the bot could not join: {exc}") from exc
            raise
        self._set_status("online")
        self._did(f"joined {session.path}")

    async def online(self, timeout: float | None = 30.0) -> NotebookBot:  # noqa: ASYNC109
        """Wait until a :meth:`start`-ed bot joined; :class:`BotError` if it could not."""
        if self.status == "joining":
            if self._settled is None:
                self._settled = asyncio.Event()
            await asyncio.wait_for(self._settled.wait(), timeout)
        if self.status != "online":
            raise BotError(f"the bot is {self.status}: {self.stop_reason}")
        return self

    # -- properties --------------------------------------------------------------------------

    @property
    def path(self) -> str | None:
        return self.session.path if self.session else None

    @property
    def username(self) -> str | None:
        """The bot's Convergence username (``bot:<name>:<kernel>:<owner>``)."""
        return self.session.username if self.session else None

    @property
    def can_write(self) -> bool:
        return bool(self.session and self.session.can_write)

    def on(self, callback: Callable[[BotEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` for every :class:`BotEvent`; returns ``off()``."""
        return self.events.on(callback)

    # -- cells -------------------------------------------------------------------------------

    def _notebook(self) -> NotebookCells:
        if self._cells is None or self.status != "online":
            raise BotError(f"the bot is {self.status}, not online")
        return self._cells

    def cells(self) -> list[Cell]:
        return self._notebook().all()

    def cell(self, cell_id: str) -> Cell:
        return self._notebook().get(cell_id)

    async def insert_cell(
        self,
        source: str = "",
        *,
        cell_type: str = "code",
        index: int | None = None,
        after: str | None = None,
    ) -> str:
        """Insert a cell; returns its id once the server has it."""
        cell_id = self._notebook().insert(source, cell_type=cell_type, index=index, after=after)
        self._cursor(cell_id, 0, _utf16_len(source))
        await self._committed()
        self._did(f"inserted cell {cell_id}")
        return cell_id

    async def set_source(self, cell_id: str, source: str) -> None:
        """Replace a cell's source (as the smallest edit, so concurrent typing survives)."""
        _, end = self._notebook().set_source(cell_id, source)
        self._cursor(cell_id, end, end)
        await self._committed()
        self._did(f"edited cell {cell_id}")

    async def append_output(self, cell_id: str, output: str | Mapping[str, Any]) -> None:
        """Append an nbformat output (a string becomes a stdout stream) to a code cell."""
        data = stream_output(output) if isinstance(output, str) else output
        self._notebook().append_output(cell_id, data)
        await self._committed()
        self._did(f"added an output to cell {cell_id}")

    async def move_cursor(self, cell_id: str, anchor: int, head: int | None = None) -> None:
        """Show the bot's cursor in a cell (UTF-16 offsets in its source)."""
        self._notebook().get(cell_id)
        self._cursor(cell_id, anchor, anchor if head is None else head)

    def _cursor(self, cell_id: str, anchor: int, head: int) -> None:
        if self.activity is not None and self.activity.joined:
            cursor = {"cellId": cell_id, "anchor": anchor, "head": head}
            self.activity.set_state({"cellId": cell_id, "cursor": cursor})

    async def _committed(self) -> None:
        assert self.model is not None
        await self.model.committed()

    # -- chat --------------------------------------------------------------------------------

    async def say(self, text: str) -> None:
        """Post ``text`` to the notebook's chat."""
        if self.chat is None or self.status != "online":
            raise BotError(f"the bot is {self.status}, not online")
        try:
            await self.chat.send(text)
        except ServerError as exc:
            if exc.code != "rate_limited":
                raise
            # A bot that floods the chat is a loop gone wrong: it leaves rather than keep
            # the room busy, and its caller learns why.
            self._emit("error", f"chat flood: {exc}")
            await self.leave()
            self.stop_reason = f"left after flooding the chat: {exc}"
            raise BotError(f"the server refused the message ({exc}); the bot left") from exc
        self._did(f"said: {_short(text)}")

    def on_mention(self, handler: MentionHandler) -> MentionHandler:
        """Call ``handler(mention)`` for messages containing ``@<name>`` (a decorator too);
        a string it returns (or its coroutine returns) is posted as the reply."""
        self._handlers.append(handler)
        return handler

    def remove_mention_handler(self, handler: MentionHandler) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    def _on_chat(self, event: ChatEvent) -> None:
        if not isinstance(event, ChatMessageEvent) or event.local:
            return
        user = event.user
        username = user.username if user is not None else None
        if username == self.username:
            return
        if not self._answer_bots and (username or "").startswith(BOT_USERNAME_PREFIX):
            return
        text = mentioned_text(self._pattern, event.message)
        if text is None:
            return
        mention = Mention(self, text, event.message, username, user.display_name if user else None)
        self._emit("mention", f"{(user.display_name if user else None) or username}: {text}")
        for handler in list(self._handlers):
            self._spawn(self._answer(handler, mention))

    async def _answer(self, handler: MentionHandler, mention: Mention) -> None:
        try:
            result = handler(mention)
            if inspect.isawaitable(result):
                result = await result
            if isinstance(result, str) and result:
                await self.say(result)
        except Exception as exc:
            _log.exception("a mention handler of bot %s failed", self.name)
            self._emit("error", f"mention handler failed: {type(exc).__name__}: {exc}")

    # -- ending ------------------------------------------------------------------------------

    async def leave(self) -> None:
        """Leave the notebook (presence, chat, model) and disconnect; idempotent."""
        if self.status in TERMINAL:
            return
        self.stop_reason = "left"
        await self._close_quietly()
        self._set_status("left")

    def stop(self) -> None:
        """Synchronous :meth:`leave`: scheduled on the bot's loop, returns at once."""
        loop = self._loop
        if loop is None:
            return
        if _has_loop() and asyncio.get_running_loop() is loop:
            self._spawn(self.leave())
        else:
            asyncio.run_coroutine_threadsafe(self.leave(), loop)

    async def run(self) -> None:
        """Wait until the bot ends; cancelling (interrupting the cell) makes it leave."""
        assert self._ended is not None
        try:
            await self._ended.wait()
        except asyncio.CancelledError:
            await asyncio.shield(self.leave())
            raise

    async def _close_quietly(self) -> None:
        steps: list[Callable[[], Awaitable[None]]] = []
        if self.activity is not None and self.activity.joined:
            steps.append(self.activity.leave)
        if self.chat is not None:
            steps.append(self.chat.leave)
        if self.model is not None and not self.model.closed:
            steps.append(self.model.close)
        for step in steps:
            if self.domain is None or not self.domain.connected:
                break
            try:
                await asyncio.wait_for(step(), 5)
            except Exception:  # noqa: S112 - leaving is best effort; the server cleans up
                continue
        if self.domain is not None:
            try:
                await asyncio.wait_for(self.domain.dispose(), 5)
            except Exception:
                self.domain.close()

    def _watch_connection(self, domain: Domain) -> None:
        events = getattr(domain, "events", None)
        if events is not None:

            def on_event(event: Any) -> None:
                if getattr(event, "kind", "") == "closed":
                    self._connection_ended(str(getattr(event, "reason", "") or "closed"))

            events.on(on_event)
        closed = getattr(domain, "_connection", None)
        if closed is not None:
            closed.closed.add_done_callback(
                lambda f: self._connection_ended(f.result() if not f.cancelled() else "")
            )

    def _connection_ended(self, reason: str) -> None:
        if self.status in TERMINAL or self.status == "joining" or self.stop_reason == "left":
            return  # ended, not yet joined, or leave() is closing the connection itself
        self._stop(reason or "the connection closed")

    def _on_model_event(self, event: ModelEvent) -> None:
        if event.kind != "force_closed" or self.status in TERMINAL or self.status == "joining":
            return
        # The server refused something the bot sent (an invalid op, a write it may not make)
        # and closed the notebook for this bot only. A bot without its notebook is of no use:
        # it says why and goes, so that no one sees a participant that no longer acts.
        reason = f"the server closed the notebook for this bot: {event.reason}"
        self._emit("error", reason)
        self._stop(reason)
        self._spawn(self._close_quietly())

    def _stop(self, reason: str) -> None:
        self.stop_reason = reason
        self._set_status("stopped")
        self._did(f"stopped: {reason}")

    # -- events ------------------------------------------------------------------------------

    def _set_status(self, status: str) -> None:
        if status == self.status:
            return
        self.status = status
        if self._settled is not None:
            self._settled.set()
        self._emit("status", status)
        if status in TERMINAL:
            if self._ended is not None:
                self._ended.set()

    def _did(self, action: str) -> None:
        self.last_action = action
        self._emit("action", action)

    def _emit(self, kind: str, detail: str) -> None:
        self.events.emit(BotEvent(kind, detail, dt.datetime.now(dt.UTC)))

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _short(text: str, limit: int = 60) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


_BACKGROUND: asyncio.AbstractEventLoop | None = None
_BACKGROUND_LOCK = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    """One daemon thread's loop for bots started from code without a loop of its own."""
    global _BACKGROUND
    with _BACKGROUND_LOCK:
        if _BACKGROUND is None:
            loop = asyncio.new_event_loop()
            ready = concurrent.futures.Future[None]()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set_result, None)
                loop.run_forever()

            threading.Thread(target=run, name="convergence-bots", daemon=True).start()
            ready.result()
            _BACKGROUND = loop
        return _BACKGROUND
