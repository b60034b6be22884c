"""Server-side chat rules the rc.12 client never lets you break (it checks locally first)."""

from __future__ import annotations

from permissions.support import World, run_world, with_database

from convergence_jupyter.chat import ChatService
from convergence_jupyter.permissions import PermissionsService
from convergence_jupyter.protocol.schema import chat_pb2, core_pb2

SERVICES = [with_database(ChatService), with_database(PermissionsService)]


def _create(
    chat_id: str, chat_type: str = "channel", membership: str = "public"
) -> chat_pb2.CreateChatRequestMessage:
    msg = chat_pb2.CreateChatRequestMessage(chatType=chat_type, membership=membership, name="n")
    msg.chatId.value = chat_id
    return msg


def test_sender_is_the_session_user_and_identities_come_first(db_url: str) -> None:
    async def body(w: World) -> None:
        a = await w.open("alice")
        b = await w.open("bob")
        await w.call(a, "createChatRequest", _create("c"))
        _, joined = await w.call(b, "joinChatRequest", chat_pb2.JoinChatRequestMessage(chatId="c"))
        assert sorted(m.user.username for m in joined.chatInfo.members) == ["alice", "bob"]
        assert "identityCacheUpdate" in b.names()
        _, reply = await w.call(
            b,
            "publishChatMessageRequest",
            chat_pb2.PublishChatRequestMessage(chatId="c", message="hey"),
        )
        assert reply.eventNumber == 2
        names = a.names()
        # bob is announced to alice before the first event that names him (his join)
        announced = [
            i
            for i, (n, m, _) in enumerate(a.sent)
            if n == "identityCacheUpdate" and any(u.userId.username == "bob" for u in m.users)
        ]
        assert announced and announced[0] < names.index("userJoinedChat")
        (pushed,) = a.bodies("remoteChatMessage")
        assert pushed.user.username == "bob" and pushed.message == "hey"

    run_world(db_url, SERVICES, body)


def test_error_codes(db_url: str) -> None:
    async def body(w: World) -> None:
        a = await w.open("alice")
        c = await w.open("carol")
        assert await w.fails(a, "createChatRequest", _create("x", "bogus")) == "unknown"
        assert await w.fails(a, "createChatRequest", _create("x", "room", "private")) == "unknown"
        await w.call(a, "createChatRequest", _create("c"))
        await w.call(a, "createChatRequest", _create("r", "room"))
        publish = chat_pb2.PublishChatRequestMessage(chatId="c", message="x")
        assert await w.fails(c, "publishChatMessageRequest", publish) == "chat_not_joined"
        room_publish = chat_pb2.PublishChatRequestMessage(chatId="r", message="x")
        assert await w.fails(a, "publishChatMessageRequest", room_publish) == "chat_not_joined"
        missing = chat_pb2.PublishChatRequestMessage(chatId="nope", message="x")
        assert await w.fails(a, "publishChatMessageRequest", missing) == "chat_not_found"
        leave = chat_pb2.LeaveChatRequestMessage(chatId="c")
        assert await w.fails(c, "leaveChatRequest", leave) == "chat_not_joined"
        mark = chat_pb2.MarkChatEventsSeenRequestMessage(chatId="c", eventNumber=99)
        assert await w.fails(a, "markChatEventsSeenRequest", mark) == "invalid_message"
        history = chat_pb2.ChatHistoryRequestMessage(chatId="c", eventFilter=["bogus"])
        assert await w.fails(a, "getChatHistoryRequest", history) == "invalid_message"
        target = core_pb2.PermissionTarget()
        target.chat.id = "c"
        get = core_pb2.GetPermissionsRequestMessage(target=target)
        assert await w.fails(c, "getPermissionsRequest", get) == "unauthorized"
        _, grants = await w.call(a, "getPermissionsRequest", get)
        assert "join_chat_channel" in grants.world

    run_world(db_url, SERVICES, body)


def test_room_membership_follows_sessions(db_url: str) -> None:
    async def body(w: World) -> None:
        a = await w.open("alice")
        b = await w.open("bob")
        b2 = await w.open("bob")
        await w.call(a, "createChatRequest", _create("r", "room"))
        join = chat_pb2.JoinChatRequestMessage(chatId="r")
        await w.call(a, "joinChatRequest", join)
        await w.call(b, "joinChatRequest", join)
        await w.call(b2, "joinChatRequest", join)
        bobs = [m for m in a.bodies("userJoinedChat") if m.user.username == "bob"]
        assert len(bobs) == 1, "bob joined once, whatever his sessions"
        await w.call(
            a,
            "publishChatMessageRequest",
            chat_pb2.PublishChatRequestMessage(chatId="r", message="m"),
        )
        assert b.bodies("remoteChatMessage") and b2.bodies("remoteChatMessage")
        await w.close(b)
        assert not a.bodies("userLeftChat"), "bob is still there through b2"
        await w.close(b2)
        (left,) = a.bodies("userLeftChat")
        assert left.user.username == "bob"
        _, info = await w.call(a, "getChatsRequest", chat_pb2.GetChatsRequestMessage(chatIds=["r"]))
        assert [m.user.username for m in info.chatInfo[0].members] == ["alice"]

    run_world(db_url, SERVICES, body)
