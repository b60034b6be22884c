"""Applying operations to a ``ModelTree``, and turning ops on vanished values into no-ops.

``apply`` validates before it mutates, so a rejected discrete op leaves the tree untouched; a
rejected part of a compound op rolls back the parts already applied (the Scala server leaves them,
a known FIXME there).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import applied as ap
from . import operations as ops
from .errors import InvalidOperationError
from .text import utf16_len, utf16_splice
from .tree import ModelTree
from .values import (
    ArrayValue,
    BooleanValue,
    DataValue,
    DateValue,
    DoubleValue,
    NullValue,
    ObjectValue,
    StringValue,
    deep_copy,
    iter_values,
)

#: Placeholder old value in the applied form of a no-op, which replaced nothing.
_NULL = NullValue(id="")

#: The value type each operation must target.
TARGET_TYPES: dict[type[ops.DiscreteOperationBase], type[DataValue]] = {
    ops.StringSplice: StringValue,
    ops.StringSet: StringValue,
    ops.ArrayInsert: ArrayValue,
    ops.ArrayRemove: ArrayValue,
    ops.ArrayReplace: ArrayValue,
    ops.ArrayMove: ArrayValue,
    ops.ArraySet: ArrayValue,
    ops.ObjectAddProperty: ObjectValue,
    ops.ObjectSetProperty: ObjectValue,
    ops.ObjectRemoveProperty: ObjectValue,
    ops.ObjectSet: ObjectValue,
    ops.NumberDelta: DoubleValue,
    ops.NumberSet: DoubleValue,
    ops.BooleanSet: BooleanValue,
    ops.DateSet: DateValue,
}


def apply(tree: ModelTree, op: ops.Operation) -> ap.AppliedOperation:
    """Apply ``op`` to ``tree`` in place and return what it did; raise ``InvalidOperationError``."""
    if isinstance(op, ops.CompoundOperation):
        done: list[ap.AppliedDiscreteOperation] = []
        try:
            for part in op.ops:
                done.append(_apply_discrete(tree, part))
        except InvalidOperationError:
            for undo in reversed(done):
                apply(tree, ap.as_operation(ap.invert(undo)))
            raise
        return ap.AppliedCompoundOperation(tuple(done))
    return _apply_discrete(tree, op)


def preprocess(tree: ModelTree, op: ops.Operation) -> ops.Operation:
    """Turn ops whose target value is not in ``tree`` into no-ops (they still take a version).

    This is how an edit inside a subtree that a concurrent op replaced or removed is resolved:
    there are no cross-id transforms. Inside a compound, ids attached by earlier parts count as
    present. Call it on each incoming op against the current state, before transforming it.
    """
    if isinstance(op, ops.CompoundOperation):
        created: set[str] = set()
        parts: list[ops.DiscreteOperation] = []
        for part in op.ops:
            if part.no_op or part.id in tree or part.id in created:
                parts.append(part)
                created |= _payload_ids(part) if not part.no_op else set()
            else:
                parts.append(part.noop())
        return ops.CompoundOperation(tuple(parts))
    if op.no_op or op.id in tree:
        return op
    return op.noop()


def _payload_ids(op: ops.DiscreteOperation) -> set[str]:
    values: list[DataValue] = []
    match op:
        case (
            ops.ArrayInsert()
            | ops.ArrayReplace()
            | ops.ObjectAddProperty()
            | ops.ObjectSetProperty()
        ):
            values = [op.value]
        case ops.ArraySet():
            values = list(op.values)
        case ops.ObjectSet():
            values = list(op.values.values())
    return {v.id for value in values for v in iter_values(value)}


def _target(tree: ModelTree, op: ops.DiscreteOperation) -> DataValue:
    value = tree.get(op.id)
    if value is None:
        raise InvalidOperationError(f"{type(op).__name__}: no value with id {op.id!r}")
    expected = TARGET_TYPES[type(op)]
    if not isinstance(value, expected):
        raise InvalidOperationError(
            f"{type(op).__name__} targets a {type(value).__name__}, needs a {expected.__name__}"
        )
    return value


def _check_index(op: ops.DiscreteOperation, index: int, upper: int, what: str = "index") -> None:
    if not 0 <= index <= upper:
        raise InvalidOperationError(f"{type(op).__name__}: {what} {index} outside 0..{upper}")


def _check_fresh(tree: ModelTree, parent_id: str, values: list[DataValue]) -> None:
    """All new values together must use fresh, distinct ids and respect the depth limit."""
    seen: set[str] = set()
    for value in values:
        tree.check_attachable(parent_id, value)
        for node in iter_values(value):
            if node.id in seen:
                raise InvalidOperationError(f"value id {node.id!r} is used twice")
            seen.add(node.id)


def _apply_discrete(tree: ModelTree, op: ops.DiscreteOperation) -> ap.AppliedDiscreteOperation:
    if op.no_op:
        return _applied_noop(op)
    target = _target(tree, op)
    i = op.id
    match op:
        case ops.StringSplice():
            assert isinstance(target, StringValue)
            if op.delete_count == 0 and op.insert_value == "":
                # An emptied splice: transforms leave its index stale (the client does too), and
                # it changes nothing, so its index is not checked.
                return ap.AppliedStringSplice(
                    id=i, index=op.index, deleted_value="", insert_value=""
                )
            length = utf16_len(target.value)
            _check_index(op, op.index, length)
            if op.delete_count < 0 or op.index + op.delete_count > length:
                raise InvalidOperationError(
                    f"StringSplice: deletes {op.delete_count} at {op.index} of {length}"
                )
            target.value, deleted = utf16_splice(
                target.value, op.index, op.delete_count, op.insert_value
            )
            return ap.AppliedStringSplice(
                id=i, index=op.index, deleted_value=deleted, insert_value=op.insert_value
            )
        case ops.StringSet():
            assert isinstance(target, StringValue)
            old_str, target.value = target.value, op.value
            return ap.AppliedStringSet(id=i, value=op.value, old_value=old_str)
        case ops.ArrayInsert():
            assert isinstance(target, ArrayValue)
            _check_index(op, op.index, len(target.children))
            _check_fresh(tree, i, [op.value])
            target.children.insert(op.index, tree.adopt(i, op.value))
            return ap.AppliedArrayInsert(id=i, index=op.index, value=deep_copy(op.value))
        case ops.ArrayRemove():
            assert isinstance(target, ArrayValue)
            _check_index(op, op.index, len(target.children) - 1)
            old = target.children.pop(op.index)
            tree.release(old)
            return ap.AppliedArrayRemove(id=i, index=op.index, old_value=old)
        case ops.ArrayReplace():
            assert isinstance(target, ArrayValue)
            _check_index(op, op.index, len(target.children) - 1)
            old = target.children[op.index]
            _check_fresh(tree, i, [op.value])
            tree.release(old)
            target.children[op.index] = tree.adopt(i, op.value)
            return ap.AppliedArrayReplace(
                id=i, index=op.index, value=deep_copy(op.value), old_value=old
            )
        case ops.ArrayMove():
            assert isinstance(target, ArrayValue)
            last = len(target.children) - 1
            _check_index(op, op.from_index, last, "from_index")
            _check_index(op, op.to_index, last, "to_index")
            target.children.insert(op.to_index, target.children.pop(op.from_index))
            return ap.AppliedArrayMove(id=i, from_index=op.from_index, to_index=op.to_index)
        case ops.ArraySet():
            assert isinstance(target, ArrayValue)
            olds = list(target.children)
            _check_fresh(tree, i, list(op.values))
            for old in olds:
                tree.release(old)
            target.children = [tree.adopt(i, v) for v in op.values]
            return ap.AppliedArraySet(
                id=i, values=tuple(deep_copy(v) for v in op.values), old_values=tuple(olds)
            )
        case ops.ObjectAddProperty():
            assert isinstance(target, ObjectValue)
            if op.key in target.children:
                raise InvalidOperationError(f"ObjectAddProperty: key {op.key!r} already exists")
            _check_fresh(tree, i, [op.value])
            target.children[op.key] = tree.adopt(i, op.value)
            return ap.AppliedObjectAddProperty(id=i, key=op.key, value=deep_copy(op.value))
        case ops.ObjectSetProperty():
            assert isinstance(target, ObjectValue)
            if op.key not in target.children:
                raise InvalidOperationError(f"ObjectSetProperty: no key {op.key!r}")
            old = target.children[op.key]
            _check_fresh(tree, i, [op.value])
            tree.release(old)
            target.children[op.key] = tree.adopt(i, op.value)
            return ap.AppliedObjectSetProperty(
                id=i, key=op.key, value=deep_copy(op.value), old_value=old
            )
        case ops.ObjectRemoveProperty():
            assert isinstance(target, ObjectValue)
            if op.key not in target.children:
                raise InvalidOperationError(f"ObjectRemoveProperty: no key {op.key!r}")
            old = target.children.pop(op.key)
            tree.release(old)
            return ap.AppliedObjectRemoveProperty(id=i, key=op.key, old_value=old)
        case ops.ObjectSet():
            assert isinstance(target, ObjectValue)
            old_map = dict(target.children)
            _check_fresh(tree, i, list(op.values.values()))
            for old in old_map.values():
                tree.release(old)
            target.children = {k: tree.adopt(i, v) for k, v in op.values.items()}
            return ap.AppliedObjectSet(id=i, values=_copy_map(op.values), old_values=old_map)
        case ops.NumberDelta():
            assert isinstance(target, DoubleValue)
            target.value += op.delta
            return ap.AppliedNumberDelta(id=i, delta=op.delta)
        case ops.NumberSet():
            assert isinstance(target, DoubleValue)
            old_num, target.value = target.value, op.value
            return ap.AppliedNumberSet(id=i, value=op.value, old_value=old_num)
        case ops.BooleanSet():
            assert isinstance(target, BooleanValue)
            old_bool, target.value = target.value, op.value
            return ap.AppliedBooleanSet(id=i, value=op.value, old_value=old_bool)
        case ops.DateSet():
            assert isinstance(target, DateValue)
            old_date, target.value = target.value, op.value
            return ap.AppliedDateSet(id=i, value=op.value, old_value=old_date)
    raise TypeError(f"not an operation: {op!r}")


def _copy_map(values: Mapping[str, DataValue]) -> dict[str, DataValue]:
    return {k: deep_copy(v) for k, v in values.items()}


def _applied_noop(op: ops.DiscreteOperation) -> ap.AppliedDiscreteOperation:
    """A no-op is stored with the op's own fields and empty old values; it changed nothing."""
    i = op.id
    match op:
        case ops.StringSplice():
            return ap.AppliedStringSplice(
                id=i, no_op=True, index=op.index, deleted_value="", insert_value=op.insert_value
            )
        case ops.StringSet():
            return ap.AppliedStringSet(id=i, no_op=True, value=op.value, old_value="")
        case ops.ArrayInsert():
            return ap.AppliedArrayInsert(id=i, no_op=True, index=op.index, value=op.value)
        case ops.ArrayRemove():
            return ap.AppliedArrayRemove(id=i, no_op=True, index=op.index, old_value=_NULL)
        case ops.ArrayReplace():
            return ap.AppliedArrayReplace(
                id=i, no_op=True, index=op.index, value=op.value, old_value=_NULL
            )
        case ops.ArrayMove():
            return ap.AppliedArrayMove(
                id=i, no_op=True, from_index=op.from_index, to_index=op.to_index
            )
        case ops.ArraySet():
            return ap.AppliedArraySet(id=i, no_op=True, values=op.values, old_values=())
        case ops.ObjectAddProperty():
            return ap.AppliedObjectAddProperty(id=i, no_op=True, key=op.key, value=op.value)
        case ops.ObjectSetProperty():
            return ap.AppliedObjectSetProperty(
                id=i, no_op=True, key=op.key, value=op.value, old_value=_NULL
            )
        case ops.ObjectRemoveProperty():
            return ap.AppliedObjectRemoveProperty(id=i, no_op=True, key=op.key, old_value=_NULL)
        case ops.ObjectSet():
            return ap.AppliedObjectSet(id=i, no_op=True, values=op.values, old_values={})
        case ops.NumberDelta():
            return ap.AppliedNumberDelta(id=i, no_op=True, delta=op.delta)
        case ops.NumberSet():
            return ap.AppliedNumberSet(id=i, no_op=True, value=op.value, old_value=0.0)
        case ops.BooleanSet():
            return ap.AppliedBooleanSet(id=i, no_op=True, value=op.value, old_value=False)
        case ops.DateSet():
            return ap.AppliedDateSet(id=i, no_op=True, value=op.value, old_value=0)
    raise TypeError(f"not an operation: {op!r}")
