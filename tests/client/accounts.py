"""Normal domain users (with passwords) and groups in the running test server, made through its
store the way the CLI makes them: the realtime protocol has no way to create users."""

from __future__ import annotations

from typing import Any

from convergence_jupyter.auth.passwords import hash_password_async
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.users import UserRepository

PASSWORD = "client-pw"


def convergence_app(jp_serverapp: Any) -> Any:
    (found,) = jp_serverapp.extension_manager.extension_apps["convergence_jupyter"]
    return found


async def add_users(
    jp_serverapp: Any, *usernames: str, groups: dict[str, list[str]] | None = None
) -> None:
    """Create normal users ``usernames`` (password :data:`PASSWORD`, display name = the
    username capitalised, email ``<username>@example.org``) and ``groups`` (id -> members)."""
    app = convergence_app(jp_serverapp)
    await app.realtime.start()  # creates the default domain
    password_hash = await hash_password_async(PASSWORD)
    async with app.database.transaction() as tx:
        domain = await DomainRepository(tx).get(app.default_namespace, app.default_domain)
        assert domain is not None
        users = UserRepository(tx)
        pks = {}
        for username in usernames:
            record = await users.create(
                domain.pk,
                0,
                username,
                display_name=username.capitalize(),
                email=f"{username}@example.org",
                password_hash=password_hash,
            )
            pks[username] = record.pk
        for group_id, members in (groups or {}).items():
            await GroupRepository(tx).create(
                domain.pk, group_id, f"the {group_id} group", [pks[m] for m in members]
            )
