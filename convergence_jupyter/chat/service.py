"""The chat service: persisted chats and events, in-memory room membership, delivery.

Delivery: rooms go to the sessions joined to the room; channels and direct chats go to
every session of every member user. The sender of a message is always the authenticated
user of the session. Each recipient is sent the users an event names (identity cache)
before the event itself: the client cannot resolve users it has not been told about.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.chat.wire import (
    chat_info,
    event_user_pks,
    history_entry,
    live_event,
    user_id_of,
    user_ids,
)
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.service import Handler, Reply, ServiceBase
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import DomainUserId, UserType
from convergence_jupyter.identity.records import domain_user
from convergence_jupyter.identity.wire import user_to_wire
from convergence_jupyter.permissions.model import CHAT_PERMISSIONS
from convergence_jupyter.permissions.resolver import PermissionResolver
from convergence_jupyter.protocol.schema import chat_pb2, core_pb2, identity_pb2
from convergence_jupyter.store.chat_tables import CHAT_EVENT_TYPES
from convergence_jupyter.store.chats import (
    SEARCH_FIELDS,
    ChatEventRecord,
    ChatRecord,
    ChatRepository,
)
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domain_permissions import CREATE_CHAT
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.records import UserRecord
from convergence_jupyter.store.users import UserRepository

CHAT_TYPES = ("direct", "channel", "room")
MEMBERSHIPS = ("public", "private")
#: The event kinds a history request may filter on: exactly the kinds the store keeps.
EVENT_TYPES = frozenset(CHAT_EVENT_TYPES)
MAX_ID_LENGTH = 255
MAX_TEXT_LENGTH = 64 * 1024
#: Defaults of the per-session bounds (the app passes its settings).
DEFAULT_MAX_ROOMS_PER_SESSION = 128
DEFAULT_MAX_MESSAGE_LENGTH = MAX_TEXT_LENGTH
MAX_PAGE = 1000
DEFAULT_PAGE = 50
MAX_IDS = 1000

#: Everything a chat's creator may do on it.
CREATOR_PERMISSIONS = sorted(CHAT_PERMISSIONS - {"create_chat_channel"})
#: Checked on the domain (``GrantTarget()``) before a client creates a chat; new domains grant
#: it to the world, administrators narrow it with the CLI (``store/domain_permissions.py``).
CREATE_PERMISSION = CREATE_CHAT
#: What a session joined to a room must keep holding; losing it evicts the session.
ROOM_PERMISSION = "join_chat_channel"
#: World grants by membership: anyone may join a public chat; any member may leave, and a
#: member may add users (private channels grow only that way).
WORLD_PERMISSIONS = {
    "public": ["join_chat_channel", "leave_chat_channel", "add_chat_user"],
    "private": ["leave_chat_channel", "add_chat_user"],
}


def _check_text(value: str, what: str) -> str:
    if len(value) > MAX_TEXT_LENGTH:
        raise ServiceError("invalid_message", f"{what} is longer than {MAX_TEXT_LENGTH}")
    return value


def _page(value: int | None, default: int) -> int:
    if value is None:
        return default
    if value < 0:
        raise ServiceError("invalid_message", "offset and limit must not be negative")
    return min(value, MAX_PAGE)


class ChatService(ServiceBase):
    permission_target_kind = "chat"
    valid_permissions = CHAT_PERMISSIONS
    manage_permission = "manage_chat_permissions"

    def __init__(
        self,
        runtime: DomainRuntime,
        database: Database,
        *,
        max_rooms_per_session: int = DEFAULT_MAX_ROOMS_PER_SESSION,
        max_message_length: int = DEFAULT_MAX_MESSAGE_LENGTH,
    ) -> None:
        self._runtime = runtime
        self._db = database
        self._domain_pk = runtime.domain.pk
        self._perms = PermissionResolver(database, self._domain_pk, CHAT_PERMISSIONS)
        self._max_rooms = max_rooms_per_session
        self._max_message_length = max_message_length
        #: room chat pk -> joined sessions (room membership is per session, in memory).
        self._rooms: dict[int, dict[str, SessionHandle]] = {}
        #: room chat pk -> user pk -> read marker (rooms have no stored members).
        self._room_seen: dict[int, dict[int, int]] = {}
        #: users already announced to each session.
        self._announced: dict[str, set[DomainUserId]] = {}
        # Numbering and delivery of one event happen under this lock so that every recipient
        # sees events in number order.
        self._lock = asyncio.Lock()

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "createChatRequest": self._create,
            "removeChatRequest": self._remove_chat,
            "getChatsRequest": self._get_chats,
            "chatsExistRequest": self._exist,
            "getDirectChatsRequest": self._direct,
            "getJoinedChatsRequest": self._joined,
            "chatsSearchRequest": self._search,
            "joinChatRequest": self._join,
            "leaveChatRequest": self._leave,
            "addUserToChatRequest": self._add_user,
            "removeUserFromChatRequest": self._remove_user,
            "setChatNameRequest": self._set_name,
            "setChatTopicRequest": self._set_topic,
            "markChatEventsSeenRequest": self._mark_seen,
            "publishChatMessageRequest": self._publish,
            "getChatHistoryRequest": self._history,
        }

    # -- generic permissions --------------------------------------------------------------------

    async def grant_target(
        self, session: SessionHandle, target: core_pb2.PermissionTarget
    ) -> GrantTarget:
        chat = await self._chat(target.chat.id)
        return GrantTarget(chat_pk=chat.pk)

    async def permissions_changed(self, target: GrantTarget) -> None:
        """Evict room sessions whose user lost ``join_chat_channel`` (as activities do).

        Channel and direct membership is stored per user and is not a grant: it changes
        only by leaving or being removed. Every other check runs on each request.
        """
        if target.chat_pk is None:
            return
        async with self._lock:
            joined = list(self._rooms.get(target.chat_pk, {}).values())
            held: dict[int, frozenset[str]] = {}
            lost: dict[int, list[SessionHandle]] = {}
            for session in joined:
                if session.user_pk not in held:
                    held[session.user_pk] = await self._perms.for_session(session, target)
                if ROOM_PERMISSION not in held[session.user_pk]:
                    lost.setdefault(session.user_pk, []).append(session)
            for sessions in lost.values():
                await self._leave_room(target.chat_pk, *sessions)

    # -- lifecycle ------------------------------------------------------------------------------

    async def on_session_closed(self, session: SessionHandle) -> None:
        self._announced.pop(session.session_id, None)
        async with self._lock:
            for chat_pk, sessions in list(self._rooms.items()):
                if session.session_id in sessions:
                    await self._leave_room(chat_pk, session)

    # -- queries --------------------------------------------------------------------------------

    async def _get_chats(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.GetChatsRequestMessage)
        ids = _ids(body.chatIds)
        chats = [await self._visible_chat(session, chat_id) for chat_id in ids]
        infos = await self._infos(session, chats)
        return "getChatsResponse", chat_pb2.GetChatsResponseMessage(chatInfo=infos)

    async def _exist(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.ChatsExistRequestMessage)
        ids = _ids(body.chatIds)
        async with self._db.transaction(readonly=True) as tx:
            found = await ChatRepository(tx).existing_ids(self._domain_pk, ids)
        return "chatsExistResponse", chat_pb2.ChatsExistResponseMessage(
            exists=[i in found for i in ids]
        )

    async def _joined(self, session: SessionHandle, body: Message) -> Reply:
        async with self._db.transaction(readonly=True) as tx:
            chats = await ChatRepository(tx).member_of(self._domain_pk, session.user_pk)
            room_pks = [pk for pk, s in self._rooms.items() if session.session_id in s]
            rooms = [await _by_pk(tx, pk) for pk in room_pks]
        chats.extend(r for r in rooms if r is not None)
        infos = await self._infos(session, chats)
        return "getJoinedChatsResponse", chat_pb2.GetJoinedChatsResponseMessage(chatInfo=infos)

    async def _search(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.ChatsSearchRequestMessage)
        fields = list(body.searchFields) or list(SEARCH_FIELDS)
        if any(f not in SEARCH_FIELDS for f in fields):
            raise ServiceError("invalid_message", f"search fields are {', '.join(SEARCH_FIELDS)}")
        types = list(body.types)
        if any(t not in CHAT_TYPES for t in types):
            raise ServiceError("invalid_message", f"chat types are {', '.join(CHAT_TYPES)}")
        if body.membership and body.membership not in MEMBERSHIPS:
            raise ServiceError("invalid_message", "membership is 'public' or 'private'")
        offset = _page(body.offset.value if body.HasField("offset") else None, 0)
        limit = _page(body.limit.value if body.HasField("limit") else None, DEFAULT_PAGE)
        async with self._db.transaction(readonly=True) as tx:
            chats, total = await ChatRepository(tx).search(
                self._domain_pk,
                session.user_pk,
                term=body.searchTerm,
                fields=fields,
                types=types,
                membership=body.membership or None,
                offset=offset,
                limit=limit,
            )
        infos = await self._infos(session, chats)
        return "chatsSearchResponse", chat_pb2.ChatsSearchResponseMessage(
            data=infos, startIndex=offset, totalResults=total
        )

    async def _history(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.ChatHistoryRequestMessage)
        chat = await self._chat(body.chatId)
        if not (chat.membership == "public" and chat.chat_type != "direct"):
            self._require_member(session, chat)
        types = list(dict.fromkeys(body.eventFilter))
        if any(t not in EVENT_TYPES for t in types):
            raise ServiceError("invalid_message", "unknown chat event type in eventFilter")
        offset = _page(body.offset.value if body.HasField("offset") else None, 0)
        limit = _page(body.limit.value if body.HasField("limit") else None, DEFAULT_PAGE)
        async with self._db.transaction(readonly=True) as tx:
            repo = ChatRepository(tx)
            events, total = await repo.history(
                chat.pk,
                types=types,
                start_event=body.startEvent.value if body.HasField("startEvent") else None,
                forward=body.forward.value if body.HasField("forward") else False,
                offset=offset,
                limit=limit,
            )
            users = await repo.users(pk for e in events for pk in event_user_pks(e))
        self._announce(session, users.values())
        ids = user_ids(users)
        return "getChatHistoryResponse", chat_pb2.ChatHistoryResponseMessage(
            data=[history_entry(chat.chat_id, e, ids) for e in events],
            startIndex=offset,
            totalResults=total,
        )

    # -- creation and removal -------------------------------------------------------------------

    async def _create(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.CreateChatRequestMessage)
        chat_type, membership = body.chatType, body.membership
        if chat_type not in CHAT_TYPES:
            raise ServiceError("unknown", f"unknown chat type '{chat_type}'")
        if membership not in MEMBERSHIPS:
            raise ServiceError("unknown", f"unknown chat membership '{membership}'")
        if chat_type == "room" and membership != "public":
            raise ServiceError("unknown", "rooms are always public")
        chat_id = body.chatId.value if body.HasField("chatId") else uuid.uuid4().hex
        if not chat_id or len(chat_id) > MAX_ID_LENGTH:
            raise ServiceError("invalid_message", f"a chat id has 1 to {MAX_ID_LENGTH} characters")
        name = _check_text(body.name, "the name")
        topic = _check_text(body.topic, "the topic")
        await self._perms.require(session, GrantTarget(), [CREATE_PERMISSION], "create a chat")
        async with self._lock, self._db.transaction() as tx:
            member_pks = await self._user_pks(tx, body.members)
            if chat_type == "room":
                member_pks = []  # room membership is joined sessions
            else:
                member_pks = sorted({*member_pks, session.user_pk})
            try:
                chat = await ChatRepository(tx).create(
                    self._domain_pk,
                    chat_id,
                    chat_type=chat_type,
                    membership=membership,
                    name=name,
                    topic=topic,
                    creator_pk=session.user_pk,
                    member_pks=member_pks,
                    direct=chat_type == "direct",
                )
            except AlreadyExists:
                raise ServiceError(
                    "chat_already_exists", f"chat '{chat_id}' already exists", {"chatId": chat_id}
                ) from None
            await _grant_defaults(tx, self._domain_pk, chat, session.user_pk)
        return "createChatResponse", chat_pb2.CreateChatResponseMessage(chatId=chat.chat_id)

    async def _remove_chat(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.RemoveChatRequestMessage)
        chat = await self._chat(body.chatId)
        await self._require(session, chat, "remove_chat_channel", "remove the chat")
        async with self._lock:
            recipients = self._recipients(chat)
            async with self._db.transaction() as tx:
                await ChatRepository(tx).delete(chat.pk)
            self._rooms.pop(chat.pk, None)
            self._room_seen.pop(chat.pk, None)
            for target in recipients:
                if target.session_id != session.session_id:
                    target.send("chatRemoved", chat_pb2.ChatRemovedMessage(chatId=chat.chat_id))
        return "removeChatResponse", chat_pb2.RemoveChatResponseMessage()

    async def _direct(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.GetDirectChatsRequestMessage)
        if len(body.userLists) > MAX_IDS:
            raise ServiceError("invalid_message", f"at most {MAX_IDS} user lists")
        chats: list[ChatRecord] = []
        async with self._lock:
            for user_list in body.userLists:
                async with self._db.transaction() as tx:
                    pks = sorted({*await self._user_pks(tx, user_list.values), session.user_pk})
                    repo = ChatRepository(tx)
                    chat = await repo.get_direct(self._domain_pk, pks)
                    if chat is None:
                        try:
                            chat = await repo.create(
                                self._domain_pk,
                                uuid.uuid4().hex,
                                chat_type="direct",
                                membership="private",
                                name="",
                                topic="",
                                creator_pk=session.user_pk,
                                member_pks=pks,
                                direct=True,
                            )
                        except AlreadyExists:  # created meanwhile by another process
                            chat = await repo.get_direct(self._domain_pk, pks)
                            assert chat is not None
                        else:
                            await _grant_defaults(tx, self._domain_pk, chat, session.user_pk)
                chats.append(chat)
        infos = await self._infos(session, chats)
        return "getDirectChatsResponse", chat_pb2.GetDirectChatsResponseMessage(chatInfo=infos)

    # -- membership -----------------------------------------------------------------------------

    async def _join(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.JoinChatRequestMessage)
        chat = await self._chat(body.chatId)
        if chat.chat_type == "direct":
            raise ServiceError("not_supported", "direct chats cannot be joined")
        if chat.membership == "private":
            raise ServiceError(
                "unauthorized", "a private channel cannot be joined; a member must add you"
            )
        await self._require(session, chat, "join_chat_channel", "join the chat")
        async with self._lock:
            if chat.chat_type == "room":
                if session.session_id not in self._runtime.sessions:
                    # Closed while we awaited the store: its cleanup has already run.
                    raise ServiceError("unknown", "the session is closed")
                sessions = self._rooms.setdefault(chat.pk, {})
                if session.session_id in sessions:
                    raise ServiceError("chat_already_joined", f"chat '{chat.chat_id}' is joined")
                rooms = sum(1 for joined in self._rooms.values() if session.session_id in joined)
                if rooms >= self._max_rooms:
                    raise ServiceError(
                        "limit_exceeded",
                        f"a session may be in at most {self._max_rooms} chat rooms at once; "
                        "leave one first",
                        {"limit": self._max_rooms},
                    )
                first_of_user = not any(s.user_pk == session.user_pk for s in sessions.values())
                sessions[session.session_id] = session
                self._room_seen.setdefault(chat.pk, {}).setdefault(session.user_pk, -1)
                if first_of_user:
                    await self._record(chat, "user_joined", session.user_pk)
            else:
                async with self._db.transaction() as tx:
                    if not await ChatRepository(tx).add_member(chat.pk, session.user_pk):
                        raise ServiceError(
                            "chat_already_joined", f"chat '{chat.chat_id}' is joined"
                        )
                await self._record(chat, "user_joined", session.user_pk)
            fresh = await self._chat(chat.chat_id)
        (info,) = await self._infos(session, [fresh])
        return "joinChatResponse", chat_pb2.JoinChatResponseMessage(chatInfo=info)

    async def _leave(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.LeaveChatRequestMessage)
        chat = await self._chat(body.chatId)
        if chat.chat_type == "direct":
            raise ServiceError("not_supported", "direct chats cannot be left")
        async with self._lock:
            if chat.chat_type == "room":
                if session.session_id not in self._rooms.get(chat.pk, {}):
                    raise ServiceError("chat_not_joined", f"chat '{chat.chat_id}' is not joined")
                await self._leave_room(chat.pk, session)
            else:
                self._require_member(session, chat)
                await self._require(session, chat, "leave_chat_channel", "leave the chat")
                # The leaver is told too (its client marks the chat as left), so the event is
                # recorded and delivered before the membership goes.
                await self._record(chat, "user_left", session.user_pk)
                async with self._db.transaction() as tx:
                    await ChatRepository(tx).remove_member(chat.pk, session.user_pk)
        return "leaveChatResponse", chat_pb2.LeaveChatResponseMessage()

    async def _add_user(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.AddUserToChatRequestMessage)
        chat = await self._membership_chat(session, body.chatId, "add users to")
        await self._require(session, chat, "add_chat_user", "add users to the chat")
        async with self._lock:
            async with self._db.transaction() as tx:
                (user_pk,) = await self._user_pks(tx, [body.userToAdd])
                if not await ChatRepository(tx).add_member(chat.pk, user_pk):
                    raise ServiceError(
                        "chat_already_a_member", "the user already is a member of the chat"
                    )
            # Recorded after the add, so the new member's sessions get the event too.
            await self._record(chat, "user_added", session.user_pk, target_user_pk=user_pk)
        return "addUserToChatResponse", chat_pb2.AddUserToChatResponseMessage()

    async def _remove_user(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.RemoveUserFromChatRequestMessage)
        chat = await self._membership_chat(session, body.chatId, "remove users from")
        await self._require(session, chat, "remove_chat_user", "remove users from the chat")
        async with self._lock:
            async with self._db.transaction(readonly=True) as tx:
                (user_pk,) = await self._user_pks(tx, [body.userToRemove])
            if user_pk == session.user_pk:
                raise ServiceError("cant_remove_self", "leave the chat instead")
            if not chat.is_member(user_pk):
                raise ServiceError("not_a_member", "the user is not a member of the chat")
            await self._record(chat, "user_removed", session.user_pk, target_user_pk=user_pk)
            async with self._db.transaction() as tx:
                await ChatRepository(tx).remove_member(chat.pk, user_pk)
        return "removeUserFromChatResponse", chat_pb2.RemoveUserFromChatResponseMessage()

    # -- changes and messages -------------------------------------------------------------------

    async def _set_name(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.SetChatNameRequestMessage)
        chat = await self._chat(body.chatId)
        self._require_member(session, chat)
        await self._require(session, chat, "set_chat_name", "rename the chat")
        name = _check_text(body.name, "the name")
        async with self._lock:
            async with self._db.transaction() as tx:
                await ChatRepository(tx).set_name(chat.pk, name)
            await self._record(chat, "name_changed", session.user_pk, text=name)
        return "setChatNameResponse", chat_pb2.SetChatNameResponseMessage()

    async def _set_topic(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.SetChatTopicRequestMessage)
        chat = await self._chat(body.chatId)
        self._require_member(session, chat)
        await self._require(session, chat, "set_topic", "change the topic")
        topic = _check_text(body.topic, "the topic")
        async with self._lock:
            async with self._db.transaction() as tx:
                await ChatRepository(tx).set_topic(chat.pk, topic)
            await self._record(chat, "topic_changed", session.user_pk, text=topic)
        return "setChatTopicResponse", chat_pb2.SetChatTopicResponseMessage()

    async def _publish(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.PublishChatRequestMessage)
        chat = await self._chat(body.chatId)
        self._require_member(session, chat)
        if len(body.message) > self._max_message_length:
            raise ServiceError(
                "limit_exceeded",
                f"a chat message has at most {self._max_message_length} characters, "
                f"this one has {len(body.message)}",
                {"limit": self._max_message_length},
            )
        text = body.message
        async with self._lock:
            event = await self._record(chat, "message", session.user_pk, text=text)
        response = chat_pb2.PublishChatResponseMessage(eventNumber=event.event_number)
        response.timestamp.FromDatetime(event.created_at)
        return "publishChatMessageResponse", response

    async def _mark_seen(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, chat_pb2.MarkChatEventsSeenRequestMessage)
        chat = await self._chat(body.chatId)
        self._require_member(session, chat)
        number = body.eventNumber
        if number < -1 or number > chat.last_event_number:
            raise ServiceError("invalid_message", f"no event {number} in chat '{chat.chat_id}'")
        async with self._lock:
            if chat.chat_type == "room":
                seen = self._room_seen.setdefault(chat.pk, {})
                seen[session.user_pk] = max(seen.get(session.user_pk, -1), number)
            else:
                async with self._db.transaction() as tx:
                    await ChatRepository(tx).mark_seen(chat.pk, session.user_pk, number)
            async with self._db.transaction(readonly=True) as tx:
                users = await ChatRepository(tx).users([session.user_pk])
            pushed = chat_pb2.ChatEventsMarkedSeenMessage(
                chatId=chat.chat_id, user=user_ids(users)(session.user_pk), eventNumber=number
            )
            for target in self._recipients(chat):
                self._announce(target, users.values())
                target.send("chatEventsMarkedSeen", pushed)
        return "markChatEventsSeenResponse", chat_pb2.MarkChatEventsSeenResponseMessage()

    # -- trusted server-side access (used by rest/) ---------------------------------------------
    # The caller has checked that ``actor_pk`` may do this; live clients see exactly what the
    # matching client request would have shown them.

    async def create_chat(
        self,
        chat_id: str,
        *,
        chat_type: str,
        membership: str,
        name: str,
        topic: str,
        actor_pk: int,
        member_pks: Iterable[int] = (),
    ) -> ChatRecord:
        """Create a chat with the realtime defaults (grants, creator as a member of a channel
        or direct chat). Raises :class:`AlreadyExists` for a taken id or member set."""
        if chat_type == "room":
            members: list[int] = []
        else:
            members = sorted({*member_pks, actor_pk})
        async with self._lock, self._db.transaction() as tx:
            chat = await ChatRepository(tx).create(
                self._domain_pk,
                chat_id,
                chat_type=chat_type,
                membership=membership,
                name=name,
                topic=topic,
                creator_pk=actor_pk,
                member_pks=members,
                direct=chat_type == "direct",
            )
            await _grant_defaults(tx, self._domain_pk, chat, actor_pk)
        return chat

    async def remove_chat(self, chat: ChatRecord) -> None:
        """Delete a chat; every recipient is told ``chatRemoved``."""
        async with self._lock:
            recipients = self._recipients(chat)
            async with self._db.transaction() as tx:
                await ChatRepository(tx).delete(chat.pk)
            self._rooms.pop(chat.pk, None)
            self._room_seen.pop(chat.pk, None)
            for target in recipients:
                target.send("chatRemoved", chat_pb2.ChatRemovedMessage(chatId=chat.chat_id))

    async def add_member(self, chat: ChatRecord, user_pk: int, actor_pk: int) -> bool:
        """Add a user to a channel (``user_added`` by ``actor_pk``); False if already in."""
        async with self._lock:
            async with self._db.transaction() as tx:
                if not await ChatRepository(tx).add_member(chat.pk, user_pk):
                    return False
            await self._record(chat, "user_added", actor_pk, target_user_pk=user_pk)
        return True

    async def remove_member(self, chat: ChatRecord, user_pk: int, actor_pk: int) -> bool:
        """Remove a user from a channel (``user_removed``, delivered to the removed user's
        sessions too, before the membership goes); False if not a member."""
        async with self._lock:
            async with self._db.transaction(readonly=True) as tx:
                fresh = await _by_pk(tx, chat.pk)
            if fresh is None or not fresh.is_member(user_pk):
                return False
            await self._record(fresh, "user_removed", actor_pk, target_user_pk=user_pk)
            async with self._db.transaction() as tx:
                await ChatRepository(tx).remove_member(chat.pk, user_pk)
        return True

    def room_members(self, chat: ChatRecord) -> dict[int, int]:
        """A room's present users (user pk -> read marker); rooms store no members."""
        return self._room_members(chat.pk)

    # -- helpers --------------------------------------------------------------------------------

    async def _chat(self, chat_id: str) -> ChatRecord:
        if not chat_id:
            raise ServiceError("invalid_message", "the chat id is missing")
        async with self._db.transaction(readonly=True) as tx:
            chat = await ChatRepository(tx).get(self._domain_pk, chat_id)
        if chat is None:
            raise ServiceError("chat_not_found", f"no chat '{chat_id}'", {"chatId": chat_id})
        return chat

    async def _visible_chat(self, session: SessionHandle, chat_id: str) -> ChatRecord:
        """Private chats are invisible (``chat_not_found``) to users who are not members."""
        chat = await self._chat(chat_id)
        if chat.membership == "private" and not chat.is_member(session.user_pk):
            if session.user.user_id.user_type is not UserType.CONVERGENCE:  # admins see all
                raise ServiceError("chat_not_found", f"no chat '{chat_id}'", {"chatId": chat_id})
        return chat

    async def _membership_chat(self, session: SessionHandle, chat_id: str, what: str) -> ChatRecord:
        chat = await self._chat(chat_id)
        if chat.chat_type != "channel":
            raise ServiceError("not_supported", f"only channels can {what} users")
        self._require_member(session, chat)
        return chat

    def _require_member(self, session: SessionHandle, chat: ChatRecord) -> None:
        if chat.chat_type == "room":
            joined = session.session_id in self._rooms.get(chat.pk, {})
        else:
            joined = chat.is_member(session.user_pk)
        if not joined:
            raise ServiceError(
                "chat_not_joined", f"chat '{chat.chat_id}' is not joined", {"chatId": chat.chat_id}
            )

    async def _require(
        self, session: SessionHandle, chat: ChatRecord, permission: str, what: str
    ) -> None:
        await self._perms.require(session, GrantTarget(chat_pk=chat.pk), [permission], what)

    async def _user_pks(
        self, tx: AsyncSession, users: Iterable[core_pb2.DomainUserIdData]
    ) -> list[int]:
        wanted = list(users)
        if len(wanted) > MAX_IDS:
            raise ServiceError("invalid_message", f"at most {MAX_IDS} users")
        keys = [(int(u.userType), u.username) for u in wanted]
        records = await UserRepository(tx).get_many(self._domain_pk, keys)
        pks = {(int(r.user_type), r.username): r.pk for r in records}
        result = []
        for key in keys:
            if key not in pks:
                raise ServiceError("user_not_found", f"no user '{key[1]}'", {"username": key[1]})
            result.append(pks[key])
        return result

    def _room_members(self, chat_pk: int) -> dict[int, int]:
        seen = self._room_seen.get(chat_pk, {})
        users = {s.user_pk for s in self._rooms.get(chat_pk, {}).values()}
        return {pk: seen.get(pk, -1) for pk in sorted(users)}

    def _recipients(self, chat: ChatRecord) -> list[SessionHandle]:
        if chat.chat_type == "room":
            return list(self._rooms.get(chat.pk, {}).values())
        members = {m.user_pk for m in chat.members}
        return [s for s in self._runtime.sessions.values() if s.user_pk in members]

    async def _infos(
        self, session: SessionHandle, chats: list[ChatRecord]
    ) -> list[chat_pb2.ChatInfoData]:
        rooms = {c.pk: self._room_members(c.pk) for c in chats if c.chat_type == "room"}
        pks = {m.user_pk for c in chats for m in c.members}
        pks.update(pk for members in rooms.values() for pk in members)
        async with self._db.transaction(readonly=True) as tx:
            users = await ChatRepository(tx).users(pks)
        self._announce(session, users.values())
        ids = user_ids(users)
        return [chat_info(c, ids, rooms.get(c.pk)) for c in chats]

    def _announce(self, session: SessionHandle, users: Iterable[UserRecord]) -> None:
        """Send the users this session has not been told about yet (identity-cache rule)."""
        known = self._announced.setdefault(session.session_id, set())
        fresh = [u for u in users if user_id_of(u) not in known]
        if not fresh:
            return
        update = identity_pb2.IdentityCacheUpdateMessage(
            users=[user_to_wire(domain_user(u)) for u in fresh]
        )
        session.send("identityCacheUpdate", update)
        known.update(user_id_of(u) for u in fresh)

    async def _record(
        self,
        chat: ChatRecord,
        event_type: str,
        user_pk: int,
        *,
        target_user_pk: int | None = None,
        text: str | None = None,
        also: Iterable[SessionHandle] = (),
    ) -> ChatEventRecord:
        """Persist one event and push it to the chat's current recipients (lock held)."""
        async with self._db.transaction() as tx:
            repo = ChatRepository(tx)
            event = await repo.append_event(
                chat.pk, event_type, user_pk, target_user_pk=target_user_pk, text=text
            )
            fresh = await _by_pk(tx, chat.pk)
            users = await repo.users(event_user_pks(event))
        body_name, body = live_event(chat.chat_id, event, user_ids(users))
        targets = {s.session_id: s for s in self._recipients(fresh or chat)}
        targets.update((s.session_id, s) for s in also)
        for target in targets.values():
            self._announce(target, users.values())
            target.send(body_name, body)
        return event

    async def _leave_room(self, chat_pk: int, session: SessionHandle, *more: SessionHandle) -> None:
        """Drop sessions of one user from a room; the user leaves when its last one goes.

        Every live session dropped here is told (its own ``user_left``), so several sessions
        of a user evicted together all see the room as left.
        """
        sessions = self._rooms.get(chat_pk, {})
        dropped = [session, *more]
        for gone in dropped:
            sessions.pop(gone.session_id, None)
        if any(s.user_pk == session.user_pk for s in sessions.values()):
            return
        if not sessions:
            self._rooms.pop(chat_pk, None)
        self._room_seen.get(chat_pk, {}).pop(session.user_pk, None)
        async with self._db.transaction(readonly=True) as tx:
            chat = await _by_pk(tx, chat_pk)
        if chat is not None:
            # The leaver is no longer a recipient, but a live client marks the room as left
            # only when it sees its own user_left.
            live = [s for s in dropped if s.session_id in self._runtime.sessions]
            await self._record(chat, "user_left", session.user_pk, also=live)


async def _by_pk(tx: AsyncSession, chat_pk: int) -> ChatRecord | None:
    return await ChatRepository(tx).get_by_pk(chat_pk)


async def _grant_defaults(tx: AsyncSession, domain_pk: int, chat: ChatRecord, creator: int) -> None:
    await PermissionRepository(tx).add(
        domain_pk,
        GrantTarget(chat_pk=chat.pk),
        world=WORLD_PERMISSIONS[chat.membership],
        users={creator: CREATOR_PERMISSIONS},
    )


def _ids(chat_ids: Iterable[str]) -> list[str]:
    ids = list(chat_ids)
    if len(ids) > MAX_IDS:
        raise ServiceError("invalid_message", f"at most {MAX_IDS} chat ids")
    return ids
