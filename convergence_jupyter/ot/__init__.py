"""The pure OT core: values, operations, applied ops, transforms, references.

Imports nothing of ours and no protobuf; conversion to the wire lives elsewhere.

The model service needs, per incoming op ``c`` (see ``normalize.py`` for why the order matters)::

    c = preprocess(tree, c)                 # ops on vanished values become no-ops
    for h in state_path: h, c = transform(h, c)
    c = normalize_incoming(c)               # no delete+insert splice enters history
    applied = apply(tree, c)                # raises InvalidOperationError; stores old values
"""

from .applied import (
    AppliedCompoundOperation,
    AppliedOperation,
    as_operation,
    detached_value_ids,
    invert,
)
from .apply import apply, preprocess
from .errors import InvalidOperationError
from .normalize import normalize_incoming
from .operations import (
    ArrayInsert,
    ArrayMove,
    ArrayRemove,
    ArrayReplace,
    ArraySet,
    BooleanSet,
    CompoundOperation,
    DateSet,
    DiscreteOperation,
    NumberDelta,
    NumberSet,
    ObjectAddProperty,
    ObjectRemoveProperty,
    ObjectSet,
    ObjectSetProperty,
    Operation,
    StringSet,
    StringSplice,
)
from .references import (
    ReferenceType,
    ReferenceValue,
    existing_elements,
    transform_reference,
    update_reference,
)
from .text import utf16_len
from .transform import transform
from .tree import DEFAULT_MAX_DEPTH, ModelTree
from .values import (
    ArrayValue,
    BooleanValue,
    DataValue,
    DateValue,
    DoubleValue,
    NullValue,
    ObjectValue,
    StringValue,
    from_plain,
    to_plain,
    value_from_json,
    value_to_json,
)

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "AppliedCompoundOperation",
    "AppliedOperation",
    "ArrayInsert",
    "ArrayMove",
    "ArrayRemove",
    "ArrayReplace",
    "ArraySet",
    "ArrayValue",
    "BooleanSet",
    "BooleanValue",
    "CompoundOperation",
    "DataValue",
    "DateSet",
    "DateValue",
    "DiscreteOperation",
    "DoubleValue",
    "InvalidOperationError",
    "ModelTree",
    "NullValue",
    "NumberDelta",
    "NumberSet",
    "ObjectAddProperty",
    "ObjectRemoveProperty",
    "ObjectSet",
    "ObjectSetProperty",
    "ObjectValue",
    "Operation",
    "ReferenceType",
    "ReferenceValue",
    "StringSet",
    "StringSplice",
    "StringValue",
    "apply",
    "as_operation",
    "detached_value_ids",
    "existing_elements",
    "from_plain",
    "invert",
    "normalize_incoming",
    "preprocess",
    "to_plain",
    "transform",
    "transform_reference",
    "update_reference",
    "utf16_len",
    "value_from_json",
    "value_to_json",
]
