"""Workspaces over REST (issue 12): creating one makes every part with the workspace's
permission set; members (users, or groups) hold it on every part and nobody else holds
anything; membership changes access to every part at once; deleting removes every part; a
refusal in the middle of creation (a taken id) leaves nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.models.permissions import resolve_model_permissions
from convergence_jupyter.store.activities import ActivityRepository
from convergence_jupyter.store.models import CollectionRepository, ModelRepository
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.workspace_tables import (
    WorkspaceMemberRow,
    WorkspacePartRow,
    WorkspaceRow,
)

from .conftest import Api
from .content_support import D, domain_pk, make_group, make_users, user

NOTEBOOKS = ["proj.notebook.analysis", "proj.notebook.cleanup"]


async def _access(app: Any, name: str) -> dict[str, Any]:
    """What the domain user ``name`` holds on each part of ``proj`` (resolved by the same
    code the realtime services use)."""
    pk = await domain_pk(app)
    pks = await make_users(app, name)
    who = DomainUser(DomainUserId(UserType.NORMAL, name))
    out: dict[str, Any] = {}
    async with app.database.transaction(readonly=True) as tx:
        for model_id in NOTEBOOKS:
            model = await ModelRepository(tx).get(pk, model_id)
            if model is None:
                out[model_id] = None
                continue
            collection = await CollectionRepository(tx).get_by_pk(model.collection_pk)
            assert collection is not None
            flags = await resolve_model_permissions(tx, model, collection, who, pks[name])
            out[model_id] = (flags.read, flags.write)
        activity = await ActivityRepository(tx).get(pk, "notebook-project", "proj.project")
        chat_pk = await _chat_pk(tx, pk, "proj.chat")
        grants = PermissionRepository(tx)
        out["activity"] = (
            None
            if activity is None
            else sorted(await grants.resolve(pk, GrantTarget(activity_pk=activity.pk), pks[name]))
        )
        out["chat"] = (
            None
            if chat_pk is None
            else sorted(await grants.resolve(pk, GrantTarget(chat_pk=chat_pk), pks[name]))
        )
    return out


async def _chat_pk(tx: Any, domain: int, chat_id: str) -> int | None:
    from convergence_jupyter.store.chats import ChatRepository

    found = await ChatRepository(tx).get(domain, chat_id)
    return None if found is None else found.pk


MEMBER = {
    NOTEBOOKS[0]: (True, True),
    NOTEBOOKS[1]: (True, True),
    "activity": ["join", "set_state", "view_state"],
    "chat": ["join_chat_channel", "leave_chat_channel"],
}
OUTSIDER = {NOTEBOOKS[0]: (False, False), NOTEBOOKS[1]: (False, False), "activity": [], "chat": []}
GONE = {NOTEBOOKS[0]: None, NOTEBOOKS[1]: None, "activity": None, "chat": None}


async def _create_project(api: Api, app: Any) -> dict[str, Any]:
    await make_users(app, "alice", "bob")
    await make_group(app, "team", "carol")
    made = await api(
        "POST",
        f"{D}/workspaces",
        user="admin1",
        body={
            "id": "proj",
            "type": "notebook-project",
            "items": {"notebook": ["analysis", "cleanup"]},
            "members": [{"user": user("alice")}, {"group": "team"}],
        },
    )
    assert made.status == 201, made.body
    return dict(made.body)


async def test_notebook_project_parts_members_and_delete(api: Api, app: Any) -> None:
    body = await _create_project(api, app)
    assert body["type"] == "notebook-project"
    assert body["parts"] == [
        {"role": "notebook", "kind": "model", "id": NOTEBOOKS[0],
         "collection": "project-notebooks", "activity_type": None},
        {"role": "notebook", "kind": "model", "id": NOTEBOOKS[1],
         "collection": "project-notebooks", "activity_type": None},
        {"role": "chat", "kind": "chat", "id": "proj.chat", "collection": None,
         "activity_type": None},
        {"role": "project", "kind": "activity", "id": "proj.project", "collection": None,
         "activity_type": "notebook-project"},
    ]  # fmt: skip
    assert body["members"] == [
        {"user": user("alice"), "group": None},
        {"user": None, "group": "team"},
    ]
    model = await api("GET", f"{D}/models/{NOTEBOOKS[0]}", user="reader1")
    assert model.status == 200
    assert model.body["data"] == {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    chat = await api("GET", f"{D}/chats/proj.chat", user="reader1")
    assert (chat.status, chat.body["type"], chat.body["name"]) == (200, "room", "Project chat")

    # A member directly, a member through a group, and a non-member.
    assert await _access(app, "alice") == MEMBER
    assert await _access(app, "carol") == MEMBER
    assert await _access(app, "bob") == OUTSIDER

    # Membership changes every part at once.
    gone = await api("DELETE", f"{D}/workspaces/proj/members/groups/team", user="admin1")
    assert gone.status == 200, gone.body
    assert await _access(app, "carol") == OUTSIDER
    added = await api("PUT", f"{D}/workspaces/proj/members/users/bob", user="admin1")
    assert added.status == 200
    assert await _access(app, "bob") == MEMBER
    again = await api("DELETE", f"{D}/workspaces/proj/members/groups/team", user="admin1")
    assert again.status == 404

    listed = await api("GET", f"{D}/workspaces", user="reader1")
    assert (listed.body["total"], listed.body["items"][0]["id"]) == (1, "proj")

    deleted = await api("DELETE", f"{D}/workspaces/proj", user="admin1")
    assert deleted.status == 204, deleted.body
    assert await _access(app, "alice") == GONE
    for path in (f"/models/{NOTEBOOKS[0]}", "/chats/proj.chat", "/workspaces/proj"):
        assert (await api("GET", D + path, user="reader1")).status == 404, path
    assert await _rows(app) == (0, 0, 0)
    assert (await api("DELETE", f"{D}/workspaces/proj", user="admin1")).status == 404


async def _rows(app: Any) -> tuple[int, int, int]:
    async with app.database.transaction(readonly=True) as tx:
        counts = [
            await tx.scalar(select(func.count()).select_from(t))
            for t in (WorkspaceRow, WorkspacePartRow, WorkspaceMemberRow)
        ]
    return (int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0))


async def test_a_taken_part_id_refuses_and_leaves_nothing(api: Api, app: Any) -> None:
    """The chat is made after the models: its clash rolls the models back too."""
    taken = await api("POST", f"{D}/chats", user="admin1", body={"id": "proj.chat", "type": "room"})
    assert taken.status == 201
    await make_users(app, "alice")
    made = await api(
        "POST",
        f"{D}/workspaces",
        user="admin1",
        body={"id": "proj", "type": "notebook-project", "items": {"notebook": ["a"]},
              "members": [{"user": user("alice")}]},
    )  # fmt: skip
    assert made.status == 409, made.body
    assert "proj.chat" in made.problem["detail"]
    assert (await api("GET", f"{D}/models/proj.notebook.a", user="reader1")).status == 404
    assert await _rows(app) == (0, 0, 0)
    # Nothing half-made stands in the way once the clash is gone.
    assert (await api("DELETE", f"{D}/chats/proj.chat", user="admin1")).status == 204
    made = await api(
        "POST", f"{D}/workspaces", user="admin1",
        body={"id": "proj", "type": "notebook-project", "items": {"notebook": ["a"]}},
    )  # fmt: skip
    assert made.status == 201, made.body
    again = await api(
        "POST", f"{D}/workspaces", user="admin1", body={"id": "proj", "type": "notebook-project"}
    )
    assert again.status == 409


CUSTOM: dict[str, Any] = {
    "id": "review",
    "description": "A document under review",
    "models": [
        {
            "role": "doc",
            "collection": "reviewed",
            "data": {"title": "untitled", "body": ""},
            "json_schema": {
                "type": "object",
                "properties": {"title": {"type": "string"}, "body": {"type": "string"}},
                "required": ["title"],
            },
        },
        {"role": "notes", "collection": "review-notes"},
    ],
    "activities": [{"role": "edit", "type": "review"}],
    "chats": [{"role": "talk", "name": "Review", "topic": "t"}],
    "permissions": {
        "model": {"read": True, "write": False, "remove": False, "manage": False},
        "chat": ["join_chat_channel"],
        "activity": ["join", "lurk"],
    },
}


async def test_custom_types_are_validated_and_used(api: Api, app: Any) -> None:
    path = f"{D}/workspace-types/review"
    bad_cases = [
        {**CUSTOM, "chats": [{"role": "doc"}]},  # a role twice
        {**CUSTOM, "permissions": {"chat": ["fly"]}},  # no such permission
        {**CUSTOM, "models": [{**CUSTOM["models"][0], "data": {"body": ""}}]},  # breaks schema
        {**CUSTOM, "models": [{**CUSTOM["models"][0], "json_schema": {"type": 5}}]},
        {**CUSTOM, "extra": 1},
    ]
    for bad in bad_cases:
        refused = await api("PUT", path, user="admin1", body=bad)
        assert refused.status in (400, 422), (bad, refused.body)
    assert (await api("GET", path, user="reader1")).status == 404
    assert (await api("PUT", path, user="writer1", body=CUSTOM)).status == 403
    stored = await api("PUT", path, user="admin1", body=CUSTOM)
    assert stored.status == 200, stored.body
    assert (await api("GET", path, user="reader1")).body == CUSTOM | {
        "models": [{**CUSTOM["models"][0], "multiple": False},
                   {**CUSTOM["models"][1], "data": {}, "json_schema": None, "multiple": False}]
    }  # fmt: skip
    listed = await api("GET", f"{D}/workspace-types", user="reader1")
    assert [t["id"] for t in listed.body["types"]] == ["notebook-project", "review"]
    builtin = {**CUSTOM, "id": "notebook-project"}
    put_builtin = await api(
        "PUT", f"{D}/workspace-types/notebook-project", user="admin1", body=builtin
    )
    assert put_builtin.status == 409

    await make_users(app, "alice")
    made = await api(
        "POST", f"{D}/workspaces", user="admin1",
        body={"id": "r1", "type": "review", "members": [{"user": user("alice")}]},
    )  # fmt: skip
    assert made.status == 201, made.body
    assert [p["id"] for p in made.body["parts"]] == ["r1.doc", "r1.notes", "r1.talk", "r1.edit"]
    assert made.body["permissions"] == CUSTOM["permissions"]
    schema = await api("GET", f"{D}/collections/reviewed/schema", user="reader1")
    assert schema.body["json_schema"] == CUSTOM["models"][0]["json_schema"]
    # Items only for 'multiple' roles; unknown types are 404.
    wrong = await api(
        "POST", f"{D}/workspaces", user="admin1",
        body={"id": "r2", "type": "review", "items": {"doc": ["x"]}},
    )  # fmt: skip
    assert wrong.status == 400
    missing = await api("POST", f"{D}/workspaces", user="admin1", body={"id": "r2", "type": "nope"})
    assert missing.status == 404
    unknown = await api(
        "POST", f"{D}/workspaces", user="admin1",
        body={"id": "r2", "type": "review", "members": [{"group": "nobody"}]},
    )  # fmt: skip
    assert unknown.status == 400

    in_use = await api("DELETE", path, user="admin1")
    assert in_use.status == 409
    assert (await api("DELETE", f"{D}/workspaces/r1", user="admin1")).status == 204
    assert (await api("DELETE", path, user="admin1")).status == 204
    assert (await api("DELETE", path, user="admin1")).status == 404


async def test_scopes(api: Api, app: Any) -> None:
    body = {"id": "w", "type": "notebook-project"}
    assert (await api("POST", f"{D}/workspaces", user="writer1", body=body)).status == 403
    assert (await api("GET", f"{D}/workspaces", user="reader1")).status == 200
    assert (await api("POST", f"{D}/workspaces", user="admin1", body=body)).status == 201
    for method, path in (
        ("DELETE", "/workspaces/w"),
        ("PUT", "/workspaces/w/members/users/alice"),
        ("DELETE", "/workspaces/w/members/groups/g"),
    ):
        assert (await api(method, D + path, user="writer1")).status == 403, path


def _ref(model_id: str) -> dict[str, Any]:
    return {"$ref": {"collection": "project-notebooks", "id": model_id}}


async def test_links_into_a_workspace_follow_the_link_policy(api: Api, app: Any) -> None:
    """Deleting a workspace deletes its models as one delete: links between them break no
    policy; ``refuse`` from outside is 409 with nothing deleted; ``nullify`` nulls them."""
    made = await api(
        "POST", f"{D}/workspaces", user="admin1",
        body={"id": "proj", "type": "notebook-project", "items": {"notebook": ["a", "b"]}},
    )  # fmt: skip
    assert made.status == 201, made.body
    inner = await api(
        "PUT", f"{D}/models/proj.notebook.b", user="admin1",
        body={"data": {"see": _ref("proj.notebook.a")}},
    )  # fmt: skip
    assert inner.status == 200, inner.body
    assert (await api("POST", f"{D}/collections", user="admin1", body={"id": "docs"})).status == 201
    doc = {"id": "doc", "data": {"about": _ref("proj.notebook.a")}}
    assert (
        await api("POST", f"{D}/collections/docs/models", user="admin1", body=doc)
    ).status == 201
    policy = f"{D}/collections/project-notebooks/link-policy"
    assert (await api("PUT", policy, user="admin1", body={"policy": "refuse"})).status == 200

    refused = await api("DELETE", f"{D}/workspaces/proj", user="admin1")
    assert refused.status == 409, refused.body
    assert "doc" in refused.problem["detail"]
    for path in ("/workspaces/proj", "/models/proj.notebook.a", "/chats/proj.chat"):
        assert (await api("GET", D + path, user="reader1")).status == 200, path

    assert (await api("PUT", policy, user="admin1", body={"policy": "nullify"})).status == 200
    assert (await api("DELETE", f"{D}/workspaces/proj", user="admin1")).status == 204
    after = await api("GET", f"{D}/models/doc", user="reader1")
    assert (after.body["data"], after.body["version"]) == ({"about": None}, 1)
    assert (await api("GET", f"{D}/models/proj.notebook.b", user="reader1")).status == 404
