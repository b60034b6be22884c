"""A domain archive carries workspaces (issue 12): stored types, instances, their parts and
members; after export and import each part is still in its workspace and membership grants
the same permissions (a user directly, a user through a group, and nobody else)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.ot import ObjectValue
from convergence_jupyter.portability import export_domain, import_domain
from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.activities import ActivityRepository
from convergence_jupyter.store.chats import ChatRepository
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.models import CollectionRepository, ModelRepository
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.users import UserRepository
from convergence_jupyter.store.workspaces import WorkspaceRepository
from convergence_jupyter.workspaces.types import MemberPermissions

NS, NAME = "acme", "ws"
PERMS = MemberPermissions()


async def _open(url: str) -> Database:
    db = Database.from_url(url)
    await db.upgrade()
    return db


async def _fill(db: Database) -> None:
    async with db.transaction() as tx:
        domain = await DomainRepository(tx).ensure(NS, NAME)
        users = UserRepository(tx)
        alice, _ = await users.get_or_create(domain.pk, int(UserType.NORMAL), "alice")
        carol, _ = await users.get_or_create(domain.pk, int(UserType.NORMAL), "carol")
        await users.get_or_create(domain.pk, int(UserType.NORMAL), "bob")
        groups = GroupRepository(tx)
        team = await groups.create(domain.pk, "team", "")
        await groups.set_members(team.pk, [carol.pk])
        notebooks = await CollectionRepository(tx).ensure(domain.pk, "project-notebooks")
        model = await ModelRepository(tx).create(
            domain.pk, notebooks, "p.notebook.a", snapshot_to_json(ObjectValue("0:0", {}))
        )
        room = await ChatRepository(tx).create(
            domain.pk, "p.chat", chat_type="room", membership="public", name="", topic="",
            creator_pk=alice.pk,
        )  # fmt: skip
        activity = await ActivityRepository(tx).create(domain.pk, "notebook-project", "p.project")
        repo = WorkspaceRepository(tx)
        await repo.put_type(domain.pk, "custom", json.dumps({"id": "custom"}))
        ws = await repo.create(domain.pk, "p", "notebook-project", PERMS.to_json())
        await repo.add_part(ws, "notebook", model_pk=model.pk)
        await repo.add_part(ws, "chat", chat_pk=room.pk)
        await repo.add_part(ws, "project", activity_pk=activity.pk)
        await repo.add_member(ws, user_pk=alice.pk)
        await repo.add_member(ws, group_pk=team.pk)


async def _state(db: Database) -> dict[str, Any]:
    async with db.transaction(readonly=True) as tx:
        domain = await DomainRepository(tx).get(NS, NAME)
        assert domain is not None
        repo = WorkspaceRepository(tx)
        record = await repo.get(domain.pk, "p")
        assert record is not None
        out: dict[str, Any] = {
            "types": await repo.types(domain.pk),
            "workspace": (record.type_id, record.permissions),
            "parts": [(p.role, p.kind, p.public_id, p.scope) for p in record.parts],
            "members": [(m.username, m.group_id) for m in record.members],
        }
        (chat,) = record.of_kind("chat")
        (model,) = record.of_kind("model")
        for name in ("alice", "bob", "carol"):
            user = await UserRepository(tx).get(domain.pk, int(UserType.NORMAL), name)
            assert user is not None
            grants = await repo.member_grants(user.pk, model_pk=model.pk)
            on_chat = await PermissionRepository(tx).resolve(
                domain.pk, GrantTarget(chat_pk=chat.pk), user.pk
            )
            out[name] = ([g["model"] for g in grants], sorted(on_chat))
        return out


def test_workspaces_survive_export_and_import(db_pair: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = db_pair
    archive = tmp_path / "ws.jsonl"

    async def main() -> None:
        src = await _open(source_url)
        try:
            await _fill(src)
            before = await _state(src)
            await export_domain(src, NS, NAME, archive)
        finally:
            await src.close()
        dst = await _open(target_url)
        try:
            await import_domain(dst, archive)
            after = await _state(dst)
        finally:
            await dst.close()
        model = PERMS.model.model_dump()
        member = ([model], ["join_chat_channel", "leave_chat_channel"])
        assert before["alice"] == before["carol"] == member
        assert before["bob"] == ([], [])
        assert before["parts"] == [
            ("notebook", "model", "p.notebook.a", "project-notebooks"),
            ("chat", "chat", "p.chat", ""),
            ("project", "activity", "p.project", "notebook-project"),
        ]
        assert before["members"] == [("alice", None), (None, "team")]
        assert after == before

    asyncio.run(main())
