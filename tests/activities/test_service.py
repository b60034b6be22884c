"""The activity service against a real store (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

from typing import Any

from permissions.support import World, run_world, with_database

from convergence_jupyter.activities import ActivityService
from convergence_jupyter.permissions import PermissionsService
from convergence_jupyter.protocol.schema import activity_pb2, core_pb2
from convergence_jupyter.protocol.values import to_value, value_map_to_dict
from convergence_jupyter.store.activities import ActivityRepository

SERVICES = [with_database(ActivityService), with_database(PermissionsService)]
ALL = ["join", "lurk", "view_state", "set_state", "manage", "remove"]


def _join(aid: str = "1", *, lurk: bool = False, auto: bool = True, **state: Any) -> Any:
    msg = activity_pb2.ActivityJoinRequestMessage(activityType="doc", activityId=aid, lurk=lurk)
    for key, value in state.items():
        msg.state[key].CopyFrom(to_value(value))
    if auto:
        msg.autoCreateData.worldPermissions.extend(["join", "lurk", "view_state", "set_state"])
    return msg


def _update(
    resource: int, *, complete: bool = False, removed: tuple[str, ...] = (), **set_: Any
) -> Any:
    msg = activity_pb2.ActivityUpdateStateMessage(
        resourceId=resource, complete=complete, removed=removed
    )
    for key, value in set_.items():
        msg.set[key].CopyFrom(to_value(value))
    return msg


def test_join_state_lurk_leave_and_disconnect(db_url: str) -> None:
    async def body(w: World) -> None:
        a = await w.open("alice")
        b = await w.open("bob")
        lurker = await w.open("carol")
        _, ra = await w.call(a, "activityJoinRequest", _join(cursor=1))
        assert list(ra.state) == [a.session_id]
        assert w.runtime.directory is not None
        _, rb = await w.call(b, "activityJoinRequest", _join(auto=False, cursor=2))
        assert {k: value_map_to_dict(v.state) for k, v in rb.state.items()} == {
            a.session_id: {"cursor": 1},
            b.session_id: {"cursor": 2},
        }
        assert set(b.announced) >= {a.session_id, b.session_id}
        (joined,) = a.bodies("activitySessionJoined")
        assert joined.sessionId == b.session_id and joined.resourceId == ra.resourceId
        _, rl = await w.call(lurker, "activityJoinRequest", _join(auto=False, lurk=True))
        assert lurker.session_id not in rl.state
        assert len(a.bodies("activitySessionJoined")) == 1, "nobody hears about a lurker"
        # set, then a complete replace: clear first, then remove, then set
        await w.call(a, "activityUpdateState", _update(ra.resourceId, sel=[1]))
        await w.call(a, "activityUpdateState", _update(ra.resourceId, complete=True, only=True))
        pushed = b.bodies("activityStateUpdated")
        assert [value_map_to_dict(p.set) for p in pushed] == [{"sel": [1]}, {"only": True}]
        assert pushed[1].complete
        assert len(lurker.bodies("activityStateUpdated")) == 2, "lurkers see state"
        _, parts = await w.call(
            lurker,
            "activityParticipantsRequest",
            activity_pb2.ActivityParticipantsRequestMessage(activityType="doc", activityId="1"),
        )
        assert value_map_to_dict(parts.state[a.session_id].state) == {"only": True}
        # the lurker cannot have state
        code = await w.fails(lurker, "activityUpdateState", _update(rl.resourceId, x=1))
        assert code == "unauthorized"
        await w.call(
            lurker,
            "activityLeaveRequest",
            activity_pb2.ActivityLeaveRequestMessage(resourceId=rl.resourceId),
        )
        assert not a.bodies("activitySessionLeft")
        await w.close(b)
        (left,) = a.bodies("activitySessionLeft")
        assert left.sessionId == b.session_id
        code = await w.fails(
            a, "activityLeaveRequest", activity_pb2.ActivityLeaveRequestMessage(resourceId=99)
        )
        assert code == "no_such_resource_id"
        assert await w.fails(a, "activityJoinRequest", _join()) == "activity_already_joined"

    run_world(db_url, SERVICES, body)


def test_missing_ephemeral_and_bad_ids(db_url: str) -> None:
    async def body(w: World) -> None:
        a = await w.open("alice")
        assert (
            await w.fails(a, "activityJoinRequest", _join("x", auto=False)) == "activity_not_found"
        )
        assert await w.fails(a, "activityJoinRequest", _join("")) == "invalid_activity_id"
        bad_type = activity_pb2.ActivityJoinRequestMessage(activityType="", activityId="1")
        assert await w.fails(a, "activityJoinRequest", bad_type) == "invalid_activity_type"
        eph = _join("e")
        eph.autoCreateData.ephemeral = True
        _, r = await w.call(a, "activityJoinRequest", eph)
        assert r.ephemeral
        await w.call(
            a,
            "activityLeaveRequest",
            activity_pb2.ActivityLeaveRequestMessage(resourceId=r.resourceId),
        )
        async with w.db.transaction() as tx:
            assert await ActivityRepository(tx).get(w.domain.pk, "doc", "e") is None
        # a persistent one survives its last session
        _, r = await w.call(a, "activityJoinRequest", _join("p"))
        await w.close(a)
        async with w.db.transaction() as tx:
            assert await ActivityRepository(tx).get(w.domain.pk, "doc", "p") is not None

    run_world(db_url, SERVICES, body)


def test_create_delete_and_force_leave(db_url: str) -> None:
    async def body(w: World) -> None:
        owner = await w.open("owner")
        bob = await w.open("bob")
        await w.add_user("carol")
        await w.add_group("g", ["carol"])
        carol = await w.open("carol")
        create = activity_pb2.ActivityCreateRequestMessage(activityType="doc", activityId="1")
        create.userPermissions.add(
            user=core_pb2.DomainUserIdData(userType=core_pb2.Normal, username="bob"),
            permissions=["join"],
        )
        create.groupPermissions["g"].values.extend(["join", "view_state"])
        await w.call(owner, "activityCreateRequest", create)
        assert await w.fails(owner, "activityCreateRequest", create) == "activity_already_exists"
        _, rb = await w.call(bob, "activityJoinRequest", _join(auto=False))
        _, rc = await w.call(carol, "activityJoinRequest", _join(auto=False))
        delete = activity_pb2.ActivityDeleteRequestMessage(activityType="doc", activityId="1")
        assert await w.fails(bob, "activityDeleteRequest", delete) == "unauthorized"
        target = core_pb2.PermissionTarget()
        target.activity.type, target.activity.id = "doc", "1"
        remove = core_pb2.RemovePermissionsRequestMessage(target=target)
        remove.user.add(
            user=core_pb2.DomainUserIdData(userType=core_pb2.Normal, username="bob"),
            permissions=["join"],
        )
        assert await w.fails(bob, "removePermissionsRequest", remove) == "unauthorized"
        await w.call(owner, "removePermissionsRequest", remove)
        (forced,) = bob.bodies("activityForceLeave")
        assert forced.resourceId == rb.resourceId
        assert carol.bodies("activitySessionLeft")[0].sessionId == bob.session_id
        # carol loses view_state through her group: forced out as well
        group_only = core_pb2.RemovePermissionsRequestMessage(target=target)
        group_only.group["g"].values.append("view_state")
        await w.call(owner, "removePermissionsRequest", group_only)
        assert carol.bodies("activityForceLeave")[0].resourceId == rc.resourceId
        await w.call(owner, "activityDeleteRequest", delete)
        assert await w.fails(owner, "activityDeleteRequest", delete) == "activity_not_found"
        resolve = core_pb2.ResolvePermissionsForConnectedSessionRequestMessage(target=target)
        assert await w.fails(owner, "resolvePermissionsForConnectedSessionRequest", resolve) == (
            "activity_not_found"
        )
        no_target = core_pb2.GetPermissionsRequestMessage()
        assert await w.fails(owner, "getPermissionsRequest", no_target) == "invalid_message"

    run_world(db_url, SERVICES, body)


def test_auto_create_defaults(db_url: str) -> None:
    async def body(w: World) -> None:
        owner = await w.open("owner")
        other = await w.open("other")
        await w.call(owner, "activityJoinRequest", _plain_auto("d"))
        target = core_pb2.PermissionTarget()
        target.activity.type, target.activity.id = "doc", "d"
        resolve = core_pb2.ResolvePermissionsForConnectedSessionRequestMessage(target=target)
        _, mine = await w.call(owner, "resolvePermissionsForConnectedSessionRequest", resolve)
        _, theirs = await w.call(other, "resolvePermissionsForConnectedSessionRequest", resolve)
        assert sorted(mine.permissions) == sorted(ALL)
        assert sorted(theirs.permissions) == ["join", "set_state", "view_state"]

    run_world(db_url, SERVICES, body)


def _plain_auto(aid: str) -> Any:
    msg = activity_pb2.ActivityJoinRequestMessage(activityType="doc", activityId=aid)
    msg.autoCreateData.ephemeral = False
    return msg
