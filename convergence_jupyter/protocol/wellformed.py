"""Field values that decode but cannot be used: the envelope codec rejects them as malformed.

Protobuf decodes two kinds of values that later blow up deep inside a service, where the client
sees only a server failure (both found by the T5 fuzz):

* enum numbers the schema does not define (protobuf 3 enums are open): ``UserType(-1)`` raised
  ``ValueError`` in the chat service;
* ``google.protobuf.Timestamp`` values outside the range ``ToDatetime`` accepts (nanos outside
  0..999,999,999, seconds outside years 1..9999): raised ``ValueError`` creating a model.

Only message types that can reach such a field are walked, so frames without any (operations,
values) cost nothing extra.
"""

from __future__ import annotations

from collections.abc import Container
from functools import cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message


def _message_type(field: FieldDescriptor) -> Descriptor:
    assert field.message_type is not None
    return field.message_type


def _known(field: FieldDescriptor) -> Container[int]:
    assert field.enum_type is not None
    return field.enum_type.values_by_number


TIMESTAMP = "google.protobuf.Timestamp"
#: The range protobuf's ``Timestamp.ToDatetime`` accepts (0001-01-01 .. 9999-12-31T23:59:59).
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def _bad_timestamp(value: Message) -> str | None:
    seconds, nanos = value.seconds, value.nanos  # type: ignore[attr-defined]
    if not _MIN_SECONDS <= seconds <= _MAX_SECONDS or not 0 <= nanos <= 999_999_999:
        return f"seconds={seconds},nanos={nanos}"
    return None


@cache
def _reaches_check(descriptor: Descriptor) -> bool:
    """True when the type is, or can contain, an enum field or a Timestamp."""
    seen: set[str] = set()

    def walk(d: Descriptor) -> bool:
        if d.full_name == TIMESTAMP:
            return True
        if d.full_name in seen:
            return False
        seen.add(d.full_name)
        for field in d.fields:
            if field.type == FieldDescriptor.TYPE_ENUM:
                return True
            if field.type == FieldDescriptor.TYPE_MESSAGE and walk(_message_type(field)):
                return True
        return False

    return walk(descriptor)


def malformed_value(message: Message, path: str = "") -> str | None:
    """Where the first unusable value sits (field path and value), or None."""
    if message.DESCRIPTOR.full_name == TIMESTAMP:
        bad = _bad_timestamp(message)
        return f"{path}({bad})" if bad else None
    if not _reaches_check(message.DESCRIPTOR):
        return None
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        if field.type == FieldDescriptor.TYPE_ENUM:
            known = _known(field)
            for number in value if field.is_repeated else [value]:
                if number not in known:
                    return f"{where}={number}"
            continue
        if field.type != FieldDescriptor.TYPE_MESSAGE or not _reaches_check(_message_type(field)):
            continue
        entry = _message_type(field)
        if entry.GetOptions().map_entry:
            value_field = entry.fields_by_name["value"]
            if value_field.type == FieldDescriptor.TYPE_ENUM:
                known = _known(value_field)
                for key, number in value.items():
                    if number not in known:
                        return f"{where}[{key!r}]={number}"
                continue
            children = list(value.values())
        else:
            children = list(value) if field.is_repeated else [value]
        for child in children:
            found = malformed_value(child, where)
            if found is not None:
                return found
    return None
