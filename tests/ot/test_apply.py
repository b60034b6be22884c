"""Applying operations: effects, old values, inversion, validation, limits and preprocessing."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.applied import (
    AppliedArrayRemove,
    AppliedObjectSetProperty,
    AppliedStringSplice,
    as_operation,
    detached_value_ids,
    invert,
)
from convergence_jupyter.ot.apply import apply, preprocess
from convergence_jupyter.ot.errors import InvalidOperationError
from convergence_jupyter.ot.tree import ModelTree
from convergence_jupyter.ot.values import (
    ArrayValue,
    BooleanValue,
    DateValue,
    DoubleValue,
    NullValue,
    ObjectValue,
    StringValue,
)

from .generators import (
    FAMILY,
    NEEDS_ELEMENT,
    DrawChooser,
    Ids,
    base_tree,
    op_on,
    op_sequence,
    target,
)

EXAMPLES = int(os.environ.get("OT_APPLY_EXAMPLES", "300"))


def sample() -> ModelTree:
    return ModelTree(
        ObjectValue(
            "root",
            {
                "s": StringValue("s", "hello"),
                "a": ArrayValue("a", [DoubleValue("a0", 0.0), StringValue("a1", "x")]),
                "o": ObjectValue("o", {"k": NullValue("ok")}),
                "n": DoubleValue("n", 1.0),
                "b": BooleanValue("b", False),
                "d": DateValue("d", 1000),
            },
        )
    )


def test_splice_records_deleted_text() -> None:
    tree = sample()
    applied = apply(tree, o.StringSplice(id="s", index=1, delete_count=3, insert_value="EY"))
    assert applied == AppliedStringSplice(id="s", index=1, deleted_value="ell", insert_value="EY")
    assert tree.get("s") == StringValue("s", "hEYo")


def test_replacing_a_subtree_reindexes_ids() -> None:
    tree = sample()
    new = ObjectValue("new", {"deep": StringValue("deep", "z")})
    applied = apply(tree, o.ObjectSetProperty(id="o", key="k", value=new))
    assert isinstance(applied, AppliedObjectSetProperty)
    assert applied.old_value == NullValue("ok")
    assert "ok" not in tree and "deep" in tree
    assert detached_value_ids(applied) == {"ok"}


def test_remove_carries_old_value_and_detaches() -> None:
    tree = sample()
    applied = apply(tree, o.ArrayRemove(id="a", index=1))
    assert applied == AppliedArrayRemove(id="a", index=1, old_value=StringValue("a1", "x"))
    assert "a1" not in tree


def test_tree_does_not_share_nodes_with_the_operation() -> None:
    tree = sample()
    value = StringValue("v1", "abc")
    apply(tree, o.ArrayInsert(id="a", index=0, value=value))
    apply(tree, o.StringSplice(id="v1", index=0, delete_count=1))
    assert value.value == "abc"


def test_move_reorders() -> None:
    tree = sample()
    apply(tree, o.ArrayMove(id="a", from_index=0, to_index=1))
    arr = tree.get("a")
    assert isinstance(arr, ArrayValue)
    assert [v.id for v in arr.children] == ["a1", "a0"]


def test_noop_changes_nothing_and_is_recorded() -> None:
    tree = sample()
    before = tree.copy()
    applied = apply(tree, o.ArrayRemove(id="a", index=9, no_op=True))
    assert applied.no_op and tree == before


INVALID = [
    ("splice past end", o.StringSplice(id="s", index=6, insert_value="x")),
    ("splice deletes past end", o.StringSplice(id="s", index=3, delete_count=3)),
    ("negative delete", o.StringSplice(id="s", index=0, delete_count=-1, insert_value="x")),
    ("insert past end", o.ArrayInsert(id="a", index=3, value=NullValue("z"))),
    ("negative index", o.ArrayInsert(id="a", index=-1, value=NullValue("z"))),
    ("remove past end", o.ArrayRemove(id="a", index=2)),
    ("replace past end", o.ArrayReplace(id="a", index=2, value=NullValue("z"))),
    ("move from past end", o.ArrayMove(id="a", from_index=2, to_index=0)),
    ("move to past end", o.ArrayMove(id="a", from_index=0, to_index=2)),
    ("add present key", o.ObjectAddProperty(id="o", key="k", value=NullValue("z"))),
    ("set missing key", o.ObjectSetProperty(id="o", key="nope", value=NullValue("z"))),
    ("remove missing key", o.ObjectRemoveProperty(id="o", key="nope")),
    ("string op on array", o.StringSplice(id="a", index=0, insert_value="x")),
    ("array op on object", o.ArrayInsert(id="o", index=0, value=NullValue("z"))),
    ("object op on string", o.ObjectRemoveProperty(id="s", key="k")),
    ("number op on boolean", o.NumberDelta(id="b", delta=1)),
    ("boolean op on number", o.BooleanSet(id="n", value=True)),
    ("date op on string", o.DateSet(id="s", value=1)),
    ("unknown id", o.NumberSet(id="ghost", value=1)),
    ("id already used", o.ArrayInsert(id="a", index=0, value=NullValue("n"))),
    ("id twice in payload", o.ArraySet(id="a", values=(NullValue("q"), NullValue("q")))),
]


@pytest.mark.parametrize("op", [c[1] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_operations_are_rejected_without_change(op: o.DiscreteOperation) -> None:
    tree = sample()
    before = tree.copy()
    with pytest.raises(InvalidOperationError):
        apply(tree, op)
    assert tree == before
    assert tree.ids() == before.ids()


def test_emptied_splice_with_stale_index_is_harmless() -> None:
    tree = sample()
    apply(tree, o.StringSplice(id="s", index=99))
    assert tree.get("s") == StringValue("s", "hello")


def _nested(depth: int, prefix: str) -> Any:
    value: Any = NullValue(f"{prefix}{depth}")
    for level in range(depth - 1):
        value = ArrayValue(f"{prefix}{level}", [value])
    return value


def test_nesting_limit_is_enforced_and_configurable() -> None:
    tree = ModelTree(ObjectValue("root", {}), max_depth=5)
    apply(tree, o.ObjectAddProperty(id="root", key="ok", value=_nested(4, "a")))
    with pytest.raises(InvalidOperationError, match="nesting"):
        apply(tree, o.ObjectAddProperty(id="root", key="deep", value=_nested(5, "b")))
    with pytest.raises(InvalidOperationError, match="nesting"):
        ModelTree(ObjectValue("root", {"x": _nested(64, "c")}))


def test_failed_compound_rolls_back_its_applied_parts() -> None:
    tree = sample()
    before = tree.copy()
    batch = o.CompoundOperation(
        (
            o.StringSplice(id="s", index=0, insert_value="X"),
            o.ArrayRemove(id="a", index=0),
            o.ObjectRemoveProperty(id="o", key="missing"),
        )
    )
    with pytest.raises(InvalidOperationError):
        apply(tree, batch)
    assert tree == before and tree.ids() == before.ids()


def test_preprocess_noops_ops_on_missing_values_only() -> None:
    tree = sample()
    live = o.NumberDelta(id="n", delta=1)
    gone = o.StringSplice(id="ghost", index=0, insert_value="x")
    assert preprocess(tree, live) == live
    assert preprocess(tree, gone) == gone.noop()
    batch = o.CompoundOperation(
        (
            o.ArrayInsert(id="a", index=0, value=StringValue("fresh", "")),
            o.StringSplice(id="fresh", index=0, insert_value="y"),
            gone,
        )
    )
    assert preprocess(tree, batch) == o.CompoundOperation((*batch.ops[:2], gone.noop()))
    apply(tree, preprocess(tree, batch))
    assert tree.get("fresh") == StringValue("fresh", "y")


@pytest.mark.parametrize("op_type", o.DISCRETE_OPERATION_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_invert_undoes_every_op_type(op_type: type[Any], data: st.DataObject) -> None:
    ch = DrawChooser(data.draw)
    tgt = target(ch, FAMILY[op_type], Ids("base"), min_len=1 if op_type in NEEDS_ELEMENT else 0)
    tree = base_tree(tgt)
    before = tree.copy()
    applied = apply(tree, op_on(ch, op_type, tgt, Ids("x")))
    apply(tree, as_operation(invert(applied)))
    assert tree == before
    assert tree.ids() == before.ids()
    assert invert(invert(applied)) == applied


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_compound_equals_its_parts_in_sequence_and_inverts(data: st.DataObject) -> None:
    ch = DrawChooser(data.draw)
    tree = base_tree(ObjectValue("v", {"t": StringValue("t", "ab"), "l": ArrayValue("l", [])}))
    parts = op_sequence(ch, tree, Ids("x"), ch.integer(1, 5), ("v", "t", "l"))
    one_by_one = tree.copy()
    for part in parts:
        apply(one_by_one, part)
    batched = tree.copy()
    applied = apply(batched, o.CompoundOperation(tuple(parts)))
    assert batched == one_by_one
    apply(batched, as_operation(invert(applied)))
    assert batched == tree and batched.ids() == tree.ids()
