"""Path-level model permissions over REST (issue 12): list, set and delete the read/write
grants on JSON Pointers inside one model (models/path_permissions.py says how they resolve).

A grant names its subject as ``{"kind": "user", "user": {...}}``, ``{"kind": "group",
"group": "<group id>"}`` or ``{"kind": "world"}``; one grant per (path, subject), a set
replaces it. A grant that could not be enforced (a read restriction through an array index)
is a 400. A change closes the open sessions whose view of the model changes (they may open it
again and get the new view); the model's users with ``manage`` are never restricted.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from convergence_jupyter.models.path_permissions import (
    PathGrant,
    PathGrantError,
    check_grant,
    format_pointer,
    parse_pointer,
)
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.rest.content_support import (
    UserRef,
    resolve_users,
    service,
    user_kind,
)
from convergence_jupyter.rest.framework import ProblemError, RequestContext, Router, Scope
from convergence_jupyter.rest.models import model_record
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.models import ModelRecord
from convergence_jupyter.store.path_grants import PathGrantRepository
from convergence_jupyter.store.records import DomainRecord

router = Router(
    tag="path-permissions", description="Path-level read/write grants inside real-time models."
)

DOMAIN = "/domains/{namespace}/{domain}"
PATH = DOMAIN + "/models/{model_id}/path-permissions"


class Subject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["user", "group", "world"]
    user: UserRef | None = None
    group: str | None = Field(default=None, min_length=1, max_length=255)


class PathPermission(BaseModel):
    """Read/write for one subject on one path (a JSON Pointer; ``""`` is the root)."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(max_length=2048)
    subject: Subject
    read: bool = True
    write: bool = False


class PathPermissionKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(max_length=2048)
    subject: Subject


class PathPermissions(BaseModel):
    grants: list[PathPermission]


async def _subject_keys(
    ctx: RequestContext, domain: DomainRecord, subject: Subject
) -> tuple[int | None, int | None, int | str | None]:
    """(user pk, group pk, name for the rules) of a subject; 400 for a missing one."""
    if subject.kind == "user":
        if subject.user is None:
            raise ProblemError(400, "a user subject needs 'user'")
        users = await resolve_users(ctx, domain, [subject.user])
        pk = users[(subject.user.type, subject.user.username)].pk
        return pk, None, pk
    if subject.kind == "group":
        if subject.group is None:
            raise ProblemError(400, "a group subject needs 'group'")
        async with ctx.database.transaction(readonly=True) as tx:
            group = await GroupRepository(tx).get(domain.pk, subject.group)
        if group is None:
            raise ProblemError(400, f"there is no group '{subject.group}'")
        return None, group.pk, subject.group
    return None, None, None


def _pointer(text: str) -> str:
    try:
        return format_pointer(parse_pointer(text))
    except PathGrantError as exc:
        raise ProblemError(400, str(exc)) from None


async def _listing(ctx: RequestContext, model: ModelRecord) -> PathPermissions:
    async with ctx.database.transaction(readonly=True) as tx:
        stored = await PathGrantRepository(tx).of_model(model.pk)
    grants = []
    for g in stored:
        if g.subject == "user":
            assert g.user is not None
            subject = Subject(
                kind="user",
                user=UserRef(username=g.user.username, type=user_kind(g.user.user_type)),
            )
        elif g.subject == "group":
            subject = Subject(kind="group", group=g.group_id)
        else:
            subject = Subject(kind="world")
        grants.append(PathPermission(path=g.path, subject=subject, read=g.read, write=g.write))
    return PathPermissions(grants=grants)


@router.get(
    PATH,
    operation_id="getModelPathPermissions",
    summary="A model's path-level read/write grants",
    response=PathPermissions,
)
async def get_path_permissions(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: str
) -> PathPermissions:
    record = await ctx.domain(namespace, domain)
    return await _listing(ctx, await model_record(ctx, record, model_id))


@router.put(
    PATH,
    operation_id="setModelPathPermission",
    summary="Set one path grant (open sessions whose view changes are closed)",
    scope=Scope.ADMIN,
    response=PathPermissions,
    body=PathPermission,
)
async def set_path_permission(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: str, body: PathPermission
) -> PathPermissions:
    record = await ctx.domain(namespace, domain)
    model = await model_record(ctx, record, model_id)
    path = _pointer(body.path)
    user_pk, group_pk, name = await _subject_keys(ctx, record, body.subject)
    try:
        check_grant(PathGrant(parse_pointer(path), body.subject.kind, name, body.read, body.write))
    except PathGrantError as exc:
        raise ProblemError(400, str(exc)) from None
    async with ctx.database.transaction() as tx:
        await PathGrantRepository(tx).put(
            model.pk,
            path,
            body.subject.kind,
            user_pk=user_pk,
            group_pk=group_pk,
            read=body.read,
            write=body.write,
        )
    await (await service(ctx, record, ModelService)).path_permissions_changed(model_id)
    return await _listing(ctx, model)


@router.delete(
    PATH,
    operation_id="deleteModelPathPermission",
    summary="Delete one path grant",
    scope=Scope.ADMIN,
    response=PathPermissions,
    body=PathPermissionKey,
)
async def delete_path_permission(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: str, body: PathPermissionKey
) -> PathPermissions:
    record = await ctx.domain(namespace, domain)
    model = await model_record(ctx, record, model_id)
    path = _pointer(body.path)
    user_pk, group_pk, _ = await _subject_keys(ctx, record, body.subject)
    async with ctx.database.transaction() as tx:
        removed = await PathGrantRepository(tx).remove(
            model.pk, path, body.subject.kind, user_pk=user_pk, group_pk=group_pk
        )
    if not removed:
        raise ProblemError(404, f"no such grant on '{path}'")
    await (await service(ctx, record, ModelService)).path_permissions_changed(model_id)
    return await _listing(ctx, model)
