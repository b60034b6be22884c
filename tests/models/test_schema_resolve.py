"""The pure part of collection schemas (models/schema.py): which sub-schema governs a path
(properties, patternProperties, additionalProperties, prefixItems, items, $ref/$defs, allOf),
where the check falls back to a whole ancestor (anyOf/oneOf/if-then/enum/uniqueItems...),
the shape-only check of a container, and the schema's own validation."""

from __future__ import annotations

from functools import reduce
from typing import Any

import pytest

from convergence_jupyter.models.schema import (
    CollectionSchema,
    InvalidCollectionSchema,
    SchemaViolation,
)

SCHEMA: dict[str, Any] = {
    "$defs": {
        "cell": {"type": "object", "properties": {"source": {"$ref": "#/$defs/text"}}},
        "text": {"type": "string", "maxLength": 3},
    },
    "type": "object",
    "properties": {
        "cells": {"type": "array", "items": {"$ref": "#/$defs/cell"}},
        "pair": {"prefixItems": [{"type": "string"}, {"type": "number"}], "items": False},
        "both": {
            "allOf": [{"properties": {"a": {"minimum": 1}}}, {"properties": {"a": {"maximum": 2}}}]
        },
        "pick": {"anyOf": [{"properties": {"k": {"type": "string"}}}, {"required": ["z"]}]},
        "cond": {"if": {"required": ["a"]}, "then": {"properties": {"b": {"type": "string"}}}},
        "free": {},
    },
    "patternProperties": {"^x_": {"type": "number"}},
    "additionalProperties": {"type": "boolean"},
}
CHECKER = CollectionSchema(SCHEMA)


def at(doc: Any, path: tuple[str | int, ...]) -> Any:
    return lambda depth: reduce(lambda node, step: node[step], path[:depth], doc)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("cells", 5, "source"), [{"$ref": "#/$defs/text"}, {"type": "string", "maxLength": 3}]),
        (("pair", 0), [{"type": "string"}]),
        (("pair", 1), [{"type": "number"}]),
        (("pair", 2), [False]),
        (("both", "a"), [{"minimum": 1}, {"maximum": 2}]),
        (("x_1",), [{"type": "number"}]),
        (("other",), [{"type": "boolean"}]),
        (("free", "deep", 3), []),
    ],
)
def test_the_sub_schema_governing_a_path(path: tuple[str | int, ...], expected: list[Any]) -> None:
    assert CHECKER.subschemas(path) == expected


@pytest.mark.parametrize(
    ("path", "depth"), [(("pick", "k"), 1), (("cond", "b"), 1), (("pick", "k", "q", 0), 1)]
)
def test_a_value_dependent_ancestor_is_validated_whole(
    path: tuple[str | int, ...], depth: int
) -> None:
    governing = CHECKER.governing(path)
    assert governing.depth == depth and not governing.at_target
    with pytest.raises(LookupError):
        CHECKER.subschemas(path)


def test_checks_report_path_and_keyword() -> None:
    doc = {"cells": [{"source": "abcd"}], "pick": {"k": 1}, "cond": {"a": 1, "b": 2}}
    found = CHECKER.check_value(("cells", 0, "source"), at(doc, ("cells", 0, "source")))
    assert found == SchemaViolation(("cells", 0, "source"), "maxLength", "'abcd' is too long")
    assert found.pointer == "/cells/0/source"
    assert "'/cells/0/source' (maxLength)" in str(found)
    pick = CHECKER.check_value(("pick", "k"), at(doc, ("pick", "k")))
    assert pick is not None and pick.path[:1] == ("pick",)
    cond = CHECKER.check_value(("cond", "b"), at(doc, ("cond", "b")))
    assert cond == SchemaViolation(("cond", "b"), "type", "2 is not of type 'string'")
    assert (
        CHECKER.check_value(
            ("cells", 0, "source"), at({"cells": [{"source": "ab"}]}, ("cells", 0, "source"))
        )
        is None
    )


def test_container_shape_check_needs_no_children() -> None:
    checker = CollectionSchema(
        {
            "properties": {
                "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
                "set": {"type": "array", "uniqueItems": True},
            }
        }
    )
    doc = {"tags": [1, 2, 3], "set": ["a", "a"]}
    shape = checker.check_container(("tags",), at(doc, ("tags",)), shape=lambda: [None, None, None])
    assert shape is not None and shape.keyword == "maxItems"
    # Shape only: the children's types are not looked at (they are checked when they change).
    assert checker.check_container(("tags",), at(doc, ("tags",)), shape=lambda: [None]) is None
    # uniqueItems depends on the values: the array is validated whole, the shape is ignored.
    unique = checker.check_container(("set",), at(doc, ("set",)), shape=lambda: [None])
    assert unique is not None and unique.keyword == "uniqueItems"


def test_schemas_with_an_id_and_refs_into_it() -> None:
    checker = CollectionSchema(
        {
            "$id": "https://example.com/root.json",
            "properties": {"a": {"$ref": "item.json"}},
            "$defs": {"item": {"$id": "item.json", "type": "integer"}},
        }
    )
    assert checker.check_value(("a",), at({"a": 1.5}, ("a",))) == SchemaViolation(
        ("a",), "type", "1.5 is not of type 'integer'"
    )
    assert checker.validate_document({"a": 2}) is None


@pytest.mark.parametrize(
    "bad", [{"type": 3}, {"$ref": "#/nowhere"}, {"items": {"$ref": "other.json"}}, {"minimum": "1"}]
)
def test_invalid_schemas_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidCollectionSchema):
        CollectionSchema(bad)


def test_json_round_trip_and_non_object_schemas() -> None:
    assert CollectionSchema.from_json(CHECKER.to_json()).document == SCHEMA
    assert CollectionSchema(True).validate_document({"x": 1}) is None
    refused = CollectionSchema(False).validate_document({})
    assert refused is not None and refused.keyword == "false"
    with pytest.raises(InvalidCollectionSchema):
        CollectionSchema.from_json("[1]")
    with pytest.raises(InvalidCollectionSchema):
        CollectionSchema.from_json("{")
