"""Per-session and per-model bounds of the model service (issue 14), and the checks for them.

Every limit is a ``ConvergenceApp`` setting (README, configuration); 0 switches one off. A
violation on open/create is refused with a :class:`~convergence_jupyter.domain.errors.ServiceError`
naming the limit; a violating op takes the bad-op path (the sender's model is force-closed with
the reason, nothing is committed, the others go on).

The model size is the UTF-8 length of the stored snapshot (``persistence.snapshot_to_json``).
Serialising the snapshot per op would cost O(model) per op, so the live model keeps the exact
size of the last commit plus an upper bound of what each op since can have added
(:func:`growth_bound`); only when that bound crosses the limit is the tree serialised to decide.
String lengths are counted in code points (``len``), checked on every value an op writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.models.persistence import snapshot_bytes
from convergence_jupyter.ot import applied as ap

#: JSON bytes a scalar set can add at most (a double's repr, a date's milliseconds, "false").
_SCALAR_BOUND = 32
#: Bytes of the envelope around a value in the snapshot (id, type tag, separators), beyond
#: the id itself: ``{"id":"","type":"boolean","value":}`` and a comma.
_VALUE_OVERHEAD = 40


@dataclass(frozen=True, slots=True)
class ModelLimits:
    #: Models one session may have open (or resyncing) at once.
    max_open_models: int = 100
    #: References one session may share in one model.
    max_references: int = 64
    #: UTF-8 bytes of a model's snapshot.
    max_model_bytes: int = 16 * 1024 * 1024
    #: Code points of any one string value.
    max_string_length: int = 1024 * 1024
    #: In-memory op history per model (see models/concurrency.py).
    max_history: int = 10_000
    #: A live model stores its snapshot once it is this many ops behind the op log...
    snapshot_every_ops: int = 100
    #: ...or this many seconds after the first op it does not hold (and at unload).
    snapshot_every_seconds: float = 2.0


class LimitExceeded(ValueError):
    """An op would break a limit; the message says which and is sent to the client."""


def _json_len(text: str) -> int:
    """UTF-8 bytes of ``text`` as a JSON string (with quotes and escapes)."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text) + 2  # nothing to escape: the common case, without building it
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8"))


def value_bound(value: ot.DataValue) -> int:
    """An upper bound of the snapshot bytes ``value`` takes (strings with JSON escaping)."""
    total = 0
    for v in _walk(value):
        total += _VALUE_OVERHEAD + _json_len(v.id)
        if isinstance(v, ot.StringValue):
            total += _json_len(v.value)
        elif isinstance(v, ot.ObjectValue):
            total += sum(_json_len(k) + 1 for k in v.children)
        elif not isinstance(v, ot.ArrayValue):
            total += _SCALAR_BOUND
    return total


def _walk(value: ot.DataValue) -> Iterator[ot.DataValue]:
    stack = [value]
    while stack:
        v = stack.pop()
        yield v
        if isinstance(v, ot.ObjectValue):
            stack.extend(v.children.values())
        elif isinstance(v, ot.ArrayValue):
            stack.extend(v.children)


def _written(op: ot.Operation) -> Iterator[tuple[ot.DiscreteOperation, list[ot.DataValue]]]:
    parts = op.ops if isinstance(op, ot.CompoundOperation) else (op,)
    for part in parts:
        if isinstance(part, ot.ArrayInsert | ot.ArrayReplace):
            yield part, [part.value]
        elif isinstance(part, ot.ObjectAddProperty | ot.ObjectSetProperty):
            yield part, [part.value]
        elif isinstance(part, ot.ArraySet):
            yield part, list(part.values)
        elif isinstance(part, ot.ObjectSet):
            yield part, list(part.values.values())
        else:
            yield part, []


def growth_bound(op: ot.Operation) -> int:
    """Snapshot bytes ``op`` can add at most (removals count as 0)."""
    total = 0
    for part, values in _written(op):
        if part.no_op:
            continue
        if isinstance(part, ot.StringSplice):
            total += _json_len(part.insert_value)
        elif isinstance(part, ot.StringSet):
            total += _json_len(part.value)
        elif isinstance(part, ot.ObjectAddProperty | ot.ObjectSetProperty):
            total += _json_len(part.key) + 1
        elif isinstance(part, ot.ObjectSet):
            total += sum(_json_len(k) + 1 for k in part.values)
        elif not values:
            total += _SCALAR_BOUND  # number, boolean, date set; moves and removes add 0
        total += sum(value_bound(v) for v in values)
    return total


def check_strings(limits: ModelLimits, tree: ot.ModelTree, applied: ot.AppliedOperation) -> None:
    """(After ``applied`` changed ``tree``.) Raise if it made a string longer than the limit:
    new values must fit; a string already too long may be edited if it does not grow (net over
    the op: the server splits a replacing splice into a removal and an insertion)."""
    limit = limits.max_string_length
    if not limit:
        return
    parts = applied.ops if isinstance(applied, ot.AppliedCompoundOperation) else (applied,)
    grown: dict[str, int] = {}
    for part in parts:
        if part.no_op:
            continue
        if isinstance(part, ap.AppliedStringSplice):
            change = len(part.insert_value) - len(part.deleted_value)
            grown[part.id] = grown.get(part.id, 0) + change
        elif isinstance(part, ap.AppliedStringSet):
            grown[part.id] = grown.get(part.id, 0) + len(part.value) - len(part.old_value)
        else:
            for value in _new_values(part):
                _check_value_strings(limit, value)
    for value_id, change in grown.items():
        target = tree.get(value_id)
        if change > 0 and isinstance(target, ot.StringValue) and len(target.value) > limit:
            raise LimitExceeded(
                f"string {value_id} would be {len(target.value)} characters long;"
                f" the limit is {limit}"
            )


def _new_values(part: ap.AppliedDiscreteOperation) -> list[ot.DataValue]:
    if isinstance(
        part,
        ap.AppliedArrayInsert
        | ap.AppliedArrayReplace
        | ap.AppliedObjectAddProperty
        | ap.AppliedObjectSetProperty,
    ):
        return [part.value]
    if isinstance(part, ap.AppliedArraySet):
        return list(part.values)
    if isinstance(part, ap.AppliedObjectSet):
        return list(part.values.values())
    return []


def _check_value_strings(limit: int, value: ot.DataValue) -> None:
    for v in _walk(value):
        if isinstance(v, ot.StringValue) and len(v.value) > limit:
            raise LimitExceeded(
                f"a string of {len(v.value)} characters exceeds the limit of {limit}"
            )


def check_new_model(limits: ModelLimits, root: ot.ObjectValue, snapshot: str) -> None:
    """Refuse creating a model whose data breaks the size or string limits."""
    try:
        if limits.max_string_length:
            _check_value_strings(limits.max_string_length, root)
        check_size(limits, snapshot_bytes(snapshot))
    except LimitExceeded as exc:
        raise ServiceError("invalid_model_creation_data", str(exc)) from None


def check_size(limits: ModelLimits, size: int) -> None:
    if limits.max_model_bytes and size > limits.max_model_bytes:
        raise LimitExceeded(
            f"the model would be {size} bytes; the limit is {limits.max_model_bytes}"
        )


def check_open_count(limits: ModelLimits, open_now: int) -> None:
    """Refuse an open (or resync) beyond the session's limit of open models."""
    if limits.max_open_models and open_now >= limits.max_open_models:
        raise ServiceError(
            "too_many_open_models",
            f"this session already has {open_now} models open; the limit is"
            f" {limits.max_open_models}",
            {"limit": limits.max_open_models},
        )
