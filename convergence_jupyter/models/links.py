"""Model links (issue 12), the server's part: the op that nulls links to deleted models (the
``nullify`` delete policy). The format and the finder are :mod:`convergence_jupyter.ot.links`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from convergence_jupyter import ot
from convergence_jupyter.ot.links import (
    REF_KEY,
    REF_MARKER,
    FoundLink,
    Link,
    as_link,
    find_links,
    walk_links,
)

__all__ = [
    "REF_KEY",
    "REF_MARKER",
    "FoundLink",
    "Link",
    "as_link",
    "find_links",
    "nullify_operation",
    "walk_links",
]


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
