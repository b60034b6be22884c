"""Random model states and operations that are valid on them, for property and oracle tests.

Generation goes through a ``Chooser`` so the same code feeds hypothesis (which can shrink) and a
plain seeded ``random.Random`` (which is fast enough for thousands of oracle round trips).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.apply import apply, preprocess
from convergence_jupyter.ot.text import utf16_len
from convergence_jupyter.ot.tree import ModelTree
from convergence_jupyter.ot.values import (
    ArrayValue,
    BooleanValue,
    DataValue,
    DateValue,
    DoubleValue,
    NullValue,
    ObjectValue,
    StringValue,
)

T = TypeVar("T")


class Chooser:
    """Source of choices; subclasses provide ``integer``."""

    def integer(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def pick(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]

    def chance(self, percent: int) -> bool:
        return self.integer(1, 100) <= percent

    def text(self, max_len: int) -> str:
        # Mostly ASCII; now and then a character outside the BMP (two UTF-16 units).
        alphabet = "abcxyz" if not self.chance(10) else "ab\U0001f600"
        return "".join(self.pick(alphabet) for _ in range(self.integer(0, max_len)))


class RandomChooser(Chooser):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class DrawChooser(Chooser):
    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return int(self.draw(st.integers(lo, hi)))


class Ids:
    """Fresh value ids with a per-author prefix, the way clients mint them."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.n = prefix, 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.prefix}:{self.n}"


def scalar(ch: Chooser, ids: Ids) -> DataValue:
    kind = ch.integer(0, 4)
    if kind == 0:
        return StringValue(ids(), ch.text(3))
    if kind == 1:
        return DoubleValue(ids(), float(ch.integer(-9, 9)))
    if kind == 2:
        return BooleanValue(ids(), ch.chance(50))
    if kind == 3:
        return DateValue(ids(), 1000 * ch.integer(0, 9))
    return NullValue(ids())


def value(ch: Chooser, ids: Ids, depth: int = 2) -> DataValue:
    """A small value; containers only while ``depth`` allows."""
    kind = ch.integer(0, 5) if depth > 0 else 0
    if kind == 4:
        return ArrayValue(ids(), [value(ch, ids, depth - 1) for _ in range(ch.integer(0, 2))])
    if kind == 5:
        keys = ["p", "q", "r"][: ch.integer(0, 3)]
        return ObjectValue(ids(), {k: value(ch, ids, depth - 1) for k in keys})
    return scalar(ch, ids)


KEYS = ("a", "b", "c", "d", "e")

FAMILY: dict[type[Any], str] = {
    o.StringSplice: "string",
    o.StringSet: "string",
    o.ArrayInsert: "array",
    o.ArrayRemove: "array",
    o.ArrayReplace: "array",
    o.ArrayMove: "array",
    o.ArraySet: "array",
    o.ObjectAddProperty: "object",
    o.ObjectSetProperty: "object",
    o.ObjectRemoveProperty: "object",
    o.ObjectSet: "object",
    o.NumberDelta: "number",
    o.NumberSet: "number",
    o.BooleanSet: "boolean",
    o.DateSet: "date",
}
NEEDS_ELEMENT = {o.ArrayRemove, o.ArrayReplace, o.ArrayMove}


def target(ch: Chooser, family: str, ids: Ids, *, min_len: int = 0) -> DataValue:
    vid = "v"
    if family == "string":
        return StringValue(vid, ch.text(10))
    if family == "array":
        return ArrayValue(vid, [scalar(ch, ids) for _ in range(ch.integer(min_len, 6))])
    if family == "object":
        present = [k for k in KEYS if ch.chance(50)][:4] or ["a"]
        return ObjectValue(vid, {k: scalar(ch, ids) for k in present})
    if family == "number":
        return DoubleValue(vid, float(ch.integer(-20, 20)))
    if family == "boolean":
        return BooleanValue(vid, ch.chance(50))
    return DateValue(vid, 1000 * ch.integer(0, 5))


def op_on(ch: Chooser, op_type: type[Any], tgt: DataValue, ids: Ids) -> o.DiscreteOperation:
    """One op of ``op_type`` that is valid on ``tgt`` (which must have room for it)."""
    vid = tgt.id
    if isinstance(tgt, StringValue):
        length = utf16_len(tgt.value)
        if op_type is o.StringSet:
            return o.StringSet(id=vid, value=ch.pick(["", "x", "yy", "hello"]))
        index = ch.integer(0, length)
        return o.StringSplice(
            id=vid,
            index=index,
            delete_count=ch.integer(0, length - index),
            insert_value=ch.text(3) if ch.chance(70) else "",
        )
    if isinstance(tgt, ArrayValue):
        n = len(tgt.children)
        if op_type is o.ArrayInsert:
            return o.ArrayInsert(id=vid, index=ch.integer(0, n), value=value(ch, ids))
        if op_type is o.ArrayRemove:
            return o.ArrayRemove(id=vid, index=ch.integer(0, n - 1))
        if op_type is o.ArrayReplace:
            return o.ArrayReplace(id=vid, index=ch.integer(0, n - 1), value=value(ch, ids))
        if op_type is o.ArrayMove:
            return o.ArrayMove(
                id=vid, from_index=ch.integer(0, n - 1), to_index=ch.integer(0, n - 1)
            )
        return o.ArraySet(id=vid, values=tuple(value(ch, ids) for _ in range(ch.integer(0, 3))))
    if isinstance(tgt, ObjectValue):
        present = list(tgt.children)
        absent = [k for k in KEYS if k not in tgt.children]
        if op_type is o.ObjectAddProperty:
            return o.ObjectAddProperty(id=vid, key=ch.pick(absent), value=value(ch, ids))
        if op_type is o.ObjectSetProperty:
            return o.ObjectSetProperty(id=vid, key=ch.pick(present), value=value(ch, ids))
        if op_type is o.ObjectRemoveProperty:
            return o.ObjectRemoveProperty(id=vid, key=ch.pick(present))
        keys = [k for k in KEYS if ch.chance(40)]
        return o.ObjectSet(id=vid, values={k: value(ch, ids) for k in keys})
    if isinstance(tgt, DoubleValue):
        if op_type is o.NumberDelta:
            return o.NumberDelta(id=vid, delta=float(ch.integer(-5, 5)))
        return o.NumberSet(id=vid, value=float(ch.integer(-2, 2)))
    if isinstance(tgt, BooleanValue):
        return o.BooleanSet(id=vid, value=ch.chance(50))
    assert isinstance(tgt, DateValue)
    return o.DateSet(id=vid, value=1000 * ch.integer(0, 2))


def possible_ops(tgt: DataValue) -> list[type[Any]]:
    """The op types that ``op_on`` can make for ``tgt`` as it is now."""
    types = [t for t, f in FAMILY.items() if f == _family_of(tgt)]
    if isinstance(tgt, ArrayValue) and not tgt.children:
        types = [t for t in types if t not in NEEDS_ELEMENT]
    if isinstance(tgt, ObjectValue):
        if not tgt.children:
            types = [t for t in types if t not in (o.ObjectSetProperty, o.ObjectRemoveProperty)]
        if len(tgt.children) == len(KEYS):
            types = [t for t in types if t is not o.ObjectAddProperty]
    return types


def _family_of(tgt: DataValue) -> str:
    return {
        StringValue: "string",
        ArrayValue: "array",
        ObjectValue: "object",
        DoubleValue: "number",
        BooleanValue: "boolean",
        DateValue: "date",
    }[type(tgt)]  # type: ignore[index]


def base_tree(tgt: DataValue) -> ModelTree:
    return ModelTree(ObjectValue("root", {"v": tgt, "other": StringValue("o", "zz")}))


_SAME_VALUE_TYPES = (o.StringSet, o.NumberSet, o.BooleanSet, o.DateSet, o.ArraySet, o.ObjectSet)


def concurrent_pair(
    ch: Chooser, s_type: type[Any], c_type: type[Any]
) -> tuple[ModelTree, o.DiscreteOperation, o.DiscreteOperation]:
    """A state and two ops of the given types, both valid on it, by different authors."""
    family = FAMILY[s_type]
    assert FAMILY[c_type] == family
    needs = s_type in NEEDS_ELEMENT or c_type in NEEDS_ELEMENT
    tgt = target(ch, family, Ids("base"), min_len=1 if needs else 0)
    tree = base_tree(tgt)
    s = op_on(ch, s_type, tgt, Ids("s"))
    c = op_on(ch, c_type, tgt, Ids("c"))
    if type(s) is type(c) and ch.chance(20):
        # Exercise the "equal values cancel" branches: c carries exactly s's payload.
        if isinstance(s, _SAME_VALUE_TYPES):
            c = s
        elif isinstance(s, o.ArrayReplace) and isinstance(c, o.ArrayReplace):
            c = s
    return tree, s, c


def op_sequence(
    ch: Chooser, tree: ModelTree, ids: Ids, count: int, targets: Sequence[str] = ("v",)
) -> list[o.DiscreteOperation]:
    """``count`` ops valid one after another from ``tree`` (left unchanged)."""
    scratch = tree.copy()
    out: list[o.DiscreteOperation] = []
    for _ in range(count):
        live = [t for t in targets if t in scratch]
        if not live:
            break
        tgt = scratch.get(ch.pick(live))
        assert tgt is not None
        op = op_on(ch, ch.pick(possible_ops(tgt)), tgt, ids)
        apply(scratch, op)
        out.append(op)
    return out


def apply_leniently(tree: ModelTree, op: o.Operation) -> None:
    """Apply as a replica does: ops on values no longer in the model do nothing."""
    if isinstance(op, o.CompoundOperation):
        for part in op.ops:
            apply(tree, preprocess(tree, part))
    else:
        apply(tree, preprocess(tree, op))


def same_type_pairs() -> list[tuple[type[Any], type[Any]]]:
    """All 51 same-family (s, c) type pairs."""
    return [(s, c) for s in FAMILY for c in FAMILY if FAMILY[s] == FAMILY[c]]
