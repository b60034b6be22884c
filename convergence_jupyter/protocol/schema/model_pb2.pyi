import datetime

from convergence_jupyter.protocol.schema import core_pb2 as _core_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import wrappers_pb2 as _wrappers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OpenRealtimeModelRequestMessage(_message.Message):
    __slots__ = ("modelId", "autoCreateId")
    MODELID_FIELD_NUMBER: _ClassVar[int]
    AUTOCREATEID_FIELD_NUMBER: _ClassVar[int]
    modelId: _wrappers_pb2.StringValue
    autoCreateId: _wrappers_pb2.Int32Value
    def __init__(self, modelId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., autoCreateId: _Optional[_Union[_wrappers_pb2.Int32Value, _Mapping]] = ...) -> None: ...

class OpenRealtimeModelResponseMessage(_message.Message):
    __slots__ = ("resourceId", "modelId", "collection", "valueIdPrefix", "version", "createdTime", "modifiedTime", "data", "connectedClients", "resyncingClients", "references", "permissions")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    MODELID_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    VALUEIDPREFIX_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATEDTIME_FIELD_NUMBER: _ClassVar[int]
    MODIFIEDTIME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CONNECTEDCLIENTS_FIELD_NUMBER: _ClassVar[int]
    RESYNCINGCLIENTS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    modelId: str
    collection: str
    valueIdPrefix: str
    version: int
    createdTime: _timestamp_pb2.Timestamp
    modifiedTime: _timestamp_pb2.Timestamp
    data: ObjectValue
    connectedClients: _containers.RepeatedScalarFieldContainer[str]
    resyncingClients: _containers.RepeatedScalarFieldContainer[str]
    references: _containers.RepeatedCompositeFieldContainer[ReferenceData]
    permissions: ModelPermissionsData
    def __init__(self, resourceId: _Optional[int] = ..., modelId: _Optional[str] = ..., collection: _Optional[str] = ..., valueIdPrefix: _Optional[str] = ..., version: _Optional[int] = ..., createdTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., modifiedTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data: _Optional[_Union[ObjectValue, _Mapping]] = ..., connectedClients: _Optional[_Iterable[str]] = ..., resyncingClients: _Optional[_Iterable[str]] = ..., references: _Optional[_Iterable[_Union[ReferenceData, _Mapping]]] = ..., permissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ...) -> None: ...

class CloseRealtimeModelRequestMessage(_message.Message):
    __slots__ = ("resourceId",)
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    def __init__(self, resourceId: _Optional[int] = ...) -> None: ...

class CloseRealTimeModelResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AutoCreateModelConfigRequestMessage(_message.Message):
    __slots__ = ("autoCreateId",)
    AUTOCREATEID_FIELD_NUMBER: _ClassVar[int]
    autoCreateId: int
    def __init__(self, autoCreateId: _Optional[int] = ...) -> None: ...

class AutoCreateModelConfigResponseMessage(_message.Message):
    __slots__ = ("collection", "data", "overridePermissions", "worldPermissions", "userPermissions", "ephemeral")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    OVERRIDEPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    WORLDPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    USERPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    EPHEMERAL_FIELD_NUMBER: _ClassVar[int]
    collection: str
    data: ObjectValue
    overridePermissions: bool
    worldPermissions: ModelPermissionsData
    userPermissions: _containers.RepeatedCompositeFieldContainer[UserModelPermissionsData]
    ephemeral: bool
    def __init__(self, collection: _Optional[str] = ..., data: _Optional[_Union[ObjectValue, _Mapping]] = ..., overridePermissions: _Optional[bool] = ..., worldPermissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ..., userPermissions: _Optional[_Iterable[_Union[UserModelPermissionsData, _Mapping]]] = ..., ephemeral: _Optional[bool] = ...) -> None: ...

class RemoteClientClosedMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ...) -> None: ...

class RemoteClientOpenedMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ...) -> None: ...

class ModelForceCloseMessage(_message.Message):
    __slots__ = ("resourceId", "reason", "reasonCode")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REASONCODE_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    reason: str
    reasonCode: int
    def __init__(self, resourceId: _Optional[int] = ..., reason: _Optional[str] = ..., reasonCode: _Optional[int] = ...) -> None: ...

class CreateRealtimeModelRequestMessage(_message.Message):
    __slots__ = ("collectionId", "modelId", "data", "createdTime", "overrideWorldPermissions", "worldPermissions", "userPermissions")
    COLLECTIONID_FIELD_NUMBER: _ClassVar[int]
    MODELID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CREATEDTIME_FIELD_NUMBER: _ClassVar[int]
    OVERRIDEWORLDPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    WORLDPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    USERPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    collectionId: str
    modelId: _wrappers_pb2.StringValue
    data: ObjectValue
    createdTime: _timestamp_pb2.Timestamp
    overrideWorldPermissions: bool
    worldPermissions: ModelPermissionsData
    userPermissions: _containers.RepeatedCompositeFieldContainer[UserModelPermissionsData]
    def __init__(self, collectionId: _Optional[str] = ..., modelId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., data: _Optional[_Union[ObjectValue, _Mapping]] = ..., createdTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overrideWorldPermissions: _Optional[bool] = ..., worldPermissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ..., userPermissions: _Optional[_Iterable[_Union[UserModelPermissionsData, _Mapping]]] = ...) -> None: ...

class CreateRealtimeModelResponseMessage(_message.Message):
    __slots__ = ("modelId",)
    MODELID_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    def __init__(self, modelId: _Optional[str] = ...) -> None: ...

class DeleteRealtimeModelRequestMessage(_message.Message):
    __slots__ = ("modelId",)
    MODELID_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    def __init__(self, modelId: _Optional[str] = ...) -> None: ...

class DeleteRealtimeModelResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelResyncRequestMessage(_message.Message):
    __slots__ = ("modelId", "contextVersion")
    MODELID_FIELD_NUMBER: _ClassVar[int]
    CONTEXTVERSION_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    contextVersion: int
    def __init__(self, modelId: _Optional[str] = ..., contextVersion: _Optional[int] = ...) -> None: ...

class ModelResyncResponseMessage(_message.Message):
    __slots__ = ("resourceId", "currentVersion", "permissions")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    CURRENTVERSION_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    currentVersion: int
    permissions: ModelPermissionsData
    def __init__(self, resourceId: _Optional[int] = ..., currentVersion: _Optional[int] = ..., permissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ...) -> None: ...

class ModelResyncClientCompleteMessage(_message.Message):
    __slots__ = ("resourceId", "open")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    open: bool
    def __init__(self, resourceId: _Optional[int] = ..., open: _Optional[bool] = ...) -> None: ...

class ModelResyncServerCompleteMessage(_message.Message):
    __slots__ = ("resourceId", "connectedClients", "resyncingClients", "references")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    CONNECTEDCLIENTS_FIELD_NUMBER: _ClassVar[int]
    RESYNCINGCLIENTS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    connectedClients: _containers.RepeatedScalarFieldContainer[str]
    resyncingClients: _containers.RepeatedScalarFieldContainer[str]
    references: _containers.RepeatedCompositeFieldContainer[ReferenceData]
    def __init__(self, resourceId: _Optional[int] = ..., connectedClients: _Optional[_Iterable[str]] = ..., resyncingClients: _Optional[_Iterable[str]] = ..., references: _Optional[_Iterable[_Union[ReferenceData, _Mapping]]] = ...) -> None: ...

class RemoteClientResyncStartedMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ...) -> None: ...

class RemoteClientResyncCompletedMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ...) -> None: ...

class GetModelPermissionsRequestMessage(_message.Message):
    __slots__ = ("modelId",)
    MODELID_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    def __init__(self, modelId: _Optional[str] = ...) -> None: ...

class GetModelPermissionsResponseMessage(_message.Message):
    __slots__ = ("overridesCollection", "worldPermissions", "userPermissions")
    OVERRIDESCOLLECTION_FIELD_NUMBER: _ClassVar[int]
    WORLDPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    USERPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    overridesCollection: bool
    worldPermissions: ModelPermissionsData
    userPermissions: _containers.RepeatedCompositeFieldContainer[UserModelPermissionsData]
    def __init__(self, overridesCollection: _Optional[bool] = ..., worldPermissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ..., userPermissions: _Optional[_Iterable[_Union[UserModelPermissionsData, _Mapping]]] = ...) -> None: ...

class SetModelPermissionsRequestMessage(_message.Message):
    __slots__ = ("modelId", "overrideCollection", "worldPermissions", "removeAllUserPermissionsBeforeSet", "setUserPermissions", "removedUserPermissions")
    MODELID_FIELD_NUMBER: _ClassVar[int]
    OVERRIDECOLLECTION_FIELD_NUMBER: _ClassVar[int]
    WORLDPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    REMOVEALLUSERPERMISSIONSBEFORESET_FIELD_NUMBER: _ClassVar[int]
    SETUSERPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    REMOVEDUSERPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    overrideCollection: _wrappers_pb2.BoolValue
    worldPermissions: ModelPermissionsData
    removeAllUserPermissionsBeforeSet: bool
    setUserPermissions: _containers.RepeatedCompositeFieldContainer[UserModelPermissionsData]
    removedUserPermissions: _containers.RepeatedCompositeFieldContainer[_core_pb2.DomainUserIdData]
    def __init__(self, modelId: _Optional[str] = ..., overrideCollection: _Optional[_Union[_wrappers_pb2.BoolValue, _Mapping]] = ..., worldPermissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ..., removeAllUserPermissionsBeforeSet: _Optional[bool] = ..., setUserPermissions: _Optional[_Iterable[_Union[UserModelPermissionsData, _Mapping]]] = ..., removedUserPermissions: _Optional[_Iterable[_Union[_core_pb2.DomainUserIdData, _Mapping]]] = ...) -> None: ...

class SetModelPermissionsResponseMessage(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelPermissionsChangedMessage(_message.Message):
    __slots__ = ("resourceId", "permissions")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    permissions: ModelPermissionsData
    def __init__(self, resourceId: _Optional[int] = ..., permissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ...) -> None: ...

class ModelsQueryRequestMessage(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: str
    def __init__(self, query: _Optional[str] = ...) -> None: ...

class ModelsQueryResponseMessage(_message.Message):
    __slots__ = ("models", "offset", "totalResults")
    class ModelResult(_message.Message):
        __slots__ = ("collectionId", "modelId", "createdTime", "modifiedTime", "version", "data")
        COLLECTIONID_FIELD_NUMBER: _ClassVar[int]
        MODELID_FIELD_NUMBER: _ClassVar[int]
        CREATEDTIME_FIELD_NUMBER: _ClassVar[int]
        MODIFIEDTIME_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        DATA_FIELD_NUMBER: _ClassVar[int]
        collectionId: str
        modelId: str
        createdTime: _timestamp_pb2.Timestamp
        modifiedTime: _timestamp_pb2.Timestamp
        version: int
        data: _struct_pb2.Struct
        def __init__(self, collectionId: _Optional[str] = ..., modelId: _Optional[str] = ..., createdTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., modifiedTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    MODELS_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTALRESULTS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelsQueryResponseMessage.ModelResult]
    offset: int
    totalResults: int
    def __init__(self, models: _Optional[_Iterable[_Union[ModelsQueryResponseMessage.ModelResult, _Mapping]]] = ..., offset: _Optional[int] = ..., totalResults: _Optional[int] = ...) -> None: ...

class OperationSubmissionMessage(_message.Message):
    __slots__ = ("resourceId", "sequenceNumber", "contextVersion", "operation")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCENUMBER_FIELD_NUMBER: _ClassVar[int]
    CONTEXTVERSION_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sequenceNumber: int
    contextVersion: int
    operation: OperationData
    def __init__(self, resourceId: _Optional[int] = ..., sequenceNumber: _Optional[int] = ..., contextVersion: _Optional[int] = ..., operation: _Optional[_Union[OperationData, _Mapping]] = ...) -> None: ...

class OperationAcknowledgementMessage(_message.Message):
    __slots__ = ("resourceId", "sequenceNumber", "version", "timestamp")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCENUMBER_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sequenceNumber: int
    version: int
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, resourceId: _Optional[int] = ..., sequenceNumber: _Optional[int] = ..., version: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RemoteOperationMessage(_message.Message):
    __slots__ = ("resourceId", "sessionId", "contextVersion", "timestamp", "operation")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    CONTEXTVERSION_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    sessionId: str
    contextVersion: int
    timestamp: _timestamp_pb2.Timestamp
    operation: OperationData
    def __init__(self, resourceId: _Optional[int] = ..., sessionId: _Optional[str] = ..., contextVersion: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., operation: _Optional[_Union[OperationData, _Mapping]] = ...) -> None: ...

class ShareReferenceMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key", "references", "version")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    references: ReferenceValues
    version: int
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ..., references: _Optional[_Union[ReferenceValues, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class RemoteReferenceSharedMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key", "references", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    references: ReferenceValues
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ..., references: _Optional[_Union[ReferenceValues, _Mapping]] = ..., sessionId: _Optional[str] = ...) -> None: ...

class UnshareReferenceMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...

class RemoteReferenceUnsharedMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ..., sessionId: _Optional[str] = ...) -> None: ...

class SetReferenceMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key", "references", "version")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    references: ReferenceValues
    version: int
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ..., references: _Optional[_Union[ReferenceValues, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class RemoteReferenceSetMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key", "references", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    references: ReferenceValues
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ..., references: _Optional[_Union[ReferenceValues, _Mapping]] = ..., sessionId: _Optional[str] = ...) -> None: ...

class ClearReferenceMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...

class RemoteReferenceClearedMessage(_message.Message):
    __slots__ = ("resourceId", "valueId", "key", "sessionId")
    RESOURCEID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    resourceId: int
    valueId: _wrappers_pb2.StringValue
    key: str
    sessionId: str
    def __init__(self, resourceId: _Optional[int] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ..., sessionId: _Optional[str] = ...) -> None: ...

class ModelOfflineSubscriptionChangeRequestMessage(_message.Message):
    __slots__ = ("subscribe", "unsubscribe", "all")
    class ModelOfflineSubscriptionData(_message.Message):
        __slots__ = ("modelId", "currentVersion", "currentPermissions")
        MODELID_FIELD_NUMBER: _ClassVar[int]
        CURRENTVERSION_FIELD_NUMBER: _ClassVar[int]
        CURRENTPERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        modelId: str
        currentVersion: int
        currentPermissions: ModelPermissionsData
        def __init__(self, modelId: _Optional[str] = ..., currentVersion: _Optional[int] = ..., currentPermissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ...) -> None: ...
    SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    subscribe: _containers.RepeatedCompositeFieldContainer[ModelOfflineSubscriptionChangeRequestMessage.ModelOfflineSubscriptionData]
    unsubscribe: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    def __init__(self, subscribe: _Optional[_Iterable[_Union[ModelOfflineSubscriptionChangeRequestMessage.ModelOfflineSubscriptionData, _Mapping]]] = ..., unsubscribe: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ...) -> None: ...

class OfflineModelUpdatedMessage(_message.Message):
    __slots__ = ("modelId", "deleted", "permissionRevoked", "updated", "initial")
    class OfflineModelInitialData(_message.Message):
        __slots__ = ("collection", "valueIdPrefix", "model", "permissions")
        COLLECTION_FIELD_NUMBER: _ClassVar[int]
        VALUEIDPREFIX_FIELD_NUMBER: _ClassVar[int]
        MODEL_FIELD_NUMBER: _ClassVar[int]
        PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        collection: str
        valueIdPrefix: str
        model: OfflineModelUpdatedMessage.ModelUpdateData
        permissions: ModelPermissionsData
        def __init__(self, collection: _Optional[str] = ..., valueIdPrefix: _Optional[str] = ..., model: _Optional[_Union[OfflineModelUpdatedMessage.ModelUpdateData, _Mapping]] = ..., permissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ...) -> None: ...
    class OfflineModelUpdateData(_message.Message):
        __slots__ = ("model", "permissions")
        MODEL_FIELD_NUMBER: _ClassVar[int]
        PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
        model: OfflineModelUpdatedMessage.ModelUpdateData
        permissions: ModelPermissionsData
        def __init__(self, model: _Optional[_Union[OfflineModelUpdatedMessage.ModelUpdateData, _Mapping]] = ..., permissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ...) -> None: ...
    class ModelUpdateData(_message.Message):
        __slots__ = ("version", "createdTime", "modifiedTime", "data")
        VERSION_FIELD_NUMBER: _ClassVar[int]
        CREATEDTIME_FIELD_NUMBER: _ClassVar[int]
        MODIFIEDTIME_FIELD_NUMBER: _ClassVar[int]
        DATA_FIELD_NUMBER: _ClassVar[int]
        version: int
        createdTime: _timestamp_pb2.Timestamp
        modifiedTime: _timestamp_pb2.Timestamp
        data: ObjectValue
        def __init__(self, version: _Optional[int] = ..., createdTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., modifiedTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data: _Optional[_Union[ObjectValue, _Mapping]] = ...) -> None: ...
    MODELID_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONREVOKED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    deleted: bool
    permissionRevoked: bool
    updated: OfflineModelUpdatedMessage.OfflineModelUpdateData
    initial: OfflineModelUpdatedMessage.OfflineModelInitialData
    def __init__(self, modelId: _Optional[str] = ..., deleted: _Optional[bool] = ..., permissionRevoked: _Optional[bool] = ..., updated: _Optional[_Union[OfflineModelUpdatedMessage.OfflineModelUpdateData, _Mapping]] = ..., initial: _Optional[_Union[OfflineModelUpdatedMessage.OfflineModelInitialData, _Mapping]] = ...) -> None: ...

class HistoricalDataRequestMessage(_message.Message):
    __slots__ = ("modelId",)
    MODELID_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    def __init__(self, modelId: _Optional[str] = ...) -> None: ...

class HistoricalDataResponseMessage(_message.Message):
    __slots__ = ("collectionId", "data", "version", "createdTime", "modifiedTime")
    COLLECTIONID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATEDTIME_FIELD_NUMBER: _ClassVar[int]
    MODIFIEDTIME_FIELD_NUMBER: _ClassVar[int]
    collectionId: str
    data: ObjectValue
    version: int
    createdTime: _timestamp_pb2.Timestamp
    modifiedTime: _timestamp_pb2.Timestamp
    def __init__(self, collectionId: _Optional[str] = ..., data: _Optional[_Union[ObjectValue, _Mapping]] = ..., version: _Optional[int] = ..., createdTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., modifiedTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HistoricalOperationRequestMessage(_message.Message):
    __slots__ = ("modelId", "first", "last")
    MODELID_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    first: int
    last: int
    def __init__(self, modelId: _Optional[str] = ..., first: _Optional[int] = ..., last: _Optional[int] = ...) -> None: ...

class HistoricalOperationsResponseMessage(_message.Message):
    __slots__ = ("operations",)
    class ModelOperationData(_message.Message):
        __slots__ = ("modelId", "version", "timestamp", "sessionId", "operation")
        MODELID_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        SESSIONID_FIELD_NUMBER: _ClassVar[int]
        OPERATION_FIELD_NUMBER: _ClassVar[int]
        modelId: str
        version: int
        timestamp: _timestamp_pb2.Timestamp
        sessionId: str
        operation: AppliedOperationData
        def __init__(self, modelId: _Optional[str] = ..., version: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sessionId: _Optional[str] = ..., operation: _Optional[_Union[AppliedOperationData, _Mapping]] = ...) -> None: ...
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[HistoricalOperationsResponseMessage.ModelOperationData]
    def __init__(self, operations: _Optional[_Iterable[_Union[HistoricalOperationsResponseMessage.ModelOperationData, _Mapping]]] = ...) -> None: ...

class ModelGetVersionAtTimeRequestMessage(_message.Message):
    __slots__ = ("modelId", "targetTime")
    MODELID_FIELD_NUMBER: _ClassVar[int]
    TARGETTIME_FIELD_NUMBER: _ClassVar[int]
    modelId: str
    targetTime: _timestamp_pb2.Timestamp
    def __init__(self, modelId: _Optional[str] = ..., targetTime: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ModelGetVersionAtTimeResponseMessage(_message.Message):
    __slots__ = ("versionAtTime",)
    VERSIONATTIME_FIELD_NUMBER: _ClassVar[int]
    versionAtTime: int
    def __init__(self, versionAtTime: _Optional[int] = ...) -> None: ...

class ObjectValue(_message.Message):
    __slots__ = ("id", "children")
    class ChildrenEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    id: str
    children: _containers.MessageMap[str, DataValue]
    def __init__(self, id: _Optional[str] = ..., children: _Optional[_Mapping[str, DataValue]] = ...) -> None: ...

class ArrayValue(_message.Message):
    __slots__ = ("id", "children")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    id: str
    children: _containers.RepeatedCompositeFieldContainer[DataValue]
    def __init__(self, id: _Optional[str] = ..., children: _Optional[_Iterable[_Union[DataValue, _Mapping]]] = ...) -> None: ...

class BooleanValue(_message.Message):
    __slots__ = ("id", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    value: bool
    def __init__(self, id: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...

class DoubleValue(_message.Message):
    __slots__ = ("id", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    value: float
    def __init__(self, id: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class NullValue(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class StringValue(_message.Message):
    __slots__ = ("id", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    value: str
    def __init__(self, id: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class DateValue(_message.Message):
    __slots__ = ("id", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    value: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., value: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DataValue(_message.Message):
    __slots__ = ("objectValue", "arrayValue", "booleanValue", "doubleValue", "nullValue", "stringValue", "dateValue")
    OBJECTVALUE_FIELD_NUMBER: _ClassVar[int]
    ARRAYVALUE_FIELD_NUMBER: _ClassVar[int]
    BOOLEANVALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLEVALUE_FIELD_NUMBER: _ClassVar[int]
    NULLVALUE_FIELD_NUMBER: _ClassVar[int]
    STRINGVALUE_FIELD_NUMBER: _ClassVar[int]
    DATEVALUE_FIELD_NUMBER: _ClassVar[int]
    objectValue: ObjectValue
    arrayValue: ArrayValue
    booleanValue: BooleanValue
    doubleValue: DoubleValue
    nullValue: NullValue
    stringValue: StringValue
    dateValue: DateValue
    def __init__(self, objectValue: _Optional[_Union[ObjectValue, _Mapping]] = ..., arrayValue: _Optional[_Union[ArrayValue, _Mapping]] = ..., booleanValue: _Optional[_Union[BooleanValue, _Mapping]] = ..., doubleValue: _Optional[_Union[DoubleValue, _Mapping]] = ..., nullValue: _Optional[_Union[NullValue, _Mapping]] = ..., stringValue: _Optional[_Union[StringValue, _Mapping]] = ..., dateValue: _Optional[_Union[DateValue, _Mapping]] = ...) -> None: ...

class StringSpliceOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index", "deleteCount", "insertedValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DELETECOUNT_FIELD_NUMBER: _ClassVar[int]
    INSERTEDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    deleteCount: int
    insertedValue: str
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ..., deleteCount: _Optional[int] = ..., insertedValue: _Optional[str] = ...) -> None: ...

class StringSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: str
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[str] = ...) -> None: ...

class ArrayInsertOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    value: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class ArrayRemoveOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ...) -> None: ...

class ArrayReplaceOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    value: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class ArrayMoveOperationData(_message.Message):
    __slots__ = ("id", "noOp", "fromIndex", "toIndex")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    FROMINDEX_FIELD_NUMBER: _ClassVar[int]
    TOINDEX_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    fromIndex: int
    toIndex: int
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., fromIndex: _Optional[int] = ..., toIndex: _Optional[int] = ...) -> None: ...

class ArraySetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "values")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    values: _containers.RepeatedCompositeFieldContainer[DataValue]
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., values: _Optional[_Iterable[_Union[DataValue, _Mapping]]] = ...) -> None: ...

class ObjectAddPropertyOperationData(_message.Message):
    __slots__ = ("id", "noOp", "key", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    key: str
    value: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class ObjectSetPropertyOperationData(_message.Message):
    __slots__ = ("id", "noOp", "key", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    key: str
    value: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class ObjectRemovePropertyOperationData(_message.Message):
    __slots__ = ("id", "noOp", "key")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    key: str
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., key: _Optional[str] = ...) -> None: ...

class ObjectSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    values: _containers.MessageMap[str, DataValue]
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., values: _Optional[_Mapping[str, DataValue]] = ...) -> None: ...

class NumberDeltaOperationData(_message.Message):
    __slots__ = ("id", "noOp", "delta")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    delta: float
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., delta: _Optional[float] = ...) -> None: ...

class NumberSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: float
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[float] = ...) -> None: ...

class BooleanSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: bool
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[bool] = ...) -> None: ...

class DateSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DiscreteOperationData(_message.Message):
    __slots__ = ("stringSpliceOperation", "stringSetOperation", "arrayInsertOperation", "arrayRemoveOperation", "arrayReplaceOperation", "arrayMoveOperation", "arraySetOperation", "objectAddPropertyOperation", "objectSetPropertyOperation", "objectRemovePropertyOperation", "objectSetOperation", "numberDeltaOperation", "numberSetOperation", "booleanSetOperation", "dateSetOperation")
    STRINGSPLICEOPERATION_FIELD_NUMBER: _ClassVar[int]
    STRINGSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYINSERTOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYREMOVEOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYREPLACEOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYMOVEOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTADDPROPERTYOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTSETPROPERTYOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTREMOVEPROPERTYOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    NUMBERDELTAOPERATION_FIELD_NUMBER: _ClassVar[int]
    NUMBERSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    BOOLEANSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    DATESETOPERATION_FIELD_NUMBER: _ClassVar[int]
    stringSpliceOperation: StringSpliceOperationData
    stringSetOperation: StringSetOperationData
    arrayInsertOperation: ArrayInsertOperationData
    arrayRemoveOperation: ArrayRemoveOperationData
    arrayReplaceOperation: ArrayReplaceOperationData
    arrayMoveOperation: ArrayMoveOperationData
    arraySetOperation: ArraySetOperationData
    objectAddPropertyOperation: ObjectAddPropertyOperationData
    objectSetPropertyOperation: ObjectSetPropertyOperationData
    objectRemovePropertyOperation: ObjectRemovePropertyOperationData
    objectSetOperation: ObjectSetOperationData
    numberDeltaOperation: NumberDeltaOperationData
    numberSetOperation: NumberSetOperationData
    booleanSetOperation: BooleanSetOperationData
    dateSetOperation: DateSetOperationData
    def __init__(self, stringSpliceOperation: _Optional[_Union[StringSpliceOperationData, _Mapping]] = ..., stringSetOperation: _Optional[_Union[StringSetOperationData, _Mapping]] = ..., arrayInsertOperation: _Optional[_Union[ArrayInsertOperationData, _Mapping]] = ..., arrayRemoveOperation: _Optional[_Union[ArrayRemoveOperationData, _Mapping]] = ..., arrayReplaceOperation: _Optional[_Union[ArrayReplaceOperationData, _Mapping]] = ..., arrayMoveOperation: _Optional[_Union[ArrayMoveOperationData, _Mapping]] = ..., arraySetOperation: _Optional[_Union[ArraySetOperationData, _Mapping]] = ..., objectAddPropertyOperation: _Optional[_Union[ObjectAddPropertyOperationData, _Mapping]] = ..., objectSetPropertyOperation: _Optional[_Union[ObjectSetPropertyOperationData, _Mapping]] = ..., objectRemovePropertyOperation: _Optional[_Union[ObjectRemovePropertyOperationData, _Mapping]] = ..., objectSetOperation: _Optional[_Union[ObjectSetOperationData, _Mapping]] = ..., numberDeltaOperation: _Optional[_Union[NumberDeltaOperationData, _Mapping]] = ..., numberSetOperation: _Optional[_Union[NumberSetOperationData, _Mapping]] = ..., booleanSetOperation: _Optional[_Union[BooleanSetOperationData, _Mapping]] = ..., dateSetOperation: _Optional[_Union[DateSetOperationData, _Mapping]] = ...) -> None: ...

class CompoundOperationData(_message.Message):
    __slots__ = ("operations",)
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[DiscreteOperationData]
    def __init__(self, operations: _Optional[_Iterable[_Union[DiscreteOperationData, _Mapping]]] = ...) -> None: ...

class OperationData(_message.Message):
    __slots__ = ("discreteOperation", "compoundOperation")
    DISCRETEOPERATION_FIELD_NUMBER: _ClassVar[int]
    COMPOUNDOPERATION_FIELD_NUMBER: _ClassVar[int]
    discreteOperation: DiscreteOperationData
    compoundOperation: CompoundOperationData
    def __init__(self, discreteOperation: _Optional[_Union[DiscreteOperationData, _Mapping]] = ..., compoundOperation: _Optional[_Union[CompoundOperationData, _Mapping]] = ...) -> None: ...

class ModelPermissionsData(_message.Message):
    __slots__ = ("read", "write", "remove", "manage")
    READ_FIELD_NUMBER: _ClassVar[int]
    WRITE_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    MANAGE_FIELD_NUMBER: _ClassVar[int]
    read: bool
    write: bool
    remove: bool
    manage: bool
    def __init__(self, read: _Optional[bool] = ..., write: _Optional[bool] = ..., remove: _Optional[bool] = ..., manage: _Optional[bool] = ...) -> None: ...

class UserModelPermissionsData(_message.Message):
    __slots__ = ("user", "permissions")
    USER_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    user: _core_pb2.DomainUserIdData
    permissions: ModelPermissionsData
    def __init__(self, user: _Optional[_Union[_core_pb2.DomainUserIdData, _Mapping]] = ..., permissions: _Optional[_Union[ModelPermissionsData, _Mapping]] = ...) -> None: ...

class AppliedStringSpliceOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index", "deletedValue", "insertedValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DELETEDVALUE_FIELD_NUMBER: _ClassVar[int]
    INSERTEDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    deletedValue: str
    insertedValue: str
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ..., deletedValue: _Optional[str] = ..., insertedValue: _Optional[str] = ...) -> None: ...

class AppliedStringSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: str
    oldValue: str
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[str] = ..., oldValue: _Optional[str] = ...) -> None: ...

class AppliedArrayInsertOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    value: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class AppliedArrayRemoveOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    oldValue: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ..., oldValue: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class AppliedArrayReplaceOperationData(_message.Message):
    __slots__ = ("id", "noOp", "index", "value", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    index: int
    value: DataValue
    oldValue: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., index: _Optional[int] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ..., oldValue: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class AppliedArrayMoveOperationData(_message.Message):
    __slots__ = ("id", "noOp", "fromIndex", "toIndex")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    FROMINDEX_FIELD_NUMBER: _ClassVar[int]
    TOINDEX_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    fromIndex: int
    toIndex: int
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., fromIndex: _Optional[int] = ..., toIndex: _Optional[int] = ...) -> None: ...

class AppliedArraySetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "values", "oldValues")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    OLDVALUES_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    values: _containers.RepeatedCompositeFieldContainer[DataValue]
    oldValues: _containers.RepeatedCompositeFieldContainer[DataValue]
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., values: _Optional[_Iterable[_Union[DataValue, _Mapping]]] = ..., oldValues: _Optional[_Iterable[_Union[DataValue, _Mapping]]] = ...) -> None: ...

class AppliedObjectAddPropertyOperationData(_message.Message):
    __slots__ = ("id", "noOp", "key", "value")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    key: str
    value: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class AppliedObjectSetPropertyOperationData(_message.Message):
    __slots__ = ("id", "noOp", "key", "value", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    key: str
    value: DataValue
    oldValue: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ..., oldValue: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class AppliedObjectRemovePropertyOperationData(_message.Message):
    __slots__ = ("id", "noOp", "key", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    key: str
    oldValue: DataValue
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., key: _Optional[str] = ..., oldValue: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...

class AppliedObjectSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "values", "oldValues")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...
    class OldValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DataValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DataValue, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    OLDVALUES_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    values: _containers.MessageMap[str, DataValue]
    oldValues: _containers.MessageMap[str, DataValue]
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., values: _Optional[_Mapping[str, DataValue]] = ..., oldValues: _Optional[_Mapping[str, DataValue]] = ...) -> None: ...

class AppliedNumberDeltaOperationData(_message.Message):
    __slots__ = ("id", "noOp", "delta")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    delta: float
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., delta: _Optional[float] = ...) -> None: ...

class AppliedNumberSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: float
    oldValue: float
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[float] = ..., oldValue: _Optional[float] = ...) -> None: ...

class AppliedBooleanSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: bool
    oldValue: bool
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[bool] = ..., oldValue: _Optional[bool] = ...) -> None: ...

class AppliedDateSetOperationData(_message.Message):
    __slots__ = ("id", "noOp", "value", "oldValue")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOOP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    OLDVALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    noOp: bool
    value: _timestamp_pb2.Timestamp
    oldValue: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., noOp: _Optional[bool] = ..., value: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., oldValue: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppliedDiscreteOperationData(_message.Message):
    __slots__ = ("stringSpliceOperation", "stringSetOperation", "arrayInsertOperation", "arrayRemoveOperation", "arrayReplaceOperation", "arrayMoveOperation", "arraySetOperation", "objectAddPropertyOperation", "objectSetPropertyOperation", "objectRemovePropertyOperation", "objectSetOperation", "numberDeltaOperation", "numberSetOperation", "booleanSetOperation", "dateSetOperation")
    STRINGSPLICEOPERATION_FIELD_NUMBER: _ClassVar[int]
    STRINGSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYINSERTOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYREMOVEOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYREPLACEOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYMOVEOPERATION_FIELD_NUMBER: _ClassVar[int]
    ARRAYSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTADDPROPERTYOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTSETPROPERTYOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTREMOVEPROPERTYOPERATION_FIELD_NUMBER: _ClassVar[int]
    OBJECTSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    NUMBERDELTAOPERATION_FIELD_NUMBER: _ClassVar[int]
    NUMBERSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    BOOLEANSETOPERATION_FIELD_NUMBER: _ClassVar[int]
    DATESETOPERATION_FIELD_NUMBER: _ClassVar[int]
    stringSpliceOperation: AppliedStringSpliceOperationData
    stringSetOperation: AppliedStringSetOperationData
    arrayInsertOperation: AppliedArrayInsertOperationData
    arrayRemoveOperation: AppliedArrayRemoveOperationData
    arrayReplaceOperation: AppliedArrayReplaceOperationData
    arrayMoveOperation: AppliedArrayMoveOperationData
    arraySetOperation: AppliedArraySetOperationData
    objectAddPropertyOperation: AppliedObjectAddPropertyOperationData
    objectSetPropertyOperation: AppliedObjectSetPropertyOperationData
    objectRemovePropertyOperation: AppliedObjectRemovePropertyOperationData
    objectSetOperation: AppliedObjectSetOperationData
    numberDeltaOperation: AppliedNumberDeltaOperationData
    numberSetOperation: AppliedNumberSetOperationData
    booleanSetOperation: AppliedBooleanSetOperationData
    dateSetOperation: AppliedDateSetOperationData
    def __init__(self, stringSpliceOperation: _Optional[_Union[AppliedStringSpliceOperationData, _Mapping]] = ..., stringSetOperation: _Optional[_Union[AppliedStringSetOperationData, _Mapping]] = ..., arrayInsertOperation: _Optional[_Union[AppliedArrayInsertOperationData, _Mapping]] = ..., arrayRemoveOperation: _Optional[_Union[AppliedArrayRemoveOperationData, _Mapping]] = ..., arrayReplaceOperation: _Optional[_Union[AppliedArrayReplaceOperationData, _Mapping]] = ..., arrayMoveOperation: _Optional[_Union[AppliedArrayMoveOperationData, _Mapping]] = ..., arraySetOperation: _Optional[_Union[AppliedArraySetOperationData, _Mapping]] = ..., objectAddPropertyOperation: _Optional[_Union[AppliedObjectAddPropertyOperationData, _Mapping]] = ..., objectSetPropertyOperation: _Optional[_Union[AppliedObjectSetPropertyOperationData, _Mapping]] = ..., objectRemovePropertyOperation: _Optional[_Union[AppliedObjectRemovePropertyOperationData, _Mapping]] = ..., objectSetOperation: _Optional[_Union[AppliedObjectSetOperationData, _Mapping]] = ..., numberDeltaOperation: _Optional[_Union[AppliedNumberDeltaOperationData, _Mapping]] = ..., numberSetOperation: _Optional[_Union[AppliedNumberSetOperationData, _Mapping]] = ..., booleanSetOperation: _Optional[_Union[AppliedBooleanSetOperationData, _Mapping]] = ..., dateSetOperation: _Optional[_Union[AppliedDateSetOperationData, _Mapping]] = ...) -> None: ...

class AppliedCompoundOperationData(_message.Message):
    __slots__ = ("operations",)
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[AppliedDiscreteOperationData]
    def __init__(self, operations: _Optional[_Iterable[_Union[AppliedDiscreteOperationData, _Mapping]]] = ...) -> None: ...

class AppliedOperationData(_message.Message):
    __slots__ = ("discreteOperation", "compoundOperation")
    DISCRETEOPERATION_FIELD_NUMBER: _ClassVar[int]
    COMPOUNDOPERATION_FIELD_NUMBER: _ClassVar[int]
    discreteOperation: AppliedDiscreteOperationData
    compoundOperation: AppliedCompoundOperationData
    def __init__(self, discreteOperation: _Optional[_Union[AppliedDiscreteOperationData, _Mapping]] = ..., compoundOperation: _Optional[_Union[AppliedCompoundOperationData, _Mapping]] = ...) -> None: ...

class IndexRange(_message.Message):
    __slots__ = ("startIndex", "endIndex")
    STARTINDEX_FIELD_NUMBER: _ClassVar[int]
    ENDINDEX_FIELD_NUMBER: _ClassVar[int]
    startIndex: int
    endIndex: int
    def __init__(self, startIndex: _Optional[int] = ..., endIndex: _Optional[int] = ...) -> None: ...

class IndexRangeList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[IndexRange]
    def __init__(self, values: _Optional[_Iterable[_Union[IndexRange, _Mapping]]] = ...) -> None: ...

class ReferenceValues(_message.Message):
    __slots__ = ("indices", "ranges", "properties", "elements")
    INDICES_FIELD_NUMBER: _ClassVar[int]
    RANGES_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    ELEMENTS_FIELD_NUMBER: _ClassVar[int]
    indices: _core_pb2.Int32List
    ranges: IndexRangeList
    properties: _core_pb2.StringList
    elements: _core_pb2.StringList
    def __init__(self, indices: _Optional[_Union[_core_pb2.Int32List, _Mapping]] = ..., ranges: _Optional[_Union[IndexRangeList, _Mapping]] = ..., properties: _Optional[_Union[_core_pb2.StringList, _Mapping]] = ..., elements: _Optional[_Union[_core_pb2.StringList, _Mapping]] = ...) -> None: ...

class ReferenceData(_message.Message):
    __slots__ = ("sessionId", "valueId", "key", "reference")
    SESSIONID_FIELD_NUMBER: _ClassVar[int]
    VALUEID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    sessionId: str
    valueId: _wrappers_pb2.StringValue
    key: str
    reference: ReferenceValues
    def __init__(self, sessionId: _Optional[str] = ..., valueId: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., key: _Optional[str] = ..., reference: _Optional[_Union[ReferenceValues, _Mapping]] = ...) -> None: ...
