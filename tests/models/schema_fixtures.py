"""A collection schema that uses every keyword the checks treat differently, a model that
conforms to it, and a generator of random (often violating) ops on such a model: shared by the
schema tests of the service, the property tests and the e2e test."""

from __future__ import annotations

import itertools
import random
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.ot.values import iter_values

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title", "cells", "meta"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "pattern": "^[A-Za-z ]*$", "maxLength": 20},
        "count": {"type": "number", "minimum": 0, "maximum": 10},
        "flag": {"type": "boolean"},
        "kind": {"enum": ["a", "b"]},
        "cells": {"type": "array", "minItems": 1, "maxItems": 4, "items": {"$ref": "#/$defs/cell"}},
        "pair": {
            "type": "array",
            "minItems": 2,
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "items": False,
        },
        "meta": {
            "type": "object",
            "required": ["owner"],
            "properties": {
                "owner": {"type": "string", "minLength": 1},
                "tags": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
            },
            "additionalProperties": {"type": "number"},
        },
        "choice": {
            "oneOf": [
                {"type": "object", "required": ["x"], "properties": {"x": {"type": "number"}}},
                {"type": "object", "required": ["y"], "properties": {"y": {"type": "string"}}},
            ]
        },
    },
    "$defs": {
        "cell": {
            "type": "object",
            "required": ["cell_type", "source"],
            "additionalProperties": False,
            "properties": {
                "cell_type": {"enum": ["code", "markdown"]},
                "source": {"type": "string", "pattern": "^[^#]*$"},
                "outputs": {"type": "array", "maxItems": 2},
            },
        }
    },
}

DATA: dict[str, Any] = {
    "title": "Hello",
    "count": 5.0,
    "flag": True,
    "kind": "a",
    "cells": [
        {"cell_type": "code", "source": "x = 1"},
        {"cell_type": "markdown", "source": "hi", "outputs": []},
    ],
    "pair": ["a", 1.0],
    "meta": {"owner": "me", "tags": ["t1", "t2"]},
    "choice": {"x": 1.0},
}


def root_of(data: dict[str, Any], prefix: str = "@") -> ot.ObjectValue:
    counter = itertools.count()
    root = ot.from_plain(data, lambda: f"{prefix}:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return root


def node_at(tree: ot.ModelTree, *path: str | int) -> ot.DataValue:
    node: ot.DataValue = tree.root
    for step in path:
        if isinstance(node, ot.ObjectValue):
            assert isinstance(step, str)
            node = node.children[step]
        else:
            assert isinstance(node, ot.ArrayValue) and isinstance(step, int)
            node = node.children[step]
    return node


def id_at(tree: ot.ModelTree, *path: str | int) -> str:
    return node_at(tree, *path).id


# -- random ops ------------------------------------------------------------------------------

_STRINGS = ["", "abc", "A b", "#x", "9", "code", "markdown", "raw", "t1", "a", "b", "x" * 25]
_NUMBERS = [-1.0, 0.0, 1.0, 5.0, 10.0, 11.0]
_KEYS = [*SCHEMA["properties"], "owner", "tags", "source", "cell_type", "outputs", "x", "y", "n"]


def random_plain(rng: random.Random, depth: int = 0) -> Any:
    """A small value, valid somewhere in the schema often enough to be accepted sometimes."""
    pick = rng.randrange(9 if depth < 2 else 5)
    if pick == 0:
        return rng.choice(_STRINGS)
    if pick == 1:
        return rng.choice(_NUMBERS)
    if pick == 2:
        return rng.random() < 0.5
    if pick == 3:
        return None
    if pick == 4:
        return rng.choice(["code", "markdown", "t3", "zz"])
    if pick == 5:
        return {"cell_type": rng.choice(["code", "raw"]), "source": rng.choice(_STRINGS)}
    if pick == 6:
        return [random_plain(rng, depth + 1) for _ in range(rng.randrange(4))]
    if pick == 7:
        return {rng.choice(_KEYS): random_plain(rng, depth + 1) for _ in range(rng.randrange(3))}
    return {"owner": rng.choice(["", "you"]), "tags": ["t1"]}


class OpMaker:
    """Random discrete (sometimes compound) ops on the current tree; fresh ids every time."""

    def __init__(self, rng: random.Random, prefix: str = "r") -> None:
        self.rng = rng
        self._counter = itertools.count()
        self._prefix = prefix

    def value(self, plain: Any) -> ot.DataValue:
        return ot.from_plain(plain, lambda: f"{self._prefix}:{next(self._counter)}")

    def op(self, tree: ot.ModelTree) -> ot.Operation:
        if self.rng.random() < 0.15:
            return ot.CompoundOperation(
                tuple(self.discrete(tree) for _ in range(self.rng.randrange(2, 4)))
            )
        return self.discrete(tree)

    def discrete(self, tree: ot.ModelTree) -> ot.DiscreteOperation:
        rng = self.rng
        nodes = list(iter_values(tree.root))
        node = rng.choice(nodes)
        vid = node.id
        if isinstance(node, ot.StringValue):
            if rng.random() < 0.5:
                index = rng.randrange(len(node.value) + 1)
                return ot.StringSplice(
                    id=vid,
                    index=index,
                    delete_count=rng.randrange(len(node.value) - index + 1),
                    insert_value=rng.choice(["", "a", "#", "Z", "1", " "]),
                )
            return ot.StringSet(id=vid, value=rng.choice(_STRINGS))
        if isinstance(node, ot.DoubleValue):
            if rng.random() < 0.5:
                return ot.NumberDelta(id=vid, delta=rng.choice([-6.0, -1.0, 1.0, 6.0]))
            return ot.NumberSet(id=vid, value=rng.choice(_NUMBERS))
        if isinstance(node, ot.BooleanValue):
            return ot.BooleanSet(id=vid, value=not node.value)
        if isinstance(node, ot.ArrayValue):
            size = len(node.children)
            choice = rng.randrange(5)
            if choice == 0 or size == 0:
                return ot.ArrayInsert(
                    id=vid, index=rng.randrange(size + 1), value=self.value(random_plain(rng))
                )
            if choice == 1:
                return ot.ArrayRemove(id=vid, index=rng.randrange(size))
            if choice == 2:
                return ot.ArrayMove(
                    id=vid, from_index=rng.randrange(size), to_index=rng.randrange(size)
                )
            if choice == 3:
                return ot.ArrayReplace(
                    id=vid, index=rng.randrange(size), value=self.value(random_plain(rng))
                )
            return ot.ArraySet(
                id=vid, values=tuple(self.value(random_plain(rng)) for _ in range(rng.randrange(3)))
            )
        if isinstance(node, ot.ObjectValue):
            keys = list(node.children)
            choice = rng.randrange(4)
            if choice == 0 and keys:
                return ot.ObjectRemoveProperty(id=vid, key=rng.choice(keys))
            if choice == 1 and keys:
                return ot.ObjectSetProperty(
                    id=vid, key=rng.choice(keys), value=self.value(random_plain(rng))
                )
            if choice == 2 and node is not tree.root:
                plain = random_plain(rng)
                values = plain if isinstance(plain, dict) else {"owner": "z"}
                return ot.ObjectSet(id=vid, values={k: self.value(v) for k, v in values.items()})
            key = rng.choice([k for k in _KEYS if k not in node.children] or ["zz"])
            return ot.ObjectAddProperty(id=vid, key=key, value=self.value(random_plain(rng)))
        # null / date: replace it in its parent instead
        parent_id = tree.parent_id(vid)
        assert parent_id is not None
        return self.discrete_on_parent(tree, parent_id, node)

    def discrete_on_parent(
        self, tree: ot.ModelTree, parent_id: str, node: ot.DataValue
    ) -> ot.DiscreteOperation:
        parent = tree.get(parent_id)
        value = self.value(random_plain(self.rng))
        if isinstance(parent, ot.ObjectValue):
            key = next(k for k, v in parent.children.items() if v is node)
            return ot.ObjectSetProperty(id=parent_id, key=key, value=value)
        assert isinstance(parent, ot.ArrayValue)
        index = next(i for i, v in enumerate(parent.children) if v is node)
        return ot.ArrayReplace(id=parent_id, index=index, value=value)
