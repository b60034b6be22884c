from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.store import (
    AlreadyExists,
    Database,
    GroupRepository,
    NotFound,
    UserKey,
    UserRepository,
    UserType,
)

from .helpers import make_domain, make_user


def test_create_get_members(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            other = await make_domain(session, "d2")
            bob = await make_user(session, d, "bob")
            amy = await make_user(session, d, "amy")
            stranger = await make_user(session, other, "stranger")
            groups = GroupRepository(session)
            eng = await groups.create(d.pk, "eng", "Engineers", [bob.pk, amy.pk, bob.pk])
            assert eng.members == (UserKey(UserType.NORMAL, "amy"), UserKey(UserType.NORMAL, "bob"))
            assert eng.description == "Engineers"
            with pytest.raises(AlreadyExists):
                await groups.create(d.pk, "eng")
            # Same id in another domain is another group.
            await groups.create(other.pk, "eng")
            with pytest.raises(ValueError, match="own domain"):
                await groups.add_member(eng.pk, stranger.pk)
            with pytest.raises(NotFound):
                await groups.set_members(eng.pk, [123456])
            with pytest.raises(NotFound):
                await groups.add_member(98765, bob.pk)
            ops = await groups.create(d.pk, "ops")
            assert ops.members == ()
            await groups.add_member(ops.pk, amy.pk)
            await groups.add_member(ops.pk, amy.pk)  # idempotent
            await groups.update_description(ops.pk, "Operations")
        async with db.transaction(readonly=True) as session:
            groups = GroupRepository(session)
            found = await groups.get_many(d.pk, ["ops", "missing", "eng"])
            assert [g.group_id for g in found] == ["ops", "eng"]
            assert found[0].members == (UserKey(UserType.NORMAL, "amy"),)
            assert found[0].description == "Operations"
            assert [g.group_id for g in await groups.list(d.pk)] == ["eng", "ops"]
            assert await groups.get(d.pk, "missing") is None

    with_db(body)


def test_set_and_remove_members_and_delete(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            a = await make_user(session, d, "a")
            b = await make_user(session, d, "b")
            c = await make_user(session, d, "c")
            groups = GroupRepository(session)
            g = await groups.create(d.pk, "g", member_pks=[a.pk, b.pk])
            await groups.set_members(g.pk, [b.pk, c.pk])
            got = await groups.get(d.pk, "g")
            assert got is not None and [m.username for m in got.members] == ["b", "c"]
            await groups.remove_member(g.pk, b.pk)
            got = await groups.get(d.pk, "g")
            assert got is not None and [m.username for m in got.members] == ["c"]
            await groups.set_members(g.pk, [])
            got = await groups.get(d.pk, "g")
            assert got is not None and got.members == ()
            assert await groups.delete(g.pk) is True
            assert await groups.delete(g.pk) is False
            assert await groups.get(d.pk, "g") is None

    with_db(body)


def test_groups_for_users(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            a = await make_user(session, d, "a")
            b = await make_user(session, d, "b")
            await make_user(session, d, "loner")
            anon = await UserRepository(session).create_anonymous(d.pk, "Guest")
            groups = GroupRepository(session)
            await groups.create(d.pk, "z", member_pks=[a.pk, b.pk])
            await groups.create(d.pk, "y", member_pks=[a.pk, anon.pk])
            result = await groups.groups_for_users(
                d.pk, [(0, "a"), (0, "b"), (0, "loner"), (0, "ghost"), (2, anon.username)]
            )
            assert result == {
                UserKey(UserType.NORMAL, "a"): ["y", "z"],
                UserKey(UserType.NORMAL, "b"): ["z"],
                UserKey(UserType.NORMAL, "loner"): [],
                UserKey(UserType.ANONYMOUS, anon.username): ["y"],
            }
            # Plain tuples work as keys too.
            assert result[(0, "a")] == ["y", "z"]  # type: ignore[index]
            assert list(result) == [
                (0, "a"),
                (0, "b"),
                (0, "loner"),
                (2, anon.username),
            ]

    with_db(body)


def test_replace_user_groups(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            other = await make_domain(session, "d2")
            a = await make_user(session, d, "a")
            b = await make_user(session, d, "b")
            groups = GroupRepository(session)
            existing = await groups.create(d.pk, "keep", "Kept", [b.pk])
            await groups.replace_user_groups(d.pk, a.pk, ["new1", "keep", "new2", "", "new1"])
            mine = await groups.groups_for_users(d.pk, [(0, "a")])
            assert mine[UserKey(UserType.NORMAL, "a")] == ["keep", "new1", "new2"]
            kept = await groups.get(d.pk, "keep")
            assert kept is not None and kept.pk == existing.pk and kept.description == "Kept"
            assert [m.username for m in kept.members] == ["a", "b"]
            # Replacement drops groups not listed, but not the other members.
            await groups.replace_user_groups(d.pk, a.pk, ["new2"])
            mine = await groups.groups_for_users(d.pk, [(0, "a"), (0, "b")])
            assert mine == {
                UserKey(UserType.NORMAL, "a"): ["new2"],
                UserKey(UserType.NORMAL, "b"): ["keep"],
            }
            await groups.replace_user_groups(d.pk, a.pk, [])
            assert (await groups.groups_for_users(d.pk, [(0, "a")]))[(0, "a")] == []  # type: ignore[index]
            # Groups created by replacement stay (empty).
            assert [g.group_id for g in await groups.list(d.pk)] == ["keep", "new1", "new2"]
            with pytest.raises(NotFound):
                await groups.replace_user_groups(other.pk, a.pk, ["x"])
            assert await groups.list(other.pk) == []

    with_db(body)
