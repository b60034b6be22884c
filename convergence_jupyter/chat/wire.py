"""Chat records to wire messages: chat infos, live events and history entries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from convergence_jupyter.domain.users import DomainUserId, UserType
from convergence_jupyter.identity.wire import user_id_to_wire
from convergence_jupyter.protocol.schema import chat_pb2, core_pb2
from convergence_jupyter.store.chats import ChatEventRecord, ChatRecord
from convergence_jupyter.store.records import UserRecord

#: Resolves a user pk to its wire id; pks are always of users the caller has loaded.
UserIds = Callable[[int], core_pb2.DomainUserIdData]


def timestamp(at: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


def user_id_of(record: UserRecord) -> DomainUserId:
    return DomainUserId(UserType(int(record.user_type)), record.username)


def user_ids(users: Mapping[int, UserRecord]) -> UserIds:
    def resolve(pk: int) -> core_pb2.DomainUserIdData:
        return user_id_to_wire(user_id_of(users[pk]))

    return resolve


def chat_info(
    chat: ChatRecord, ids: UserIds, members: Mapping[int, int] | None = None
) -> chat_pb2.ChatInfoData:
    """``members`` (user pk -> max seen event) overrides the stored members (rooms)."""
    info = chat_pb2.ChatInfoData(
        id=chat.chat_id,
        chatType=chat.chat_type,
        membership=chat.membership,
        name=chat.name,
        topic=chat.topic,
        lastEventNumber=chat.last_event_number,
    )
    info.createdTime.CopyFrom(timestamp(chat.created_at))
    info.lastEventTime.CopyFrom(timestamp(chat.last_event_time))
    seen = members if members is not None else {m.user_pk: m.max_seen_event for m in chat.members}
    for pk, max_seen in seen.items():
        info.members.add(user=ids(pk), maxSeenEventNumber=max_seen)
    return info


#: Live push body name per event type.
LIVE_BODY = {
    "message": "remoteChatMessage",
    "user_joined": "userJoinedChat",
    "user_left": "userLeftChat",
    "user_added": "userAddedToChat",
    "user_removed": "userRemovedFromChat",
    "name_changed": "chatNameChanged",
    "topic_changed": "chatTopicChanged",
}


def live_event(chat_id: str, event: ChatEventRecord, ids: UserIds) -> tuple[str, Message]:
    """The push message for an event (never ``created``: nobody is listening yet)."""
    common: dict[str, Any] = {
        "chatId": chat_id,
        "eventNumber": event.event_number,
        "timestamp": timestamp(event.created_at),
        "user": ids(event.user_pk),
    }
    kind = event.event_type
    body: Message
    if kind == "message":
        body = chat_pb2.RemoteChatMessageMessage(message=event.text or "", **common)
    elif kind == "user_joined":
        body = chat_pb2.UserJoinedChatMessage(**common)
    elif kind == "user_left":
        body = chat_pb2.UserLeftChatMessage(**common)
    elif kind == "user_added":
        assert event.target_user_pk is not None
        body = chat_pb2.UserAddedToChatMessage(addedUser=ids(event.target_user_pk), **common)
    elif kind == "user_removed":
        assert event.target_user_pk is not None
        body = chat_pb2.UserRemovedFromChatMessage(removedUser=ids(event.target_user_pk), **common)
    elif kind == "name_changed":
        body = chat_pb2.ChatNameSetMessage(name=event.text or "", **common)
    elif kind == "topic_changed":
        body = chat_pb2.ChatTopicSetMessage(topic=event.text or "", **common)
    else:
        raise ValueError(f"no live message for {kind!r}")
    return LIVE_BODY[kind], body


def history_entry(chat_id: str, event: ChatEventRecord, ids: UserIds) -> chat_pb2.ChatEventData:
    common: dict[str, Any] = {
        "chatId": chat_id,
        "eventNumber": event.event_number,
        "timestamp": timestamp(event.created_at),
        "user": ids(event.user_pk),
    }
    kind = event.event_type
    entry = chat_pb2.ChatEventData()
    if kind == "created":
        data = event.data or {}
        entry.created.CopyFrom(
            chat_pb2.ChatCreatedEventData(
                name=data.get("name", ""),
                topic=data.get("topic", ""),
                members=[ids(pk) for pk in data.get("members", [])],
                **common,
            )
        )
    elif kind == "message":
        entry.message.CopyFrom(chat_pb2.ChatMessageEventData(message=event.text or "", **common))
    elif kind == "user_joined":
        entry.userJoined.CopyFrom(chat_pb2.ChatUserJoinedEventData(**common))
    elif kind == "user_left":
        entry.userLeft.CopyFrom(chat_pb2.ChatUserLeftEventData(**common))
    elif kind == "user_added":
        assert event.target_user_pk is not None
        entry.userAdded.CopyFrom(
            chat_pb2.ChatUserAddedEventData(addedUser=ids(event.target_user_pk), **common)
        )
    elif kind == "user_removed":
        assert event.target_user_pk is not None
        entry.userRemoved.CopyFrom(
            chat_pb2.ChatUserRemovedEventData(removedUser=ids(event.target_user_pk), **common)
        )
    elif kind == "name_changed":
        entry.nameChanged.CopyFrom(
            chat_pb2.ChatNameChangedEventData(name=event.text or "", **common)
        )
    elif kind == "topic_changed":
        entry.topicChanged.CopyFrom(
            chat_pb2.ChatTopicChangedEventData(topic=event.text or "", **common)
        )
    return entry


def event_user_pks(event: ChatEventRecord) -> set[int]:
    pks = {event.user_pk}
    if event.target_user_pk is not None:
        pks.add(event.target_user_pk)
    if event.data:
        pks.update(event.data.get("members", []))
    return pks
