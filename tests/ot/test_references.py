"""References: incoming ones brought up to date, live ones kept current after ops."""

from __future__ import annotations

import pytest

from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.apply import apply
from convergence_jupyter.ot.references import (
    ReferenceType,
    ReferenceValue,
    existing_elements,
    shift_index,
    transform_reference,
    update_reference,
)
from convergence_jupyter.ot.tree import ModelTree
from convergence_jupyter.ot.values import ArrayValue, NullValue, ObjectValue, StringValue


def idx(*values: int, vid: str = "s") -> ReferenceValue:
    return ReferenceValue(ReferenceType.INDEX, vid, values)


def rng(*values: tuple[int, int]) -> ReferenceValue:
    return ReferenceValue(ReferenceType.RANGE, "s", values)


@pytest.mark.parametrize(
    "index,splice,expected",
    [
        (1, (3, 0, 2), 1),  # before the splice: unchanged (the client gets this wrong)
        (3, (3, 0, 2), 5),  # at an insert point: moves past the insert
        (5, (3, 0, 2), 7),  # after: shifted by the insert
        (4, (2, 3, 0), 2),  # inside deleted text: pulled to the splice start
        (9, (2, 3, 1), 7),  # after a splice: -3 +1
    ],
)
def test_shift_index(index: int, splice: tuple[int, int, int], expected: int) -> None:
    assert shift_index(index, *splice) == expected


def test_incoming_reference_follows_splices_and_compounds() -> None:
    splice = o.StringSplice(id="s", index=2, delete_count=1, insert_value="xyz")
    assert transform_reference(splice, idx(0, 2, 5)) == idx(0, 5, 7)
    assert transform_reference(splice, rng((1, 4))) == rng((1, 6))
    batch = o.CompoundOperation((splice, o.StringSplice(id="s", index=0, insert_value="a")))
    assert transform_reference(batch, idx(5)) == idx(8)


def test_incoming_reference_ignores_other_values_noops_and_non_text() -> None:
    ref = idx(3)
    assert transform_reference(o.StringSplice(id="t", index=0, insert_value="x"), ref) == ref
    assert (
        transform_reference(o.StringSplice(id="s", index=0, insert_value="x", no_op=True), ref)
        == ref
    )
    prop = ReferenceValue(ReferenceType.PROPERTY, "s", ("k",))
    assert transform_reference(o.StringSet(id="s", value="x"), prop) == prop


def test_string_set_clears() -> None:
    assert transform_reference(o.StringSet(id="s", value="new"), idx(1)) is None
    tree = ModelTree(ObjectValue("root", {"s": StringValue("s", "abc")}))
    applied = apply(tree, o.StringSet(id="s", value="new"))
    assert update_reference(idx(1), applied) == idx()


def test_live_references_follow_applied_ops() -> None:
    tree = ModelTree(
        ObjectValue(
            "root",
            {
                "s": StringValue("s", "hello"),
                "o": ObjectValue("o", {"a": NullValue("na"), "b": NullValue("nb")}),
                "l": ArrayValue("l", [StringValue("e", "x")]),
            },
        )
    )
    applied = apply(tree, o.StringSplice(id="s", index=0, delete_count=2, insert_value=""))
    assert update_reference(idx(4), applied) == idx(2)
    props = ReferenceValue(ReferenceType.PROPERTY, "o", ("a", "b"))
    applied = apply(tree, o.ObjectRemoveProperty(id="o", key="a"))
    assert update_reference(props, applied) == ReferenceValue(ReferenceType.PROPERTY, "o", ("b",))
    elements = ReferenceValue(ReferenceType.ELEMENT, None, ("e", "s"))
    applied = apply(tree, o.ArrayRemove(id="l", index=0))
    assert update_reference(elements, applied) == ReferenceValue(
        ReferenceType.ELEMENT, None, ("s",)
    )
    assert update_reference(idx(0, vid="e"), applied) is None


def test_element_values_are_filtered_to_existing_ids() -> None:
    tree = ModelTree(ObjectValue("root", {"s": StringValue("s", "")}))
    assert existing_elements(tree, ["s", "ghost", "root"]) == ("s", "root")
