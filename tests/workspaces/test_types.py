"""Workspace type definitions are validated before use; the built-in notebook project is one."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.workspaces.types import (
    BUILT_IN,
    NOTEBOOK_PROJECT,
    InvalidWorkspaceType,
    WorkspaceType,
    parse_type,
)

GOOD: dict[str, Any] = {
    "id": "review",
    "models": [
        {
            "role": "doc",
            "collection": "docs",
            "data": {"title": "t"},
            "json_schema": {"type": "object", "required": ["title"]},
        }
    ],
    "activities": [{"role": "edit", "type": "review"}],
    "chats": [{"role": "talk"}],
}


def test_a_good_type_round_trips() -> None:
    kind = parse_type(GOOD)
    assert WorkspaceType.from_json(kind.to_json()) == kind
    assert kind.permissions.chat == ["join_chat_channel", "leave_chat_channel"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"chats": [{"role": "doc"}]}, "the role 'doc' is declared twice"),
        ({"permissions": {"activity": ["fly"]}}, "unknown activity permission 'fly'"),
        ({"permissions": {"chat": ["join"]}}, "unknown chat permission 'join'"),
        ({"models": [{**GOOD["models"][0], "data": {}}]}, "initial data"),
        ({"models": [{**GOOD["models"][0], "json_schema": {"type": 3}}]}, "draft 2020-12"),
        ({"models": [{"role": "a b", "collection": "c"}]}, "models/0/role"),
        ({"id": ""}, "id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_types_are_refused_with_where(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidWorkspaceType, match=message):
        parse_type({**GOOD, **change})


def test_notebook_project_is_built_in() -> None:
    assert BUILT_IN["notebook-project"] is NOTEBOOK_PROJECT
    (notebooks,) = NOTEBOOK_PROJECT.models
    assert notebooks.multiple and notebooks.collection == "project-notebooks"
    assert len(NOTEBOOK_PROJECT.activities) == len(NOTEBOOK_PROJECT.chats) == 1
    assert parse_type(NOTEBOOK_PROJECT.model_dump()) == NOTEBOOK_PROJECT
