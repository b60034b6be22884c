"""Chats over REST: list, create, get, delete, members and history.

An administrator's view: every chat of the domain is listed, private ones included. Changes
go through the domain's chat service, so connected clients see them as they would see a
client's request: deleting a chat sends ``chatRemoved`` to its members' sessions; adding or
removing a channel member records ``user_added``/``user_removed`` (by the REST actor, see
``rest/content_support.py``) and pushes it to the channel's sessions, the removed user's
included. Rooms have no stored members (membership is who is joined right now), so their
members can be listed but not changed; direct chats keep their member set.

History filters are those of the realtime history request: event kinds (``types``), a start
event (inclusive) and the direction (``forward``; newest first by default).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from convergence_jupyter.chat.service import ChatService
from convergence_jupyter.chat.wire import event_user_pks
from convergence_jupyter.rest.content_support import (
    MAX_ID,
    UserKind,
    UserRef,
    actor_user,
    resolve_users,
    service,
    user_ref,
    users_by_pk,
)
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    page_of,
)
from convergence_jupyter.store.chat_tables import CHAT_EVENT_TYPES
from convergence_jupyter.store.chats import ChatEventRecord, ChatRecord, ChatRepository
from convergence_jupyter.store.content_admin import ContentAdminRepository
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.records import DomainRecord, UserRecord

router = Router(tag="chats", description="Chat rooms, channels and direct chats.")

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
DOMAIN = "/domains/{namespace}/{domain}"
ChatType = Literal["channel", "room", "direct"]
EventType = Literal[
    "created",
    "message",
    "user_joined",
    "user_left",
    "user_added",
    "user_removed",
    "name_changed",
    "topic_changed",
]
assert set(EventType.__args__) == set(CHAT_EVENT_TYPES)  # type: ignore[attr-defined]
MAX_TEXT = 64 * 1024


class ChatMember(BaseModel):
    user: UserRef
    max_seen_event: int


class ChatMembers(BaseModel):
    members: list[ChatMember]


class Chat(BaseModel):
    id: str
    type: ChatType
    membership: Literal["public", "private"]
    name: str
    topic: str
    created_time: datetime
    last_event_number: int
    last_event_time: datetime
    members: list[ChatMember]


class NewChat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id | None = Field(None, description="The chat id; generated when absent.")
    type: ChatType = "channel"
    membership: Literal["public", "private"] = "public"
    name: str = Field("", max_length=MAX_TEXT)
    topic: str = Field("", max_length=MAX_TEXT)
    members: list[UserRef] = Field(default=[], max_length=1000)


class ChatEvent(BaseModel):
    number: int
    type: EventType
    time: datetime
    user: UserRef | None
    #: user_added / user_removed: who was added or removed.
    target_user: UserRef | None = None
    #: message text, new name or new topic.
    text: str | None = None
    #: created: the initial name, topic and members.
    name: str | None = None
    topic: str | None = None
    members: list[UserRef] | None = None


class ChatListQuery(PageQuery):
    type: list[ChatType] = Field(default=[], description="Only these chat types.")
    filter: str | None = Field(None, max_length=MAX_ID, description="Id contains (any case).")


class HistoryQuery(PageQuery):
    types: list[EventType] = Field(default=[], description="Only these event kinds.")
    start_event: int | None = Field(
        None,
        ge=0,
        le=2**31 - 1,
        description="First event (inclusive) in the direction of travel.",
    )
    forward: bool = Field(False, description="Oldest first; default newest first.")


class MemberQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: UserKind = UserKind.NORMAL


def _chat(record: ChatRecord, users: dict[int, UserRecord], seen: dict[int, int]) -> Chat:
    return Chat(
        id=record.chat_id,
        type=record.chat_type,  # type: ignore[arg-type]
        membership=record.membership,  # type: ignore[arg-type]
        name=record.name,
        topic=record.topic,
        created_time=record.created_at,
        last_event_number=record.last_event_number,
        last_event_time=record.last_event_time,
        members=[
            ChatMember(user=user_ref(users[pk]), max_seen_event=max_seen)
            for pk, max_seen in seen.items()
            if pk in users
        ],
    )


async def _chats(
    ctx: RequestContext, domain: DomainRecord, records: list[ChatRecord]
) -> list[Chat]:
    chats = await service(ctx, domain, ChatService)
    seen = {
        r.pk: (
            chats.room_members(r)
            if r.chat_type == "room"
            else {m.user_pk: m.max_seen_event for m in r.members}
        )
        for r in records
    }
    users = await users_by_pk(ctx, (pk for s in seen.values() for pk in s))
    return [_chat(r, users, seen[r.pk]) for r in records]


async def _get(ctx: RequestContext, domain: DomainRecord, chat_id: str) -> ChatRecord:
    async with ctx.database.transaction(readonly=True) as tx:
        record = await ChatRepository(tx).get(domain.pk, chat_id)
    if record is None:
        raise ProblemError(404, f"there is no chat '{chat_id}'")
    return record


def _event(event: ChatEventRecord, users: dict[int, UserRecord]) -> ChatEvent:
    def ref(pk: int | None) -> UserRef | None:
        return user_ref(users[pk]) if pk is not None and pk in users else None

    out = ChatEvent(
        number=event.event_number,
        type=event.event_type,  # type: ignore[arg-type]
        time=event.created_at,
        user=ref(event.user_pk),
        target_user=ref(event.target_user_pk),
        text=event.text,
    )
    if event.event_type == "created":
        data = event.data or {}
        out.name = data.get("name", "")
        out.topic = data.get("topic", "")
        out.members = [r for r in (ref(pk) for pk in data.get("members", [])) if r is not None]
    return out


@router.get(
    DOMAIN + "/chats",
    operation_id="listChats",
    summary="List the chats of a domain",
    response=Page[Chat],
    query=ChatListQuery,
)
async def list_chats(
    ctx: RequestContext, *, namespace: str, domain: str, query: ChatListQuery
) -> dict[str, Any]:
    """Ordered by id; ``type`` (repeatable) keeps only those chat types, ``filter`` matches
    part of the id."""
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction(readonly=True) as tx:
        items, total = await ContentAdminRepository(tx).chats(
            record.pk,
            offset=query.offset,
            limit=query.limit,
            types=query.type,
            id_contains=query.filter,
        )
    return page_of(await _chats(ctx, record, items), total, query)


@router.post(
    DOMAIN + "/chats",
    operation_id="createChat",
    summary="Create a chat",
    response=Chat,
    body=NewChat,
    status=201,
)
async def create_chat(ctx: RequestContext, *, namespace: str, domain: str, body: NewChat) -> Chat:
    """With the realtime defaults: the REST actor is the creator (and a member of a channel
    or direct chat) with every permission on it; anyone may join a public chat. Rooms are
    always public and have no stored members. 409 for a taken id (or, for a direct chat, an
    existing chat of the same users)."""
    record = await ctx.domain(namespace, domain)
    if body.type == "room" and (body.membership != "public" or body.members):
        raise ProblemError(400, "rooms are public and have no stored members")
    members = await resolve_users(ctx, record, body.members)
    actor = await actor_user(ctx, record)
    chats = await service(ctx, record, ChatService)
    chat_id = body.id or uuid.uuid4().hex
    try:
        created = await chats.create_chat(
            chat_id,
            chat_type=body.type,
            membership=body.membership,
            name=body.name,
            topic=body.topic,
            actor_pk=actor.pk,
            member_pks=[u.pk for u in members.values()],
        )
    except AlreadyExists:
        raise ProblemError(409, f"the chat '{chat_id}' (or one of these users) exists") from None
    (chat,) = await _chats(ctx, record, [created])
    return chat


@router.get(
    DOMAIN + "/chats/{chat_id}",
    operation_id="getChat",
    summary="A chat with its members",
    response=Chat,
)
async def get_chat(ctx: RequestContext, *, namespace: str, domain: str, chat_id: Id) -> Chat:
    record = await ctx.domain(namespace, domain)
    (chat,) = await _chats(ctx, record, [await _get(ctx, record, chat_id)])
    return chat


@router.delete(
    DOMAIN + "/chats/{chat_id}",
    operation_id="deleteChat",
    summary="Delete a chat and its history (members' clients are told)",
)
async def delete_chat(ctx: RequestContext, *, namespace: str, domain: str, chat_id: Id) -> None:
    record = await ctx.domain(namespace, domain)
    chat = await _get(ctx, record, chat_id)
    await (await service(ctx, record, ChatService)).remove_chat(chat)


@router.get(
    DOMAIN + "/chats/{chat_id}/members",
    operation_id="listChatMembers",
    summary="A chat's members (a room's: the users joined now)",
    response=ChatMembers,
)
async def list_chat_members(
    ctx: RequestContext, *, namespace: str, domain: str, chat_id: Id
) -> ChatMembers:
    record = await ctx.domain(namespace, domain)
    (chat,) = await _chats(ctx, record, [await _get(ctx, record, chat_id)])
    return ChatMembers(members=chat.members)


def _channel(chat: ChatRecord) -> None:
    if chat.chat_type != "channel":
        raise ProblemError(
            409, f"only a channel's members can be changed; this is a {chat.chat_type}"
        )


@router.post(
    DOMAIN + "/chats/{chat_id}/members",
    operation_id="addChatMember",
    summary="Add a user to a channel",
    response=ChatMember,
    body=UserRef,
    status=201,
)
async def add_chat_member(
    ctx: RequestContext, *, namespace: str, domain: str, chat_id: Id, body: UserRef
) -> ChatMember:
    """Recorded as ``user_added`` and pushed to the channel's sessions, the new member's too.
    409 if the user already is a member or the chat is not a channel."""
    record = await ctx.domain(namespace, domain)
    chat = await _get(ctx, record, chat_id)
    _channel(chat)
    user = (await resolve_users(ctx, record, [body]))[(body.type, body.username)]
    actor = await actor_user(ctx, record)
    if not await (await service(ctx, record, ChatService)).add_member(chat, user.pk, actor.pk):
        raise ProblemError(409, f"'{body.username}' already is a member of '{chat_id}'")
    return ChatMember(user=user_ref(user), max_seen_event=-1)


@router.delete(
    DOMAIN + "/chats/{chat_id}/members/{username}",
    operation_id="removeChatMember",
    summary="Remove a user from a channel",
    query=MemberQuery,
)
async def remove_chat_member(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    chat_id: Id,
    username: Annotated[str, Field(min_length=1, max_length=255)],
    query: MemberQuery,
) -> None:
    """Recorded as ``user_removed`` and pushed to the channel's sessions, the removed user's
    included (before the membership goes). 404 if the user is not a member."""
    record = await ctx.domain(namespace, domain)
    chat = await _get(ctx, record, chat_id)
    _channel(chat)
    ref = UserRef(username=username, type=query.type)
    user = (await resolve_users(ctx, record, [ref]))[(ref.type, ref.username)]
    actor = await actor_user(ctx, record)
    if not await (await service(ctx, record, ChatService)).remove_member(chat, user.pk, actor.pk):
        raise ProblemError(404, f"'{username}' is not a member of '{chat_id}'")


@router.get(
    DOMAIN + "/chats/{chat_id}/events",
    operation_id="getChatHistory",
    summary="A page of a chat's events",
    response=Page[ChatEvent],
    query=HistoryQuery,
)
async def chat_history(
    ctx: RequestContext, *, namespace: str, domain: str, chat_id: Id, query: HistoryQuery
) -> dict[str, Any]:
    """Newest first unless ``forward``; ``start_event`` (inclusive) bounds the direction of
    travel; ``types`` (repeatable) keeps only those event kinds. ``total`` counts the
    matching events."""
    record = await ctx.domain(namespace, domain)
    chat = await _get(ctx, record, chat_id)
    async with ctx.database.transaction(readonly=True) as tx:
        repo = ChatRepository(tx)
        events, total = await repo.history(
            chat.pk,
            types=list(dict.fromkeys(query.types)),
            start_event=query.start_event,
            forward=query.forward,
            offset=query.offset,
            limit=query.limit,
        )
        users = await repo.users(pk for e in events for pk in event_user_pks(e))
    return page_of([_event(e, users) for e in events], total, query)
