"""Helpers for the content REST tests (collections, models, chats, activities): the default
domain's path and pk, and domain users and groups made through the store."""

from __future__ import annotations

from typing import Any

from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.users import UserRepository

#: The default domain of the test server.
D = "/domains/convergence/default"


async def domain_pk(app: Any) -> int:
    """The default domain's pk, after the realtime start-up created it."""
    await app.realtime.start()
    async with app.database.transaction(readonly=True) as tx:
        record = await DomainRepository(tx).get("convergence", "default")
    assert record is not None
    return record.pk


async def make_users(app: Any, *names: str) -> dict[str, int]:
    """Normal users of the default domain; returns their pks by name."""
    pk = await domain_pk(app)
    out: dict[str, int] = {}
    async with app.database.transaction() as tx:
        users = UserRepository(tx)
        for name in names:
            record, _ = await users.get_or_create(pk, int(UserType.NORMAL), name)
            out[name] = record.pk
    return out


async def make_group(app: Any, group_id: str, *members: str) -> None:
    pk = await domain_pk(app)
    pks = await make_users(app, *members)
    async with app.database.transaction() as tx:
        groups = GroupRepository(tx)
        group = await groups.create(pk, group_id, "")
        await groups.set_members(group.pk, list(pks.values()))


def user(name: str) -> dict[str, str]:
    return {"username": name, "type": "normal"}
