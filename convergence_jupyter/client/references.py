"""References: cursors, selections and pointers one session shares on a model's values.

``text.index_reference("cursor")`` (or ``range_reference``, ``obj.property_reference``,
``model.element_reference``) makes a :class:`LocalReference`; ``set()`` it in the model's
current (local) coordinates, ``share()`` it to show it to the others. Other sessions' shared
references are :class:`ModelReference` objects, found with ``element.references(...)`` and
announced by :class:`ReferenceEvent` on the element's (for element references, the model's)
``events``.

Both kinds are kept current as ops apply, as the rc.12 client does: splices move indices, a
string set clears them, removed properties and detached values drop out, a reference whose own
value left the model is disposed (``ot.update_reference``, the server's rules; rc.12's own
splice rule moves cursors *before* an edit too, a bug we do not copy). A remote reference
arrives in the server's coordinates, which lack our unacknowledged ops, so it is moved through
them first (rc.12's ``processRemoteReferenceSet``). Ours are sent in our coordinates with our
context version; the server moves them the rest of the way.

References are per session: when the connection drops the server forgets ours and we forget
everyone's; after the resync we share ours again with their current values (rc.12 means to,
but its ``reShare`` skips references already marked shared) and take the others' from the
server's list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from convergence_jupyter import ot
from convergence_jupyter.protocol.schema import model_pb2 as pb

from .elements import RealTimeElement

if TYPE_CHECKING:
    from .model import RealTimeModel

Ref = ot.ReferenceValue
Kind = ot.ReferenceType
#: (session id, value id or None for the model, key)
RefKey = tuple[str, str | None, str]


class InvalidReferenceError(ValueError):
    """A reference used wrongly: a key taken by another type, or a disposed reference."""


@dataclass(frozen=True, slots=True)
class ReferenceEvent:
    """``kind``: "reference_shared" / "reference_set" / "reference_cleared" /
    "reference_unshared" (the last also when its session left or we went offline)."""

    kind: str
    reference: ModelReference
    session_id: str
    local: bool = False


# --- wire ---------------------------------------------------------------------------------


def to_wire(ref: Ref) -> pb.ReferenceValues:
    out = pb.ReferenceValues()
    if ref.type is Kind.INDEX:
        out.indices.SetInParent()
        out.indices.values.extend(int(i) for i in ref.values)
    elif ref.type is Kind.RANGE:
        out.ranges.SetInParent()
        for start, end in ref.values:
            out.ranges.values.add(startIndex=int(start), endIndex=int(end))
    elif ref.type is Kind.PROPERTY:
        out.properties.SetInParent()
        out.properties.values.extend(str(k) for k in ref.values)
    else:
        out.elements.SetInParent()
        out.elements.values.extend(str(v) for v in ref.values)
    return out


def from_wire(value_id: str | None, data: pb.ReferenceValues) -> Ref | None:
    """None for reference values without a type (ignored, as rc.12 would fail on them)."""
    kind = data.WhichOneof("values")
    if kind == "indices":
        return Ref(Kind.INDEX, value_id, tuple(data.indices.values))
    if kind == "ranges":
        return Ref(
            Kind.RANGE, value_id, tuple((r.startIndex, r.endIndex) for r in data.ranges.values)
        )
    if kind == "properties":
        return Ref(Kind.PROPERTY, value_id, tuple(data.properties.values))
    if kind == "elements":
        return Ref(Kind.ELEMENT, value_id, tuple(data.elements.values))
    return None


def _optional_id(body: Any) -> str | None:
    return body.valueId.value if body.HasField("valueId") else None


# --- the references themselves ------------------------------------------------------------


class ModelReference:
    """A reference as this client sees it: another session's, or (subclass) our own."""

    local = False

    def __init__(self, model: RealTimeModel, value: Ref, key: str, session_id: str) -> None:
        self.model = model
        self.key = key
        self._session_id = session_id
        self._value = value
        self.disposed = False

    def __repr__(self) -> str:
        who = "local" if self.local else self.session_id
        return f"<{type(self).__name__} {self.type} {self.key!r} of {who}: {self.values!r}>"

    @property
    def session_id(self) -> str:
        """The session that shares it (ours, as it is now, for local references)."""
        return self._session_id

    @property
    def type(self) -> str:
        """ "index", "range", "property" or "element"."""
        return self._value.type.value

    @property
    def value_id(self) -> str | None:
        return self._value.value_id

    def source(self) -> RealTimeElement | RealTimeModel:
        """The element it points into (the model for element references)."""
        if self._value.value_id is None:
            return self.model
        return self.model._wrap(self._value.value_id)

    @property
    def values(self) -> list[Any]:
        """Offsets (UTF-16), ``(start, end)`` pairs, property keys, or elements."""
        if self._value.type is Kind.ELEMENT:
            return [self.model._wrap(v) for v in self._value.values if v in self.model._tree]
        return list(self._value.values)

    @property
    def value(self) -> Any:
        """The first value, or None when it is not set."""
        values = self.values
        return values[0] if values else None

    def is_set(self) -> bool:
        return bool(self._value.values)


def _normalise(kind: Kind, value: Any) -> tuple[Any, ...]:
    items: list[Any]
    if kind is Kind.RANGE:
        single = isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int)
        items = [value] if single else list(value)
        return tuple((int(a), int(b)) for a, b in items)
    if kind is Kind.INDEX:
        items = [value] if isinstance(value, int) else list(value)
        return tuple(int(i) for i in items)
    if kind is Kind.PROPERTY:
        items = [value] if isinstance(value, str) else list(value)
        return tuple(str(k) for k in items)
    items = [value] if isinstance(value, RealTimeElement | str) else list(value)
    return tuple(v.id if isinstance(v, RealTimeElement) else str(v) for v in items)


class LocalReference(ModelReference):
    """Our own reference; others see it once shared. Values are in local coordinates."""

    local = True

    def __init__(self, model: RealTimeModel, value: Ref, key: str) -> None:
        super().__init__(model, value, key, "")
        self.shared = False

    @property
    def session_id(self) -> str:
        return self.model.session_id

    def _check(self) -> None:
        if self.disposed:
            raise InvalidReferenceError(f"reference {self.key!r} is disposed")
        if self._value.value_id is not None and self._value.value_id not in self.model._tree:
            raise InvalidReferenceError(f"reference {self.key!r}: its value left the model")

    def set(self, value: Any) -> None:
        """Index: an int or ints; range: ``(start, end)`` or pairs; property: keys; element:
        elements (or value ids). Sent at once when shared."""
        self._check()
        values = _normalise(self._value.type, value)
        if self._value.type is Kind.ELEMENT:
            values = ot.existing_elements(self.model._tree, values)
        self._value = Ref(self._value.type, self._value.value_id, values)
        if self.shared:
            self.model._references.send("setReference", self)

    def clear(self) -> None:
        self._check()
        self._value = self._value.cleared()
        if self.shared:
            self.model._references.send("clearReference", self)

    def share(self) -> None:
        """Show it to the others (with its current values)."""
        self._check()
        if not self.shared:
            self.shared = True
            self.model._references.send("shareReference", self)

    def unshare(self) -> None:
        self._check()
        if self.shared:
            self.shared = False
            self.model._references.send("unshareReference", self)

    def dispose(self) -> None:
        """Unshare and forget it; the key may be used again."""
        if self.disposed:
            return
        attached = self._value.value_id is None or self._value.value_id in self.model._tree
        if self.shared and attached:
            self.unshare()
        self.model._references.forget_local(self)


class ReferenceTable:
    """All references of one open model, local and remote."""

    def __init__(self, model: RealTimeModel) -> None:
        self._model = model
        self._local: dict[tuple[str | None, str], LocalReference] = {}
        self._remote: dict[RefKey, ModelReference] = {}

    # -- local -------------------------------------------------------------------------------

    def local(self, kind: Kind, value_id: str | None, key: str) -> LocalReference:
        """The local reference of that key on that value, made on first use (rc.12 returns
        the existing one; a key taken by another type is an error)."""
        existing = self._local.get((value_id, key))
        if existing is not None:
            if existing._value.type is not kind:
                raise InvalidReferenceError(
                    f"reference {key!r} already exists as a {existing.type} reference"
                )
            return existing
        ref = LocalReference(self._model, Ref(kind, value_id), key)
        self._local[(value_id, key)] = ref
        return ref

    def forget_local(self, ref: LocalReference) -> None:
        ref.disposed = True
        ref.shared = False
        self._local.pop((ref.value_id, ref.key), None)

    def send(self, body_name: str, ref: LocalReference) -> None:
        """Tell the server (when we can talk to it; a resync shares what is shared)."""
        model = self._model
        if not model._can_send():
            return
        classes: dict[str, Any] = {
            "shareReference": pb.ShareReferenceMessage,
            "setReference": pb.SetReferenceMessage,
            "clearReference": pb.ClearReferenceMessage,
            "unshareReference": pb.UnshareReferenceMessage,
        }
        body = classes[body_name](resourceId=model.resource_id, key=ref.key)
        if ref.value_id is not None:
            body.valueId.value = ref.value_id
        if body_name in ("shareReference", "setReference"):
            body.references.CopyFrom(to_wire(ref._value))
            body.version = model.version
        model._send_message(body_name, body)

    def reshare(self) -> None:
        for ref in list(self._local.values()):
            if ref.shared:
                self.send("shareReference", ref)

    # -- queries -----------------------------------------------------------------------------

    def query(
        self, value_id: str | None, key: str | None = None, session_id: str | None = None
    ) -> list[ModelReference]:
        found: list[ModelReference] = []
        for ref in self._all():
            if ref.value_id != value_id or ref.disposed:
                continue
            if key is not None and ref.key != key:
                continue
            if session_id is not None and ref.session_id != session_id:
                continue
            found.append(ref)
        return found

    def _all(self) -> Iterator[ModelReference]:
        yield from list(self._local.values())
        yield from list(self._remote.values())

    # -- keeping them current ----------------------------------------------------------------

    def applied(self, applied: ot.AppliedOperation) -> None:
        """Move every reference past an op that was just applied (local or remote)."""
        for ref in list(self._all()):
            updated = ot.update_reference(ref._value, applied)
            if updated is None:
                self._dispose(ref)
            else:
                ref._value = updated

    def _dispose(self, ref: ModelReference) -> None:
        if isinstance(ref, LocalReference):
            # The server dropped it with its value: nothing to unshare.
            self.forget_local(ref)
            return
        ref.disposed = True
        self._remote.pop((ref.session_id, ref.value_id, ref.key), None)

    # -- remote ------------------------------------------------------------------------------

    def _incoming(self, ref: Ref | None) -> Ref | None:
        """A remote value brought from the server's coordinates into ours."""
        if ref is None:
            return None
        if ref.type is Kind.ELEMENT:
            return Ref(ref.type, None, ot.existing_elements(self._model._tree, ref.values))
        for op in self._model._cc.local_view():
            moved = ot.transform_reference(op, ref)
            if moved is None:
                return ref.cleared()
            ref = moved
        return ref

    def on_remote(self, name: str, body: Any) -> None:
        value_id = _optional_id(body)
        if value_id is not None and value_id not in self._model._tree:
            return  # about a value we no longer have: dropped, as rc.12 does
        ref_key: RefKey = (body.sessionId, value_id, body.key)
        if name == "referenceShared":
            value = self._incoming(from_wire(value_id, body.references))
            if value is None:
                return
            ref = ModelReference(self._model, value, body.key, body.sessionId)
            old = self._remote.pop(ref_key, None)
            if old is not None:
                old.disposed = True
            self._remote[ref_key] = ref
            self._emit("reference_shared", ref)
            return
        ref = self._remote.get(ref_key)  # type: ignore[assignment]
        if ref is None:
            return
        if name == "referenceSet":
            incoming = from_wire(value_id, body.references)
            if incoming is None or incoming.type is not ref._value.type:
                return
            value = self._incoming(incoming)
            assert value is not None
            ref._value = value
            self._emit("reference_set", ref)
        elif name == "referenceCleared":
            ref._value = ref._value.cleared()
            self._emit("reference_cleared", ref)
        else:
            ref.disposed = True
            del self._remote[ref_key]
            self._emit("reference_unshared", ref)

    def load(self, data: Iterable[pb.ReferenceData], own_session: str) -> None:
        """The server's list of shared references (at open, and when a resync completes)."""
        for item in data:
            if item.sessionId == own_session:
                continue
            value_id = item.valueId.value if item.HasField("valueId") else None
            if value_id is not None and value_id not in self._model._tree:
                continue
            value = self._incoming(from_wire(value_id, item.reference))
            if value is None:
                continue
            ref = ModelReference(self._model, value, item.key, item.sessionId)
            self._remote[(item.sessionId, value_id, item.key)] = ref
            self._emit("reference_shared", ref)

    def drop_session(self, session_id: str | None = None) -> None:
        """Forget one session's references (it closed the model), or everyone's (offline)."""
        for ref_key, ref in list(self._remote.items()):
            if session_id is None or ref_key[0] == session_id:
                ref.disposed = True
                del self._remote[ref_key]
                self._emit("reference_unshared", ref)

    def _emit(self, kind: str, ref: ModelReference) -> None:
        self._model._emit_reference(ReferenceEvent(kind, ref, ref.session_id))
