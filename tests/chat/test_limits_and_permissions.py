"""Chat permissions that bite (domain-wide creation, eviction from rooms) and per-session bounds
(rooms joined, message length)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from permissions.support import World, run_world, with_database

from convergence_jupyter.chat import ChatService
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.permissions import PermissionsService
from convergence_jupyter.protocol.schema import chat_pb2, core_pb2
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domain_permissions import CREATE_CHAT, DOMAIN_TARGET
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.permissions import PermissionRepository


def chat_with(**options: Any) -> Any:
    """A factory marker like ``with_database(ChatService)``, with the service's bounds."""

    def bind(db: Database) -> Callable[[DomainRuntime], ChatService]:
        return lambda runtime: ChatService(runtime, db, **options)

    bind.needs_database = True  # type: ignore[attr-defined]
    return bind


def _create(chat_id: str, chat_type: str = "channel") -> chat_pb2.CreateChatRequestMessage:
    msg = chat_pb2.CreateChatRequestMessage(chatType=chat_type, membership="public")
    msg.chatId.value = chat_id
    return msg


def _join(chat_id: str) -> chat_pb2.JoinChatRequestMessage:
    return chat_pb2.JoinChatRequestMessage(chatId=chat_id)


def _publish(chat_id: str, text: str) -> chat_pb2.PublishChatRequestMessage:
    return chat_pb2.PublishChatRequestMessage(chatId=chat_id, message=text)


async def _domain_grants(w: World, *, world: list[str], remove: bool = False) -> None:
    async with w.db.transaction() as tx:
        repo = PermissionRepository(tx)
        if remove:
            await repo.remove(w.domain.pk, DOMAIN_TARGET, world=world)
        else:
            await repo.add(w.domain.pk, DOMAIN_TARGET, world=world)


def test_creating_a_chat_needs_the_domain_permission(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.open("alice")
        bob = await w.open("bob")
        carol = await w.open("carol")
        admin = await w.open("admin", UserType.CONVERGENCE)
        await w.call(alice, "createChatRequest", _create("allowed-by-default"))
        await _domain_grants(w, world=[CREATE_CHAT], remove=True)
        for chat_type in ("channel", "room", "direct"):
            assert await w.fails(
                bob, "createChatRequest", _create(f"b-{chat_type}", chat_type)
            ) == ("unauthorized")
        async with w.db.transaction() as tx:
            await PermissionRepository(tx).add(
                w.domain.pk, DOMAIN_TARGET, users={w.user_pks["bob"]: [CREATE_CHAT]}
            )
            group = await GroupRepository(tx).create(
                w.domain.pk, "writers", member_pks=[w.user_pks["carol"]]
            )
            await PermissionRepository(tx).add(
                w.domain.pk, DOMAIN_TARGET, groups={group.pk: [CREATE_CHAT]}
            )
        await w.call(bob, "createChatRequest", _create("by-user-grant"))
        await w.call(carol, "createChatRequest", _create("by-group-grant", "room"))
        await w.call(admin, "createChatRequest", _create("admins-hold-everything"))
        assert await w.fails(alice, "createChatRequest", _create("still-not")) == "unauthorized"
        # Joining existing chats does not need the creation permission.
        await w.call(alice, "joinChatRequest", _join("by-user-grant"))

    run_world(db_url, [chat_with(), with_database(PermissionsService)], body)


def test_revoking_join_evicts_room_sessions(db_url: str) -> None:
    async def body(w: World) -> None:
        owner = await w.open("owner")
        bob = await w.open("bob")
        bob2 = await w.open("bob")
        carol = await w.open("carol")
        await w.call(owner, "createChatRequest", _create("r", "room"))
        await w.call(owner, "createChatRequest", _create("chan"))
        for session in (owner, bob, bob2, carol):
            await w.call(session, "joinChatRequest", _join("r"))
        await w.call(bob, "joinChatRequest", _join("chan"))
        target = core_pb2.PermissionTarget()
        target.chat.id = "r"
        add = core_pb2.AddPermissionsRequestMessage(target=target)
        add.user.add(permissions=["join_chat_channel"]).user.username = "carol"
        await w.call(owner, "addPermissionsRequest", add)
        assert not bob.bodies("userLeftChat"), "adding grants evicts nobody"
        remove = core_pb2.RemovePermissionsRequestMessage(
            target=target, world=["join_chat_channel"]
        )
        await w.call(owner, "removePermissionsRequest", remove)
        # Both of bob's sessions are told that bob left; carol (own grant) and the owner
        # (creator grants) stay; the others see bob leave once.
        for session in (bob, bob2):
            assert [m.user.username for m in session.bodies("userLeftChat")] == ["bob"]
        assert [m.user.username for m in owner.bodies("userLeftChat")] == ["bob"]
        assert not carol.bodies("userLeftChat") or all(
            m.user.username == "bob" for m in carol.bodies("userLeftChat")
        )
        assert await w.fails(bob2, "publishChatMessageRequest", _publish("r", "x")) == (
            "chat_not_joined"
        )
        await w.call(carol, "publishChatMessageRequest", _publish("r", "still here"))
        assert bob.bodies("remoteChatMessage") == []
        _, info = await w.call(
            owner, "getChatsRequest", chat_pb2.GetChatsRequestMessage(chatIds=["r"])
        )
        assert sorted(m.user.username for m in info.chatInfo[0].members) == ["carol", "owner"]
        assert await w.fails(bob, "joinChatRequest", _join("r")) == "unauthorized"
        # A channel's membership is stored, not granted: the same change leaves it alone.
        chan = core_pb2.PermissionTarget()
        chan.chat.id = "chan"
        await w.call(
            owner,
            "removePermissionsRequest",
            core_pb2.RemovePermissionsRequestMessage(target=chan, world=["join_chat_channel"]),
        )
        await w.call(bob, "publishChatMessageRequest", _publish("chan", "members stay"))

    run_world(db_url, [chat_with(), with_database(PermissionsService)], body)


def test_rooms_per_session_are_bounded(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.open("alice")
        other = await w.open("alice")
        for name in ("r1", "r2", "r3"):
            await w.call(alice, "createChatRequest", _create(name, "room"))
        await w.call(alice, "joinChatRequest", _join("r1"))
        await w.call(alice, "joinChatRequest", _join("r2"))
        assert await w.fails(alice, "joinChatRequest", _join("r3")) == "limit_exceeded"
        for name in ("r1", "r2", "r3")[:2]:
            await w.call(other, "joinChatRequest", _join(name))  # per session, not per user
        await w.call(alice, "leaveChatRequest", chat_pb2.LeaveChatRequestMessage(chatId="r1"))
        await w.call(alice, "joinChatRequest", _join("r3"))

    run_world(db_url, [chat_with(max_rooms_per_session=2)], body)


def test_message_length_is_bounded(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.open("alice")
        await w.call(alice, "createChatRequest", _create("c"))
        await w.call(alice, "publishChatMessageRequest", _publish("c", "x" * 10))
        assert await w.fails(alice, "publishChatMessageRequest", _publish("c", "y" * 11)) == (
            "limit_exceeded"
        )
        assert len(alice.bodies("remoteChatMessage")) == 1, "the refused message went nowhere"

    run_world(db_url, [chat_with(max_message_length=10)], body)
