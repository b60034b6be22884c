"""Conversions between the pure ``ot`` records and the protobuf model messages, client side.

The server has its own converter in ``models/``; the client may not import server code, so this
module keeps the client self-contained. It is table driven: each discrete operation class maps to
its ``DiscreteOperationData`` field and a list of (attribute, wire field, kind) triples.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from convergence_jupyter import ot
from convergence_jupyter.ot import operations as o
from convergence_jupyter.protocol.schema import model_pb2 as pb

# kinds: "plain" copies the field, "value" is a DataValue, "values" a repeated DataValue,
# "map" a map<string, DataValue>, "date" a Timestamp holding epoch milliseconds.
_FIELDS: dict[type[Any], tuple[str, tuple[tuple[str, str, str], ...]]] = {
    o.StringSplice: (
        "stringSpliceOperation",
        (
            ("index", "index", "plain"),
            ("delete_count", "deleteCount", "plain"),
            ("insert_value", "insertedValue", "plain"),
        ),
    ),
    o.StringSet: ("stringSetOperation", (("value", "value", "plain"),)),
    o.ArrayInsert: (
        "arrayInsertOperation",
        (("index", "index", "plain"), ("value", "value", "value")),
    ),
    o.ArrayRemove: ("arrayRemoveOperation", (("index", "index", "plain"),)),
    o.ArrayReplace: (
        "arrayReplaceOperation",
        (("index", "index", "plain"), ("value", "value", "value")),
    ),
    o.ArrayMove: (
        "arrayMoveOperation",
        (("from_index", "fromIndex", "plain"), ("to_index", "toIndex", "plain")),
    ),
    o.ArraySet: ("arraySetOperation", (("values", "values", "values"),)),
    o.ObjectAddProperty: (
        "objectAddPropertyOperation",
        (("key", "key", "plain"), ("value", "value", "value")),
    ),
    o.ObjectSetProperty: (
        "objectSetPropertyOperation",
        (("key", "key", "plain"), ("value", "value", "value")),
    ),
    o.ObjectRemoveProperty: ("objectRemovePropertyOperation", (("key", "key", "plain"),)),
    o.ObjectSet: ("objectSetOperation", (("values", "values", "map"),)),
    o.NumberDelta: ("numberDeltaOperation", (("delta", "delta", "plain"),)),
    o.NumberSet: ("numberSetOperation", (("value", "value", "plain"),)),
    o.BooleanSet: ("booleanSetOperation", (("value", "value", "plain"),)),
    o.DateSet: ("dateSetOperation", (("value", "value", "date"),)),
}
_BY_FIELD = {field: (cls, attrs) for cls, (field, attrs) in _FIELDS.items()}


def ms_to_timestamp(ms: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromMilliseconds(ms)
    return stamp


# --- values -------------------------------------------------------------------------------


def fill_value(out: pb.DataValue, value: ot.DataValue) -> None:
    match value:
        case ot.ObjectValue():
            fill_object(out.objectValue, value)
        case ot.ArrayValue():
            out.arrayValue.id = value.id
            out.arrayValue.SetInParent()
            for child in value.children:
                fill_value(out.arrayValue.children.add(), child)
        case ot.StringValue():
            out.stringValue.id = value.id
            out.stringValue.value = value.value
            out.stringValue.SetInParent()
        case ot.DoubleValue():
            out.doubleValue.id = value.id
            out.doubleValue.value = value.value
            out.doubleValue.SetInParent()
        case ot.BooleanValue():
            out.booleanValue.id = value.id
            out.booleanValue.value = value.value
            out.booleanValue.SetInParent()
        case ot.DateValue():
            out.dateValue.id = value.id
            out.dateValue.value.CopyFrom(ms_to_timestamp(value.value))
        case ot.NullValue():
            out.nullValue.id = value.id
            out.nullValue.SetInParent()


def fill_object(out: pb.ObjectValue, value: ot.ObjectValue) -> None:
    out.id = value.id
    out.SetInParent()
    for key, child in value.children.items():
        fill_value(out.children[key], child)


def object_to_wire(value: ot.ObjectValue) -> pb.ObjectValue:
    out = pb.ObjectValue()
    fill_object(out, value)
    return out


def value_from_wire(data: pb.DataValue) -> ot.DataValue:
    kind = data.WhichOneof("value")
    if kind == "objectValue":
        return object_from_wire(data.objectValue)
    if kind == "arrayValue":
        return ot.ArrayValue(
            data.arrayValue.id, [value_from_wire(c) for c in data.arrayValue.children]
        )
    if kind == "stringValue":
        return ot.StringValue(data.stringValue.id, data.stringValue.value)
    if kind == "doubleValue":
        return ot.DoubleValue(data.doubleValue.id, data.doubleValue.value)
    if kind == "booleanValue":
        return ot.BooleanValue(data.booleanValue.id, data.booleanValue.value)
    if kind == "dateValue":
        return ot.DateValue(data.dateValue.id, data.dateValue.value.ToMilliseconds())
    if kind == "nullValue":
        return ot.NullValue(data.nullValue.id)
    raise ValueError("the server sent a data value without a type")


def object_from_wire(data: pb.ObjectValue) -> ot.ObjectValue:
    return ot.ObjectValue(data.id, {k: value_from_wire(v) for k, v in data.children.items()})


# --- operations ---------------------------------------------------------------------------


def operation_to_wire(op: ot.Operation) -> pb.OperationData:
    out = pb.OperationData()
    if isinstance(op, o.CompoundOperation):
        out.compoundOperation.SetInParent()
        for item in op.ops:
            _fill_discrete(out.compoundOperation.operations.add(), item)
    else:
        _fill_discrete(out.discreteOperation, op)
    return out


def _fill_discrete(out: pb.DiscreteOperationData, op: ot.DiscreteOperation) -> None:
    field, attrs = _FIELDS[type(op)]
    target = getattr(out, field)
    target.id = op.id
    target.noOp = op.no_op
    target.SetInParent()
    for attr, wire_name, kind in attrs:
        value = getattr(op, attr)
        if kind == "plain":
            setattr(target, wire_name, value)
        elif kind == "value":
            fill_value(getattr(target, wire_name), value)
        elif kind == "values":
            for item in value:
                fill_value(getattr(target, wire_name).add(), item)
        elif kind == "map":
            for key, item in value.items():
                fill_value(getattr(target, wire_name)[key], item)
        else:
            getattr(target, wire_name).CopyFrom(ms_to_timestamp(value))


def operation_from_wire(data: pb.OperationData) -> ot.Operation:
    if data.WhichOneof("operation") == "compoundOperation":
        return o.CompoundOperation(
            tuple(_discrete_from_wire(d) for d in data.compoundOperation.operations)
        )
    return _discrete_from_wire(data.discreteOperation)


def _discrete_from_wire(data: pb.DiscreteOperationData) -> ot.DiscreteOperation:
    field = data.WhichOneof("operation")
    if field is None:
        raise ValueError("the server sent an operation without a type")
    cls, attrs = _BY_FIELD[field]
    source = getattr(data, field)
    kwargs: dict[str, Any] = {"id": source.id, "no_op": source.noOp}
    for attr, wire_name, kind in attrs:
        raw = getattr(source, wire_name)
        if kind == "plain":
            kwargs[attr] = raw
        elif kind == "value":
            kwargs[attr] = value_from_wire(raw)
        elif kind == "values":
            kwargs[attr] = tuple(value_from_wire(v) for v in raw)
        elif kind == "map":
            kwargs[attr] = {k: value_from_wire(v) for k, v in raw.items()}
        else:
            kwargs[attr] = raw.ToMilliseconds()
    op: ot.DiscreteOperation = cls(**kwargs)
    return op
