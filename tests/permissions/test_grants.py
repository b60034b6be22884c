"""The grant store and resolution (world, user and group grants unite) on every backend."""

from __future__ import annotations

from typing import Any

from convergence_jupyter.domain.users import UserType
from convergence_jupyter.permissions import ACTIVITY_PERMISSIONS, PermissionResolver
from convergence_jupyter.store.activities import ActivityRepository
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.records import UserKey

from .support import World, run_world


def test_resolution_unites_world_user_and_groups(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.add_user("alice")
        bob = await w.add_user("bob")
        carol = await w.add_user("carol")
        await w.add_group("editors", ["carol"])
        async with w.db.transaction() as tx:
            act = await ActivityRepository(tx).create(w.domain.pk, "doc", "1")
            other = await ActivityRepository(tx).create(w.domain.pk, "doc", "2")
            group_pk = await _group_pk(tx, w, "editors")
            repo = PermissionRepository(tx)
            target = GrantTarget(activity_pk=act.pk)
            await repo.add(w.domain.pk, target, world=["view_state"])
            await repo.add(w.domain.pk, target, users={bob: ["join", "join"]})
            await repo.add(w.domain.pk, target, groups={group_pk: ["lurk", "join"]})
            await repo.add(w.domain.pk, GrantTarget(activity_pk=other.pk), world=["remove"])
        async with w.db.transaction() as tx:
            repo = PermissionRepository(tx)
            assert await repo.resolve(w.domain.pk, target, alice) == {"view_state"}
            assert await repo.resolve(w.domain.pk, target, bob) == {"view_state", "join"}
            assert await repo.resolve(w.domain.pk, target, carol) == {"view_state", "lurk", "join"}
            grants = await repo.get(w.domain.pk, target)
        assert grants.world == {"view_state"}
        assert grants.users == {UserKey(UserType.NORMAL, "bob"): frozenset({"join"})}
        assert grants.groups == {"editors": frozenset({"lurk", "join"})}

    run_world(db_url, [], body)


def test_remove_and_set_replace(db_url: str) -> None:
    async def body(w: World) -> None:
        bob = await w.add_user("bob")
        dan = await w.add_user("dan")
        async with w.db.transaction() as tx:
            act = await ActivityRepository(tx).create(w.domain.pk, "doc", "1")
            target = GrantTarget(activity_pk=act.pk)
            repo = PermissionRepository(tx)
            await repo.add(
                w.domain.pk, target, world=["join", "lurk"], users={bob: ["join"], dan: ["lurk"]}
            )
            await repo.remove(w.domain.pk, target, world=["lurk"], users={bob: ["join"]})
            assert (await repo.get(w.domain.pk, target)).world == {"join"}
            assert await repo.resolve(w.domain.pk, target, bob) == {"join"}  # from world
            await repo.set_world(w.domain.pk, target, [])
            await repo.set_users(w.domain.pk, target, {bob: ["manage"]}, replace_all=False)
            assert await repo.resolve(w.domain.pk, target, dan) == {"lurk"}
            await repo.set_users(w.domain.pk, target, {bob: ["manage"]}, replace_all=True)
            assert await repo.resolve(w.domain.pk, target, dan) == frozenset()
            assert await repo.user_pks(w.domain.pk, target) == {bob}
            # Deleting the target drops its grants (cascade).
            await ActivityRepository(tx).delete(act.pk)
            assert (await repo.get(w.domain.pk, target)).users == {}

    run_world(db_url, [], body)


def test_convergence_users_hold_everything(db_url: str) -> None:
    async def body(w: World) -> None:
        admin = await w.add_user("root", UserType.CONVERGENCE)
        resolver = PermissionResolver(w.db, w.domain.pk, ACTIVITY_PERMISSIONS)
        held = await resolver.resolve(admin, UserType.CONVERGENCE, GrantTarget(activity_pk=1))
        assert held == ACTIVITY_PERMISSIONS

    run_world(db_url, [], body)


async def _group_pk(tx: Any, w: World, group_id: str) -> int:
    from convergence_jupyter.store import GroupRepository

    group = await GroupRepository(tx).get(w.domain.pk, group_id)
    assert group is not None
    return group.pk
