"""Protobuf <-> OT conversions round-trip every value, operation, applied op and reference."""

from __future__ import annotations

import pytest

from convergence_jupyter import ot
from convergence_jupyter.models import wire
from convergence_jupyter.ot import applied as ap
from convergence_jupyter.protocol.schema import model_pb2 as pb

NESTED = ot.ObjectValue(
    "0",
    {
        "s": ot.StringValue("1", "h\u00e9llo \U0001f600"),
        "a": ot.ArrayValue("2", [ot.DoubleValue("3", 1.5), ot.NullValue("4")]),
        "b": ot.BooleanValue("5", True),
        "d": ot.DateValue("6", -1234),
        "o": ot.ObjectValue("7", {}),
    },
)

OPS: list[ot.Operation] = [
    ot.StringSplice(id="1", index=2, delete_count=1, insert_value="x"),
    ot.StringSet(id="1", value="v", no_op=True),
    ot.ArrayInsert(id="2", index=0, value=NESTED),
    ot.ArrayRemove(id="2", index=1),
    ot.ArrayReplace(id="2", index=0, value=ot.NullValue("9")),
    ot.ArrayMove(id="2", from_index=0, to_index=1),
    ot.ArraySet(id="2", values=(ot.StringValue("9", "z"),)),
    ot.ObjectAddProperty(id="7", key="k", value=ot.DoubleValue("9", 2)),
    ot.ObjectSetProperty(id="7", key="k", value=ot.DoubleValue("9", 3)),
    ot.ObjectRemoveProperty(id="7", key="k"),
    ot.ObjectSet(id="7", values={"x": ot.BooleanValue("9", False)}),
    ot.NumberDelta(id="3", delta=-2.5),
    ot.NumberSet(id="3", value=7),
    ot.BooleanSet(id="5", value=False),
    ot.DateSet(id="6", value=1_700_000_000_123),
    ot.CompoundOperation(
        (ot.NumberDelta(id="3", delta=1), ot.StringSplice(id="1", index=0, insert_value="q"))
    ),
]


def test_values_round_trip() -> None:
    assert wire.value_from_wire(wire.value_to_wire(NESTED)) == NESTED
    assert wire.object_from_wire(wire.object_to_wire(NESTED)) == NESTED


@pytest.mark.parametrize("op", OPS, ids=lambda o: type(o).__name__)
def test_operations_round_trip(op: ot.Operation) -> None:
    data = pb.OperationData.FromString(wire.operation_to_wire(op).SerializeToString())
    assert wire.operation_from_wire(data) == op


def test_applied_operations_round_trip_through_storage_json() -> None:
    tree = ot.ModelTree(ot.value_from_json(ot.value_to_json(NESTED)))  # type: ignore[arg-type]
    for op in [OPS[0], OPS[12], OPS[14], OPS[15], OPS[4], OPS[3]]:
        applied = ot.apply(tree, op)
        assert wire.applied_from_json(wire.applied_to_json(applied)) == applied
    removed = ap.AppliedArrayRemove(id="2", index=0, old_value=NESTED)
    assert wire.applied_from_wire(wire.applied_to_wire(removed)) == removed


@pytest.mark.parametrize(
    "ref",
    [
        ot.ReferenceValue(ot.ReferenceType.INDEX, "1", (0, 3)),
        ot.ReferenceValue(ot.ReferenceType.RANGE, "1", ((0, 2), (4, 5))),
        ot.ReferenceValue(ot.ReferenceType.PROPERTY, "7", ("a",)),
        ot.ReferenceValue(ot.ReferenceType.ELEMENT, None, ("2", "3")),
        ot.ReferenceValue(ot.ReferenceType.INDEX, "1", ()),
    ],
)
def test_references_round_trip(ref: ot.ReferenceValue) -> None:
    assert wire.reference_from_wire(ref.value_id, wire.reference_to_wire(ref)) == ref


@pytest.mark.parametrize(
    "bad",
    [
        pb.OperationData(),
        pb.OperationData(discreteOperation=pb.DiscreteOperationData()),
        pb.OperationData(
            discreteOperation=pb.DiscreteOperationData(
                arrayInsertOperation=pb.ArrayInsertOperationData(id="2", index=0)
            )
        ),
        pb.OperationData(
            discreteOperation=pb.DiscreteOperationData(
                numberSetOperation=pb.NumberSetOperationData(id="3", value=float("nan"))
            )
        ),
    ],
)
def test_malformed_operations_raise_wire_errors(bad: pb.OperationData) -> None:
    with pytest.raises(wire.WireError):
        wire.operation_from_wire(bad)
