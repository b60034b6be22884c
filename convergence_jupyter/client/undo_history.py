"""Local undo over OT, with no I/O: the undo and redo stacks, inverses and their transformation.

Each stack is a *chain* starting at the current document: the top step's inverse applies to the
document as it is now, the step below applies once the top one has been applied, and so on.

- A tracked local edit is pushed on top (or joins the open top step); nothing below it moves.
  Transforming older inverses against one's own later edits instead would lose information
  (after two sets of one value, the first set's inverse transformed against the second is a
  no-op), and those later edits are undone first anyway.
- Any other op (a remote op, already brought to the local state by the client's concurrency
  control, or an untracked local edit) applies at the current document, so it is transformed
  through the chain from the top down: ``transform(op, inverse)`` gives the inverse that
  applies after ``op`` and the part of ``op`` that the next step down must see.

An inverse is computed from the applied form of an op (``ot.invert``), which holds the removed
and old values. When an undo or redo puts a value back, it gets fresh value ids: the old ids may
still be named by ops other sessions made before the value went away, and re-attaching them
would let those ops land on the restored copy at the server but not where they were applied
first. Steps further down that name the old ids are renamed to the new ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

from convergence_jupyter import ot
from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.applied import AppliedDiscreteOperation, AppliedStringSplice
from convergence_jupyter.ot.normalize import split_splice
from convergence_jupyter.ot.values import (
    ArrayValue,
    DataValue,
    NullValue,
    ObjectValue,
)

_log = logging.getLogger(__name__)

#: Submits an op as a normal local edit; its applied parts come back through ``record_local``.
Submit = Callable[[o.CompoundOperation], None]


@dataclass(slots=True)
class UndoStep:
    """One user action: the ops that undo it, in the order they apply."""

    inverse: list[o.DiscreteOperation]
    #: What later edits may join this step (a batch, a capture, a typing run); None: nothing.
    group: Hashable | None = None
    #: When the last edit joined (for the typing window).
    last_edit: float = 0.0


def is_noop(op: o.DiscreteOperation) -> bool:
    """Whether ``op`` changes nothing (so it is neither recorded nor submitted)."""
    if op.no_op:
        return True
    match op:
        case o.StringSplice():
            return op.delete_count == 0 and op.insert_value == ""
        case o.ArrayMove():
            return op.from_index == op.to_index
        case o.NumberDelta():
            return op.delta == 0
    return False


def inverse_parts(applied: ot.AppliedOperation) -> list[o.DiscreteOperation]:
    """The discrete ops that undo ``applied``, in apply order, without no-ops.

    A delete+insert splice is inverted into a remove followed by an insert: the rc.12 client's
    one non-convergent string transform is only reachable with such splices on both sides.
    """
    undo = ot.as_operation(ot.invert(applied))
    parts = undo.ops if isinstance(undo, o.CompoundOperation) else (undo,)
    result: list[o.DiscreteOperation] = []
    for part in parts:
        pieces = split_splice(part) if isinstance(part, o.StringSplice) else (part,)
        result.extend(p for p in pieces if not is_noop(p))
    return result


def _typing_key(applied: ot.AppliedOperation) -> Hashable | None:
    """The group of a plain insert or plain remove in a string: consecutive ones of one kind in
    one string, within the typing window, are one step (as typing and backspacing are)."""
    if not isinstance(applied, AppliedStringSplice) or applied.no_op:
        return None
    if applied.insert_value and not applied.deleted_value:
        return ("typing", applied.id, "insert")
    if applied.deleted_value and not applied.insert_value:
        return ("typing", applied.id, "remove")
    return None


def fresh_copy(value: DataValue, new_id: Callable[[], str], renamed: dict[str, str]) -> DataValue:
    """A copy of ``value`` with a fresh id on every node; ``renamed`` gets old id -> new id."""
    fresh = new_id()
    renamed[value.id] = fresh
    if isinstance(value, ObjectValue):
        return ObjectValue(
            fresh, {k: fresh_copy(v, new_id, renamed) for k, v in value.children.items()}
        )
    if isinstance(value, ArrayValue):
        return ArrayValue(fresh, [fresh_copy(v, new_id, renamed) for v in value.children])
    if isinstance(value, NullValue):
        return NullValue(fresh)
    return type(value)(fresh, value.value)  # type: ignore[arg-type]


def _with_fresh_payload(
    op: o.DiscreteOperation, new_id: Callable[[], str], renamed: dict[str, str]
) -> o.DiscreteOperation:
    match op:
        case o.ArrayInsert() | o.ArrayReplace() | o.ObjectAddProperty() | o.ObjectSetProperty():
            return op.replace(value=fresh_copy(op.value, new_id, renamed))
        case o.ArraySet():
            return op.replace(values=tuple(fresh_copy(v, new_id, renamed) for v in op.values))
        case o.ObjectSet():
            return op.replace(
                values={k: fresh_copy(v, new_id, renamed) for k, v in op.values.items()}
            )
    return op


def _renamed(
    ops: Iterable[o.DiscreteOperation], ids: Mapping[str, str]
) -> list[o.DiscreteOperation]:
    return [op.replace(id=ids[op.id]) if op.id in ids else op for op in ops]


class UndoHistory:
    """The undo and redo stacks of one user on one model (see the module docstring).

    ``new_id`` mints value ids for restored values (the model's own id generator).
    ``typing_window``: seconds within which consecutive typing joins one step. ``limit``: most
    steps kept per stack (the oldest are forgotten).
    """

    def __init__(
        self, new_id: Callable[[], str], *, typing_window: float = 1.0, limit: int = 200
    ) -> None:
        self._new_id = new_id
        self.typing_window = typing_window
        self.limit = limit
        self.undo_stack: list[UndoStep] = []
        self.redo_stack: list[UndoStep] = []
        #: Whether the top undo step may still take edits of its group.
        self._open = False
        #: While an undo or redo is being submitted: the applied parts, as they come back.
        self._replayed: list[AppliedDiscreteOperation] | None = None

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    def clear(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()
        self._open = False

    def new_step(self) -> None:
        """End the open step: the next edit starts a new one even if it would have joined."""
        self._open = False

    # -- what happens to the document ----------------------------------------------------------

    def record_local(
        self, applied: ot.AppliedOperation, *, now: float, group: Hashable | None = None
    ) -> None:
        """A tracked local edit, just applied: a new step, or part of the open one. ``group``
        (a batch, a capture) joins edits of one group; without it, typing runs are grouped."""
        if self._replayed is not None:
            parts = applied.ops if isinstance(applied, ot.AppliedCompoundOperation) else (applied,)
            self._replayed.extend(parts)
            return
        inverse = inverse_parts(applied)
        if not inverse:
            return
        self.redo_stack.clear()
        key = group if group is not None else _typing_key(applied)
        top = self.undo_stack[-1] if self.undo_stack and self._open else None
        joins = top is not None and key is not None and top.group == key
        if joins and group is None and top is not None:
            joins = now - top.last_edit <= self.typing_window
        if joins and top is not None:
            top.inverse[:0] = inverse
            top.last_edit = now
            return
        self.undo_stack.append(UndoStep(inverse, key, now))
        del self.undo_stack[: -self.limit]
        self._open = True

    def record_other(self, op: ot.Operation) -> None:
        """An op applied at the current document that is not an undoable step of ours (a remote
        op as applied here, or an untracked local edit): transform both chains through it."""
        for stack in (self.undo_stack, self.redo_stack):
            _transform_chain(stack, op)

    # -- undo and redo -------------------------------------------------------------------------

    def undo(self, tree: ot.ModelTree, submit: Submit) -> bool:
        """Undo the last step that still does something; False when there is none."""
        return self._replay(self.undo_stack, self.redo_stack, tree, submit)

    def redo(self, tree: ot.ModelTree, submit: Submit) -> bool:
        """Redo the last undone step that still does something; False when there is none."""
        return self._replay(self.redo_stack, self.undo_stack, tree, submit)

    def _replay(
        self, source: list[UndoStep], target: list[UndoStep], tree: ot.ModelTree, submit: Submit
    ) -> bool:
        if self._replayed is not None:
            raise RuntimeError("an undo or redo is already being submitted")
        self._open = False
        while source:
            step = source.pop()
            prepared = self._prepare(step.inverse, tree)
            if prepared is None:
                continue  # its target is gone: nothing left to undo there
            op, renamed = prepared
            for stack in (source, target):
                for other in stack:
                    other.inverse = _renamed(other.inverse, renamed)
            self._replayed = []
            try:
                submit(op)
                done = self._replayed
            finally:
                self._replayed = None
            back = inverse_parts(ot.AppliedCompoundOperation(tuple(done)))
            if back:
                target.append(UndoStep(back))
                del target[: -self.limit]
            return True
        return False

    def _prepare(
        self, inverse: list[o.DiscreteOperation], tree: ot.ModelTree
    ) -> tuple[o.CompoundOperation, dict[str, str]] | None:
        """The step's inverse as it can be submitted now (restored values with fresh ids, ops
        on vanished values dropped), and the renaming; None when nothing is left of it."""
        renamed: dict[str, str] = {}
        parts: list[o.DiscreteOperation] = []
        for part in inverse:
            [part] = _renamed([part], renamed)
            parts.append(_with_fresh_payload(part, self._new_id, renamed))
        checked = ot.preprocess(tree, o.CompoundOperation(tuple(parts)))
        assert isinstance(checked, o.CompoundOperation)
        live = tuple(p for p in checked.ops if not is_noop(p))
        if not live:
            return None
        op = o.CompoundOperation(live)
        try:
            ot.apply(tree.copy(), op)
        except ot.InvalidOperationError as exc:
            # Not expected (the chain keeps inverses valid); dropping beats a force-close.
            _log.warning("an undo step no longer applies and is dropped: %s", exc)
            return None
        return op, renamed


def _transform_chain(stack: list[UndoStep], op: ot.Operation) -> None:
    for index in range(len(stack) - 1, -1, -1):
        if _all_noop(op):
            return
        step = stack[index]
        try:
            op, inverse = ot.transform(op, o.CompoundOperation(tuple(step.inverse)))
        except ot.InvalidOperationError as exc:
            # The chain is broken from here down (not expected): forget those steps.
            _log.warning("undo steps dropped, they cannot follow a change: %s", exc)
            del stack[: index + 1]
            return
        assert isinstance(inverse, o.CompoundOperation)
        step.inverse = [p for p in inverse.ops if not is_noop(p)]


def _all_noop(op: ot.Operation) -> bool:
    parts = op.ops if isinstance(op, o.CompoundOperation) else (op,)
    return all(is_noop(p) for p in parts)
