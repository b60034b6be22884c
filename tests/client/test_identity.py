"""Identity through the Python client's public API: users, search and groups."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.client import GroupNotFoundError, UserNotFoundError
from tests.client.accounts import PASSWORD, add_users
from tests.client.conftest import ClientFactory


async def test_users_search_and_groups(client: ClientFactory, jp_serverapp: Any) -> None:
    await add_users(
        jp_serverapp,
        "alice",
        "alina",
        "bob",
        groups={"devs": ["alice", "bob"], "ops": ["alina"]},
    )
    guest = await client("Visitor")  # anonymous users may look people up too
    alice = await client(password=("alice", PASSWORD))
    assert alice.session_id and alice.session_id != guest.session_id
    assert (alice.user.username, alice.user.display_name, alice.user.user_type) == (
        "alice",
        "Alice",
        "normal",
    )
    assert alice.user.email == "alice@example.org"
    identity = guest.identity()

    bob = await identity.user("bob")
    assert bob is not None and (bob.display_name, bob.email) == ("Bob", "bob@example.org")
    assert await identity.user("nobody") is None
    assert [u.username for u in await identity.users(["bob", "nobody", "alice"])] == [
        "bob",
        "alice",
    ]
    assert await identity.user(guest.user) == guest.user  # anonymous, by record

    assert [u.username for u in await identity.search("ali")] == ["alice", "alina"]
    assert [u.username for u in await identity.search("ali", ascending=False)] == [
        "alina",
        "alice",
    ]
    page = await identity.search("example.org", fields=["email"], offset=1, limit=1)
    assert [u.username for u in page] == ["alina"]
    assert await identity.search("Visitor", fields=["display_name"]) == []  # not anonymous
    with pytest.raises(ValueError, match="search fields"):
        await identity.search("x", fields=["password"])

    devs = await identity.group("devs")
    assert (devs.id, devs.description, sorted(devs.usernames)) == (
        "devs",
        "the devs group",
        ["alice", "bob"],
    )
    assert sorted(g.id for g in await identity.groups(["ops", "devs"])) == ["devs", "ops"]
    with pytest.raises(GroupNotFoundError) as caught:
        await identity.groups(["devs", "nope"])
    assert caught.value.details == {"groupId": "nope"}
    assert await identity.groups_for_users(["alice", "alina"]) == {
        "alice": ["devs"],
        "alina": ["ops"],
    }
    assert await identity.groups_for_user("bob") == ["devs"]
    with pytest.raises(UserNotFoundError):
        await identity.groups_for_user("nobody")
    # The connection survives the refusals.
    assert await identity.user("alice") == alice.user
