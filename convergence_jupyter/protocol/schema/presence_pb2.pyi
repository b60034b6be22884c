from convergence_jupyter.protocol.schema import core_pb2 as _core_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PresenceRequestMessage(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, users: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class PresenceResponseMessage(_message.Message):
    __slots__ = ("userPresences",)
    USERPRESENCES_FIELD_NUMBER: _ClassVar[int]
    userPresences: _containers.RepeatedCompositeFieldContainer[UserPresenceData]
    def __init__(self, userPresences: _Optional[_Iterable[_Union[UserPresenceData, _Mapping]]] = ...) -> None: ...

class SubscribePresenceRequestMessage(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, users: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class SubscribePresenceResponseMessage(_message.Message):
    __slots__ = ("userPresences",)
    USERPRESENCES_FIELD_NUMBER: _ClassVar[int]
    userPresences: _containers.RepeatedCompositeFieldContainer[UserPresenceData]
    def __init__(self, userPresences: _Optional[_Iterable[_Union[UserPresenceData, _Mapping]]] = ...) -> None: ...

class UnsubscribePresenceMessage(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, users: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class PresenceSetStateMessage(_message.Message):
    __slots__ = ("state",)
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, state: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class PresenceRemoveStateMessage(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keys: _Optional[_Iterable[str]] = ...) -> None: ...

class PresenceClearStateMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PresenceStateSetMessage(_message.Message):
    __slots__ = ("user", "state")
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    USER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    state: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., state: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class PresenceStateRemovedMessage(_message.Message):
    __slots__ = ("user", "keys")
    USER_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., keys: _Optional[_Iterable[str]] = ...) -> None: ...

class PresenceStateClearedMessage(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...

class PresenceAvailabilityChangedMessage(_message.Message):
    __slots__ = ("user", "available")
    USER_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    available: bool
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., available: _Optional[bool] = ...) -> None: ...

class UserPresenceData(_message.Message):
    __slots__ = ("user", "available", "state")
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    USER_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    available: bool
    state: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., available: _Optional[bool] = ..., state: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...
