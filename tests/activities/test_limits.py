"""A session may have joined only so many activities at once."""

from __future__ import annotations

from collections.abc import Callable

from permissions.support import World, run_world

from convergence_jupyter.activities import ActivityService
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.protocol.schema import activity_pb2
from convergence_jupyter.store.database import Database


def _bounded(limit: int) -> object:
    def bind(db: Database) -> Callable[[DomainRuntime], ActivityService]:
        return lambda runtime: ActivityService(runtime, db, max_joined_per_session=limit)

    bind.needs_database = True  # type: ignore[attr-defined]
    return bind


def _join(aid: str) -> activity_pb2.ActivityJoinRequestMessage:
    msg = activity_pb2.ActivityJoinRequestMessage(activityType="doc", activityId=aid)
    msg.autoCreateData.worldPermissions.extend(["join"])
    return msg


def test_joined_activities_per_session_are_bounded(db_url: str) -> None:
    async def body(w: World) -> None:
        alice = await w.open("alice")
        other = await w.open("alice")
        _, first = await w.call(alice, "activityJoinRequest", _join("a1"))
        await w.call(alice, "activityJoinRequest", _join("a2"))
        assert await w.fails(alice, "activityJoinRequest", _join("a3")) == "limit_exceeded"
        await w.call(other, "activityJoinRequest", _join("a3"))  # per session, not per user
        leave = activity_pb2.ActivityLeaveRequestMessage(resourceId=first.resourceId)
        await w.call(alice, "activityLeaveRequest", leave)
        await w.call(alice, "activityJoinRequest", _join("a3"))
        assert await w.fails(alice, "activityJoinRequest", _join("a4")) == "limit_exceeded"

    run_world(db_url, [_bounded(2)], body)
