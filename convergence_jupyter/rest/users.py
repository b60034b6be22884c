"""A domain's users: search with paging, create, show, change (profile, password, disabled)
and delete.

Only normal users are managed here (anonymous users come and go with their sessions;
Convergence users are the server's own). Reading needs the read scope; every change needs
admin. Passwords are write-only: hashed (scrypt, off the event loop) and never returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from convergence_jupyter.auth.passwords import hash_password_async
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.records import DomainRecord, UserRecord
from convergence_jupyter.store.users import UNSET, UserRepository

router = Router(tag="users", description="A domain's users.")

Username = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=255, pattern=r"^[^\s~/\x00-\x1f\x7f][^/\x00-\x1f\x7f]*$"
    ),
]
Text = Annotated[str, StringConstraints(max_length=255)]
#: Only the shape is checked (one @, no spaces): deliverability is not the server's business.
Email = Annotated[str, StringConstraints(max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]


class User(BaseModel):
    username: str
    display_name: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    disabled: bool
    last_login: datetime | None
    created_at: datetime


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    display_name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    email: Email | None = None
    password: Password | None = Field(None, description="Enables password login; write-only.")


class UserChanges(BaseModel):
    """Fields to change; absent fields stay, ``null`` clears a profile field."""

    model_config = ConfigDict(extra="forbid")

    display_name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    email: Email | None = None
    disabled: bool | None = None
    password: Password | None = Field(None, description="A new password; write-only.")


class UserQuery(PageQuery):
    search: Text = Field("", description="Part of the username, name or email (any case).")
    order: Literal["username", "email", "first_name", "last_name", "display_name"] = "username"
    descending: bool = False


def _user(record: UserRecord) -> User:
    return User(
        username=record.username,
        display_name=record.display_name,
        first_name=record.first_name,
        last_name=record.last_name,
        email=record.email,
        disabled=record.disabled,
        last_login=record.last_login,
        created_at=record.created_at,
    )


async def find_user(ctx: RequestContext, domain: DomainRecord, username: str) -> UserRecord:
    """The domain's normal user, or a 404 problem."""
    async with ctx.database.transaction(readonly=True) as session:
        record = await UserRepository(session).get(domain.pk, UserType.NORMAL, username)
    if record is None:
        raise ProblemError(
            404, f"there is no user {username!r} in {domain.namespace}/{domain.name}"
        )
    return record


@router.get(
    "/domains/{namespace}/{domain}/users",
    operation_id="listUsers",
    summary="Search a domain's users",
    scope=Scope.READ,
    response=Page[User],
    query=UserQuery,
)
async def list_users(
    ctx: RequestContext, *, namespace: str, domain: str, query: UserQuery
) -> Page[User]:
    record = await ctx.domain(namespace, domain)
    normal = [UserType.NORMAL]
    async with ctx.database.transaction(readonly=True) as session:
        users = UserRepository(session)
        found = await users.search(
            record.pk,
            [],
            query.search,
            offset=query.offset,
            limit=query.limit,
            order_field=query.order,
            ascending=not query.descending,
            user_types=normal,
        )
        total = await users.count(record.pk, [], query.search, user_types=normal)
    return Page[User].model_validate(page_of([_user(u) for u in found], total, query))


@router.post(
    "/domains/{namespace}/{domain}/users",
    operation_id="createUser",
    summary="Create a user",
    scope=Scope.ADMIN,
    body=NewUser,
    response=User,
    status=201,
)
async def create_user(ctx: RequestContext, *, namespace: str, domain: str, body: NewUser) -> User:
    """409 if the username is taken."""
    record = await ctx.domain(namespace, domain)
    password_hash = None if body.password is None else await hash_password_async(body.password)
    async with ctx.database.transaction() as session:
        created = await UserRepository(session).create(
            record.pk,
            UserType.NORMAL,
            body.username,
            first_name=body.first_name,
            last_name=body.last_name,
            display_name=body.display_name,
            email=body.email,
            password_hash=password_hash,
        )
    return _user(created)


@router.get(
    "/domains/{namespace}/{domain}/users/{username}",
    operation_id="getUser",
    summary="Show a user",
    scope=Scope.READ,
    response=User,
)
async def get_user(ctx: RequestContext, *, namespace: str, domain: str, username: str) -> User:
    return _user(await find_user(ctx, await ctx.domain(namespace, domain), username))


@router.patch(
    "/domains/{namespace}/{domain}/users/{username}",
    operation_id="updateUser",
    summary="Change a user's profile, password or disabled flag",
    scope=Scope.ADMIN,
    body=UserChanges,
    response=User,
)
async def update_user(
    ctx: RequestContext, *, namespace: str, domain: str, username: str, body: UserChanges
) -> User:
    user = await find_user(ctx, await ctx.domain(namespace, domain), username)
    given = body.model_fields_set
    password_hash = None if body.password is None else await hash_password_async(body.password)
    async with ctx.database.transaction() as session:
        users = UserRepository(session)
        updated = await users.update_profile(
            user.pk,
            display_name=body.display_name if "display_name" in given else UNSET,
            first_name=body.first_name if "first_name" in given else UNSET,
            last_name=body.last_name if "last_name" in given else UNSET,
            email=body.email if "email" in given else UNSET,
        )
        if body.disabled is not None:
            updated = await users.set_disabled(user.pk, body.disabled)
        if password_hash is not None:
            await users.set_password_hash(user.pk, password_hash)
    return _user(updated)


@router.delete(
    "/domains/{namespace}/{domain}/users/{username}",
    operation_id="deleteUser",
    summary="Delete a user",
    scope=Scope.ADMIN,
)
async def delete_user(ctx: RequestContext, *, namespace: str, domain: str, username: str) -> None:
    """Soft deletion: history keeps naming the user; the username becomes free again.
    Connected sessions of the user are not cut (disconnect them through the sessions resource)."""
    user = await find_user(ctx, await ctx.domain(namespace, domain), username)
    async with ctx.database.transaction() as session:
        await UserRepository(session).delete(user.pk)
