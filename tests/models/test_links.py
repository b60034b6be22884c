"""Finding link values in a model tree (pure): the exact link form, JSON Pointer paths, and
the op that nulls links to deleted models."""

from __future__ import annotations

import itertools
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.models.links import Link, as_link, find_links, nullify_operation


def tree(data: dict[str, Any]) -> ot.ModelTree:
    counter = itertools.count()
    root = ot.from_plain(data, lambda: f"t:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return ot.ModelTree(root)


def ref(collection: str, model_id: str) -> dict[str, Any]:
    return {"$ref": {"collection": collection, "id": model_id}}


def test_only_the_exact_form_is_a_link() -> None:
    not_links: list[Any] = [
        {"$ref": "people/alice"},
        {"$ref": {"collection": "people"}},
        {"$ref": {"collection": "people", "id": "a", "extra": 1}},
        {"$ref": {"collection": "", "id": "a"}},
        {"$ref": {"collection": "people", "id": 3}},
        {"$ref": {"collection": "people", "id": "a"}, "label": "beside"},
        ["$ref"],
        "$ref",
    ]
    for value in not_links:
        assert find_links(tree({"v": value}).root) == frozenset(), value
    found = tree({"v": ref("people", "alice")}).root.children["v"]
    assert as_link(found) == ("people", "alice")


def test_paths_are_json_pointers_and_links_are_not_searched_inside() -> None:
    data = {
        "a/b": {"~x": ref("c", "1")},
        "list": [1, [ref("c", "2")], {"deep": {"deeper": ref("d", "3")}}],
        "top": ref("c", "1"),
    }
    assert find_links(tree(data).root) == {
        Link("/a~1b/~0x", "c", "1"),
        Link("/list/1/0", "c", "2"),
        Link("/list/2/deep/deeper", "d", "3"),
        Link("/top", "c", "1"),
    }


def test_nullify_replaces_exactly_the_links_to_the_targets() -> None:
    t = tree({"a": ref("c", "1"), "l": [ref("c", "1"), ref("c", "2")], "keep": ref("d", "1")})
    counter = itertools.count()
    op = nullify_operation(t.root, {("c", "1")}, lambda: f"n:{next(counter)}")
    assert op is not None
    ot.apply(t, op)
    assert ot.to_plain(t.root) == {"a": None, "l": [None, ref("c", "2")], "keep": ref("d", "1")}
    assert nullify_operation(t.root, {("c", "1")}, lambda: "n:x") is None
