"""Planning an instance: part ids derive from the workspace id and roles, never collide, and
items are only taken by 'multiple' model roles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convergence_jupyter.workspaces.plan import MAX_NAME, PlanError, plan_instance
from convergence_jupyter.workspaces.types import (
    NOTEBOOK_PROJECT,
    ActivityPart,
    ChatPart,
    ModelPart,
    WorkspaceType,
)

ROLE = st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True)
NAME = st.text(
    st.characters(blacklist_characters="/", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=MAX_NAME,
)


@st.composite
def kinds(draw: st.DrawFn) -> WorkspaceType:
    roles = draw(st.lists(ROLE, min_size=1, max_size=8, unique=True))
    parts: dict[str, list[object]] = {"models": [], "activities": [], "chats": []}
    for role in roles:
        kind = draw(st.sampled_from(["model", "multiple", "activity", "chat"]))
        if kind in ("model", "multiple"):
            parts["models"].append(
                ModelPart(role=role, collection="c", multiple=kind == "multiple")
            )
        elif kind == "activity":
            parts["activities"].append(ActivityPart(role=role, type="t"))
        else:
            parts["chats"].append(ChatPart(role=role, name="", topic=""))
    return WorkspaceType.model_validate({"id": "k", **parts})


@given(kind=kinds(), workspace=ROLE, data=st.data())
def test_plans_have_one_distinct_part_per_role_or_item(
    kind: WorkspaceType, workspace: str, data: st.DataObject
) -> None:
    items = {
        p.role: data.draw(st.lists(NAME, max_size=4, unique=True))
        for p in kind.models
        if p.multiple
    }
    plan = plan_instance(kind, workspace, items)
    singles = sum(1 for p in kind.models if not p.multiple)
    assert len(plan.models) == singles + sum(len(v) for v in items.values())
    assert len(plan.activities) == len(kind.activities)
    assert len(plan.chats) == len(kind.chats)
    model_ids = [m.model_id for m in plan.models]
    assert len(set(model_ids)) == len(model_ids)
    ids = [*model_ids, *(a.activity_id for a in plan.activities), *(c.chat_id for c in plan.chats)]
    assert all(i.startswith(workspace + ".") and len(i) <= 255 for i in ids)
    # Another workspace's parts never share an id with these.
    other = plan_instance(kind, workspace + "x", items)
    assert not set(model_ids) & {m.model_id for m in other.models}


def test_items_fit_the_type() -> None:
    plan = plan_instance(NOTEBOOK_PROJECT, "p", {"notebook": ["a", "b"]})
    assert [m.model_id for m in plan.models] == ["p.notebook.a", "p.notebook.b"]
    assert plan_instance(NOTEBOOK_PROJECT, "p", {}).models == ()
    for items, message in (
        ({"chat": ["x"]}, "not a model role"),
        ({"notebook": ["a", "a"]}, "twice"),
        ({"notebook": ["a/b"]}, "no '/'"),
        ({"notebook": ["x" * (MAX_NAME + 1)]}, "characters"),
    ):
        with pytest.raises(PlanError, match=message):
            plan_instance(NOTEBOOK_PROJECT, "p", items)
