"""Model links (issue 12): finding link values in a model tree. Pure: no I/O.

A link is an object whose only key is ``$ref``, holding an object with exactly the two string
keys ``collection`` and ``id`` (both non-empty)::

    {"$ref": {"collection": "people", "id": "alice"}}

The target is a model of the same domain, named by its collection and model id. Anything
else, e.g. ``{"$ref": "x"}`` or a ``$ref`` object beside other keys, is ordinary data,
so free-form models that happen to use ``$ref`` keep working. A link's own contents are not
searched for further links. Paths are JSON Pointers (RFC 6901) into the model's data, as the
schema reports use.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from convergence_jupyter import ot

REF_KEY = "$ref"
#: Cheap pre-check on a stored snapshot: a model whose JSON lacks this has no links.
REF_MARKER = '"$ref"'


@dataclass(frozen=True, slots=True, order=True)
class Link:
    """One link in a model: where it is and what it points to."""

    path: str
    collection: str
    model_id: str


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A link with its place in the tree, so a server op can replace it (nullify)."""

    link: Link
    parent_id: str
    step: str | int


def _escape(step: str | int) -> str:
    return str(step).replace("~", "~0").replace("/", "~1")


def as_link(value: ot.DataValue) -> tuple[str, str] | None:
    """``(collection, model id)`` if ``value`` is a link, else None."""
    if not isinstance(value, ot.ObjectValue) or len(value.children) != 1:
        return None
    ref = value.children.get(REF_KEY)
    if not isinstance(ref, ot.ObjectValue) or ref.children.keys() != {"collection", "id"}:
        return None
    collection, model_id = ref.children["collection"], ref.children["id"]
    if not isinstance(collection, ot.StringValue) or not isinstance(model_id, ot.StringValue):
        return None
    if not collection.value or not model_id.value:
        return None
    return collection.value, model_id.value


def walk_links(root: ot.DataValue) -> Iterator[FoundLink]:
    """Every link under ``root`` (the root itself is a model's data object, never a link)."""
    stack: list[tuple[ot.DataValue, str]] = [(root, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, ot.ObjectValue):
            items: list[tuple[str | int, ot.DataValue]] = list(value.children.items())
        elif isinstance(value, ot.ArrayValue):
            items = list(enumerate(value.children))
        else:
            continue
        for step, child in items:
            child_path = f"{path}/{_escape(step)}"
            target = as_link(child)
            if target is not None:
                yield FoundLink(Link(child_path, *target), value.id, step)
            elif isinstance(child, ot.ObjectValue | ot.ArrayValue):
                stack.append((child, child_path))


def find_links(root: ot.DataValue) -> frozenset[Link]:
    """The set of links under ``root``."""
    return frozenset(found.link for found in walk_links(root))


def nullify_operation(
    root: ot.ObjectValue, targets: Collection[tuple[str, str]], null_id: Callable[[], str]
) -> ot.Operation | None:
    """One op setting every link to one of ``targets`` (collection, model id) to null; None
    when there is none (any more)."""
    ops: list[ot.DiscreteOperation] = []
    for found in walk_links(root):
        if (found.link.collection, found.link.model_id) not in targets:
            continue
        null = ot.NullValue(null_id())
        if isinstance(found.step, int):
            ops.append(ot.ArrayReplace(id=found.parent_id, index=found.step, value=null))
        else:
            ops.append(ot.ObjectSetProperty(id=found.parent_id, key=found.step, value=null))
    if not ops:
        return None
    return ops[0] if len(ops) == 1 else ot.CompoundOperation(ops=tuple(ops))
