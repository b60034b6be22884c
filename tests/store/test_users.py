from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from convergence_jupyter.store import (
    UNSET,
    AlreadyExists,
    Database,
    GroupRepository,
    NotFound,
    ReconnectTokenRepository,
    UserKey,
    UserRecord,
    UserRepository,
    UserType,
)

from .helpers import make_domain, token_hash


def test_create_get_and_duplicates(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            other = await make_domain(session, "d2")
            users = UserRepository(session)
            alice = await users.create(
                d.pk,
                UserType.NORMAL,
                "alice",
                first_name="Alice",
                last_name="Liddell",
                display_name="Alice L",
                email="alice@example.org",
                password_hash="scrypt$hash",
            )
            assert isinstance(alice, UserRecord)
            assert alice.key == UserKey(UserType.NORMAL, "alice")
            assert not hasattr(alice, "password_hash")
            assert alice.created_at.tzinfo is UTC
            assert (alice.disabled, alice.deleted, alice.last_login) == (False, False, None)
            with pytest.raises(AlreadyExists):
                await users.create(d.pk, 0, "alice")
            # The failed insert did not poison the transaction.
            assert await users.get(d.pk, 0, "alice") == alice
            # Same name, other type or other domain: different users.
            admin = await users.create(d.pk, UserType.CONVERGENCE, "alice")
            elsewhere = await users.create(other.pk, 0, "alice")
            assert len({alice.pk, admin.pk, elsewhere.pk}) == 3
            with pytest.raises(ValueError):
                await users.create(d.pk, 0, "")
            with pytest.raises(ValueError):
                await users.create(d.pk, 7, "bob")
        async with db.transaction(readonly=True) as session:
            users = UserRepository(session)
            assert await users.get(d.pk, UserType.NORMAL, "alice") == alice
            assert await users.get_by_pk(alice.pk) == alice
            assert await users.get(d.pk, UserType.NORMAL, "nobody") is None
            assert await users.get_password_hash(d.pk, "alice") == "scrypt$hash"
            assert await users.get_password_hash(d.pk, "nobody") is None

    with_db(body)


def test_get_many_keeps_request_order(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            users = UserRepository(session)
            for name in ("a", "b", "c"):
                await users.create(d.pk, 0, name)
            anon = await users.create_anonymous(d.pk, "Guest")
            found = await users.get_many(
                d.pk, [(0, "c"), (2, anon.username), (0, "zz"), (0, "a"), (0, "c"), (1, "a")]
            )
            assert [u.username for u in found] == ["c", anon.username, "a"]
            assert await users.get_many(d.pk, []) == []
            many = await users.get_many(d.pk, [(0, f"x{i}") for i in range(1200)] + [(0, "b")])
            assert [u.username for u in many] == ["b"]

    with_db(body)


def test_get_or_create_and_anonymous(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            users = UserRepository(session)
            u, created = await users.get_or_create(d.pk, 0, "jwtuser", email="j@x.org")
            assert created and u.email == "j@x.org"
            again, created = await users.get_or_create(d.pk, 0, "jwtuser", email="other@x.org")
            assert not created and again == u  # profile only applies on creation
            a1 = await users.create_anonymous(d.pk, "Guest")
            a2 = await users.create_anonymous(d.pk, "Guest")
            assert a1.user_type is UserType.ANONYMOUS and a1.display_name == "Guest"
            assert a1.username != a2.username
            assert len(a1.username) >= 10

    with_db(body)


def test_concurrent_get_or_create_yields_one_user(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)

        async def lazily_create() -> tuple[UserRecord, bool]:
            async with db.transaction() as session:
                result = await UserRepository(session).get_or_create(d.pk, 0, "racer")
                await asyncio.sleep(0.01)
                return result

        results = await asyncio.gather(*(lazily_create() for _ in range(4)))
        assert len({r.pk for r, _ in results}) == 1
        assert sum(created for _, created in results) == 1

    with_db(body)


def test_update_profile_password_disable_login(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            users = UserRepository(session)
            u = await users.create(d.pk, 0, "u", first_name="F", email="e@x.org")
            changed = await users.update_profile(u.pk, first_name=None, last_name="L")
            assert (changed.first_name, changed.last_name, changed.email) == (None, "L", "e@x.org")
            same = await users.update_profile(u.pk, first_name=UNSET)
            assert same == changed
            with pytest.raises(NotFound):
                await users.update_profile(99999, email="x")
            await users.set_password_hash(u.pk, "h1")
            assert await users.get_password_hash(d.pk, "u") == "h1"
            disabled = await users.set_disabled(u.pk, True)
            assert disabled.disabled
            # Disabled users cannot log in with a password.
            assert await users.get_password_hash(d.pk, "u") is None
            await users.set_disabled(u.pk, False)
            when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
            await users.touch_last_login(u.pk, when)
        async with db.transaction() as session:
            users = UserRepository(session)
            got = await users.get_by_pk(u.pk)
            assert got is not None and got.last_login == when
            assert got.last_login.tzinfo is UTC
            await users.touch_last_login(u.pk)
            got = await users.get_by_pk(u.pk)
            assert got is not None and got.last_login is not None
            assert got.last_login > when - timedelta(days=3650)

    with_db(body)


def test_password_hash_only_for_normal_users(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            users = UserRepository(session)
            admin = await users.create(d.pk, UserType.CONVERGENCE, "root", password_hash="h")
            assert admin.user_type is UserType.CONVERGENCE
            assert await users.get_password_hash(d.pk, "root") is None

    with_db(body)


async def _seed_search(db: Database) -> int:
    async with db.transaction() as session:
        d = await make_domain(session)
        users = UserRepository(session)
        people = [
            ("amy", "Amy", "Zed", "amy@EXAMPLE.org"),
            ("bob", "Bob", None, "bob@example.org"),
            ("carl", None, "Yates", "carl@other.net"),
            ("dana", "Dana", "Xu", None),
            ("eve_1", "Eve", "Example", "eve@example.org"),
            ("frank%", "Frank", "Wu", "frank@example.org"),
        ]
        for username, first, last, email in people:
            await users.create(
                d.pk,
                0,
                username,
                first_name=first,
                last_name=last,
                email=email,
                display_name=f"{first or username} {last or ''}".strip(),
            )
        gone = await users.create(d.pk, 0, "zoe", email="zoe@example.org")
        await users.delete(gone.pk)
        await users.create_anonymous(d.pk, "Example Guest")
        return d.pk


def test_search_fields_case_and_wildcards(with_db: Any) -> None:
    async def body(db: Database) -> None:
        domain_pk = await _seed_search(db)
        async with db.transaction(readonly=True) as session:
            users = UserRepository(session)

            async def names(*args: Any, **kwargs: Any) -> list[str]:
                return [u.username for u in await users.search(domain_pk, *args, **kwargs)]

            assert await names(["email"], "EXAMPLE") == ["amy", "bob", "eve_1", "frank%"]
            assert await names(["first_name", "last_name"], "ex") == ["eve_1"]
            assert await names(["username"], "_") == ["eve_1"]  # literal, not a wildcard
            assert await names(["username"], "%") == ["frank%"]
            assert await names(["display_name"], "guest", user_types=[UserType.ANONYMOUS]) != []
            assert await names(["display_name"], "guest", user_types=[0]) == []
            # No fields: all of them. Deleted users never match.
            assert "zoe" not in await names([], "zoe")
            assert await names([], "yates") == ["carl"]
            with pytest.raises(ValueError):
                await users.search(domain_pk, ["password_hash"], "x")  # type: ignore[list-item]
            with pytest.raises(ValueError):
                await users.search(domain_pk, ["email"], "x", offset=-1)

    with_db(body)


def test_search_ordering_and_paging(with_db: Any) -> None:
    async def body(db: Database) -> None:
        domain_pk = await _seed_search(db)
        async with db.transaction(readonly=True) as session:
            users = UserRepository(session)

            async def names(**kwargs: Any) -> list[str]:
                found = await users.search(domain_pk, [], "", user_types=[0], **kwargs)
                return [u.username for u in found]

            everyone = ["amy", "bob", "carl", "dana", "eve_1", "frank%"]
            assert await names() == everyone
            assert await names(ascending=False) == everyone[::-1]
            # NULL last names sort last in both directions.
            by_last = await names(order_field="last_name")
            assert by_last == ["eve_1", "frank%", "dana", "carl", "amy", "bob"]
            by_last_desc = await names(order_field="last_name", ascending=False)
            assert by_last_desc == ["amy", "carl", "dana", "frank%", "eve_1", "bob"]
            pages = [await names(offset=o, limit=2) for o in (0, 2, 4, 6)]
            assert pages == [["amy", "bob"], ["carl", "dana"], ["eve_1", "frank%"], []]
            assert await names(order_field="email", limit=3) == ["amy", "bob", "carl"]
            assert await names(limit=0) == []

    with_db(body)


def test_soft_delete_frees_username_and_revokes(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            users = UserRepository(session)
            u = await users.create(d.pk, 0, "gone", password_hash="h")
            await GroupRepository(session).replace_user_groups(d.pk, u.pk, ["g"])
            await ReconnectTokenRepository(session).issue(
                d.pk, u.pk, token_hash("t"), datetime.now(UTC) + timedelta(hours=1)
            )
            assert await users.delete(u.pk) is True
            assert await users.delete(u.pk) is False
            assert await users.delete(424242) is False
        async with db.transaction() as session:
            users = UserRepository(session)
            record = await users.get_by_pk(u.pk)
            assert record is not None
            assert record.deleted and record.deleted_username == "gone"
            assert record.username != "gone"
            assert await users.get(d.pk, 0, "gone") is None
            assert await users.get_password_hash(d.pk, "gone") is None
            group = await GroupRepository(session).get(d.pk, "g")
            assert group is not None and group.members == ()
            assert await ReconnectTokenRepository(session).find_valid(token_hash("t")) is None
            # The name can be taken again.
            again = await users.create(d.pk, 0, "gone")
            assert again.pk != u.pk

    with_db(body)
