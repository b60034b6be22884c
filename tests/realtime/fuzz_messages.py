"""Hypothesis strategies for client frames, derived from the protobuf schema itself.

Every client→server body of the ``ConvergenceMessage`` oneof gets a strategy that fills its
fields (recursively, bounded) with arbitrary values, including the ones a client would never
send: negative versions, huge numbers, odd strings, unknown enum values. Nothing here is written
per message type, so a body added to the schema is fuzzed without anyone touching this file.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

from convergence_jupyter.protocol.envelope import (
    ALL_BODIES,
    MessageKind,
    client_body_kind,
    is_client_body,
)
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage

#: Every body a client may send, straight from the envelope's oneof.
CLIENT_BODIES: tuple[str, ...] = tuple(b for b in ALL_BODIES if is_client_body(b))

_INT32 = st.one_of(
    st.integers(-2, 5), st.sampled_from([-(2**31), 2**31 - 1]), st.integers(-(2**31), 2**31 - 1)
)
_INT64 = st.one_of(
    st.integers(-2, 5), st.sampled_from([-(2**63), 2**63 - 1]), st.integers(-(2**63), 2**63 - 1)
)
_UINT32 = st.one_of(st.integers(0, 5), st.integers(0, 2**32 - 1))
_UINT64 = st.one_of(st.integers(0, 5), st.integers(0, 2**64 - 1))
_FLOAT = st.floats(allow_nan=True, allow_infinity=True, width=32)
_DOUBLE = st.floats(allow_nan=True, allow_infinity=True)
_STRING = st.one_of(
    st.sampled_from(["", "fuzz-model", "__proto__", "__class__", ".x", "a.b", "$set", "0"]),
    st.text(max_size=12),
    st.integers(3000, 70_000).map(lambda n: "ab" * (n // 2)),
)
_BYTES = st.binary(max_size=16)


_SCALARS: dict[int, st.SearchStrategy[Any]] = {
    FieldDescriptor.TYPE_INT32: _INT32,
    FieldDescriptor.TYPE_SINT32: _INT32,
    FieldDescriptor.TYPE_SFIXED32: _INT32,
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT32: _UINT32,
    FieldDescriptor.TYPE_FIXED32: _UINT32,
    FieldDescriptor.TYPE_UINT64: _UINT64,
    FieldDescriptor.TYPE_FIXED64: _UINT64,
    FieldDescriptor.TYPE_BOOL: st.booleans(),
    FieldDescriptor.TYPE_FLOAT: _FLOAT,
    FieldDescriptor.TYPE_DOUBLE: _DOUBLE,
    FieldDescriptor.TYPE_STRING: _STRING,
    FieldDescriptor.TYPE_BYTES: _BYTES,
}

MAX_DEPTH = 4


def _value(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    assert field.containing_type is not None
    _DESCRIPTORS[field.containing_type.full_name] = field.containing_type
    return _value_by_name(field.containing_type.full_name, field.name, depth)


@cache
def _value_by_name(type_name: str, field_name: str, depth: int) -> st.SearchStrategy[Any]:
    field = _descriptor(type_name).fields_by_name[field_name]
    if field.type == FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-3, 50))
    if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        assert field.message_type is not None
        return message_of(field.message_type, depth + 1)
    return _SCALARS[field.type]


def message_of(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    """An arbitrary instance of one message type; deeper levels fill fewer fields."""
    _DESCRIPTORS[descriptor.full_name] = descriptor
    return _message_by_name(descriptor.full_name, depth)


_DESCRIPTORS: dict[str, Descriptor] = {}


def _descriptor(name: str) -> Descriptor:
    return _DESCRIPTORS[name]


@cache
def _message_by_name(name: str, depth: int) -> st.SearchStrategy[Message]:
    """Strategies are built once per (type, depth): building them is what costs in hypothesis."""
    descriptor = _descriptor(name)
    cls = message_factory.GetMessageClass(descriptor)

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        message = cls()
        if depth >= MAX_DEPTH:
            return message
        oneof_fields = {f.name for o in descriptor.oneofs for f in o.fields}
        for oneof in descriptor.oneofs:
            if oneof.fields and draw(st.booleans()):
                _fill(draw, message, draw(st.sampled_from(list(oneof.fields))), depth)
        for field in descriptor.fields:
            if field.name in oneof_fields:
                continue
            if draw(st.integers(0, 3)) == 0:  # leave about a quarter unset
                continue
            _fill(draw, message, field, depth)
        return message

    return build()


def _fill(draw: st.DrawFn, message: Message, field: FieldDescriptor, depth: int) -> None:
    is_map = (
        field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry
    )
    if is_map:
        key_field = field.message_type.fields_by_name["key"]
        value_field = field.message_type.fields_by_name["value"]
        target = getattr(message, field.name)
        for _ in range(draw(st.integers(0, 2))):
            key = draw(_value(key_field, depth))
            if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                target[key].CopyFrom(draw(_value(value_field, depth)))
            else:
                target[key] = draw(_value(value_field, depth))
        return
    if field.is_repeated:
        values = draw(st.lists(_value(field, depth), max_size=3 if depth < 2 else 1))
        target = getattr(message, field.name)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            for value in values:
                target.add().CopyFrom(value)
        else:
            target.extend(values)
        return
    value = draw(_value(field, depth))
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        getattr(message, field.name).CopyFrom(value)
        getattr(message, field.name).SetInParent()
    else:
        setattr(message, field.name, value)


_BODY_FIELDS = ConvergenceMessage.DESCRIPTOR.fields_by_name


@cache
def envelope_of(body_name: str) -> st.SearchStrategy[ConvergenceMessage]:
    """A ``ConvergenceMessage`` carrying ``body_name`` with random content and random ids."""
    body = message_of(_BODY_FIELDS[body_name].message_type)

    @st.composite
    def build(draw: st.DrawFn) -> ConvergenceMessage:
        envelope = ConvergenceMessage()
        getattr(envelope, body_name).CopyFrom(draw(body))
        getattr(envelope, body_name).SetInParent()
        kind = client_body_kind(body_name)
        if draw(st.integers(0, 9)) == 0:  # ids at random: mostly contradicting the body
            request, response = draw(st.booleans()), draw(st.booleans())
        else:
            request, response = kind is MessageKind.REQUEST, kind is MessageKind.RESPONSE
        if request:
            envelope.requestId.value = draw(st.integers(0, 50))
            envelope.requestId.SetInParent()
        if response:
            envelope.responseId.value = draw(st.integers(0, 50))
            envelope.responseId.SetInParent()
        return envelope

    return build()


@st.composite
def mutated(draw: st.DrawFn, frame: bytes) -> bytes:
    """The frame as sent, or truncated, bit-flipped, or with bytes appended."""
    how = draw(st.sampled_from(["as-is"] * 5 + ["truncate", "flip", "append"]))
    if how == "truncate" and frame:
        return frame[: draw(st.integers(0, len(frame) - 1))]
    if how == "flip" and frame:
        data = bytearray(frame)
        for _ in range(draw(st.integers(1, 4))):
            index = draw(st.integers(0, len(data) - 1))
            data[index] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if how == "append":
        return frame + draw(st.binary(min_size=1, max_size=8))
    return frame


@st.composite
def _framed(draw: st.DrawFn, body_name: str) -> tuple[str, bytes]:
    envelope = draw(envelope_of(body_name))
    return body_name, draw(mutated(envelope.SerializeToString()))


def frames_of(body_name: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """(body name, frame bytes) for one client body type, mutated or not."""
    return _framed(body_name)


@cache
def client_frames() -> st.SearchStrategy[tuple[str, bytes]]:
    """(body name, frame bytes) over every client body type, mutated or not."""
    return st.one_of([_framed(name) for name in CLIENT_BODIES])
