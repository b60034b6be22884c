"""Chats over REST: list, create, get, delete, members, history (with the realtime filters),
and the errors (400/401/403/404/409 as problem details). Live delivery to real clients is in
tests/e2e/test_rest_live.py."""

from __future__ import annotations

from typing import Any

from convergence_jupyter.store.chats import ChatRepository

from .conftest import Api
from .content_support import D, domain_pk, make_users, user


async def _chat(api: Api, chat_id: str, **fields: Any) -> Any:
    reply = await api("POST", f"{D}/chats", user="writer1", body={"id": chat_id, **fields})
    assert reply.status == 201, reply.body
    return reply.body


async def test_create_list_get_delete(api: Api, app: Any) -> None:
    await domain_pk(app)
    await make_users(app, "alice", "bob")
    channel = await _chat(api, "general", name="General", members=[user("alice")])
    assert channel["type"] == "channel" and channel["membership"] == "public"
    # the REST actor (a Convergence-type user named after the caller) created it and is in it
    members = {(m["user"]["type"], m["user"]["username"]) for m in channel["members"]}
    assert members == {("normal", "alice"), ("convergence", "writer1")}
    await _chat(api, "lobby", type="room")
    direct = await _chat(api, "dm", type="direct", membership="private", members=[user("bob")])
    assert {m["user"]["username"] for m in direct["members"]} == {"bob", "writer1"}
    listed = await api("GET", f"{D}/chats", user="reader1")
    assert listed.status == 200 and listed.body["total"] == 3
    assert [c["id"] for c in listed.body["items"]] == ["dm", "general", "lobby"]
    rooms = await api(
        "GET", f"{D}/chats", user="reader1", params=[("type", "room"), ("type", "direct")]
    )
    assert [c["id"] for c in rooms.body["items"]] == ["dm", "lobby"]
    paged = await api("GET", f"{D}/chats", user="reader1", params={"offset": 2, "limit": 5})
    assert [c["id"] for c in paged.body["items"]] == ["lobby"] and paged.body["total"] == 3
    got = await api("GET", f"{D}/chats/general", user="reader1")
    assert got.status == 200 and got.body["name"] == "General"
    assert got.body["last_event_number"] == 0
    room_members = await api("GET", f"{D}/chats/lobby/members", user="reader1")
    assert room_members.status == 200 and room_members.body == {"members": []}
    assert (await api("DELETE", f"{D}/chats/general", user="reader1")).status == 403
    assert (await api("DELETE", f"{D}/chats/general", user="writer1")).status == 204
    assert (await api("GET", f"{D}/chats/general", user="reader1")).status == 404
    again = await api("DELETE", f"{D}/chats/general", user="writer1")
    assert again.status == 404 and again.problem


async def test_create_errors(api: Api, app: Any) -> None:
    await domain_pk(app)
    await make_users(app, "bob")
    await _chat(api, "c")
    dup = await api("POST", f"{D}/chats", user="writer1", body={"id": "c"})
    assert dup.status == 409 and dup.problem
    await _chat(api, "dm1", type="direct", membership="private", members=[user("bob")])
    same_users = await api(
        "POST",
        f"{D}/chats",
        user="writer1",
        body={"id": "dm2", "type": "direct", "membership": "private", "members": [user("bob")]},
    )
    assert same_users.status == 409 and same_users.problem
    private_room = await api(
        "POST", f"{D}/chats", user="writer1", body={"type": "room", "membership": "private"}
    )
    assert private_room.status == 400 and "rooms" in private_room.problem["detail"]
    bad_type = await api("POST", f"{D}/chats", user="writer1", body={"type": "forum"})
    assert bad_type.status == 400 and bad_type.problem["errors"][0]["loc"] == ["body", "type"]
    ghost = await api("POST", f"{D}/chats", user="writer1", body={"members": [user("ghost")]})
    assert ghost.status == 400 and "ghost" in ghost.problem["detail"]
    reader = await api("POST", f"{D}/chats", user="reader1", body={})
    assert reader.status == 403 and reader.problem
    anonymous = await api("GET", f"{D}/chats", anonymous=True)
    assert anonymous.status == 401 and anonymous.problem
    generated = await api("POST", f"{D}/chats", user="writer1", body={})
    assert generated.status == 201 and len(generated.body["id"]) == 32


async def test_members_add_and_remove(api: Api, app: Any) -> None:
    pk = await domain_pk(app)
    await make_users(app, "alice", "bob")
    await _chat(api, "ch")
    added = await api("POST", f"{D}/chats/ch/members", user="writer1", body=user("alice"))
    assert added.status == 201 and added.body == {"user": user("alice"), "max_seen_event": -1}
    again = await api("POST", f"{D}/chats/ch/members", user="writer1", body=user("alice"))
    assert again.status == 409 and again.problem
    ghost = await api("POST", f"{D}/chats/ch/members", user="writer1", body=user("ghost"))
    assert ghost.status == 400 and ghost.problem
    listed = await api("GET", f"{D}/chats/ch/members", user="reader1")
    assert {m["user"]["username"] for m in listed.body["members"]} == {"alice", "writer1"}
    not_member = await api("DELETE", f"{D}/chats/ch/members/bob", user="writer1")
    assert not_member.status == 404 and not_member.problem
    removed = await api("DELETE", f"{D}/chats/ch/members/alice", user="writer1")
    assert removed.status == 204
    async with app.database.transaction(readonly=True) as tx:
        chat = await ChatRepository(tx).get(pk, "ch")
        assert chat is not None
        events, _ = await ChatRepository(tx).history(chat.pk, forward=True)
    assert [e.event_type for e in events] == ["created", "user_added", "user_removed"]
    reader = await api("POST", f"{D}/chats/ch/members", user="reader1", body=user("bob"))
    assert reader.status == 403 and reader.problem
    await _chat(api, "room", type="room")
    room = await api("POST", f"{D}/chats/room/members", user="writer1", body=user("bob"))
    assert room.status == 409 and "channel" in room.problem["detail"]
    missing = await api("POST", f"{D}/chats/none/members", user="writer1", body=user("bob"))
    assert missing.status == 404 and missing.problem
    bad_type = await api(
        "DELETE", f"{D}/chats/ch/members/bob", user="writer1", params={"type": "robot"}
    )
    assert bad_type.status == 400 and bad_type.problem


async def test_history_filters_as_the_realtime_request(api: Api, app: Any) -> None:
    pk = await domain_pk(app)
    users = await make_users(app, "alice", "bob")
    await _chat(api, "h", name="H")
    for name in ("alice", "bob"):
        await api("POST", f"{D}/chats/h/members", user="writer1", body=user(name))
    # messages come from clients; the service records them exactly as a publish would
    async with app.database.transaction() as tx:
        repo = ChatRepository(tx)
        chat = await repo.get(pk, "h")
        assert chat is not None
        for i in range(5):
            await repo.append_event(chat.pk, "message", users["alice"], text=f"m{i}")
    newest = await api("GET", f"{D}/chats/h/events", user="reader1", params={"limit": 3})
    assert newest.status == 200 and newest.body["total"] == 8
    assert [e["number"] for e in newest.body["items"]] == [7, 6, 5]
    assert newest.body["items"][0]["text"] == "m4"
    assert newest.body["items"][0]["user"] == user("alice")
    messages = await api(
        "GET",
        f"{D}/chats/h/events",
        user="reader1",
        params={"types": "message", "start_event": 4, "forward": "true"},
    )
    assert [e["number"] for e in messages.body["items"]] == [4, 5, 6, 7]
    assert messages.body["total"] == 4
    first = await api(
        "GET", f"{D}/chats/h/events", user="reader1", params={"forward": "true", "limit": 2}
    )
    created, added = first.body["items"]
    assert created["type"] == "created" and created["name"] == "H"
    assert created["members"] == [{"username": "writer1", "type": "convergence"}]
    assert added["type"] == "user_added" and added["target_user"] == user("alice")
    mixed = await api(
        "GET",
        f"{D}/chats/h/events",
        user="reader1",
        params=[("types", "user_added"), ("types", "created"), ("start_event", 1)],
    )
    assert [e["type"] for e in mixed.body["items"]] == ["user_added", "created"]
    bad_kind = await api("GET", f"{D}/chats/h/events", user="reader1", params={"types": "x"})
    assert bad_kind.status == 400 and bad_kind.problem["errors"][0]["loc"][:2] == [
        "query",
        "types",
    ]
    bad_start = await api("GET", f"{D}/chats/h/events", user="reader1", params={"start_event": -1})
    assert bad_start.status == 400 and bad_start.problem
    huge_start = await api(
        "GET", f"{D}/chats/h/events", user="reader1", params={"start_event": 2**40}
    )
    assert huge_start.status == 400 and huge_start.problem  # not a database overflow (500)
    missing = await api("GET", f"{D}/chats/none/events", user="reader1")
    assert missing.status == 404 and missing.problem
    nobody = await api("GET", f"{D}/chats/h/events", user="nobody1")
    assert nobody.status == 403 and nobody.problem
