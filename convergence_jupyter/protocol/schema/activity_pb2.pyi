import datetime

from convergence_jupyter.protocol.schema import core_pb2 as _core_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActivityCreateRequestMessage(_message.Message):
    __slots__ = ("activityType", "activityId", "worldPermissions", "userPermissions", "groupPermissions")
    class GroupPermissionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _core_pb2.PermissionsList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_core_pb2.PermissionsList, _Mapping]] = ...) -> None: ...
    ACTIVITYTYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITYID_FIELD_NUMBER: _ClassVar[int]
    WORLDPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    USERPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    GROUPPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    activityType: str
    activityId: str
    worldPermissions: _containers.RepeatedScalarFieldContainer[str]
    userPermissions: _containers.RepeatedCompositeFieldContainer[_core_pb2.UserPermissionsEntry]
    groupPermissions: _containers.MessageMap[str, _core_pb2.PermissionsList]
    def __init__(self, activityType: _Optional[str] = ..., activityId: _Optional[str] = ..., worldPermissions: _Optional[_Iterable[str]] = ..., userPermissions: _Optional[_Iterable[_Union[_core_pb2.UserPermissionsEntry, _Mapping]]] = ..., groupPermissions: _Optional[_Mapping[str, _core_pb2.PermissionsList]] = ...) -> None: ...

class ActivityDeleteRequestMessage(_message.Message):
    __slots__ = ("activityType", "activityId")
    ACTIVITYTYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITYID_FIELD_NUMBER: _ClassVar[int]
    activityType: str
    activityId: str
    def __init__(self, activityType: _Optional[str] = ..., activityId: _Optional[str] = ...) -> None: ...

class ActivityParticipantsRequestMessage(_message.Message):
    __slots__ = ("activityType", "activityId")
    ACTIVITYTYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITYID_FIELD_NUMBER: _ClassVar[int]
    activityType: str
    activityId: str
    def __init__(self, activityType: _Optional[str] = ..., activityId: _Optional[str] = ...) -> None: ...

class ActivityParticipantsResponseMessage(_message.Message):
    __slots__ = ("state",)
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ActivityStateData
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ActivityStateData, _Mapping]] = ...) -> None: ...
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: _containers.MessageMap[str, ActivityStateData]
    def __init__(self, state: _Optional[_Mapping[str, ActivityStateData]] = ...) -> None: ...

class ActivityJoinRequestMessage(_message.Message):
    __slots__ = ("activityType", "activityId", "lurk", "state", "autoCreateData")
    class AutoCreateData(_message.Message):
        __slots__ = ("ephemeral", "worldPermissions", "userPermissions", "groupPermissions")
        class GroupPermissionsEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: _core_pb2.PermissionsList
            def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_core_pb2.PermissionsList, _Mapping]] = ...) -> None: ...
        EPHEMERAL_FIELD_NUMBER: _ClassVar[int]
        WORLDPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        USERPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        GROUPPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        ephemeral: bool
        worldPermissions: _containers.RepeatedScalarFieldContainer[str]
        userPermissions: _containers.RepeatedCompositeFieldContainer[_core_pb2.UserPermissionsEntry]
        groupPermissions: _containers.MessageMap[str, _core_pb2.PermissionsList]
        def __init__(self, ephemeral: _Optional[bool] = ..., worldPermissions: _Optional[_Iterable[str]] = ..., userPermissions: _Optional[_Iterable[_Union[_core_pb2.UserPermissionsEntry, _Mapping]]] = ..., groupPermissions: _Optional[_Mapping[str, _core_pb2.PermissionsList]] = ...) -> None: ...
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    ACTIVITYTYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITYID_FIELD_NUMBER: _ClassVar[int]
    LURK_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    AUTOCREATEDATA_FIELD_NUMBER: _ClassVar[int]
    activityType: str
    activityId: str
    lurk: bool
    state: _containers.MessageMap[str, _struct_pb2.Value]
    autoCreateData: ActivityJoinRequestMessage.AutoCreateData
    def __init__(self, activityType: _Optional[str] = ..., activityId: _Optional[str] = ..., lurk: _Optional[bool] = ..., state: _Optional[_Mapping[str, _struct_pb2.Value]] = ..., autoCreateData: _Optional[_Union[ActivityJoinRequestMessage.AutoCreateData, _Mapping]] = ...) -> None: ...

class ActivityJoinResponseMessage(_message.Message):
    __slots__ = ("resourceId", "state", "ephemeral", "created")
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ActivityStateData
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ActivityStateData, _Mapping]] = ...) -> None: ...
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EPHEMERAL_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    state: _containers.MessageMap[str, ActivityStateData]
    ephemeral: bool
    created: _timestamp_pb2.Timestamp
    def __init__(self, resourceId: _Optional[int] = ..., state: _Optional[_Mapping[str, ActivityStateData]] = ..., ephemeral: _Optional[bool] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ActivityLeaveRequestMessage(_message.Message):
    __slots__ = ("resourceId",)
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    def __init__(self, resourceId: _Optional[int] = ...) -> None: ...

class ActivityUpdateStateMessage(_message.Message):
    __slots__ = ("resourceId", "set", "complete", "removed")
    class SetEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    set: _containers.MessageMap[str, _struct_pb2.Value]
    complete: bool
    removed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resourceId: _Optional[int] = ..., set: _Optional[_Mapping[str, _struct_pb2.Value]] = ..., complete: _Optional[bool] = ..., removed: _Optional[_Iterable[str]] = ...) -> None: ...

class ActivitySessionJoinedMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId", "state")
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    state: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ..., state: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class ActivitySessionLeftMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ...) -> None: ...

class ActivityStateUpdatedMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId", "set", "complete", "removed")
    class SetEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    set: _containers.MessageMap[str, _struct_pb2.Value]
    complete: bool
    removed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ..., set: _Optional[_Mapping[str, _struct_pb2.Value]] = ..., complete: _Optional[bool] = ..., removed: _Optional[_Iterable[str]] = ...) -> None: ...

class ActivityDeletedMessage(_message.Message):
    __slots__ = ("resourceId",)
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    def __init__(self, resourceId: _Optional[int] = ...) -> None: ...

class ActivityForceLeaveMessage(_message.Message):
    __slots__ = ("resourceId", "reason")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    reason: str
    def __init__(self, resourceId: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ActivityStateData(_message.Message):
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
