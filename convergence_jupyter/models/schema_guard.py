"""Checking an applied operation on a live model tree against its collection's schema.

The serializer applies an op to the live tree (which nobody else sees until the op is
committed), asks :func:`check_applied` about exactly the subtrees the op touched, and undoes
the op if a :class:`~convergence_jupyter.models.schema.SchemaViolation` comes back: the tree
is the scratch view, and nothing invalid is stored or broadcast.

A compound op is judged once all its parts are applied (a batch may remove a required key
and add it back), on the values its parts changed that are still in the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.models.schema import CollectionSchema, JsonPath, SchemaViolation
from convergence_jupyter.ot import applied as ap


@dataclass(frozen=True, slots=True)
class _Change:
    """A value id the op changed: ``container`` when its children came or went (its shape
    keywords are checked), else the value itself changed (checked whole)."""

    value_id: str
    container: bool = False
    reindexed: bool = False


def _changes(applied: ap.AppliedDiscreteOperation) -> list[_Change]:
    if applied.no_op:
        return []
    match applied:
        case ap.AppliedArrayInsert():
            return [_Change(applied.id, True, True), _Change(applied.value.id)]
        case ap.AppliedArrayReplace():
            return [_Change(applied.value.id)]
        case ap.AppliedObjectAddProperty() | ap.AppliedObjectSetProperty():
            return [_Change(applied.id, True), _Change(applied.value.id)]
        case ap.AppliedArrayRemove() | ap.AppliedArrayMove():
            return [_Change(applied.id, True, True)]
        case ap.AppliedObjectRemoveProperty():
            return [_Change(applied.id, True)]
        case _:
            # Scalars, and ArraySet / ObjectSet: the whole value is new.
            return [_Change(applied.id)]


def _lineage(tree: ot.ModelTree, value_id: str) -> tuple[JsonPath, list[ot.DataValue]] | None:
    """The path of a value and the values from the root down to it; None if it is gone."""
    node = tree.get(value_id)
    if node is None:
        return None
    nodes = [node]
    steps: list[str | int] = []
    parent_id = tree.parent_id(value_id)
    while parent_id is not None:
        parent = tree.get(parent_id)
        assert parent is not None
        if isinstance(parent, ot.ObjectValue):
            steps.append(next(k for k, v in parent.children.items() if v is node))
        else:
            assert isinstance(parent, ot.ArrayValue)
            steps.append(next(i for i, v in enumerate(parent.children) if v is node))
        nodes.append(parent)
        node = parent
        parent_id = tree.parent_id(parent_id)
    nodes.reverse()
    steps.reverse()
    return tuple(steps), nodes


def _plain_at(nodes: list[ot.DataValue]) -> Callable[[int], Any]:
    return lambda depth: ot.to_plain(nodes[depth])


def _shape_of(container: ot.DataValue) -> Callable[[], Any]:
    """The container with its children as None: enough for keys and length keywords."""
    if isinstance(container, ot.ObjectValue):
        return lambda: dict.fromkeys(container.children)
    if isinstance(container, ot.ArrayValue):
        return lambda: [None] * len(container.children)
    return lambda: ot.to_plain(container)


def check_applied(
    schema: CollectionSchema, tree: ot.ModelTree, applied: ot.AppliedOperation
) -> SchemaViolation | None:
    """(After ``applied`` changed ``tree``.) The first violation the change made, or None."""
    parts = applied.ops if isinstance(applied, ap.AppliedCompoundOperation) else (applied,)
    changes = dict.fromkeys(change for part in parts for change in _changes(part))
    # Containers first: an extra key is reported as additionalProperties of its object.
    for change in sorted(changes, key=lambda c: not c.container):
        found = _lineage(tree, change.value_id)
        if found is None:
            continue  # removed by a later part of the batch; its container is checked
        path, nodes = found
        if change.container:
            violation = schema.check_container(
                path, _plain_at(nodes), reindexed=change.reindexed, shape=_shape_of(nodes[-1])
            )
        else:
            violation = schema.check_value(path, _plain_at(nodes))
        if violation is not None:
            return violation
    return None
