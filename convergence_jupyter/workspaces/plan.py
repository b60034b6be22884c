"""Planning an instance: every part's id, data and role, decided before anything is written.

Part ids derive from the workspace id and the role (``<workspace>.<role>``; a ``multiple``
model role adds the item name: ``<workspace>.<role>.<name>``), so an instance's parts are
found by id as well as through the workspace, and two instances never collide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from convergence_jupyter.workspaces.types import WorkspaceType


class PlanError(ValueError):
    """The instance request does not fit its type (unknown role, missing or extra items)."""


@dataclass(frozen=True, slots=True)
class PlannedModel:
    role: str
    model_id: str
    collection: str
    data: Mapping[str, Any]
    schema: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class PlannedActivity:
    role: str
    activity_type: str
    activity_id: str


@dataclass(frozen=True, slots=True)
class PlannedChat:
    role: str
    chat_id: str
    name: str
    topic: str


@dataclass(frozen=True, slots=True)
class InstancePlan:
    workspace_id: str
    models: tuple[PlannedModel, ...]
    activities: tuple[PlannedActivity, ...]
    chats: tuple[PlannedChat, ...]


MAX_ITEMS = 1000
MAX_NAME = 64


def plan_instance(
    kind: WorkspaceType, workspace_id: str, items: Mapping[str, Sequence[str]]
) -> InstancePlan:
    """The parts of an instance of ``kind``; ``items`` names the models of each ``multiple``
    model role (any number, none included) and must name no other role."""
    multiple = {p.role for p in kind.models if p.multiple}
    for role in items:
        if role not in multiple:
            raise PlanError(f"'{role}' is not a model role of '{kind.id}' that takes names")
    models: list[PlannedModel] = []
    for part in kind.models:
        if not part.multiple:
            ids = [f"{workspace_id}.{part.role}"]
        else:
            names = list(items.get(part.role, ()))
            if len(names) > MAX_ITEMS:
                raise PlanError(f"at most {MAX_ITEMS} models per role")
            for name in names:
                if not 0 < len(name) <= MAX_NAME or "/" in name:
                    raise PlanError(f"a model name is 1 to {MAX_NAME} characters, no '/'")
            if len(set(names)) != len(names):
                raise PlanError(f"a name is given twice for the role '{part.role}'")
            ids = [f"{workspace_id}.{part.role}.{name}" for name in names]
        models.extend(
            PlannedModel(part.role, i, part.collection, part.data, part.json_schema) for i in ids
        )
    return InstancePlan(
        workspace_id=workspace_id,
        models=tuple(models),
        activities=tuple(
            PlannedActivity(p.role, p.type, f"{workspace_id}.{p.role}") for p in kind.activities
        ),
        chats=tuple(
            PlannedChat(p.role, f"{workspace_id}.{p.role}", p.name, p.topic) for p in kind.chats
        ),
    )
