"""Protobuf <-> OT core conversions: values, operations, applied operations, references,
permissions and timestamps.

Everything the client sends passes through here first; malformed input raises
:class:`WireError` (a ``ValueError``) so that the service can answer ``invalid_operation`` or
``invalid_message`` instead of crashing.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from convergence_jupyter import ot
from convergence_jupyter.ot import applied as ap
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.models import PermissionFlags


class WireError(ValueError):
    """A message that cannot be turned into a value, operation or reference."""


# --- timestamps ---------------------------------------------------------------------------


def ms_to_timestamp(ms: int) -> Timestamp:
    seconds, millis = divmod(int(ms), 1000)
    return Timestamp(seconds=seconds, nanos=millis * 1_000_000)


def timestamp_to_ms(ts: Timestamp) -> int:
    return ts.seconds * 1000 + ts.nanos // 1_000_000


def datetime_to_timestamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment.astimezone(UTC))
    return ts


def timestamp_to_datetime(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


# --- values -------------------------------------------------------------------------------


def value_to_wire(value: ot.DataValue) -> pb.DataValue:
    out = pb.DataValue()
    _fill_value(out, value)
    return out


def _fill_value(out: pb.DataValue, value: ot.DataValue) -> None:
    match value:
        case ot.ObjectValue():
            _fill_object(out.objectValue, value)
        case ot.ArrayValue():
            out.arrayValue.id = value.id
            for child in value.children:
                _fill_value(out.arrayValue.children.add(), child)
        case ot.StringValue():
            out.stringValue.id = value.id
            out.stringValue.value = value.value
        case ot.DoubleValue():
            out.doubleValue.id = value.id
            out.doubleValue.value = value.value
        case ot.BooleanValue():
            out.booleanValue.id = value.id
            out.booleanValue.value = value.value
        case ot.DateValue():
            out.dateValue.id = value.id
            out.dateValue.value.CopyFrom(ms_to_timestamp(value.value))
        case ot.NullValue():
            out.nullValue.id = value.id
        case _:
            raise TypeError(f"not a value: {value!r}")


def object_to_wire(value: ot.ObjectValue) -> pb.ObjectValue:
    out = pb.ObjectValue()
    _fill_object(out, value)
    return out


def _fill_object(out: pb.ObjectValue, value: ot.ObjectValue) -> None:
    out.id = value.id
    for key, child in value.children.items():
        _fill_value(out.children[key], child)


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
        number = data.doubleValue.value
        if not math.isfinite(number):
            raise WireError("numbers must be finite")
        return ot.DoubleValue(data.doubleValue.id, number)
    if kind == "booleanValue":
        return ot.BooleanValue(data.booleanValue.id, data.booleanValue.value)
    if kind == "dateValue":
        return ot.DateValue(data.dateValue.id, timestamp_to_ms(data.dateValue.value))
    if kind == "nullValue":
        return ot.NullValue(data.nullValue.id)
    raise WireError("a data value without a type")


def object_from_wire(data: pb.ObjectValue) -> ot.ObjectValue:
    return ot.ObjectValue(data.id, {k: value_from_wire(v) for k, v in data.children.items()})


# --- operations ---------------------------------------------------------------------------


def operation_from_wire(data: pb.OperationData) -> ot.Operation:
    kind = data.WhichOneof("operation")
    if kind == "discreteOperation":
        return discrete_from_wire(data.discreteOperation)
    if kind == "compoundOperation":
        parts = tuple(discrete_from_wire(d) for d in data.compoundOperation.operations)
        return ot.CompoundOperation(parts)
    raise WireError("an operation without a type")


def _finite(number: float) -> float:
    if not math.isfinite(number):
        raise WireError("numbers must be finite")
    return number


def discrete_from_wire(data: pb.DiscreteOperationData) -> ot.DiscreteOperation:
    kind = data.WhichOneof("operation")
    if kind is None:
        raise WireError("a discrete operation without a type")
    m: Any = getattr(data, kind)
    common = {"id": m.id, "no_op": m.noOp}
    match kind:
        case "stringSpliceOperation":
            return ot.StringSplice(
                **common, index=m.index, delete_count=m.deleteCount, insert_value=m.insertedValue
            )
        case "stringSetOperation":
            return ot.StringSet(**common, value=m.value)
        case "arrayInsertOperation":
            return ot.ArrayInsert(**common, index=m.index, value=value_from_wire(m.value))
        case "arrayRemoveOperation":
            return ot.ArrayRemove(**common, index=m.index)
        case "arrayReplaceOperation":
            return ot.ArrayReplace(**common, index=m.index, value=value_from_wire(m.value))
        case "arrayMoveOperation":
            return ot.ArrayMove(**common, from_index=m.fromIndex, to_index=m.toIndex)
        case "arraySetOperation":
            return ot.ArraySet(**common, values=tuple(value_from_wire(v) for v in m.values))
        case "objectAddPropertyOperation":
            return ot.ObjectAddProperty(**common, key=m.key, value=value_from_wire(m.value))
        case "objectSetPropertyOperation":
            return ot.ObjectSetProperty(**common, key=m.key, value=value_from_wire(m.value))
        case "objectRemovePropertyOperation":
            return ot.ObjectRemoveProperty(**common, key=m.key)
        case "objectSetOperation":
            return ot.ObjectSet(
                **common, values={k: value_from_wire(v) for k, v in m.values.items()}
            )
        case "numberDeltaOperation":
            return ot.NumberDelta(**common, delta=_finite(m.delta))
        case "numberSetOperation":
            return ot.NumberSet(**common, value=_finite(m.value))
        case "booleanSetOperation":
            return ot.BooleanSet(**common, value=m.value)
        case "dateSetOperation":
            return ot.DateSet(**common, value=timestamp_to_ms(m.value))
    raise WireError(f"unknown operation {kind}")  # pragma: no cover


def operation_to_wire(op: ot.Operation) -> pb.OperationData:
    out = pb.OperationData()
    if isinstance(op, ot.CompoundOperation):
        for part in op.ops:
            _fill_discrete(out.compoundOperation.operations.add(), part)
        if not op.ops:
            out.compoundOperation.SetInParent()
    else:
        _fill_discrete(out.discreteOperation, op)
    return out


def _fill_discrete(out: pb.DiscreteOperationData, op: ot.DiscreteOperation) -> None:
    m: Any
    match op:
        case ot.StringSplice():
            m = out.stringSpliceOperation
            m.index, m.deleteCount, m.insertedValue = op.index, op.delete_count, op.insert_value
        case ot.StringSet():
            m = out.stringSetOperation
            m.value = op.value
        case ot.ArrayInsert():
            m = out.arrayInsertOperation
            m.index = op.index
            _fill_value(m.value, op.value)
        case ot.ArrayRemove():
            m = out.arrayRemoveOperation
            m.index = op.index
        case ot.ArrayReplace():
            m = out.arrayReplaceOperation
            m.index = op.index
            _fill_value(m.value, op.value)
        case ot.ArrayMove():
            m = out.arrayMoveOperation
            m.fromIndex, m.toIndex = op.from_index, op.to_index
        case ot.ArraySet():
            m = out.arraySetOperation
            for v in op.values:
                _fill_value(m.values.add(), v)
        case ot.ObjectAddProperty():
            m = out.objectAddPropertyOperation
            m.key = op.key
            _fill_value(m.value, op.value)
        case ot.ObjectSetProperty():
            m = out.objectSetPropertyOperation
            m.key = op.key
            _fill_value(m.value, op.value)
        case ot.ObjectRemoveProperty():
            m = out.objectRemovePropertyOperation
            m.key = op.key
        case ot.ObjectSet():
            m = out.objectSetOperation
            for k, v in op.values.items():
                _fill_value(m.values[k], v)
        case ot.NumberDelta():
            m = out.numberDeltaOperation
            m.delta = op.delta
        case ot.NumberSet():
            m = out.numberSetOperation
            m.value = op.value
        case ot.BooleanSet():
            m = out.booleanSetOperation
            m.value = op.value
        case ot.DateSet():
            m = out.dateSetOperation
            m.value.CopyFrom(ms_to_timestamp(op.value))
        case _:
            raise TypeError(f"not an operation: {op!r}")
    m.id = op.id
    m.noOp = op.no_op
    m.SetInParent()


# --- applied operations (history and storage) -------------------------------------------------


def applied_to_wire(applied: ot.AppliedOperation) -> pb.AppliedOperationData:
    out = pb.AppliedOperationData()
    if isinstance(applied, ap.AppliedCompoundOperation):
        out.compoundOperation.SetInParent()
        for part in applied.ops:
            _fill_applied(out.compoundOperation.operations.add(), part)
    else:
        _fill_applied(out.discreteOperation, applied)
    return out


def _fill_applied(out: pb.AppliedDiscreteOperationData, a: ap.AppliedDiscreteOperation) -> None:
    m: Any
    match a:
        case ap.AppliedStringSplice():
            m = out.stringSpliceOperation
            m.index, m.deletedValue, m.insertedValue = a.index, a.deleted_value, a.insert_value
        case ap.AppliedStringSet():
            m = out.stringSetOperation
            m.value, m.oldValue = a.value, a.old_value
        case ap.AppliedArrayInsert():
            m = out.arrayInsertOperation
            m.index = a.index
            _fill_value(m.value, a.value)
        case ap.AppliedArrayRemove():
            m = out.arrayRemoveOperation
            m.index = a.index
            _fill_value(m.oldValue, a.old_value)
        case ap.AppliedArrayReplace():
            m = out.arrayReplaceOperation
            m.index = a.index
            _fill_value(m.value, a.value)
            _fill_value(m.oldValue, a.old_value)
        case ap.AppliedArrayMove():
            m = out.arrayMoveOperation
            m.fromIndex, m.toIndex = a.from_index, a.to_index
        case ap.AppliedArraySet():
            m = out.arraySetOperation
            for v in a.values:
                _fill_value(m.values.add(), v)
            for v in a.old_values:
                _fill_value(m.oldValues.add(), v)
        case ap.AppliedObjectAddProperty():
            m = out.objectAddPropertyOperation
            m.key = a.key
            _fill_value(m.value, a.value)
        case ap.AppliedObjectSetProperty():
            m = out.objectSetPropertyOperation
            m.key = a.key
            _fill_value(m.value, a.value)
            _fill_value(m.oldValue, a.old_value)
        case ap.AppliedObjectRemoveProperty():
            m = out.objectRemovePropertyOperation
            m.key = a.key
            _fill_value(m.oldValue, a.old_value)
        case ap.AppliedObjectSet():
            m = out.objectSetOperation
            for k, v in a.values.items():
                _fill_value(m.values[k], v)
            for k, v in a.old_values.items():
                _fill_value(m.oldValues[k], v)
        case ap.AppliedNumberDelta():
            m = out.numberDeltaOperation
            m.delta = a.delta
        case ap.AppliedNumberSet():
            m = out.numberSetOperation
            m.value, m.oldValue = a.value, a.old_value
        case ap.AppliedBooleanSet():
            m = out.booleanSetOperation
            m.value, m.oldValue = a.value, a.old_value
        case ap.AppliedDateSet():
            m = out.dateSetOperation
            m.value.CopyFrom(ms_to_timestamp(a.value))
            m.oldValue.CopyFrom(ms_to_timestamp(a.old_value))
        case _:
            raise TypeError(f"not an applied operation: {a!r}")
    m.id = a.id
    m.noOp = a.no_op
    m.SetInParent()


def applied_from_wire(data: pb.AppliedOperationData) -> ot.AppliedOperation:
    kind = data.WhichOneof("operation")
    if kind == "compoundOperation":
        return ap.AppliedCompoundOperation(
            tuple(_applied_discrete(d) for d in data.compoundOperation.operations)
        )
    if kind == "discreteOperation":
        return _applied_discrete(data.discreteOperation)
    raise WireError("an applied operation without a type")


def _opt_value(holder: Any, field: str) -> ot.DataValue:
    return value_from_wire(getattr(holder, field)) if holder.HasField(field) else ot.NullValue("")


def _applied_discrete(data: pb.AppliedDiscreteOperationData) -> ap.AppliedDiscreteOperation:
    kind = data.WhichOneof("operation")
    if kind is None:
        raise WireError("an applied operation without a type")
    m: Any = getattr(data, kind)
    c = {"id": m.id, "no_op": m.noOp}
    match kind:
        case "stringSpliceOperation":
            return ap.AppliedStringSplice(
                **c, index=m.index, deleted_value=m.deletedValue, insert_value=m.insertedValue
            )
        case "stringSetOperation":
            return ap.AppliedStringSet(**c, value=m.value, old_value=m.oldValue)
        case "arrayInsertOperation":
            return ap.AppliedArrayInsert(**c, index=m.index, value=_opt_value(m, "value"))
        case "arrayRemoveOperation":
            return ap.AppliedArrayRemove(**c, index=m.index, old_value=_opt_value(m, "oldValue"))
        case "arrayReplaceOperation":
            return ap.AppliedArrayReplace(
                **c,
                index=m.index,
                value=_opt_value(m, "value"),
                old_value=_opt_value(m, "oldValue"),
            )
        case "arrayMoveOperation":
            return ap.AppliedArrayMove(**c, from_index=m.fromIndex, to_index=m.toIndex)
        case "arraySetOperation":
            return ap.AppliedArraySet(
                **c,
                values=tuple(value_from_wire(v) for v in m.values),
                old_values=tuple(value_from_wire(v) for v in m.oldValues),
            )
        case "objectAddPropertyOperation":
            return ap.AppliedObjectAddProperty(**c, key=m.key, value=_opt_value(m, "value"))
        case "objectSetPropertyOperation":
            return ap.AppliedObjectSetProperty(
                **c, key=m.key, value=_opt_value(m, "value"), old_value=_opt_value(m, "oldValue")
            )
        case "objectRemovePropertyOperation":
            return ap.AppliedObjectRemoveProperty(
                **c, key=m.key, old_value=_opt_value(m, "oldValue")
            )
        case "objectSetOperation":
            return ap.AppliedObjectSet(
                **c,
                values={k: value_from_wire(v) for k, v in m.values.items()},
                old_values={k: value_from_wire(v) for k, v in m.oldValues.items()},
            )
        case "numberDeltaOperation":
            return ap.AppliedNumberDelta(**c, delta=m.delta)
        case "numberSetOperation":
            return ap.AppliedNumberSet(**c, value=m.value, old_value=m.oldValue)
        case "booleanSetOperation":
            return ap.AppliedBooleanSet(**c, value=m.value, old_value=m.oldValue)
        case "dateSetOperation":
            return ap.AppliedDateSet(
                **c, value=timestamp_to_ms(m.value), old_value=timestamp_to_ms(m.oldValue)
            )
    raise WireError(f"unknown applied operation {kind}")  # pragma: no cover


def applied_to_json(applied: ot.AppliedOperation) -> str:
    """The stored form of an applied operation: the protobuf message's canonical JSON."""
    return json.dumps(
        json_format.MessageToDict(applied_to_wire(applied), preserving_proto_field_name=True),
        separators=(",", ":"),
        ensure_ascii=False,
    )


def applied_wire_from_json(text: str) -> pb.AppliedOperationData:
    message = pb.AppliedOperationData()
    json_format.ParseDict(json.loads(text), message)
    return message


def applied_from_json(text: str) -> ot.AppliedOperation:
    return applied_from_wire(applied_wire_from_json(text))


# --- references ---------------------------------------------------------------------------


def reference_from_wire(value_id: str | None, data: pb.ReferenceValues) -> ot.ReferenceValue:
    kind = data.WhichOneof("values")
    values: tuple[Any, ...]
    if kind == "indices":
        return ot.ReferenceValue(ot.ReferenceType.INDEX, value_id, tuple(data.indices.values))
    if kind == "ranges":
        values = tuple((r.startIndex, r.endIndex) for r in data.ranges.values)
        return ot.ReferenceValue(ot.ReferenceType.RANGE, value_id, values)
    if kind == "properties":
        return ot.ReferenceValue(ot.ReferenceType.PROPERTY, value_id, tuple(data.properties.values))
    if kind == "elements":
        return ot.ReferenceValue(ot.ReferenceType.ELEMENT, value_id, tuple(data.elements.values))
    raise WireError("reference values without a type")


def reference_to_wire(ref: ot.ReferenceValue) -> pb.ReferenceValues:
    out = pb.ReferenceValues()
    if ref.type is ot.ReferenceType.INDEX:
        out.indices.SetInParent()
        out.indices.values.extend(int(i) for i in ref.values)
    elif ref.type is ot.ReferenceType.RANGE:
        out.ranges.SetInParent()
        for start, end in ref.values:
            out.ranges.values.add(startIndex=int(start), endIndex=int(end))
    elif ref.type is ot.ReferenceType.PROPERTY:
        out.properties.SetInParent()
        out.properties.values.extend(str(k) for k in ref.values)
    else:
        out.elements.SetInParent()
        out.elements.values.extend(str(v) for v in ref.values)
    return out


# --- permissions ----------------------------------------------------------------------------


def permissions_to_wire(flags: PermissionFlags) -> pb.ModelPermissionsData:
    return pb.ModelPermissionsData(
        read=flags.read, write=flags.write, remove=flags.remove, manage=flags.manage
    )


def permissions_from_wire(data: pb.ModelPermissionsData) -> PermissionFlags:
    return PermissionFlags(data.read, data.write, data.remove, data.manage)
