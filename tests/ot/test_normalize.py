"""``normalize_incoming``: no delete+insert splice reaches history."""

from __future__ import annotations

from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.apply import apply
from convergence_jupyter.ot.normalize import normalize_incoming
from convergence_jupyter.ot.tree import ModelTree
from convergence_jupyter.ot.values import ObjectValue, StringValue


def sp(index: int, delete: int = 0, insert: str = "", noop: bool = False) -> o.StringSplice:
    return o.StringSplice(id="s", index=index, delete_count=delete, insert_value=insert, no_op=noop)


def test_splits_a_delete_insert_splice_into_remove_then_insert() -> None:
    assert normalize_incoming(sp(1, 2, "xy")) == o.CompoundOperation((sp(1, 2), sp(1, 0, "xy")))


def test_same_effect() -> None:
    a = ModelTree(ObjectValue("root", {"s": StringValue("s", "hello")}))
    b = a.copy()
    apply(a, sp(1, 3, "EY"))
    apply(b, normalize_incoming(sp(1, 3, "EY")))
    assert a == b


def test_leaves_everything_else_alone() -> None:
    for op in (
        sp(1, 0, "x"),
        sp(1, 2),
        sp(1),
        sp(1, 2, "x", noop=True),
        o.NumberDelta(id="n", delta=1),
    ):
        assert normalize_incoming(op) is op


def test_flattens_compounds_and_is_idempotent() -> None:
    batch = o.CompoundOperation((o.NumberDelta(id="n", delta=1), sp(0, 1, "z")))
    once = normalize_incoming(batch)
    assert once == o.CompoundOperation((o.NumberDelta(id="n", delta=1), sp(0, 1), sp(0, 0, "z")))
    assert normalize_incoming(once) is once
