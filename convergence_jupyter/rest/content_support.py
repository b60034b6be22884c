"""What the content resource families (collections, models, chats, activities) share: how a
REST body names a domain user, the domain's live services, and who acts for the caller.

**Live effects.** A REST change to content that clients may have open (a model, a chat, an
activity) goes through the domain's running service in this process (``RealtimeServer.
runtime_for``), never straight to the store behind it: the service orders the change with
what its clients do and tells them, exactly as the matching client request would.

**Who may.** The REST API acts for the server: the caller's scopes (read / write / admin, see
``rest/framework.py``) decide, not the domain's model, chat or activity permissions (those
bind realtime clients; a REST caller with ``write`` may change any model of the domain).
Operations that change who may do what, collections or the auto-create setting, and imports
need ``admin``.

**Who acts.** The REST principal is a Jupyter user, not a domain user, yet events and
operations name a domain user and a session. A REST change is attributed to the
Convergence-type (administrator) user of the caller's Jupyter name in that domain, created on
first use, through a short-lived session row of its own (``client = "convergence-jupyter
rest"``), so clients resolve it like any other author. Convergence-type users cannot log in
through the realtime endpoint (password, JWT and anonymous logins make normal or anonymous
users), so creating one grants nothing to anyone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from convergence_jupyter import __version__
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.session_ids import format_session_id
from convergence_jupyter.rest.framework import ProblemError, RequestContext
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.records import DomainRecord, UserRecord
from convergence_jupyter.store.sessions import SessionRepository
from convergence_jupyter.store.users import UserRepository

S = TypeVar("S")

#: Longest id of a collection, model, chat or activity (the store's column width).
MAX_ID = 255
REST_CLIENT = "convergence-jupyter rest"


class UserKind(StrEnum):
    """A domain user's type as the REST API spells it."""

    NORMAL = "normal"
    CONVERGENCE = "convergence"
    ANONYMOUS = "anonymous"


_STORE_TYPE = {
    UserKind.NORMAL: UserType.NORMAL,
    UserKind.CONVERGENCE: UserType.CONVERGENCE,
    UserKind.ANONYMOUS: UserType.ANONYMOUS,
}
_REST_KIND = {v: k for k, v in _STORE_TYPE.items()}


class UserRef(BaseModel):
    """A domain user: username plus type (usernames are unique per type)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=255)
    type: UserKind = UserKind.NORMAL


def user_kind(user_type: int) -> UserKind:
    """The REST name of a stored (or wire) user type."""
    return _REST_KIND[UserType(int(user_type))]


def user_ref(record: UserRecord) -> UserRef:
    return UserRef(username=record.username, type=user_kind(record.user_type))


async def resolve_users(
    ctx: RequestContext, domain: DomainRecord, refs: Iterable[UserRef]
) -> dict[tuple[UserKind, str], UserRecord]:
    """Look the users up; a 400 problem names the first that does not exist."""
    wanted = list(refs)
    async with ctx.database.transaction(readonly=True) as tx:
        found = await UserRepository(tx).get_many(
            domain.pk, [(int(_STORE_TYPE[r.type]), r.username) for r in wanted]
        )
    by_key = {(user_kind(r.user_type), r.username): r for r in found}
    for ref in wanted:
        if (ref.type, ref.username) not in by_key:
            raise ProblemError(400, f"there is no {ref.type.value} user '{ref.username}'")
    return by_key


async def users_by_pk(ctx: RequestContext, pks: Iterable[int]) -> dict[int, UserRecord]:
    out: dict[int, UserRecord] = {}
    async with ctx.database.transaction(readonly=True) as tx:
        users = UserRepository(tx)
        for pk in set(pks):
            record = await users.get_by_pk(pk)
            if record is not None:
                out[pk] = record
    return out


# -- live services ---------------------------------------------------------------------------


async def runtime(ctx: RequestContext, domain: DomainRecord) -> DomainRuntime:
    await ctx.realtime.start()
    return ctx.realtime.runtime_for(domain)


async def service(ctx: RequestContext, domain: DomainRecord, kind: type[S]) -> S:
    """The domain's running service of this class (created with the runtime if needed)."""
    for candidate in (await runtime(ctx, domain)).services:
        if isinstance(candidate, kind):
            return candidate
    raise ProblemError(503, f"the {kind.__name__} is not configured on this server")


# -- who acts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    user: UserRecord
    session_id: str


async def actor_user(ctx: RequestContext, domain: DomainRecord) -> UserRecord:
    """The Convergence-type user standing for the REST caller in ``domain``."""
    async with ctx.database.transaction() as tx:
        user, _ = await UserRepository(tx).get_or_create(
            domain.pk,
            int(UserType.CONVERGENCE),
            ctx.principal.username,
            display_name=ctx.principal.display_name,
        )
    return user


@asynccontextmanager
async def acting_session(ctx: RequestContext, domain: DomainRecord) -> AsyncIterator[Actor]:
    """A session of the caller's actor for the length of one change, known to the domain's
    session directory so that clients can be told who made it."""
    user = await actor_user(ctx, domain)
    async with ctx.database.transaction() as tx:
        record = await SessionRepository(tx).open(
            domain.pk, user.pk, client=REST_CLIENT, client_version=__version__
        )
    session_id = format_session_id(record.id)
    try:
        await (await runtime(ctx, domain)).directory.ensure_known([session_id])
        yield Actor(user, session_id)
    finally:
        async with ctx.database.transaction() as tx:
            await SessionRepository(tx).close(record.id)
