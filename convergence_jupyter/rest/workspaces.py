"""Workspaces over REST (issue 12): workspace types, instances, their members.

A type declares models (by role: collection, initial data, optional JSON schema; a
``multiple`` role takes one model per name the instance gives), activities and chat rooms,
and the permission set members hold on every part. ``notebook-project`` is built in: its
notebooks (models of ``project-notebooks``), one activity and one chat room.

Creating an instance makes every part in one transaction, or nothing (409 when an id is
taken, 400 when the request does not fit the type). Part ids are ``<workspace>.<role>``
(``<workspace>.<role>.<name>`` for a ``multiple`` role). Parts give the world nothing;
members — users, or groups and so their users — hold the workspace's permission set on all of
them, and realtime clients see ordinary permission errors otherwise. Adding or removing a
member changes access to every part at once (open sessions are re-checked); deleting the
workspace deletes every part (clients with one open are told as for a delete of it; links
into its models follow their collections' link policies).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from convergence_jupyter.activities.service import ActivityService
from convergence_jupyter.chat.service import ChatService
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.rest.content_support import (
    UserKind,
    UserRef,
    acting_session,
    actor_user,
    resolve_users,
    service,
    user_kind,
)
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.records import DomainRecord
from convergence_jupyter.store.workspaces import WorkspaceRecord
from convergence_jupyter.workspaces.service import Members, WorkspaceError, WorkspaceService
from convergence_jupyter.workspaces.types import MemberPermissions, Role, TypeId, WorkspaceType

router = Router(
    tag="workspaces",
    description="Workspace types and instances: a set of models, activities and chat rooms "
    "created together in one transaction, with one permission set that membership of the "
    "workspace grants on every part.",
)

DOMAIN = "/domains/{namespace}/{domain}"
WorkspaceId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
_STATUS = {"not_found": 404, "conflict": 409, "invalid": 400}


class MemberRef(BaseModel):
    """Exactly one of ``user`` and ``group``."""

    model_config = ConfigDict(extra="forbid")

    user: UserRef | None = None
    group: str | None = Field(default=None, min_length=1, max_length=255)

    @model_validator(mode="after")
    def _one(self) -> MemberRef:
        if (self.user is None) == (self.group is None):
            raise ValueError("a member is a user or a group")
        return self


class NewWorkspace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: WorkspaceId
    type: TypeId
    items: dict[Role, list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        default={}, description="Model names per 'multiple' model role (a project's notebooks)."
    )
    members: list[MemberRef] = Field(default=[], max_length=1000)
    permissions: MemberPermissions | None = Field(
        None, description="What members hold; default the type's."
    )


class WorkspacePart(BaseModel):
    role: str
    kind: Literal["model", "chat", "activity"]
    id: str
    collection: str | None = None
    activity_type: str | None = None


class Workspace(BaseModel):
    id: str
    type: str
    created_time: datetime
    permissions: MemberPermissions
    parts: list[WorkspacePart]
    members: list[MemberRef]


class WorkspaceTypes(BaseModel):
    types: list[WorkspaceType]


class MemberQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: UserKind = UserKind.NORMAL


async def _service(ctx: RequestContext, domain: DomainRecord) -> WorkspaceService:
    return WorkspaceService(
        ctx.database,
        domain.pk,
        models=await service(ctx, domain, ModelService),
        chats=await service(ctx, domain, ChatService),
        activities=await service(ctx, domain, ActivityService),
    )


def _problem(exc: WorkspaceError) -> ProblemError:
    return ProblemError(_STATUS[exc.kind], str(exc))


def _workspace(record: WorkspaceRecord) -> Workspace:
    parts = [
        WorkspacePart(
            role=p.role,
            kind=p.kind,  # type: ignore[arg-type]
            id=p.public_id,
            collection=p.scope if p.kind == "model" else None,
            activity_type=p.scope if p.kind == "activity" else None,
        )
        for p in record.parts
    ]
    members = [
        MemberRef(group=m.group_id)
        if m.group_id is not None
        else MemberRef(user=UserRef(username=m.username or "", type=user_kind(m.user_type or 0)))
        for m in record.members
    ]
    return Workspace(
        id=record.workspace_id,
        type=record.type_id,
        created_time=record.created_at,
        permissions=MemberPermissions.model_validate(record.permissions),
        parts=parts,
        members=members,
    )


async def _members(ctx: RequestContext, domain: DomainRecord, refs: list[MemberRef]) -> Members:
    users = await resolve_users(ctx, domain, [r.user for r in refs if r.user is not None])
    group_ids = [r.group for r in refs if r.group is not None]
    async with ctx.database.transaction(readonly=True) as tx:
        groups = {
            g.group_id: g.pk for g in await GroupRepository(tx).get_many(domain.pk, group_ids)
        }
    for group_id in group_ids:
        if group_id not in groups:
            raise ProblemError(400, f"there is no group '{group_id}'")
    return Members(
        user_pks=[u.pk for u in users.values()], group_pks=[groups[g] for g in group_ids]
    )


# -- types -------------------------------------------------------------------------------------


@router.get(
    DOMAIN + "/workspace-types",
    operation_id="listWorkspaceTypes",
    summary="The workspace types of a domain (the built-in ones first)",
    response=WorkspaceTypes,
)
async def list_types(ctx: RequestContext, *, namespace: str, domain: str) -> WorkspaceTypes:
    record = await ctx.domain(namespace, domain)
    return WorkspaceTypes(types=await (await _service(ctx, record)).types())


@router.get(
    DOMAIN + "/workspace-types/{type_id}",
    operation_id="getWorkspaceType",
    summary="A workspace type",
    response=WorkspaceType,
)
async def get_type(
    ctx: RequestContext, *, namespace: str, domain: str, type_id: TypeId
) -> WorkspaceType:
    record = await ctx.domain(namespace, domain)
    found = await (await _service(ctx, record)).get_type(type_id)
    if found is None:
        raise ProblemError(404, f"there is no workspace type '{type_id}'")
    return found


@router.put(
    DOMAIN + "/workspace-types/{type_id}",
    operation_id="putWorkspaceType",
    summary="Define or replace a workspace type",
    scope=Scope.ADMIN,
    body=WorkspaceType,
    response=WorkspaceType,
)
async def put_type(
    ctx: RequestContext, *, namespace: str, domain: str, type_id: TypeId, body: WorkspaceType
) -> WorkspaceType:
    """The body's ``id`` must be ``type_id``; built-in types cannot be replaced (409).
    Instances made earlier keep their parts."""
    if body.id != type_id:
        raise ProblemError(400, f"the body's id '{body.id}' is not '{type_id}'")
    record = await ctx.domain(namespace, domain)
    try:
        await (await _service(ctx, record)).put_type(body)
    except WorkspaceError as exc:
        raise _problem(exc) from None
    return body


@router.delete(
    DOMAIN + "/workspace-types/{type_id}",
    operation_id="deleteWorkspaceType",
    summary="Delete a workspace type that no workspace uses",
    scope=Scope.ADMIN,
)
async def delete_type(ctx: RequestContext, *, namespace: str, domain: str, type_id: TypeId) -> None:
    record = await ctx.domain(namespace, domain)
    try:
        await (await _service(ctx, record)).delete_type(type_id)
    except WorkspaceError as exc:
        raise _problem(exc) from None


# -- instances ---------------------------------------------------------------------------------


@router.get(
    DOMAIN + "/workspaces",
    operation_id="listWorkspaces",
    summary="List the workspaces of a domain",
    response=Page[Workspace],
    query=PageQuery,
)
async def list_workspaces(
    ctx: RequestContext, *, namespace: str, domain: str, query: PageQuery
) -> dict[str, Any]:
    record = await ctx.domain(namespace, domain)
    items, total = await (await _service(ctx, record)).page(query.offset, query.limit)
    return page_of([_workspace(r) for r in items], total, query)


@router.post(
    DOMAIN + "/workspaces",
    operation_id="createWorkspace",
    summary="Create a workspace: every part of its type, in one transaction",
    scope=Scope.ADMIN,
    body=NewWorkspace,
    response=Workspace,
    status=201,
)
async def create_workspace(
    ctx: RequestContext, *, namespace: str, domain: str, body: NewWorkspace
) -> Workspace:
    record = await ctx.domain(namespace, domain)
    members = await _members(ctx, record, body.members)
    actor = await actor_user(ctx, record)
    try:
        created = await (await _service(ctx, record)).create(
            body.id,
            body.type,
            actor_pk=actor.pk,
            items=body.items,
            members=members,
            permissions=body.permissions,
        )
    except WorkspaceError as exc:
        raise _problem(exc) from None
    return _workspace(created)


@router.get(
    DOMAIN + "/workspaces/{workspace_id}",
    operation_id="getWorkspace",
    summary="A workspace, its parts and its members",
    response=Workspace,
)
async def get_workspace(
    ctx: RequestContext, *, namespace: str, domain: str, workspace_id: WorkspaceId
) -> Workspace:
    record = await ctx.domain(namespace, domain)
    found = await (await _service(ctx, record)).get(workspace_id)
    if found is None:
        raise ProblemError(404, f"there is no workspace '{workspace_id}'")
    return _workspace(found)


@router.delete(
    DOMAIN + "/workspaces/{workspace_id}",
    operation_id="deleteWorkspace",
    summary="Delete a workspace and every part of it",
    scope=Scope.ADMIN,
)
async def delete_workspace(
    ctx: RequestContext, *, namespace: str, domain: str, workspace_id: WorkspaceId
) -> None:
    """Links from other models into its models follow their collections' policies, as for
    deleting those models: ``refuse`` is 409 (nothing deleted), ``cascade`` deletes the linking
    models too, ``nullify`` sets the links to null."""
    record = await ctx.domain(namespace, domain)
    workspaces = await _service(ctx, record)
    async with acting_session(ctx, record) as actor:
        try:
            deleted = await workspaces.delete(workspace_id, actor.session_id)
        except WorkspaceError as exc:
            raise _problem(exc) from None
    if not deleted:
        raise ProblemError(404, f"there is no workspace '{workspace_id}'")


# -- members -----------------------------------------------------------------------------------


async def _set_member(
    ctx: RequestContext,
    namespace: str,
    domain: str,
    workspace_id: str,
    *,
    present: bool,
    user: UserRef | None = None,
    group: str | None = None,
) -> Workspace:
    record = await ctx.domain(namespace, domain)
    members = await _members(ctx, record, [MemberRef(user=user, group=group)])
    try:
        after, changed = await (await _service(ctx, record)).set_member(
            workspace_id,
            present=present,
            user_pk=members.user_pks[0] if members.user_pks else None,
            group_pk=members.group_pks[0] if members.group_pks else None,
        )
    except WorkspaceError as exc:
        raise _problem(exc) from None
    if not present and not changed:
        raise ProblemError(404, f"that is not a member of '{workspace_id}'")
    return _workspace(after)


@router.put(
    DOMAIN + "/workspaces/{workspace_id}/members/users/{username}",
    operation_id="addWorkspaceUser",
    summary="Make a user a member (idempotent)",
    scope=Scope.ADMIN,
    response=Workspace,
    query=MemberQuery,
)
async def add_user(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    workspace_id: WorkspaceId,
    username: str,
    query: MemberQuery,
) -> Workspace:
    user = UserRef(username=username, type=query.type)
    return await _set_member(ctx, namespace, domain, workspace_id, present=True, user=user)


@router.delete(
    DOMAIN + "/workspaces/{workspace_id}/members/users/{username}",
    operation_id="removeWorkspaceUser",
    summary="Remove a user member; their open parts are closed for them",
    scope=Scope.ADMIN,
    response=Workspace,
    query=MemberQuery,
)
async def remove_user(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    workspace_id: WorkspaceId,
    username: str,
    query: MemberQuery,
) -> Workspace:
    """404 if the user is not a member (a member only through a group stays one)."""
    user = UserRef(username=username, type=query.type)
    return await _set_member(ctx, namespace, domain, workspace_id, present=False, user=user)


@router.put(
    DOMAIN + "/workspaces/{workspace_id}/members/groups/{group_id}",
    operation_id="addWorkspaceGroup",
    summary="Make a group (all its users) a member (idempotent)",
    scope=Scope.ADMIN,
    response=Workspace,
)
async def add_group(
    ctx: RequestContext, *, namespace: str, domain: str, workspace_id: WorkspaceId, group_id: str
) -> Workspace:
    return await _set_member(ctx, namespace, domain, workspace_id, present=True, group=group_id)


@router.delete(
    DOMAIN + "/workspaces/{workspace_id}/members/groups/{group_id}",
    operation_id="removeWorkspaceGroup",
    summary="Remove a group member",
    scope=Scope.ADMIN,
    response=Workspace,
)
async def remove_group(
    ctx: RequestContext, *, namespace: str, domain: str, workspace_id: WorkspaceId, group_id: str
) -> Workspace:
    """404 if the group is not a member."""
    return await _set_member(ctx, namespace, domain, workspace_id, present=False, group=group_id)
