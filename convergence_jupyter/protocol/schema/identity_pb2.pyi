from convergence_jupyter.protocol.schema import core_pb2 as _core_pb2
from google.protobuf import wrappers_pb2 as _wrappers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FIELD_NOT_SET: _ClassVar[UserField]
    USERNAME: _ClassVar[UserField]
    EMAIL: _ClassVar[UserField]
    FIRST_NAME: _ClassVar[UserField]
    LAST_NAME: _ClassVar[UserField]
    DISPLAY_NAME: _ClassVar[UserField]
FIELD_NOT_SET: UserField
USERNAME: UserField
EMAIL: UserField
FIRST_NAME: UserField
LAST_NAME: UserField
DISPLAY_NAME: UserField

class GetUsersRequestMessage(_message.Message):
    __slots__ = ("userIds",)
    USERIDS_FIELD_NUMBER: _ClassVar[int]
    userIds: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, userIds: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class SearchUsersRequestMessage(_message.Message):
    __slots__ = ("fields", "value", "offset", "limit", "orderField", "ascending")
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDERFIELD_FIELD_NUMBER: _ClassVar[int]
    ASCENDING_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.RepeatedScalarFieldContainer[UserField]
    value: str
    offset: _wrappers_pb2.Int32Value
    limit: _wrappers_pb2.Int32Value
    orderField: UserField
    ascending: bool
    def __init__(self, fields: _Optional[_Iterable[_Union[UserField, str]]] = ..., value: _Optional[str] = ..., offset: _Optional[_Union[_wrappers_pb2.Int32Value, _Mapping]] = ..., limit: _Optional[_Union[_wrappers_pb2.Int32Value, _Mapping]] = ..., orderField: _Optional[_Union[UserField, str]] = ..., ascending: _Optional[bool] = ...) -> None: ...

class UserListMessage(_message.Message):
    __slots__ = ("userData",)
    USERDATA_FIELD_NUMBER: _ClassVar[int]
    userData: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserData]
    def __init__(self, userData: _Optional[_Iterable[_Union[_core_pb2.DomainUserData, _Mapping]]] = ...) -> None: ...

class UserGroupsRequestMessage(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UserGroupsResponseMessage(_message.Message):
    __slots__ = ("groupData",)
    GROUPDATA_FIELD_NUMBER: _ClassVar[int]
    groupData: _containers.RepeatedCompositeFieldContainer[UserGroupData]
    def __init__(self, groupData: _Optional[_Iterable[_Union[UserGroupData, _Mapping]]] = ...) -> None: ...

class UserGroupsForUsersRequestMessage(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, users: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class UserGroupsForUsersResponseMessage(_message.Message):
    __slots__ = ("userGroups",)
    USERGROUPS_FIELD_NUMBER: _ClassVar[int]
    userGroups: _containers.RepeatedCompositeFieldContainer[UserGroupsEntry]
    def __init__(self, userGroups: _Optional[_Iterable[_Union[UserGroupsEntry, _Mapping]]] = ...) -> None: ...

class IdentityCacheUpdateMessage(_message.Message):
    __slots__ = ("sessions", "users")
    class SessionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _core_pb2.DomainUserIdData
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ...) -> None: ...
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.MessageMap[str, _core_pb2.DomainUserIdData]
    users: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserData]
    def __init__(self, sessions: _Optional[_Mapping[str, _core_pb2.DomainUserIdData]] = ..., users: _Optional[_Iterable[_Union[_core_pb2.DomainUserData, _Mapping]]] = ...) -> None: ...

class UserGroupData(_message.Message):
    __slots__ = ("id", "description", "members")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    members: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., members: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class UserGroupsEntry(_message.Message):
    __slots__ = ("user", "groups")
    USER_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    groups: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., groups: _Optional[_Iterable[str]] = ...) -> None: ...
