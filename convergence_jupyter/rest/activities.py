"""Activities over REST: list, get (with the sessions joined now), create, delete, permissions.

Activities are persisted (type, id, ephemeral flag, grants); who takes part is in memory, in
the domain's activity service of this server process, so ``participants`` lists the sessions
joined here. Deleting sends ``activityDeleted`` to joined sessions, as a client's delete does;
changing the grants re-checks joined sessions at once and forces out those that lost
``join``/``lurk``/``view_state`` (the realtime permission rules).

Permission names: ``join``, ``lurk``, ``view_state``, ``set_state``, ``manage``, ``remove``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from convergence_jupyter.activities.service import DEFAULT_WORLD_PERMISSIONS, ActivityService
from convergence_jupyter.rest.content_support import (
    MAX_ID,
    UserRef,
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
from convergence_jupyter.store.activities import ActivityRecord, ActivityRepository
from convergence_jupyter.store.content_admin import ContentAdminRepository
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.records import DomainRecord

router = Router(tag="activities", description="Activities, who takes part, and their grants.")

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
DOMAIN = "/domains/{namespace}/{domain}"
ACTIVITY = DOMAIN + "/activities/{activity_type}/{activity_id}"
Permission = Literal["join", "lurk", "view_state", "set_state", "manage", "remove"]
ALL_PERMISSIONS: tuple[Permission, ...] = Permission.__args__  # type: ignore[attr-defined]


class Participant(BaseModel):
    session_id: str
    user: UserRef
    lurk: bool
    state: dict[str, Any]


class Activity(BaseModel):
    type: str
    id: str
    ephemeral: bool
    created_time: datetime


class ActivityDetail(Activity):
    #: Sessions joined in this server process now (lurkers included).
    participants: list[Participant]


class UserActivityGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: UserRef
    permissions: list[Permission] = Field(max_length=len(ALL_PERMISSIONS))


class GroupActivityGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1, max_length=255)
    permissions: list[Permission] = Field(max_length=len(ALL_PERMISSIONS))


class ActivityPermissions(BaseModel):
    world: list[Permission]
    users: list[UserActivityGrant]
    groups: list[GroupActivityGrant]


class ActivityPermissionsUpdate(BaseModel):
    """Each section given replaces that section (``users``: every user's grants, likewise
    ``groups``); sections left out stay."""

    model_config = ConfigDict(extra="forbid")

    world: list[Permission] | None = Field(None, max_length=len(ALL_PERMISSIONS))
    users: list[UserActivityGrant] | None = Field(None, max_length=1000)
    groups: list[GroupActivityGrant] | None = Field(None, max_length=1000)


class NewActivity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Id
    id: Id
    ephemeral: bool = False
    world: list[Permission] = Field(
        default=cast(list[Permission], list(DEFAULT_WORLD_PERMISSIONS)),
        max_length=len(ALL_PERMISSIONS),
        description="Default: as for an activity a client auto-creates.",
    )
    users: list[UserActivityGrant] = Field(default=[], max_length=1000)
    groups: list[GroupActivityGrant] = Field(default=[], max_length=1000)


class ActivityListQuery(PageQuery):
    type: str | None = Field(None, max_length=MAX_ID, description="Only this activity type.")
    filter: str | None = Field(None, max_length=MAX_ID, description="Id contains (any case).")


def _activity(record: ActivityRecord) -> dict[str, Any]:
    return {
        "type": record.activity_type,
        "id": record.activity_id,
        "ephemeral": record.ephemeral,
        "created_time": record.created_at,
    }


async def _get(
    ctx: RequestContext, domain: DomainRecord, activity_type: str, activity_id: str
) -> ActivityRecord:
    async with ctx.database.transaction(readonly=True) as tx:
        record = await ActivityRepository(tx).get(domain.pk, activity_type, activity_id)
    if record is None:
        raise ProblemError(404, f"there is no activity '{activity_type}/{activity_id}'")
    return record


async def _grant_maps(
    ctx: RequestContext,
    domain: DomainRecord,
    users: list[UserActivityGrant],
    groups: list[GroupActivityGrant],
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """User and group grants keyed by store pk; 400 for a user or group that is missing."""
    found = await resolve_users(ctx, domain, (g.user for g in users))
    user_map: dict[int, list[str]] = {}
    for u in users:
        user_map.setdefault(found[(u.user.type, u.user.username)].pk, []).extend(u.permissions)
    group_map: dict[int, list[str]] = {}
    if groups:
        async with ctx.database.transaction(readonly=True) as tx:
            records = await GroupRepository(tx).get_many(domain.pk, [g.group for g in groups])
        pks = {r.group_id: r.pk for r in records}
        for g in groups:
            if g.group not in pks:
                raise ProblemError(400, f"there is no group '{g.group}'")
            group_map.setdefault(pks[g.group], []).extend(g.permissions)
    return user_map, group_map


async def _permissions(
    ctx: RequestContext, domain: DomainRecord, record: ActivityRecord
) -> ActivityPermissions:
    async with ctx.database.transaction(readonly=True) as tx:
        grants = await PermissionRepository(tx).get(domain.pk, GrantTarget(activity_pk=record.pk))
    return ActivityPermissions(
        world=sorted(grants.world),  # type: ignore[arg-type]
        users=[
            UserActivityGrant(
                user=UserRef(username=key.username, type=user_kind(int(key.user_type))),
                permissions=sorted(perms),  # type: ignore[arg-type]
            )
            for key, perms in sorted(grants.users.items())
        ],
        groups=[
            GroupActivityGrant(group=group, permissions=sorted(perms))  # type: ignore[arg-type]
            for group, perms in sorted(grants.groups.items())
        ],
    )


@router.get(
    DOMAIN + "/activities",
    operation_id="listActivities",
    summary="List the activities of a domain",
    response=Page[Activity],
    query=ActivityListQuery,
)
async def list_activities(
    ctx: RequestContext, *, namespace: str, domain: str, query: ActivityListQuery
) -> dict[str, Any]:
    """Ordered by type, then id."""
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction(readonly=True) as tx:
        items, total = await ContentAdminRepository(tx).activities(
            record.pk,
            offset=query.offset,
            limit=query.limit,
            activity_type=query.type,
            id_contains=query.filter,
        )
    return page_of([_activity(a) for a in items], total, query)


@router.post(
    DOMAIN + "/activities",
    operation_id="createActivity",
    summary="Create an activity with its grants",
    response=Activity,
    body=NewActivity,
    status=201,
)
async def create_activity(
    ctx: RequestContext, *, namespace: str, domain: str, body: NewActivity
) -> Activity:
    """As a client's create request does: the REST actor gets every permission on it besides
    the grants given. 409 if it exists."""
    record = await ctx.domain(namespace, domain)
    user_map, group_map = await _grant_maps(ctx, record, body.users, body.groups)
    actor = await actor_user(ctx, record)
    user_map.setdefault(actor.pk, []).extend(ALL_PERMISSIONS)
    async with ctx.database.transaction() as tx:
        try:
            created = await ActivityRepository(tx).create(
                record.pk, body.type, body.id, ephemeral=body.ephemeral
            )
        except AlreadyExists:
            raise ProblemError(409, f"the activity '{body.type}/{body.id}' exists") from None
        await PermissionRepository(tx).add(
            record.pk,
            GrantTarget(activity_pk=created.pk),
            world=body.world,
            users=user_map,
            groups=group_map,
        )
    return Activity(**_activity(created))


@router.get(
    ACTIVITY,
    operation_id="getActivity",
    summary="An activity and the sessions joined to it now",
    response=ActivityDetail,
)
async def get_activity(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    activity_type: Id,
    activity_id: Id,
) -> ActivityDetail:
    record = await ctx.domain(namespace, domain)
    activity = await _get(ctx, record, activity_type, activity_id)
    live = (await service(ctx, record, ActivityService)).participants(activity_type, activity_id)
    participants = [
        Participant(
            session_id=p.session.session_id,
            user=UserRef(
                username=p.session.user.username,
                type=user_kind(int(p.session.user.user_id.user_type)),
            ),
            lurk=p.lurk,
            state=dict(p.state),
        )
        for p in live
    ]
    return ActivityDetail(**_activity(activity), participants=participants)


@router.delete(
    ACTIVITY,
    operation_id="deleteActivity",
    summary="Delete an activity (joined sessions are told)",
)
async def delete_activity(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    activity_type: Id,
    activity_id: Id,
) -> None:
    record = await ctx.domain(namespace, domain)
    activity = await _get(ctx, record, activity_type, activity_id)
    await (await service(ctx, record, ActivityService)).delete_activity(activity)


@router.get(
    ACTIVITY + "/permissions",
    operation_id="getActivityPermissions",
    summary="An activity's world, user and group grants",
    response=ActivityPermissions,
)
async def get_activity_permissions(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    activity_type: Id,
    activity_id: Id,
) -> ActivityPermissions:
    record = await ctx.domain(namespace, domain)
    return await _permissions(ctx, record, await _get(ctx, record, activity_type, activity_id))


@router.put(
    ACTIVITY + "/permissions",
    operation_id="setActivityPermissions",
    summary="Replace an activity's grants (joined sessions are re-checked)",
    scope=Scope.ADMIN,
    response=ActivityPermissions,
    body=ActivityPermissionsUpdate,
)
async def set_activity_permissions(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    activity_type: Id,
    activity_id: Id,
    body: ActivityPermissionsUpdate,
) -> ActivityPermissions:
    record = await ctx.domain(namespace, domain)
    activity = await _get(ctx, record, activity_type, activity_id)
    user_map, group_map = await _grant_maps(ctx, record, body.users or [], body.groups or [])
    target = GrantTarget(activity_pk=activity.pk)
    async with ctx.database.transaction() as tx:
        repo = PermissionRepository(tx)
        if body.world is not None:
            await repo.set_world(record.pk, target, body.world)
        if body.users is not None:
            await repo.set_users(record.pk, target, user_map, replace_all=True)
        if body.groups is not None:
            await repo.set_groups(record.pk, target, group_map, replace_all=True)
    await (await service(ctx, record, ActivityService)).permissions_changed(target)
    return await _permissions(ctx, record, activity)
