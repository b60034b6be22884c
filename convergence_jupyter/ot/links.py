"""Model links (issue 12): the link value format and finding links in a value tree. Pure: no
I/O. It lives beside the values so that the server (link index, delete policy) and the Python
client (``RealTimeModel.links``) read links the same way.

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

from collections.abc import Iterator
from dataclasses import dataclass

from . import values

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


def as_link(value: values.DataValue) -> tuple[str, str] | None:
    """``(collection, model id)`` if ``value`` is a link, else None."""
    if not isinstance(value, values.ObjectValue) or len(value.children) != 1:
        return None
    ref = value.children.get(REF_KEY)
    if not isinstance(ref, values.ObjectValue) or ref.children.keys() != {"collection", "id"}:
        return None
    collection, model_id = ref.children["collection"], ref.children["id"]
    if not isinstance(collection, values.StringValue) or not isinstance(
        model_id, values.StringValue
    ):
        return None
    if not collection.value or not model_id.value:
        return None
    return collection.value, model_id.value


def walk_links(root: values.DataValue) -> Iterator[FoundLink]:
    """Every link under ``root`` (the root itself is a model's data object, never a link)."""
    stack: list[tuple[values.DataValue, str]] = [(root, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, values.ObjectValue):
            items: list[tuple[str | int, values.DataValue]] = list(value.children.items())
        elif isinstance(value, values.ArrayValue):
            items = list(enumerate(value.children))
        else:
            continue
        for step, child in items:
            child_path = f"{path}/{_escape(step)}"
            target = as_link(child)
            if target is not None:
                yield FoundLink(Link(child_path, *target), value.id, step)
            elif isinstance(child, values.ObjectValue | values.ArrayValue):
                stack.append((child, child_path))


def find_links(root: values.DataValue) -> frozenset[Link]:
    """The set of links under ``root``."""
    return frozenset(found.link for found in walk_links(root))
