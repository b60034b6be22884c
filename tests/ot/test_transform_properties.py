"""TP1 for every same-id pair, compound ops and detached targets (hypothesis).

TP1: from one state, ``s`` then ``c'`` equals ``c`` then ``s'``. It holds for every pair except
the rc.12 client's Splice/Splice "PrecededBy" case, which we reproduce on purpose; there we show
that ``normalize_incoming`` (no delete+insert splice in history) restores TP1.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.apply import apply
from convergence_jupyter.ot.normalize import normalize_incoming
from convergence_jupyter.ot.ranges import RangeRelation, range_relation
from convergence_jupyter.ot.transform import transform
from convergence_jupyter.ot.tree import ModelTree
from convergence_jupyter.ot.values import (
    ArrayValue,
    DoubleValue,
    ObjectValue,
    StringValue,
)
from convergence_jupyter.ot.xform.string import SpliceKind, splice_kind

from .generators import (
    FAMILY,
    DrawChooser,
    Ids,
    apply_leniently,
    concurrent_pair,
    op_on,
    op_sequence,
    possible_ops,
    same_type_pairs,
    target,
    value,
)

EXAMPLES = int(os.environ.get("OT_TP1_EXAMPLES", "300"))


def _both_orders(tree: ModelTree, s: o.Operation, c: o.Operation) -> tuple[ModelTree, ModelTree]:
    s_prime, c_prime = transform(s, c)
    server, client = tree.copy(), tree.copy()
    apply_leniently(server, s)
    apply_leniently(server, c_prime)
    apply_leniently(client, c)
    apply_leniently(client, s_prime)
    return server, client


def is_client_preceded_by_bug(s: o.Operation, c: o.Operation) -> bool:
    """The one pair shape where the rc.12 client's function is not TP1."""
    return (
        isinstance(s, o.StringSplice)
        and isinstance(c, o.StringSplice)
        and splice_kind(s) is SpliceKind.SPLICE
        and splice_kind(c) is SpliceKind.SPLICE
        and range_relation(s.index, s.index + s.delete_count, c.index, c.index + c.delete_count)
        is RangeRelation.PRECEDED_BY
    )


@pytest.mark.parametrize("s_type,c_type", same_type_pairs(), ids=lambda t: t.__name__)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_tp1(s_type: type[Any], c_type: type[Any], data: st.DataObject) -> None:
    tree, s, c = concurrent_pair(DrawChooser(data.draw), s_type, c_type)
    if is_client_preceded_by_bug(s, c):
        return
    server, client = _both_orders(tree, s, c)
    assert server == client


@settings(max_examples=EXAMPLES * 3)
@given(data=st.data())
def test_tp1_holds_for_every_splice_pair_once_history_is_normalised(data: st.DataObject) -> None:
    tree, s, c = concurrent_pair(DrawChooser(data.draw), o.StringSplice, o.StringSplice)
    server, client = _both_orders(tree, normalize_incoming(s), c)
    assert server == client


@settings(max_examples=200)
@given(data=st.data())
def test_the_preceded_by_bug_is_reproduced_faithfully(data: st.DataObject) -> None:
    """s (delete+insert) wholly after c (delete+insert): s' shifts by |s.insert|, as in rc.12."""
    ch = DrawChooser(data.draw)
    c_index, c_delete = ch.integer(0, 3), ch.integer(1, 3)
    s_index = c_index + c_delete + ch.integer(1, 3)
    s = o.StringSplice(
        id="v", index=s_index, delete_count=ch.integer(1, 2), insert_value="S" * ch.integer(1, 3)
    )
    c = o.StringSplice(
        id="v", index=c_index, delete_count=c_delete, insert_value="C" * ch.integer(1, 3)
    )
    s_prime, c_prime = transform(s, c)
    assert c_prime == c
    assert s_prime == s.replace(index=s_index - c_delete + len(s.insert_value))
    if len(s.insert_value) != len(c.insert_value):
        text = StringValue("v", "abcdefghijklmnop")
        server, client = _both_orders(ModelTree(ObjectValue("root", {"v": text})), s, c)
        assert server != client


MIXED = ("text", "list", "map", "count", "inner")


def _mixed(data: st.DataObject) -> ModelTree:
    ch = DrawChooser(data.draw)
    return ModelTree(
        ObjectValue(
            "root",
            {
                "text": StringValue("text", ch.text(6)),
                "list": ArrayValue(
                    "list", [DoubleValue(f"e{i}", float(i)) for i in range(ch.integer(0, 3))]
                ),
                "map": ObjectValue(
                    "map", {"k": ObjectValue("inner", {"x": StringValue("ix", "q")})}
                ),
                "count": DoubleValue("count", 0.0),
            },
        )
    )


@settings(max_examples=EXAMPLES * 2)
@given(data=st.data())
def test_tp1_for_compound_operations(data: st.DataObject) -> None:
    """Batches on several values, including nested ones a concurrent op may detach."""
    ch = DrawChooser(data.draw)
    tree = _mixed(data)
    s = o.CompoundOperation(tuple(op_sequence(ch, tree, Ids("s"), ch.integer(1, 3), MIXED)))
    c = o.CompoundOperation(tuple(op_sequence(ch, tree, Ids("c"), ch.integer(1, 3), MIXED)))
    server, client = _both_orders(tree, normalize_incoming(s), c)
    assert server == client


DETACHING = (
    o.ArrayRemove,
    o.ArrayReplace,
    o.ArraySet,
    o.ObjectSetProperty,
    o.ObjectRemoveProperty,
    o.ObjectSet,
)
ALL_TYPES = tuple(t for t in o.DISCRETE_OPERATION_TYPES)


@pytest.mark.parametrize("detach_type", DETACHING, ids=lambda t: t.__name__)
@pytest.mark.parametrize("inner_type", ALL_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=25)
@given(data=st.data())
def test_edit_inside_a_concurrently_detached_subtree_is_dropped_everywhere(
    detach_type: type[Any], inner_type: type[Any], data: st.DataObject
) -> None:
    """One side replaces/removes a container's child; the other edits inside that child.
    Whichever is first at the server, every replica ends with the edit gone."""
    ch = DrawChooser(data.draw)
    inner = _inner_target(ch, inner_type)
    container: ArrayValue | ObjectValue
    if detach_type in (o.ArrayRemove, o.ArrayReplace, o.ArraySet):
        container = ArrayValue("parent", [inner])
    else:
        container = ObjectValue("parent", {"k": inner})
    tree = ModelTree(ObjectValue("root", {"parent": container}))
    detach = _detach(ch, detach_type)
    edit = op_on(ch, inner_type, inner, Ids("e"))
    for s, c in ((detach, edit), (edit, detach)):
        server, client = _both_orders(tree, s, c)
        assert server == client
        assert inner.id not in server


def _inner_target(ch: DrawChooser, op_type: type[Any]) -> Any:
    family = FAMILY[op_type]
    tgt = target(ch, family, Ids("base"), min_len=1)
    tgt.id = "inner"
    return tgt


def _detach(ch: DrawChooser, detach_type: type[Any]) -> o.DiscreteOperation:
    ids = Ids("d")
    match detach_type:
        case o.ArrayRemove:
            return o.ArrayRemove(id="parent", index=0)
        case o.ArrayReplace:
            return o.ArrayReplace(id="parent", index=0, value=value(ch, ids))
        case o.ArraySet:
            return o.ArraySet(id="parent", values=(value(ch, ids),))
        case o.ObjectSetProperty:
            return o.ObjectSetProperty(id="parent", key="k", value=value(ch, ids))
        case o.ObjectRemoveProperty:
            return o.ObjectRemoveProperty(id="parent", key="k")
    return o.ObjectSet(id="parent", values={"k": value(ch, ids)})


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_every_generated_op_is_valid_on_its_state(data: st.DataObject) -> None:
    """Guard for the generators themselves: a TP1 test on invalid ops would prove nothing."""
    ch = DrawChooser(data.draw)
    tree = _mixed(data)
    for vid in ("text", "list", "map", "count"):
        tgt = tree.get(vid)
        assert tgt is not None
        for op_type in possible_ops(tgt):
            apply(tree.copy(), op_on(ch, op_type, tgt, Ids("g")))


LONG_EXAMPLES = int(os.environ.get("OT_TP1_LONG_EXAMPLES", "5000"))


@pytest.mark.long
@pytest.mark.usefixtures("long_run")
@pytest.mark.parametrize("s_type,c_type", same_type_pairs(), ids=lambda t: t.__name__)
@settings(max_examples=LONG_EXAMPLES)
@given(data=st.data())
def test_tp1_long(s_type: type[Any], c_type: type[Any], data: st.DataObject) -> None:
    test_tp1.hypothesis.inner_test(s_type, c_type, data)  # type: ignore[attr-defined]
