"""Our .proto files describe exactly the wire schema the real rc.12 client speaks.

Every message, field (name, number, type, label) and oneof the client knows must exist in our
compiled schema with the same meaning; otherwise a frame we build could be misread.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.descriptor_pool import Default

from convergence_jupyter.protocol.schema import message_pb2  # noqa: F401 - registers the schema

ROOT_PACKAGE = "com.convergencelabs.convergence.proto"
BUNDLE = (
    Path(__file__).resolve().parents[1] / "js/node_modules/@convergence/convergence/convergence.js"
)
SCALAR_TYPES = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_UINT64: "uint64",
}


@pytest.fixture(scope="module")
def client_schema() -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not BUNDLE.exists():
        pytest.skip("needs node and tests/js/node_modules (run npm ci in tests/js)")
    script = Path(__file__).with_name("client_schema.js")
    out = subprocess.run(
        [node, str(script), str(BUNDLE)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return dict(json.loads(out))


def _client_messages(tree: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, node in tree.items():
        full = f"{prefix}.{name}" if prefix else name
        if "fields" in node:
            found[full] = node
        if "nested" in node:
            found.update(_client_messages(node["nested"], full))
    return found


def _resolve(type_name: str, scope: str, known: set[str]) -> str:
    """protobufjs names types relative to the enclosing scope, like protoc does."""
    if type_name in known:
        return type_name
    parts = scope.split(".")
    while parts:
        candidate = ".".join([*parts, type_name])
        if candidate in known:
            return candidate
        parts.pop()
    return type_name


def _our_type(field: FieldDescriptor) -> str:
    if field.message_type is not None:
        return str(field.message_type.full_name)
    if field.enum_type is not None:
        return str(field.enum_type.full_name)
    return SCALAR_TYPES[field.type]


def test_every_client_message_matches(client_schema: dict[str, Any]) -> None:
    messages = _client_messages(client_schema)
    enums: set[str] = set()

    def collect_enums(tree: dict[str, Any], prefix: str = "") -> None:
        for name, node in tree.items():
            full = f"{prefix}.{name}" if prefix else name
            if "values" in node:
                enums.add(full)
            if "nested" in node:
                collect_enums(node["nested"], full)

    collect_enums(client_schema)
    known = set(messages) | enums
    ours = [m for m in messages if m.startswith(ROOT_PACKAGE)]
    assert len(ours) > 220, "the client's schema was not read completely"
    pool = Default()
    for full_name in ours:
        node = messages[full_name]
        descriptor: Descriptor = pool.FindMessageTypeByName(full_name)
        assert set(descriptor.fields_by_name) == set(node["fields"]), full_name
        for field_name, spec in node["fields"].items():
            field = descriptor.fields_by_name[field_name]
            where = f"{full_name}.{field_name}"
            assert field.number == spec["id"], where
            if "keyType" in spec:
                entry = field.message_type
                assert entry.GetOptions().map_entry, where
                assert SCALAR_TYPES[entry.fields_by_name["key"].type] == spec["keyType"], where
                value_field = entry.fields_by_name["value"]
                assert _our_type(value_field) == _resolve(spec["type"], full_name, known), where
                continue
            assert _our_type(field) == _resolve(spec["type"], full_name, known), where
            repeated = spec.get("rule") == "repeated"
            assert field.is_repeated == repeated, where
        for oneof_name, spec in node.get("oneofs", {}).items():
            oneof = descriptor.oneofs_by_name[oneof_name]
            assert [f.name for f in oneof.fields] == spec["oneof"], f"{full_name}.{oneof_name}"


def test_every_client_enum_matches(client_schema: dict[str, Any]) -> None:
    pool = Default()

    def walk(tree: dict[str, Any], prefix: str = "") -> int:
        count = 0
        for name, node in tree.items():
            full = f"{prefix}.{name}" if prefix else name
            if "values" in node and full.startswith(ROOT_PACKAGE):
                enum = pool.FindEnumTypeByName(full)
                assert {v.name: v.number for v in enum.values} == node["values"], full
                count += 1
            if "nested" in node:
                count += walk(node["nested"], full)
        return count

    assert walk(client_schema) >= 2
