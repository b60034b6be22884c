"""Chat: rooms (the sessions present now), channels (stored members, public or private) and
direct chats (a fixed set of users), with numbered, persisted events and history.

Events reach ``domain.chat().events`` for every chat this session receives (rooms it joined,
channels and direct chats its user is a member of), and ``chat.events`` of the :class:`Chat`
objects it holds. A message event says whether this session sent it (``local``): a bot acting
as a person's user must not answer its own messages, and the user alone cannot tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from convergence_jupyter.protocol.schema import chat_pb2, core_pb2

from .errors import AlreadyExistsError, AlreadyJoinedError, ConvergenceError
from .events import EventSource
from .identity import DomainUser, IdentityCache, id_key, user_id_to_wire

if TYPE_CHECKING:
    from .connection import Connection
    from .domain import Domain

_log = logging.getLogger(__name__)

CHAT_TYPES = ("room", "channel", "direct")
MEMBERSHIPS = ("public", "private")
#: History filter names (``event_filter=``), as the protocol and the JS client name them.
EVENT_KINDS = (
    "created",
    "message",
    "user_joined",
    "user_left",
    "user_added",
    "user_removed",
    "name_changed",
    "topic_changed",
)


class ChatRemovedError(ConvergenceError):
    """The chat was removed."""


@dataclass(frozen=True, slots=True)
class ChatMember:
    user: DomainUser
    #: The last event number the member marked seen (-1: none).
    max_seen_event_number: int


@dataclass(frozen=True, slots=True)
class ChatInfo:
    id: str
    type: str
    membership: str
    name: str
    topic: str
    created: dt.datetime
    last_event_time: dt.datetime
    last_event_number: int
    members: tuple[ChatMember, ...]


# -- events ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatEvent:
    """One chat event. ``kind`` is one of :data:`EVENT_KINDS`, or "events_marked_seen" and
    "removed" (live only, no event number: -1)."""

    kind: str
    chat_id: str
    event_number: int
    timestamp: dt.datetime | None
    user: DomainUser | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessageEvent(ChatEvent):
    kind: str = "message"
    message: str
    #: True when this session sent it (then ``session_id`` is ours; else None: the protocol
    #: does not say which of the sender's sessions it was).
    local: bool = False
    session_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatUserJoinedEvent(ChatEvent):
    kind: str = "user_joined"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatUserLeftEvent(ChatEvent):
    kind: str = "user_left"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatUserAddedEvent(ChatEvent):
    kind: str = "user_added"
    added_user: DomainUser


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatUserRemovedEvent(ChatEvent):
    kind: str = "user_removed"
    removed_user: DomainUser


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatNameChangedEvent(ChatEvent):
    kind: str = "name_changed"
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatTopicChangedEvent(ChatEvent):
    kind: str = "topic_changed"
    topic: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatCreatedEvent(ChatEvent):
    """History only: the first event of every chat."""

    kind: str = "created"
    name: str
    topic: str
    members: tuple[DomainUser, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatEventsMarkedSeenEvent(ChatEvent):
    """``user`` has seen everything up to ``seen_event_number``."""

    kind: str = "events_marked_seen"
    seen_event_number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatRemovedEvent(ChatEvent):
    kind: str = "removed"


def _time(stamp: Any) -> dt.datetime:
    result: dt.datetime = stamp.ToDatetime(tzinfo=dt.UTC)
    return result


#: Live push body -> event kind.
_LIVE = {
    "remoteChatMessage": "message",
    "userJoinedChat": "user_joined",
    "userLeftChat": "user_left",
    "userAddedToChat": "user_added",
    "userRemovedFromChat": "user_removed",
    "chatNameChanged": "name_changed",
    "chatTopicChanged": "topic_changed",
}


class Chat:
    """A chat this session knows. Its fields follow the events it receives."""

    def __init__(self, service: ChatService, info: chat_pb2.ChatInfoData) -> None:
        self._service = service
        self.id = info.id
        self.type = info.chatType
        self.membership = info.membership
        self.created = _time(info.createdTime)
        self._room_joined = False
        self.removed = False
        self._load(info)
        #: The newest event number handed to listeners (a reconnect's catch-up skips these).
        self._emitted = self.last_event_number
        self.events: EventSource[ChatEvent] = EventSource()
        """This chat's events (messages from everyone, this session's included)."""

    def _load(self, info: chat_pb2.ChatInfoData) -> None:
        self.name = info.name
        self.topic = info.topic
        self.last_event_number = info.lastEventNumber
        self.last_event_time = _time(info.lastEventTime)
        cache = self._service._cache
        self._members = {
            id_key(m.user): ChatMember(cache.user(m.user), m.maxSeenEventNumber)
            for m in info.members
        }

    def __repr__(self) -> str:
        return f"<Chat {self.type} {self.id!r} ({len(self._members)} members)>"

    @property
    def members(self) -> list[ChatMember]:
        """Channels and direct chats: the member users; rooms: the users present now."""
        return list(self._members.values())

    @property
    def joined(self) -> bool:
        """Rooms: this session is in it; channels and direct chats: our user is a member."""
        if self.removed:
            return False
        if self.type == "room":
            return self._room_joined
        return self._service._domain.user.key in self._members

    @property
    def info(self) -> ChatInfo:
        return ChatInfo(
            self.id,
            self.type,
            self.membership,
            self.name,
            self.topic,
            self.created,
            self.last_event_time,
            self.last_event_number,
            tuple(self._members.values()),
        )

    # -- operations --------------------------------------------------------------------------

    async def _call(self, name: str, body: Any) -> Any:
        if self.removed:
            raise ChatRemovedError(f"chat {self.id!r} was removed")
        _, reply = await self._service._connection.request(name, body)
        return reply

    async def send(self, message: str) -> ChatMessageEvent:
        """Publish a message (needs the chat joined); returns it with its event number."""
        service = self._service
        service._sending[self.id] = service._sending.get(self.id, 0) + 1
        number: int | None = None
        try:
            reply = await self._call(
                "publishChatMessageRequest",
                chat_pb2.PublishChatRequestMessage(chatId=self.id, message=message),
            )
            number = reply.eventNumber
            return ChatMessageEvent(
                chat_id=self.id,
                event_number=reply.eventNumber,
                timestamp=_time(reply.timestamp),
                user=service._domain.user,
                message=message,
                local=True,
                session_id=service._domain.session_id,
            )
        finally:
            service._sent(self.id, number)

    async def history(
        self,
        limit: int | None = None,
        start_event: int | None = None,
        forward: bool | None = None,
        event_filter: Iterable[str] | None = None,
        *,
        offset: int | None = None,
    ) -> list[ChatEvent]:
        """Stored events, newest first by default (``forward=True``: oldest first), from
        ``start_event`` on (inclusive), at most ``limit`` (the server's default page is 50),
        only the kinds in ``event_filter`` (names in :data:`EVENT_KINDS`)."""
        kinds = list(event_filter or ())
        unknown = [k for k in kinds if k not in EVENT_KINDS]
        if unknown:
            raise ValueError(f"unknown chat event kinds {unknown}; known: {EVENT_KINDS}")
        request = chat_pb2.ChatHistoryRequestMessage(chatId=self.id, eventFilter=kinds)
        for field, value in (("limit", limit), ("startEvent", start_event), ("offset", offset)):
            if value is not None:
                getattr(request, field).value = value
        if forward is not None:
            request.forward.value = forward
        reply = await self._call("getChatHistoryRequest", request)
        return [self._service._history_event(entry) for entry in reply.data]

    async def join(self) -> None:
        """Join a room or a public channel (``AlreadyJoinedError`` if joined)."""
        reply = await self._call("joinChatRequest", chat_pb2.JoinChatRequestMessage(chatId=self.id))
        self._load(reply.chatInfo)
        if self.type == "room":
            self._room_joined = True

    async def leave(self) -> None:
        """Leave a room or channel (direct chats cannot be left: ``NotSupportedError``)."""
        await self._call("leaveChatRequest", chat_pb2.LeaveChatRequestMessage(chatId=self.id))
        self._room_joined = False
        self._members.pop(self._service._domain.user.key, None)

    async def add_user(self, user: str | DomainUser) -> None:
        """Add a member to a channel (needs add_chat_user)."""
        await self._call(
            "addUserToChatRequest",
            chat_pb2.AddUserToChatRequestMessage(chatId=self.id, userToAdd=user_id_to_wire(user)),
        )

    async def remove_user(self, user: str | DomainUser) -> None:
        """Remove a member from a channel (needs remove_chat_user)."""
        await self._call(
            "removeUserFromChatRequest",
            chat_pb2.RemoveUserFromChatRequestMessage(
                chatId=self.id, userToRemove=user_id_to_wire(user)
            ),
        )

    async def set_name(self, name: str) -> None:
        await self._call(
            "setChatNameRequest", chat_pb2.SetChatNameRequestMessage(chatId=self.id, name=name)
        )

    async def set_topic(self, topic: str) -> None:
        await self._call(
            "setChatTopicRequest", chat_pb2.SetChatTopicRequestMessage(chatId=self.id, topic=topic)
        )

    async def mark_seen(self, event_number: int) -> None:
        """Record that this user has seen the events up to ``event_number``."""
        await self._call(
            "markChatEventsSeenRequest",
            chat_pb2.MarkChatEventsSeenRequestMessage(chatId=self.id, eventNumber=event_number),
        )

    async def remove(self) -> None:
        await self._service.remove(self.id)

    # -- server stream -----------------------------------------------------------------------

    def _apply(self, event: ChatEvent) -> None:
        """Keep the fields current (called before listeners see the event)."""
        if event.event_number >= 0:
            self.last_event_number = max(self.last_event_number, event.event_number)
            if event.timestamp is not None:
                self.last_event_time = event.timestamp
        me = self._service._domain.user.key
        match event:
            case ChatUserJoinedEvent(user=DomainUser() as user):
                self._members.setdefault(user.key, ChatMember(user, -1))
            case ChatUserLeftEvent(user=DomainUser() as user):
                self._members.pop(user.key, None)
                if user.key == me:
                    # Rooms tell a session about its own user's leave only when that
                    # session is the one out (the user's other sessions stay silent).
                    self._room_joined = False
            case ChatUserAddedEvent(added_user=user):
                self._members.setdefault(user.key, ChatMember(user, -1))
            case ChatUserRemovedEvent(removed_user=user):
                self._members.pop(user.key, None)
            case ChatNameChangedEvent(name=name):
                self.name = name
            case ChatTopicChangedEvent(topic=topic):
                self.topic = topic
            case ChatEventsMarkedSeenEvent(user=DomainUser() as user, seen_event_number=n):
                if user.key in self._members:
                    self._members[user.key] = ChatMember(user, n)
            case ChatRemovedEvent():
                self.removed = True


class ChatService:
    """``domain.chat()``: create, find, join and remove chats; every chat event."""

    def __init__(self, domain: Domain, connection: Connection, cache: IdentityCache) -> None:
        self._domain = domain
        self._cache = cache
        self._chats: dict[str, Chat] = {}
        #: chat id -> publishes of ours awaiting their answer; while any is, that chat's
        #: events wait in _held so our own message can be told apart (the server pushes it to
        #: us before it answers).
        self._sending: dict[str, int] = {}
        self._held: dict[str, list[ChatEvent]] = {}
        self._own: dict[str, set[int]] = {}
        self.events: EventSource[ChatEvent] = EventSource()
        """Events of every chat this session receives."""
        self.attach(connection)

    def attach(self, connection: Connection) -> None:
        self._connection = connection
        for name in _LIVE:
            connection.on_push(name, self._on_live)
        connection.on_push("chatEventsMarkedSeen", self._on_marked_seen)
        connection.on_push("chatRemoved", self._on_removed)

    # -- requests ----------------------------------------------------------------------------

    async def create(
        self,
        id: str | None = None,
        *,
        type: str = "room",
        membership: str = "public",
        name: str = "",
        topic: str = "",
        members: Iterable[str | DomainUser] = (),
        ignore_conflicts: bool = False,
    ) -> str:
        """Create a chat; returns its id (generated when ``id`` is None). ``AlreadyExistsError``
        if the id is taken, unless ``ignore_conflicts``. Rooms are always public."""
        if type not in CHAT_TYPES:
            raise ValueError(f"chat type is one of {CHAT_TYPES}")
        if membership not in MEMBERSHIPS:
            raise ValueError(f"membership is one of {MEMBERSHIPS}")
        request = chat_pb2.CreateChatRequestMessage(
            chatType=type,
            membership=membership,
            name=name,
            topic=topic,
            members=[user_id_to_wire(m) for m in members],
        )
        if id is not None:
            request.chatId.value = id
        try:
            _, reply = await self._connection.request("createChatRequest", request)
        except AlreadyExistsError:
            if ignore_conflicts and id is not None:
                return id
            raise
        return str(reply.chatId)

    async def remove(self, chat_id: str) -> None:
        """Remove a chat and its history (needs remove_chat_channel)."""
        await self._connection.request(
            "removeChatRequest", chat_pb2.RemoveChatRequestMessage(chatId=chat_id)
        )
        chat = self._chats.pop(chat_id, None)
        if chat is not None:
            chat.removed = True
            chat.events.close()

    async def exists(self, chat_id: str) -> bool:
        _, reply = await self._connection.request(
            "chatsExistRequest", chat_pb2.ChatsExistRequestMessage(chatIds=[chat_id])
        )
        return bool(reply.exists[0])

    async def get(self, chat_id: str) -> Chat:
        """The chat, joined or not (``ChatNotFoundError``; private chats of others are
        invisible)."""
        _, reply = await self._connection.request(
            "getChatsRequest", chat_pb2.GetChatsRequestMessage(chatIds=[chat_id])
        )
        return self._chat(reply.chatInfo[0])

    async def join(self, chat_id: str) -> Chat:
        """Join a room or public channel; returns it."""
        _, reply = await self._connection.request(
            "joinChatRequest", chat_pb2.JoinChatRequestMessage(chatId=chat_id)
        )
        chat = self._chat(reply.chatInfo)
        if chat.type == "room":
            chat._room_joined = True
        return chat

    async def leave(self, chat_id: str) -> None:
        chat = self._chats.get(chat_id)
        if chat is not None:
            await chat.leave()
        else:
            await self._connection.request(
                "leaveChatRequest", chat_pb2.LeaveChatRequestMessage(chatId=chat_id)
            )

    async def direct(self, users: str | DomainUser | Sequence[str | DomainUser]) -> Chat:
        """The direct chat of this user with ``users``, created on first use."""
        wanted = [users] if isinstance(users, str | DomainUser) else list(users)
        request = chat_pb2.GetDirectChatsRequestMessage(
            userLists=[core_pb2.DomainUserIdList(values=[user_id_to_wire(u) for u in wanted])]
        )
        _, reply = await self._connection.request("getDirectChatsRequest", request)
        return self._chat(reply.chatInfo[0])

    async def joined(self) -> list[Chat]:
        """Rooms this session is in, channels and direct chats its user is a member of."""
        _, reply = await self._connection.request(
            "getJoinedChatsRequest", chat_pb2.GetJoinedChatsRequestMessage()
        )
        chats = [self._chat(info) for info in reply.chatInfo]
        for chat in chats:
            if chat.type == "room":
                chat._room_joined = True
        return chats

    async def search(
        self,
        term: str = "",
        *,
        fields: Iterable[str] = (),
        types: Iterable[str] = (),
        membership: str | None = None,
        offset: int | None = None,
        limit: int | None = None,
    ) -> list[ChatInfo]:
        """Chats this user may see whose ``fields`` ("id", "name", "topic"; all by default)
        contain ``term``."""
        request = chat_pb2.ChatsSearchRequestMessage(
            searchTerm=term,
            searchFields=list(fields),
            types=list(types),
            membership=membership or "",
        )
        if offset is not None:
            request.offset.value = offset
        if limit is not None:
            request.limit.value = limit
        _, reply = await self._connection.request("chatsSearchRequest", request)
        return [self._info(info) for info in reply.data]

    def _chat(self, info: chat_pb2.ChatInfoData) -> Chat:
        chat = self._chats.get(info.id)
        if chat is None:
            chat = self._chats[info.id] = Chat(self, info)
        else:
            chat._load(info)
        return chat

    def _info(self, info: chat_pb2.ChatInfoData) -> ChatInfo:
        return ChatInfo(
            info.id,
            info.chatType,
            info.membership,
            info.name,
            info.topic,
            _time(info.createdTime),
            _time(info.lastEventTime),
            info.lastEventNumber,
            tuple(ChatMember(self._cache.user(m.user), m.maxSeenEventNumber) for m in info.members),
        )

    # -- server stream -----------------------------------------------------------------------

    def _common(self, body: Any) -> dict[str, Any]:
        return {
            "chat_id": body.chatId,
            "event_number": body.eventNumber,
            "timestamp": _time(body.timestamp),
            "user": self._cache.user(body.user),
        }

    def _event(self, kind: str, body: Any) -> ChatEvent:
        """A live push or a history entry (same fields) as an event."""
        common = self._common(body)
        user = self._cache.user
        if kind == "message":
            return ChatMessageEvent(message=body.message, **common)
        if kind == "user_joined":
            return ChatUserJoinedEvent(**common)
        if kind == "user_left":
            return ChatUserLeftEvent(**common)
        if kind == "user_added":
            return ChatUserAddedEvent(added_user=user(body.addedUser), **common)
        if kind == "user_removed":
            return ChatUserRemovedEvent(removed_user=user(body.removedUser), **common)
        if kind == "name_changed":
            return ChatNameChangedEvent(name=body.name, **common)
        if kind == "topic_changed":
            return ChatTopicChangedEvent(topic=body.topic, **common)
        return ChatCreatedEvent(
            name=body.name,
            topic=body.topic,
            members=tuple(user(m) for m in body.members),
            **common,
        )

    def _history_event(self, entry: chat_pb2.ChatEventData) -> ChatEvent:
        field = entry.WhichOneof("event")
        kinds = {
            "created": "created",
            "message": "message",
            "userJoined": "user_joined",
            "userLeft": "user_left",
            "userAdded": "user_added",
            "userRemoved": "user_removed",
            "nameChanged": "name_changed",
            "topicChanged": "topic_changed",
        }
        if field is None:
            raise ValueError("the server sent a chat history entry without an event")
        # History does not keep the sending session: messages there are never ``local``.
        return self._event(kinds[field], getattr(entry, field))

    def _on_live(self, name: str, body: Any) -> None:
        self._deliver(self._event(_LIVE[name], body))

    def _on_marked_seen(self, _name: str, body: chat_pb2.ChatEventsMarkedSeenMessage) -> None:
        self._deliver(
            ChatEventsMarkedSeenEvent(
                chat_id=body.chatId,
                event_number=-1,
                timestamp=None,
                user=self._cache.user(body.user),
                seen_event_number=body.eventNumber,
            )
        )

    def _on_removed(self, _name: str, body: chat_pb2.ChatRemovedMessage) -> None:
        self._deliver(
            ChatRemovedEvent(chat_id=body.chatId, event_number=-1, timestamp=None, user=None)
        )

    def _deliver(self, event: ChatEvent) -> None:
        if self._sending.get(event.chat_id):
            self._held.setdefault(event.chat_id, []).append(event)
        else:
            self._emit(event)

    def _sent(self, chat_id: str, event_number: int | None) -> None:
        """A publish of ours was answered (``event_number``) or failed (None)."""
        if event_number is not None:
            self._own.setdefault(chat_id, set()).add(event_number)
        left = self._sending[chat_id] - 1
        if left:
            self._sending[chat_id] = left
            return
        del self._sending[chat_id]
        own = self._own.pop(chat_id, set())
        for event in self._held.pop(chat_id, []):
            if isinstance(event, ChatMessageEvent) and event.event_number in own:
                event = ChatMessageEvent(
                    chat_id=event.chat_id,
                    event_number=event.event_number,
                    timestamp=event.timestamp,
                    user=event.user,
                    message=event.message,
                    local=True,
                    session_id=self._domain.session_id,
                )
            self._emit(event)

    def _emit(self, event: ChatEvent) -> None:
        chat = self._chats.get(event.chat_id)
        if chat is not None:
            if 0 <= event.event_number <= chat._emitted:
                return  # already delivered (live, then again by a reconnect's catch-up)
            chat._emitted = max(chat._emitted, event.event_number)
            chat._apply(event)
            chat.events.emit(event)
            if isinstance(event, ChatRemovedEvent):
                self._chats.pop(event.chat_id, None)
                chat.events.close()
        self.events.emit(event)

    # -- reconnect hooks (client/reconnect.py) ------------------------------------------------

    async def _go_online(self) -> None:
        """Rooms are per session: join them again. Then deliver what the chats we hold missed
        while offline, from their history, before any newer live event."""
        chats = [c for c in self._chats.values() if not c.removed]
        for chat in chats:
            self._sending[chat.id] = self._sending.get(chat.id, 0) + 1  # hold live events
        try:
            await asyncio.gather(*(self._catch_up(chat) for chat in chats))
        finally:
            for chat in chats:
                self._sent(chat.id, None)

    async def _catch_up(self, chat: Chat) -> None:
        rejoined = chat.type == "room" and chat._room_joined
        try:
            if rejoined:
                with contextlib.suppress(AlreadyJoinedError):
                    await chat.join()
            if not chat.joined:
                return  # only what this session receives live is caught up
            missed = await chat.history(start_event=chat._emitted + 1, forward=True, limit=1000)
        except ConvergenceError as exc:
            _log.warning("chat %r after a reconnect: %s", chat.id, exc)
            chat._room_joined = False
            return
        for event in missed:
            if event.event_number > chat._emitted and event.kind != "created":
                self._emit(event)
        if rejoined:
            chat._room_joined = True  # the missed events include our old session's leave

    def _connection_lost(self, _reason: str) -> None:
        """The domain is over: event iterators end."""
        for chat in self._chats.values():
            chat._room_joined = False
            chat.events.close()
        self.events.close()
