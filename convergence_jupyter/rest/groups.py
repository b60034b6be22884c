"""A domain's user groups and their members (normal users, by username).

Reading needs the read scope; every change needs admin.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.rest.users import Username, find_user
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.records import DomainRecord, GroupRecord
from convergence_jupyter.store.users import UserRepository

router = Router(tag="groups", description="A domain's user groups and their members.")

GroupId = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f\x7f]+$")
]
Description = Annotated[str, StringConstraints(max_length=10_000)]


class Group(BaseModel):
    group_id: str
    description: str
    #: Usernames of the (normal) members, sorted.
    members: list[str]


class NewGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_id: GroupId
    description: Description = ""
    members: list[Username] = Field(default_factory=list, max_length=10_000)


class GroupChanges(BaseModel):
    """Absent fields stay; ``members`` replaces the whole membership."""

    model_config = ConfigDict(extra="forbid")

    description: Description | None = None
    members: list[Username] | None = Field(None, max_length=10_000)


def _group(record: GroupRecord) -> Group:
    return Group(
        group_id=record.group_id,
        description=record.description,
        members=[m.username for m in record.members if m.user_type == UserType.NORMAL],
    )


async def _find(ctx: RequestContext, domain: DomainRecord, group_id: str) -> GroupRecord:
    async with ctx.database.transaction(readonly=True) as session:
        record = await GroupRepository(session).get(domain.pk, group_id)
    if record is None:
        raise ProblemError(404, f"there is no group {group_id!r}")
    return record


async def _user_pks(ctx: RequestContext, domain: DomainRecord, usernames: list[str]) -> list[int]:
    """The users' keys, or a 400 naming the usernames that do not exist."""
    wanted = list(dict.fromkeys(usernames))
    async with ctx.database.transaction(readonly=True) as session:
        found = await UserRepository(session).get_many(
            domain.pk, [(UserType.NORMAL, u) for u in wanted]
        )
    known = {u.username: u.pk for u in found}
    missing = [u for u in wanted if u not in known]
    if missing:
        raise ProblemError(400, f"unknown users: {', '.join(repr(u) for u in missing[:20])}")
    return [known[u] for u in wanted]


@router.get(
    "/domains/{namespace}/{domain}/groups",
    operation_id="listGroups",
    summary="List a domain's groups",
    scope=Scope.READ,
    response=Page[Group],
    query=PageQuery,
)
async def list_groups(
    ctx: RequestContext, *, namespace: str, domain: str, query: PageQuery
) -> Page[Group]:
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction(readonly=True) as session:
        groups = await GroupRepository(session).list(record.pk)
    chosen = groups[query.offset : query.offset + query.limit]
    return Page[Group].model_validate(page_of([_group(g) for g in chosen], len(groups), query))


@router.post(
    "/domains/{namespace}/{domain}/groups",
    operation_id="createGroup",
    summary="Create a group",
    scope=Scope.ADMIN,
    body=NewGroup,
    response=Group,
    status=201,
)
async def create_group(
    ctx: RequestContext, *, namespace: str, domain: str, body: NewGroup
) -> Group:
    """409 if the group id is taken; 400 if a member does not exist."""
    record = await ctx.domain(namespace, domain)
    members = await _user_pks(ctx, record, body.members)
    async with ctx.database.transaction() as session:
        created = await GroupRepository(session).create(
            record.pk, body.group_id, body.description, members
        )
    return _group(created)


@router.get(
    "/domains/{namespace}/{domain}/groups/{group_id}",
    operation_id="getGroup",
    summary="Show a group and its members",
    scope=Scope.READ,
    response=Group,
)
async def get_group(ctx: RequestContext, *, namespace: str, domain: str, group_id: str) -> Group:
    return _group(await _find(ctx, await ctx.domain(namespace, domain), group_id))


@router.patch(
    "/domains/{namespace}/{domain}/groups/{group_id}",
    operation_id="updateGroup",
    summary="Change a group's description or replace its members",
    scope=Scope.ADMIN,
    body=GroupChanges,
    response=Group,
)
async def update_group(
    ctx: RequestContext, *, namespace: str, domain: str, group_id: str, body: GroupChanges
) -> Group:
    record = await ctx.domain(namespace, domain)
    group = await _find(ctx, record, group_id)
    members = None if body.members is None else await _user_pks(ctx, record, body.members)
    async with ctx.database.transaction() as session:
        groups = GroupRepository(session)
        if body.description is not None:
            await groups.update_description(group.pk, body.description)
        if members is not None:
            await groups.set_members(group.pk, members)
    return _group(await _find(ctx, record, group_id))


@router.delete(
    "/domains/{namespace}/{domain}/groups/{group_id}",
    operation_id="deleteGroup",
    summary="Delete a group",
    scope=Scope.ADMIN,
)
async def delete_group(ctx: RequestContext, *, namespace: str, domain: str, group_id: str) -> None:
    group = await _find(ctx, await ctx.domain(namespace, domain), group_id)
    async with ctx.database.transaction() as session:
        await GroupRepository(session).delete(group.pk)


@router.put(
    "/domains/{namespace}/{domain}/groups/{group_id}/members/{username}",
    operation_id="addGroupMember",
    summary="Add a user to a group",
    scope=Scope.ADMIN,
    response=Group,
)
async def add_group_member(
    ctx: RequestContext, *, namespace: str, domain: str, group_id: str, username: str
) -> Group:
    """Idempotent: adding a member twice is fine."""
    record = await ctx.domain(namespace, domain)
    group = await _find(ctx, record, group_id)
    user = await find_user(ctx, record, username)
    async with ctx.database.transaction() as session:
        await GroupRepository(session).add_member(group.pk, user.pk)
    return _group(await _find(ctx, record, group_id))


@router.delete(
    "/domains/{namespace}/{domain}/groups/{group_id}/members/{username}",
    operation_id="removeGroupMember",
    summary="Remove a user from a group",
    scope=Scope.ADMIN,
    response=Group,
)
async def remove_group_member(
    ctx: RequestContext, *, namespace: str, domain: str, group_id: str, username: str
) -> Group:
    """404 if the user is not a member."""
    record = await ctx.domain(namespace, domain)
    group = await _find(ctx, record, group_id)
    user = await find_user(ctx, record, username)
    if user.username not in {m.username for m in group.members if m.user_type == UserType.NORMAL}:
        raise ProblemError(404, f"{username!r} is not a member of {group_id!r}")
    async with ctx.database.transaction() as session:
        await GroupRepository(session).remove_member(group.pk, user.pk)
    return _group(await _find(ctx, record, group_id))
