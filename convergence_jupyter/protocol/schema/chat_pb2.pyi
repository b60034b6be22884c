import datetime

from convergence_jupyter.protocol.schema import core_pb2 as _core_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import wrappers_pb2 as _wrappers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PublishChatRequestMessage(_message.Message):
    __slots__ = ("chatId", "message")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    message: str
    def __init__(self, chatId: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class PublishChatResponseMessage(_message.Message):
    __slots__ = ("eventNumber", "timestamp")
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RemoteChatMessageMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "message")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    message: str
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., message: _Optional[str] = ...) -> None: ...

class CreateChatRequestMessage(_message.Message):
    __slots__ = ("chatId", "chatType", "membership", "name", "topic", "members")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    CHATTYPE_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    chatId: _wrappers_pb2.StringValue
    chatType: str
    membership: str
    name: str
    topic: str
    members: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, chatId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., chatType: _Optional[str] = ..., membership: _Optional[str] = ..., name: _Optional[str] = ..., topic: _Optional[str] = ..., members: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class CreateChatResponseMessage(_message.Message):
    __slots__ = ("chatId",)
    CHATID_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    def __init__(self, chatId: _Optional[str] = ...) -> None: ...

class RemoveChatRequestMessage(_message.Message):
    __slots__ = ("chatId",)
    CHATID_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    def __init__(self, chatId: _Optional[str] = ...) -> None: ...

class RemoveChatResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChatRemovedMessage(_message.Message):
    __slots__ = ("chatId",)
    CHATID_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    def __init__(self, chatId: _Optional[str] = ...) -> None: ...

class JoinChatRequestMessage(_message.Message):
    __slots__ = ("chatId",)
    CHATID_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    def __init__(self, chatId: _Optional[str] = ...) -> None: ...

class JoinChatResponseMessage(_message.Message):
    __slots__ = ("chatInfo",)
    CHATINFO_FIELD_NUMBER: _ClassVar[int]
    chatInfo: ChatInfoData
    def __init__(self, chatInfo: _Optional[_Union[ChatInfoData, _Mapping]] = ...) -> None: ...

class UserJoinedChatMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class AddUserToChatRequestMessage(_message.Message):
    __slots__ = ("chatId", "userToAdd")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    USERTOADD_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    userToAdd: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., userToAdd: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class AddUserToChatResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UserAddedToChatMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "addedUser")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    ADDEDUSER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    addedUser: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., addedUser: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class ChatJoinedMessage(_message.Message):
    __slots__ = ("chatId",)
    CHATID_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    def __init__(self, chatId: _Optional[str] = ...) -> None: ...

class LeaveChatRequestMessage(_message.Message):
    __slots__ = ("chatId",)
    CHATID_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    def __init__(self, chatId: _Optional[str] = ...) -> None: ...

class LeaveChatResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UserLeftChatMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class RemoveUserFromChatRequestMessage(_message.Message):
    __slots__ = ("chatId", "userToRemove")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    USERTOREMOVE_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    userToRemove: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., userToRemove: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class RemoveUserFromChatResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UserRemovedFromChatMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "removedUser")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    REMOVEDUSER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    removedUser: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., removedUser: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class ChatLeftMessage(_message.Message):
    __slots__ = ("chatId",)
    CHATID_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    def __init__(self, chatId: _Optional[str] = ...) -> None: ...

class SetChatNameRequestMessage(_message.Message):
    __slots__ = ("chatId", "name")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    name: str
    def __init__(self, chatId: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class SetChatNameResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChatNameSetMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "name")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    name: str
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class SetChatTopicRequestMessage(_message.Message):
    __slots__ = ("chatId", "topic")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    topic: str
    def __init__(self, chatId: _Optional[str] = ..., topic: _Optional[str] = ...) -> None: ...

class SetChatTopicResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChatTopicSetMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "topic")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    topic: str
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., topic: _Optional[str] = ...) -> None: ...

class MarkChatEventsSeenRequestMessage(_message.Message):
    __slots__ = ("chatId", "eventNumber")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ...) -> None: ...

class MarkChatEventsSeenResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChatEventsMarkedSeenMessage(_message.Message):
    __slots__ = ("chatId", "user", "eventNumber")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    user: _core_pb2.DomainUserIdData
    eventNumber: int
    def __init__(self, chatId: _Optional[str] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., eventNumber: _Optional[int] = ...) -> None: ...

class GetJoinedChatsRequestMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJoinedChatsResponseMessage(_message.Message):
    __slots__ = ("chatInfo",)
    CHATINFO_FIELD_NUMBER: _ClassVar[int]
    chatInfo: _containers.RepeatedCompositeFieldContainer[ChatInfoData]
    def __init__(self, chatInfo: _Optional[_Iterable[_Union[ChatInfoData, _Mapping]]] = ...) -> None: ...

class GetChatsRequestMessage(_message.Message):
    __slots__ = ("chatIds",)
    CHATIDS_FIELD_NUMBER: _ClassVar[int]
    chatIds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, chatIds: _Optional[_Iterable[str]] = ...) -> None: ...

class GetChatsResponseMessage(_message.Message):
    __slots__ = ("chatInfo",)
    CHATINFO_FIELD_NUMBER: _ClassVar[int]
    chatInfo: _containers.RepeatedCompositeFieldContainer[ChatInfoData]
    def __init__(self, chatInfo: _Optional[_Iterable[_Union[ChatInfoData, _Mapping]]] = ...) -> None: ...

class GetDirectChatsRequestMessage(_message.Message):
    __slots__ = ("userLists",)
    USERLISTS_FIELD_NUMBER: _ClassVar[int]
    userLists: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdList]
    def __init__(self, userLists: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdList, _Mapping]]] = ...) -> None: ...

class GetDirectChatsResponseMessage(_message.Message):
    __slots__ = ("chatInfo",)
    CHATINFO_FIELD_NUMBER: _ClassVar[int]
    chatInfo: _containers.RepeatedCompositeFieldContainer[ChatInfoData]
    def __init__(self, chatInfo: _Optional[_Iterable[_Union[ChatInfoData, _Mapping]]] = ...) -> None: ...

class ChatHistoryRequestMessage(_message.Message):
    __slots__ = ("chatId", "offset", "limit", "startEvent", "forward", "eventFilter")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STARTEVENT_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    EVENTFILTER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    offset: _wrappers_pb2.Int64Value
    limit: _wrappers_pb2.Int64Value
    startEvent: _wrappers_pb2.Int64Value
    forward: _wrappers_pb2.BoolValue
    eventFilter: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, chatId: _Optional[str] = ..., offset: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., limit: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., startEvent: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., forward: _Optional[_Union[_wrappers_pb2.BoolValue, _Mapping]] = ..., eventFilter: _Optional[_Iterable[str]] = ...) -> None: ...

class ChatHistoryResponseMessage(_message.Message):
    __slots__ = ("data", "startIndex", "totalResults")
    DATA_FIELD_NUMBER: _ClassVar[int]
    STARTINDEX_FIELD_NUMBER: _ClassVar[int]
    TOTALRESULTS_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedCompositeFieldContainer[ChatEventData]
    startIndex: int
    totalResults: int
    def __init__(self, data: _Optional[_Iterable[_Union[ChatEventData, _Mapping]]] = ..., startIndex: _Optional[int] = ..., totalResults: _Optional[int] = ...) -> None: ...

class ChatsExistRequestMessage(_message.Message):
    __slots__ = ("chatIds",)
    CHATIDS_FIELD_NUMBER: _ClassVar[int]
    chatIds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, chatIds: _Optional[_Iterable[str]] = ...) -> None: ...

class ChatsExistResponseMessage(_message.Message):
    __slots__ = ("exists",)
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    exists: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, exists: _Optional[_Iterable[bool]] = ...) -> None: ...

class ChatsSearchRequestMessage(_message.Message):
    __slots__ = ("searchTerm", "searchFields", "types", "membership", "offset", "limit")
    SEARCHTERM_FIELD_NUMBER: _ClassVar[int]
    SEARCHFIELDS_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    searchTerm: str
    searchFields: _containers.RepeatedScalarFieldContainer[str]
    types: _containers.RepeatedScalarFieldContainer[str]
    membership: str
    offset: _wrappers_pb2.Int64Value
    limit: _wrappers_pb2.Int64Value
    def __init__(self, searchTerm: _Optional[str] = ..., searchFields: _Optional[_Iterable[str]] = ..., types: _Optional[_Iterable[str]] = ..., membership: _Optional[str] = ..., offset: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., limit: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ...) -> None: ...

class ChatsSearchResponseMessage(_message.Message):
    __slots__ = ("data", "startIndex", "totalResults")
    DATA_FIELD_NUMBER: _ClassVar[int]
    STARTINDEX_FIELD_NUMBER: _ClassVar[int]
    TOTALRESULTS_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedCompositeFieldContainer[ChatInfoData]
    startIndex: int
    totalResults: int
    def __init__(self, data: _Optional[_Iterable[_Union[ChatInfoData, _Mapping]]] = ..., startIndex: _Optional[int] = ..., totalResults: _Optional[int] = ...) -> None: ...

class ChatMemberData(_message.Message):
    __slots__ = ("user", "maxSeenEventNumber")
    USER_FIELD_NUMBER: _ClassVar[int]
    MAXSEENEVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    maxSeenEventNumber: int
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., maxSeenEventNumber: _Optional[int] = ...) -> None: ...

class ChatInfoData(_message.Message):
    __slots__ = ("id", "chatType", "membership", "name", "topic", "createdTime", "lastEventTime", "lastEventNumber", "members")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHATTYPE_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CREATEDTIME_FIELD_NUMBER: _ClassVar[int]
    LASTEVENTTIME_FIELD_NUMBER: _ClassVar[int]
    LASTEVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    chatType: str
    membership: str
    name: str
    topic: str
    createdTime: _timestamp_pb2.Timestamp
    lastEventTime: _timestamp_pb2.Timestamp
    lastEventNumber: int
    members: _containers.RepeatedCompositeFieldContainer[ChatMemberData]
    def __init__(self, id: _Optional[str] = ..., chatType: _Optional[str] = ..., membership: _Optional[str] = ..., name: _Optional[str] = ..., topic: _Optional[str] = ..., createdTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lastEventTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lastEventNumber: _Optional[int] = ..., members: _Optional[_Iterable[_Union[ChatMemberData, _Mapping]]] = ...) -> None: ...

class ChatCreatedEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "name", "topic", "members")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    name: str
    topic: str
    members: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., name: _Optional[str] = ..., topic: _Optional[str] = ..., members: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class ChatMessageEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "message")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    message: str
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., message: _Optional[str] = ...) -> None: ...

class ChatUserJoinedEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class ChatUserLeftEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class ChatUserAddedEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "addedUser")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    ADDEDUSER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    addedUser: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., addedUser: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class ChatUserRemovedEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "removedUser")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    REMOVEDUSER_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    removedUser: _core_pb2.DomainUserIdData
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., removedUser: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class ChatNameChangedEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "name")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    name: str
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class ChatTopicChangedEventData(_message.Message):
    __slots__ = ("chatId", "eventNumber", "timestamp", "user", "topic")
    CHATID_FIELD_NUMBER: _ClassVar[int]
    EVENTNUMBER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    chatId: str
    eventNumber: int
    timestamp: _timestamp_pb2.Timestamp
    user: _core_pb2.DomainUserIdData
    topic: str
    def __init__(self, chatId: _Optional[str] = ..., eventNumber: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., topic: _Optional[str] = ...) -> None: ...

class ChatEventData(_message.Message):
    __slots__ = ("created", "message", "userJoined", "userLeft", "userAdded", "userRemoved", "nameChanged", "topicChanged")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    USERJOINED_FIELD_NUMBER: _ClassVar[int]
    USERLEFT_FIELD_NUMBER: _ClassVar[int]
    USERADDED_FIELD_NUMBER: _ClassVar[int]
    USERREMOVED_FIELD_NUMBER: _ClassVar[int]
    NAMECHANGED_FIELD_NUMBER: _ClassVar[int]
    TOPICCHANGED_FIELD_NUMBER: _ClassVar[int]
    created: ChatCreatedEventData
    message: ChatMessageEventData
    userJoined: ChatUserJoinedEventData
    userLeft: ChatUserLeftEventData
    userAdded: ChatUserAddedEventData
    userRemoved: ChatUserRemovedEventData
    nameChanged: ChatNameChangedEventData
    topicChanged: ChatTopicChangedEventData
    def __init__(self, created: _Optional[_Union[ChatCreatedEventData, _Mapping]] = ..., message: _Optional[_Union[ChatMessageEventData, _Mapping]] = ..., userJoined: _Optional[_Union[ChatUserJoinedEventData, _Mapping]] = ..., userLeft: _Optional[_Union[ChatUserLeftEventData, _Mapping]] = ..., userAdded: _Optional[_Union[ChatUserAddedEventData, _Mapping]] = ..., userRemoved: _Optional[_Union[ChatUserRemovedEventData, _Mapping]] = ..., nameChanged: _Optional[_Union[ChatNameChangedEventData, _Mapping]] = ..., topicChanged: _Optional[_Union[ChatTopicChangedEventData, _Mapping]] = ...) -> None: ...
