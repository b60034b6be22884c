"""The chat repository on every backend: numbering, members, history paging, search."""

from __future__ import annotations

import asyncio

from permissions.support import World, run_world

from convergence_jupyter.store.chats import ChatRepository
from convergence_jupyter.store.errors import AlreadyExists


def test_create_number_and_page_history(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.add_user("alice")
        bob = await w.add_user("bob")
        async with w.db.transaction() as tx:
            repo = ChatRepository(tx)
            chat = await repo.create(
                w.domain.pk,
                "c1",
                chat_type="channel",
                membership="public",
                name="N",
                topic="T",
                creator_pk=alice,
                member_pks=[alice],
            )
            assert chat.last_event_number == 0 and chat.is_member(alice)
            try:
                await repo.create(
                    w.domain.pk,
                    "c1",
                    chat_type="room",
                    membership="public",
                    name="",
                    topic="",
                    creator_pk=alice,
                )
            except AlreadyExists:
                pass
            else:
                raise AssertionError("duplicate chat id accepted")
            assert await repo.add_member(chat.pk, bob)
            assert not await repo.add_member(chat.pk, bob)
            numbers = [
                (await repo.append_event(chat.pk, "message", alice, text=f"m{i}")).event_number
                for i in range(5)
            ]
            await repo.append_event(chat.pk, "user_added", alice, target_user_pk=bob)
        assert numbers == [1, 2, 3, 4, 5]
        async with w.db.transaction(readonly=True) as tx:
            repo = ChatRepository(tx)
            events, total = await repo.history(chat.pk, limit=3)
            assert [e.event_number for e in events] == [6, 5, 4] and total == 7
            events, total = await repo.history(
                chat.pk, types=["message"], forward=True, offset=1, limit=2
            )
            assert [e.text for e in events] == ["m1", "m2"] and total == 5
            events, _ = await repo.history(chat.pk, start_event=2, limit=10)
            assert [e.event_number for e in events] == [2, 1, 0]
            created = (await repo.history(chat.pk, types=["created"]))[0][0]
            assert created.data == {"name": "N", "topic": "T", "members": [alice]}
            fresh = await repo.get(w.domain.pk, "c1")
            assert fresh is not None and fresh.last_event_number == 6
            assert {m.user_pk for m in fresh.members} == {alice, bob}
            assert await repo.existing_ids(w.domain.pk, ["c1", "zz"]) == {"c1"}

    run_world(db_url, [], body)


def test_concurrent_appends_get_distinct_numbers(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.add_user("alice")
        async with w.db.transaction() as tx:
            chat = await ChatRepository(tx).create(
                w.domain.pk,
                "c",
                chat_type="room",
                membership="public",
                name="",
                topic="",
                creator_pk=alice,
            )

        async def append() -> int:
            async with w.db.transaction() as tx:
                return (
                    await ChatRepository(tx).append_event(chat.pk, "message", alice)
                ).event_number

        numbers = await asyncio.gather(*(append() for _ in range(10)))
        assert sorted(numbers) == list(range(1, 11))

    run_world(db_url, [], body)


def test_direct_chats_marks_search_and_delete(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.add_user("alice")
        bob = await w.add_user("bob")
        carol = await w.add_user("carol")
        async with w.db.transaction() as tx:
            repo = ChatRepository(tx)
            direct = await repo.create(
                w.domain.pk,
                "d",
                chat_type="direct",
                membership="private",
                name="",
                topic="",
                creator_pk=alice,
                member_pks=[bob, alice],
                direct=True,
            )
            found = await repo.get_direct(w.domain.pk, [alice, bob])
            assert found is not None and found.pk == direct.pk
            assert await repo.get_direct(w.domain.pk, [alice, carol]) is None
            await repo.create(
                w.domain.pk,
                "pub",
                chat_type="channel",
                membership="public",
                name="Python Talk",
                topic="snakes",
                creator_pk=carol,
                member_pks=[carol],
            )
            await repo.create(
                w.domain.pk,
                "sec",
                chat_type="channel",
                membership="private",
                name="Python secret",
                topic="",
                creator_pk=carol,
                member_pks=[carol],
            )
            await repo.append_event(direct.pk, "message", alice, text="hi")
            assert await repo.mark_seen(direct.pk, bob, 1)
            assert await repo.mark_seen(direct.pk, bob, 0)  # never lowers
            assert not await repo.mark_seen(direct.pk, carol, 1)
        async with w.db.transaction(readonly=True) as tx:
            repo = ChatRepository(tx)
            again = await repo.get(w.domain.pk, "d")
            assert again is not None
            assert {m.user_pk: m.max_seen_event for m in again.members} == {alice: -1, bob: 1}
            chats, total = await repo.search(w.domain.pk, alice, term="PYTHON")
            assert [c.chat_id for c in chats] == ["pub"] and total == 1
            chats, _ = await repo.search(w.domain.pk, carol, term="python")
            assert sorted(c.chat_id for c in chats) == ["pub", "sec"]
            chats, _ = await repo.search(w.domain.pk, bob, types=["direct"])
            assert [c.chat_id for c in chats] == ["d"]
            assert [c.chat_id for c in await repo.member_of(w.domain.pk, bob)] == ["d"]
        async with w.db.transaction() as tx:
            assert await ChatRepository(tx).delete(direct.pk)
            assert await ChatRepository(tx).get(w.domain.pk, "d") is None

    run_world(db_url, [], body)
