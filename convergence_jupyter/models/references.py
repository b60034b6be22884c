"""Shared references of one open model (cursors, selections): ephemeral, never persisted.

Keyed by (session id, value id, key). Values are kept current as ops apply (§4.7); a reference
whose value left the model is dropped silently, as the clients do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from convergence_jupyter import ot

RefKey = tuple[str, str | None, str]


class InvalidReferenceEvent(ValueError):
    """An invalid reference event (duplicate share, missing reference, wrong target type)."""


#: Which value type each reference type may point into (None: the model itself).
_TARGETS: dict[ot.ReferenceType, type[ot.DataValue] | None] = {
    ot.ReferenceType.INDEX: ot.StringValue,
    ot.ReferenceType.RANGE: ot.StringValue,
    ot.ReferenceType.PROPERTY: ot.ObjectValue,
    ot.ReferenceType.ELEMENT: None,
}


@dataclass(slots=True)
class SharedReference:
    session_id: str
    key: str
    value: ot.ReferenceValue


class ReferenceStore:
    def __init__(self) -> None:
        self._refs: dict[RefKey, SharedReference] = {}

    def __iter__(self) -> Iterator[SharedReference]:
        return iter(list(self._refs.values()))

    def get(self, key: RefKey) -> SharedReference | None:
        return self._refs.get(key)

    @staticmethod
    def check_target(tree: ot.ModelTree, ref: ot.ReferenceValue) -> bool:
        """False if the target value is gone (drop silently); raises on a type mismatch."""
        expected = _TARGETS[ref.type]
        if expected is None:
            if ref.value_id is not None:
                raise InvalidReferenceEvent("element references belong to the model, not a value")
            return True
        if ref.value_id is None:
            raise InvalidReferenceEvent(f"{ref.type.value} references need a value id")
        target = tree.get(ref.value_id)
        if target is None:
            return False
        if not isinstance(target, expected):
            raise InvalidReferenceEvent(f"{ref.type.value} references cannot point into this value")
        return True

    def share(self, key: RefKey, ref: ot.ReferenceValue) -> None:
        if key in self._refs:
            raise InvalidReferenceEvent("reference already shared")
        self._refs[key] = SharedReference(key[0], key[2], ref)

    def require(self, key: RefKey) -> SharedReference:
        found = self._refs.get(key)
        if found is None:
            raise InvalidReferenceEvent("no such reference")
        return found

    def unshare(self, key: RefKey) -> None:
        self.require(key)
        del self._refs[key]

    def drop_session(self, session_id: str) -> None:
        for key in [k for k in self._refs if k[0] == session_id]:
            del self._refs[key]

    def apply(self, applied: ot.AppliedOperation) -> None:
        """Move every reference past an applied op; drop those whose value left the model."""
        for key, shared in list(self._refs.items()):
            updated = ot.update_reference(shared.value, applied)
            if updated is None:
                del self._refs[key]
            else:
                shared.value = updated
