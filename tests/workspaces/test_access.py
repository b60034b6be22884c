"""What membership grants, on every backend: the model resolver and the model query's SQL
agree for members (directly and through a group) and non-members, membership counts right
after a per-model grant, and chat/activity grants unite with the workspace's set."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from convergence_jupyter.domain.users import DomainUser, DomainUserId
from convergence_jupyter.domain.users import UserType as DomainUserType
from convergence_jupyter.models.permissions import resolve_model_permissions
from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.ot import ObjectValue
from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.activities import ActivityRepository
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRepository,
    PermissionFlags,
    ReadScope,
)
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.users import UserRepository
from convergence_jupyter.store.workspaces import WorkspaceRepository
from convergence_jupyter.workspaces.types import MemberPermissions, ModelFlags
from tests.database_backends import BACKENDS, database_url

NOBODY = PermissionFlags()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request, tmp_path)


def test_resolver_and_query_agree(db_url: str) -> None:
    async def main() -> None:
        db = Database.from_url(db_url)
        try:
            await db.upgrade()
            await _check(db)
        finally:
            await db.close()

    asyncio.run(main())


async def _check(db: Database) -> None:
    empty = snapshot_to_json(ObjectValue("0:0", {}))
    async with db.transaction() as tx:
        domain = await DomainRepository(tx).ensure("acme", "w")
        users = UserRepository(tx)
        pks = {}
        for name in ("alice", "bob", "carol", "dan"):
            made_user, _ = await users.get_or_create(domain.pk, int(UserType.NORMAL), name)
            pks[name] = made_user.pk
        groups = GroupRepository(tx)
        team = await groups.create(domain.pk, "team", "")
        await groups.set_members(team.pk, [pks["carol"]])
        collection = await CollectionRepository(tx).ensure(domain.pk, "c")  # world: all
        models = ModelRepository(tx)
        made = {}
        for model_id in ("in_ws", "closed_ws", "outside", "granted"):
            closed = model_id != "outside"
            made[model_id] = await models.create(
                domain.pk, collection, model_id, empty, override_world=closed, world=NOBODY
            )
        activity = await ActivityRepository(tx).create(domain.pk, "t", "a")
        await PermissionRepository(tx).add(
            domain.pk, GrantTarget(activity_pk=activity.pk), users={pks["alice"]: ["manage"]}
        )
        repo = WorkspaceRepository(tx)
        open_ws = await repo.create(domain.pk, "open", "x", MemberPermissions().to_json())
        no_read = MemberPermissions(model=ModelFlags(read=False, write=False))
        closed_ws = await repo.create(domain.pk, "closed", "x", no_read.to_json())
        await repo.add_part(open_ws, "m", model_pk=made["in_ws"].pk)
        await repo.add_part(open_ws, "g", model_pk=made["granted"].pk)
        await repo.add_part(open_ws, "a", activity_pk=activity.pk)
        await repo.add_part(closed_ws, "m", model_pk=made["closed_ws"].pk)
        await repo.add_member(open_ws, user_pk=pks["alice"])
        await repo.add_member(open_ws, group_pk=team.pk)
        await repo.add_member(closed_ws, user_pk=pks["bob"])
        await repo.add_member(closed_ws, user_pk=pks["alice"])
        # A per-model grant comes first: dan reads "granted" although not a member.
        await models.set_user_permissions(made["granted"].pk, [(pks["dan"], PermissionFlags(True))])
    async with db.transaction(readonly=True) as tx:
        collection_record = await CollectionRepository(tx).get(domain.pk, "c")
        assert collection_record is not None
        readable: dict[str, set[str]] = {}
        for name, pk in pks.items():
            user = DomainUser(DomainUserId(DomainUserType.NORMAL, name))
            by_resolver = set()
            for model_id, record in made.items():
                flags = await resolve_model_permissions(tx, record, collection_record, user, pk)
                if flags.read:
                    by_resolver.add(model_id)
            scope = ReadScope(user_pk=pk, collection_read=None, collection_world_read=True)
            found, _ = await ModelRepository(tx).query(collection_record, readable=scope)
            assert {m.model_id for m in found} == by_resolver, name
            readable[name] = by_resolver
        on_activity = {
            name: sorted(
                await PermissionRepository(tx).resolve(
                    domain.pk, GrantTarget(activity_pk=activity.pk), pk
                )
            )
            for name, pk in pks.items()
        }
    assert readable == {
        "alice": {"in_ws", "granted", "outside"},
        "bob": {"outside"},  # a member of a workspace granting no read reads nothing there
        "carol": {"in_ws", "granted", "outside"},
        "dan": {"granted", "outside"},
    }
    assert on_activity == {
        "alice": ["join", "manage", "set_state", "view_state"],
        "bob": [],
        "carol": ["join", "set_state", "view_state"],
        "dan": [],
    }
