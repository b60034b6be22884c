import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import wrappers_pb2 as _wrappers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DomainUserTypeData(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Normal: _ClassVar[DomainUserTypeData]
    Convergence: _ClassVar[DomainUserTypeData]
    Anonymous: _ClassVar[DomainUserTypeData]
Normal: DomainUserTypeData
Convergence: DomainUserTypeData
Anonymous: DomainUserTypeData

class PingMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PongMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConnectionRequestMessage(_message.Message):
    __slots__ = ("client", "clientVersion", "password", "jwt", "anonymous", "reconnect")
    class PasswordAuthRequestData(_message.Message):
        __slots__ = ("username", "password")
        USERNAME_FIELD_NUMBER: _ClassVar[int]
        PASSWORD_FIELD_NUMBER: _ClassVar[int]
        username: str
        password: str
        def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...
    class JwtAuthRequestData(_message.Message):
        __slots__ = ("jwt",)
        JWT_FIELD_NUMBER: _ClassVar[int]
        jwt: str
        def __init__(self, jwt: _Optional[str] = ...) -> None: ...
    class ReconnectTokenAuthRequestData(_message.Message):
        __slots__ = ("token",)
        TOKEN_FIELD_NUMBER: _ClassVar[int]
        token: str
        def __init__(self, token: _Optional[str] = ...) -> None: ...
    class AnonymousAuthRequestData(_message.Message):
        __slots__ = ("displayName",)
        DISPLAYNAME_FIELD_NUMBER: _ClassVar[int]
        displayName: _wrappers_pb2.StringValue
        def __init__(self, displayName: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ...) -> None: ...
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    CLIENTVERSION_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    JWT_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    RECONNECT_FIELD_NUMBER: _ClassVar[int]
    client: str
    clientVersion: str
    password: ConnectionRequestMessage.PasswordAuthRequestData
    jwt: ConnectionRequestMessage.JwtAuthRequestData
    anonymous: ConnectionRequestMessage.AnonymousAuthRequestData
    reconnect: ConnectionRequestMessage.ReconnectTokenAuthRequestData
    def __init__(self, client: _Optional[str] = ..., clientVersion: _Optional[str] = ..., password: _Optional[_Union[ConnectionRequestMessage.PasswordAuthRequestData, _Mapping]] = ..., jwt: _Optional[_Union[ConnectionRequestMessage.JwtAuthRequestData, _Mapping]] = ..., anonymous: _Optional[_Union[ConnectionRequestMessage.AnonymousAuthRequestData, _Mapping]] = ..., reconnect: _Optional[_Union[ConnectionRequestMessage.ReconnectTokenAuthRequestData, _Mapping]] = ...) -> None: ...

class ConnectionResponseMessage(_message.Message):
    __slots__ = ("server", "success", "failure")
    class ServerData(_message.Message):
        __slots__ = ("version",)
        VERSION_FIELD_NUMBER: _ClassVar[int]
        version: str
        def __init__(self, version: _Optional[str] = ...) -> None: ...
    class ConnectionSuccessData(_message.Message):
        __slots__ = ("namespace", "domainId", "user", "sessionId", "reconnectToken", "presenceState")
        class PresenceStateEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: _struct_pb2.Value
            def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
        NAMESPACE_FIELD_NUMBER: _ClassVar[int]
        DOMAINID_FIELD_NUMBER: _ClassVar[int]
        USER_FIELD_NUMBER: _ClassVar[int]
        SESSIONID_FIELD_NUMBER: _ClassVar[int]
        RECONNECTTOKEN_FIELD_NUMBER: _ClassVar[int]
        PRESENCESTATE_FIELD_NUMBER: _ClassVar[int]
        namespace: str
        domainId: str
        user: DomainUserData
        sessionId: str
        reconnectToken: str
        presenceState: _containers.MessageMap[str, _struct_pb2.Value]
        def __init__(self, namespace: _Optional[str] = ..., domainId: _Optional[str] = ..., user: _Optional[_Union[DomainUserData, _Mapping]] = ..., sessionId: _Optional[str] = ..., reconnectToken: _Optional[str] = ..., presenceState: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...
    class ConnectionFailureData(_message.Message):
        __slots__ = ("code", "details", "retryOk")
        CODE_FIELD_NUMBER: _ClassVar[int]
        DETAILS_FIELD_NUMBER: _ClassVar[int]
        RETRYOK_FIELD_NUMBER: _ClassVar[int]
        code: str
        details: str
        retryOk: bool
        def __init__(self, code: _Optional[str] = ..., details: _Optional[str] = ..., retryOk: _Optional[bool] = ...) -> None: ...
    SERVER_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    server: ConnectionResponseMessage.ServerData
    success: ConnectionResponseMessage.ConnectionSuccessData
    failure: ConnectionResponseMessage.ConnectionFailureData
    def __init__(self, server: _Optional[_Union[ConnectionResponseMessage.ServerData, _Mapping]] = ..., success: _Optional[_Union[ConnectionResponseMessage.ConnectionSuccessData, _Mapping]] = ..., failure: _Optional[_Union[ConnectionResponseMessage.ConnectionFailureData, _Mapping]] = ...) -> None: ...

class DomainUserIdData(_message.Message):
    __slots__ = ("userType", "username")
    USERTYPE_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    userType: DomainUserTypeData
    username: str
    def __init__(self, userType: _Optional[_Union[DomainUserTypeData, str]] = ..., username: _Optional[str] = ...) -> None: ...

class DomainUserIdList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[DomainUserIdData]
    def __init__(self, values: _Optional[_Iterable[_Union[DomainUserIdData, _Mapping]]] = ...) -> None: ...

class DomainUserData(_message.Message):
    __slots__ = ("userId", "firstName", "lastName", "displayName", "email", "disabled", "deleted", "deletedUsername")
    USERID_FIELD_NUMBER: _ClassVar[int]
    FIRSTNAME_FIELD_NUMBER: _ClassVar[int]
    LASTNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAYNAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    DELETEDUSERNAME_FIELD_NUMBER: _ClassVar[int]
    userId: DomainUserIdData
    firstName: _wrappers_pb2.StringValue
    lastName: _wrappers_pb2.StringValue
    displayName: _wrappers_pb2.StringValue
    email: _wrappers_pb2.StringValue
    disabled: bool
    deleted: bool
    deletedUsername: _wrappers_pb2.StringValue
    def __init__(self, userId: _Optional[_Union[DomainUserIdData, _Mapping]] = ..., firstName: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., lastName: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., displayName: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., email: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., disabled: _Optional[bool] = ..., deleted: _Optional[bool] = ..., deletedUsername: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ...) -> None: ...

class UserPermissionsEntry(_message.Message):
    __slots__ = ("user", "permissions")
    USER_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    user: DomainUserIdData
    permissions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user: _Optional[_Union[DomainUserIdData, _Mapping]] = ..., permissions: _Optional[_Iterable[str]] = ...) -> None: ...

class PermissionsList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class PermissionTarget(_message.Message):
    __slots__ = ("chat", "activity")
    class Chat(_message.Message):
        __slots__ = ("id",)
        ID_FIELD_NUMBER: _ClassVar[int]
        id: str
        def __init__(self, id: _Optional[str] = ...) -> None: ...
    class Activity(_message.Message):
        __slots__ = ("type", "id")
        TYPE_FIELD_NUMBER: _ClassVar[int]
        ID_FIELD_NUMBER: _ClassVar[int]
        type: str
        id: str
        def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...
    CHAT_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    chat: PermissionTarget.Chat
    activity: PermissionTarget.Activity
    def __init__(self, chat: _Optional[_Union[PermissionTarget.Chat, _Mapping]] = ..., activity: _Optional[_Union[PermissionTarget.Activity, _Mapping]] = ...) -> None: ...

class AddPermissionsRequestMessage(_message.Message):
    __slots__ = ("target", "world", "user", "group")
    class GroupEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PermissionsList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PermissionsList, _Mapping]] = ...) -> None: ...
    TARGET_FIELD_NUMBER: _ClassVar[int]
    WORLD_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    target: PermissionTarget
    world: _containers.RepeatedScalarFieldContainer[str]
    user: _containers.RepeatedCompositeFieldContainer[UserPermissionsEntry]
    group: _containers.MessageMap[str, PermissionsList]
    def __init__(self, target: _Optional[_Union[PermissionTarget, _Mapping]] = ..., world: _Optional[_Iterable[str]] = ..., user: _Optional[_Iterable[_Union[UserPermissionsEntry, _Mapping]]] = ..., group: _Optional[_Mapping[str, PermissionsList]] = ...) -> None: ...

class RemovePermissionsRequestMessage(_message.Message):
    __slots__ = ("target", "world", "user", "group")
    class GroupEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PermissionsList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PermissionsList, _Mapping]] = ...) -> None: ...
    TARGET_FIELD_NUMBER: _ClassVar[int]
    WORLD_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    target: PermissionTarget
    world: _containers.RepeatedScalarFieldContainer[str]
    user: _containers.RepeatedCompositeFieldContainer[UserPermissionsEntry]
    group: _containers.MessageMap[str, PermissionsList]
    def __init__(self, target: _Optional[_Union[PermissionTarget, _Mapping]] = ..., world: _Optional[_Iterable[str]] = ..., user: _Optional[_Iterable[_Union[UserPermissionsEntry, _Mapping]]] = ..., group: _Optional[_Mapping[str, PermissionsList]] = ...) -> None: ...

class SetPermissionsRequestMessage(_message.Message):
    __slots__ = ("target", "world", "user", "group")
    class SetWorld(_message.Message):
        __slots__ = ("permissions",)
        PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        permissions: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, permissions: _Optional[_Iterable[str]] = ...) -> None: ...
    class SetUser(_message.Message):
        __slots__ = ("permissions", "replaceAll")
        PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        REPLACEALL_FIELD_NUMBER: _ClassVar[int]
        permissions: _containers.RepeatedCompositeFieldContainer[UserPermissionsEntry]
        replaceAll: bool
        def __init__(self, permissions: _Optional[_Iterable[_Union[UserPermissionsEntry, _Mapping]]] = ..., replaceAll: _Optional[bool] = ...) -> None: ...
    class SetGroup(_message.Message):
        __slots__ = ("permissions", "replaceAll")
        class PermissionsEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: PermissionsList
            def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PermissionsList, _Mapping]] = ...) -> None: ...
        PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        REPLACEALL_FIELD_NUMBER: _ClassVar[int]
        permissions: _containers.MessageMap[str, PermissionsList]
        replaceAll: bool
        def __init__(self, permissions: _Optional[_Mapping[str, PermissionsList]] = ..., replaceAll: _Optional[bool] = ...) -> None: ...
    TARGET_FIELD_NUMBER: _ClassVar[int]
    WORLD_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    target: PermissionTarget
    world: SetPermissionsRequestMessage.SetWorld
    user: SetPermissionsRequestMessage.SetUser
    group: SetPermissionsRequestMessage.SetGroup
    def __init__(self, target: _Optional[_Union[PermissionTarget, _Mapping]] = ..., world: _Optional[_Union[SetPermissionsRequestMessage.SetWorld, _Mapping]] = ..., user: _Optional[_Union[SetPermissionsRequestMessage.SetUser, _Mapping]] = ..., group: _Optional[_Union[SetPermissionsRequestMessage.SetGroup, _Mapping]] = ...) -> None: ...

class GetPermissionsRequestMessage(_message.Message):
    __slots__ = ("target",)
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: PermissionTarget
    def __init__(self, target: _Optional[_Union[PermissionTarget, _Mapping]] = ...) -> None: ...

class GetPermissionsResponseMessage(_message.Message):
    __slots__ = ("user", "group", "world")
    class GroupEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PermissionsList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PermissionsList, _Mapping]] = ...) -> None: ...
    USER_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    WORLD_FIELD_NUMBER: _ClassVar[int]
    user: _containers.RepeatedCompositeFieldContainer[UserPermissionsEntry]
    group: _containers.MessageMap[str, PermissionsList]
    world: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user: _Optional[_Iterable[_Union[UserPermissionsEntry, _Mapping]]] = ..., group: _Optional[_Mapping[str, PermissionsList]] = ..., world: _Optional[_Iterable[str]] = ...) -> None: ...

class ResolvePermissionsForConnectedSessionRequestMessage(_message.Message):
    __slots__ = ("target",)
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: PermissionTarget
    def __init__(self, target: _Optional[_Union[PermissionTarget, _Mapping]] = ...) -> None: ...

class ResolvePermissionsForConnectedSessionResponseMessage(_message.Message):
    __slots__ = ("permissions",)
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, permissions: _Optional[_Iterable[str]] = ...) -> None: ...

class ErrorMessage(_message.Message):
    __slots__ = ("code", "message", "details")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    details: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., details: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class OkResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServerTimeRequestMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServerTimeResponseMessage(_message.Message):
    __slots__ = ("serverTime",)
    SERVERTIME_FIELD_NUMBER: _ClassVar[int]
    serverTime: _timestamp_pb2.Timestamp
    def __init__(self, serverTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StringList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class Int32List(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, values: _Optional[_Iterable[int]] = ...) -> None: ...
