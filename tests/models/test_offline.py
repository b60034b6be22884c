"""Offline subscriptions in-process (models/offline.py): what a subscriber is told after a
subscription change and after commits, deletions and permission changes; bad requests."""

from __future__ import annotations

import asyncio
from typing import Any

from google.protobuf.wrappers_pb2 import BoolValue

from convergence_jupyter import ot
from convergence_jupyter.models import wire
from convergence_jupyter.protocol.schema import model_pb2 as pb

from .conftest import FakeSession, RunWorld, World, submit
from .test_service import open_model, settle, splice

Sub = pb.ModelOfflineSubscriptionChangeRequestMessage.ModelOfflineSubscriptionData
ALL = pb.ModelPermissionsData(read=True, write=True, remove=True, manage=True)


async def change(
    w: World,
    s: FakeSession,
    subscribe: list[Sub] | None = None,
    unsubscribe: list[str] | None = None,
    *,
    all_: bool = False,
) -> Any:
    reply = await w.request(
        s,
        "modelOfflineSubscriptionChange",
        pb.ModelOfflineSubscriptionChangeRequestMessage(
            subscribe=subscribe or [], unsubscribe=unsubscribe or [], all=all_
        ),
    )
    await quiet(w)
    return reply


async def quiet(w: World) -> None:
    """Until every sync and push the offline service started has finished."""
    offline = w.service.offline
    for _ in range(2000):
        await asyncio.sleep(0.005)
        if not offline._tasks and not offline._pushes:
            return
    raise AssertionError("the offline service did not settle")


def updates(s: FakeSession) -> list[pb.OfflineModelUpdatedMessage]:
    found: list[pb.OfflineModelUpdatedMessage] = s.of("modelOfflineUpdated")
    s.sent.clear()
    return found


async def edited_model(w: World, owner: FakeSession) -> pb.OpenRealtimeModelResponseMessage:
    """m1 at version 1 ("Xhello"), open by ``owner``."""
    reply = await open_model(w, owner)
    await submit(w, owner, reply.resourceId, 1, 0, splice(0, "X"))
    await settle(w)
    return reply


def test_initial_then_nothing_then_updated(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        opened = await edited_model(w, owner)
        assert await change(w, sub, [Sub(modelId="m1")]) == ("ok", pb_ok())
        (first,) = updates(sub)
        assert first.modelId == "m1" and first.WhichOneof("action") == "initial"
        initial = first.initial
        assert initial.collection == "c"
        assert initial.model.version == 1
        assert ot.to_plain(wire.object_from_wire(initial.model.data))["text"] == "Xhello"
        # Its own value-id prefix, distinct from the opener's (base 36 of the counter).
        assert initial.valueIdPrefix not in ("", opened.valueIdPrefix)
        assert initial.permissions.read
        # Resubscribing with what it holds: nothing to say.
        held = Sub(modelId="m1", currentVersion=1, currentPermissions=initial.permissions)
        await change(w, sub, [held], all_=True)
        assert updates(sub) == []
        # The same version, permissions not sent: only the permissions.
        await change(w, sub, [Sub(modelId="m1", currentVersion=1)], all_=True)
        (again,) = updates(sub)
        assert again.WhichOneof("action") == "updated"
        assert not again.updated.HasField("model")
        assert again.updated.permissions.read
        # An older copy with the right permissions: the data only.
        await submit(w, owner, opened.resourceId, 2, 1, splice(0, "Y"))
        await settle(w)
        await quiet(w)
        updates(sub)
        await change(w, sub, [held], all_=True)
        (newer,) = updates(sub)
        assert newer.updated.model.version == 2 and not newer.updated.HasField("permissions")
        assert ot.to_plain(wire.object_from_wire(newer.updated.model.data))["text"] == "YXhello"

    run_world(body)


def pb_ok() -> Any:
    from convergence_jupyter.protocol.schema import core_pb2

    return core_pb2.OkResponse()


def test_commits_are_pushed_to_subscribers_without_the_model_open(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        opened = await edited_model(w, owner)
        await change(w, sub, [Sub(modelId="m1")])
        updates(sub)
        owner.sent.clear()
        for seq in range(2, 5):
            await submit(w, owner, opened.resourceId, seq, seq - 1, splice(0, "Y"))
        await settle(w)
        await asyncio.sleep(0.01)
        await quiet(w)
        pushed = updates(sub)
        assert pushed, "the subscriber was not told of the commits"
        last = pushed[-1].updated
        assert last.model.version == 4
        assert ot.to_plain(wire.object_from_wire(last.model.data))["text"] == "YYYXhello"
        assert not last.HasField("permissions")
        # The committer has the model open: it is never sent offline updates.
        assert owner.of("modelOfflineUpdated") == []

    run_world(body)


def test_a_session_with_the_model_open_gets_no_offline_updates(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, reader = await w.session(), await w.session()
        opened = await edited_model(w, owner)
        await open_model(w, reader)
        await change(w, reader, [Sub(modelId="m1")])
        await submit(w, owner, opened.resourceId, 2, 1, splice(0, "Z"))
        await settle(w)
        await asyncio.sleep(0.01)
        await quiet(w)
        assert reader.of("modelOfflineUpdated") == []

    run_world(body)


def test_deleted_is_reported_once_and_the_subscription_ends(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        await edited_model(w, owner)
        await change(w, sub, [Sub(modelId="m1")])
        updates(sub)
        assert await w.service.delete_model("m1", owner.session_id)
        await asyncio.sleep(0.01)
        await quiet(w)
        (gone,) = updates(sub)
        assert gone.modelId == "m1" and gone.WhichOneof("action") == "deleted" and gone.deleted
        assert w.service.offline._held.get(sub.session_id, {}) == {}
        # A client coming back with a copy of a model deleted meanwhile is told at once.
        late = await w.session()
        await change(w, late, [Sub(modelId="m1", currentVersion=1)], all_=True)
        (told,) = updates(late)
        assert told.WhichOneof("action") == "deleted"

    run_world(body)


def test_lost_read_is_reported_as_permission_revoked(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        await edited_model(w, owner)
        await change(w, sub, [Sub(modelId="m1")])
        updates(sub)
        reply = await w.request(
            owner,
            "setModelPermissionsRequest",
            pb.SetModelPermissionsRequestMessage(
                modelId="m1",
                overrideCollection=BoolValue(value=True),
                worldPermissions=pb.ModelPermissionsData(read=True),
            ),
        )
        assert reply[0] == "setModelPermissionsResponse"
        await asyncio.sleep(0.01)
        await quiet(w)
        (narrowed,) = updates(sub)
        assert narrowed.WhichOneof("action") == "updated"
        assert not narrowed.updated.HasField("model")
        perms = narrowed.updated.permissions
        assert (perms.read, perms.write, perms.remove, perms.manage) == (True, False, False, False)
        await w.request(
            owner,
            "setModelPermissionsRequest",
            pb.SetModelPermissionsRequestMessage(
                modelId="m1",
                overrideCollection=BoolValue(value=True),
                worldPermissions=pb.ModelPermissionsData(),
            ),
        )
        await asyncio.sleep(0.01)
        await quiet(w)
        (revoked,) = updates(sub)
        assert revoked.WhichOneof("action") == "permissionRevoked" and revoked.permissionRevoked
        # No data ever reaches a client without read, also when it (re)subscribes.
        await change(w, sub, [Sub(modelId="m1")], all_=True)
        (still,) = updates(sub)
        assert still.WhichOneof("action") == "permissionRevoked"

    run_world(body)


def test_unsubscribe_and_set_all(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        opened = await edited_model(w, owner)
        await change(w, sub, [Sub(modelId="m1")])
        updates(sub)
        await change(w, sub, unsubscribe=["m1"])
        await submit(w, owner, opened.resourceId, 2, 1, splice(0, "Q"))
        await settle(w)
        await asyncio.sleep(0.01)
        await quiet(w)
        assert updates(sub) == []
        # all=true replaces the whole set; a model not in it is no longer followed.
        await change(w, sub, [Sub(modelId="m1")])
        updates(sub)
        await change(w, sub, [Sub(modelId="other", currentVersion=3)], all_=True)
        assert [u.WhichOneof("action") for u in updates(sub)] == ["deleted"]
        assert w.service.offline._subscribers.get("m1") is None

    run_world(body)


def test_bad_subscriptions_get_a_clear_error(run_world: RunWorld) -> None:
    from convergence_jupyter.domain.errors import ServiceError

    async def body(w: World) -> None:
        sub = await w.session()
        for bad, text in ((Sub(modelId=""), "modelId"), (Sub(modelId="m", currentVersion=-1), "")):
            try:
                await change(w, sub, [bad])
            except ServiceError as exc:
                assert exc.code == "invalid_message" and text in exc.message
            else:
                raise AssertionError("accepted")
        assert updates(sub) == []

    run_world(body)


def test_closed_session_is_forgotten(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        await edited_model(w, owner)
        await change(w, sub, [Sub(modelId="m1")])
        await w.service.on_session_closed(sub)
        assert w.service.offline._held == {} and w.service.offline._subscribers == {}

    run_world(body)


def test_a_model_without_ops_is_updated_not_downloaded_again(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        opened = await open_model(w, owner)  # version 0
        await change(w, sub, [Sub(modelId="m1")])
        assert [u.WhichOneof("action") for u in updates(sub)] == ["initial"]
        await submit(w, owner, opened.resourceId, 1, 0, splice(0, "A"))
        await settle(w)
        await asyncio.sleep(0.01)
        await quiet(w)
        (pushed,) = updates(sub)
        assert pushed.WhichOneof("action") == "updated" and pushed.updated.model.version == 1

    run_world(body)


def test_the_sweep_catches_changes_made_without_a_notice(run_world: RunWorld) -> None:
    from convergence_jupyter.store.models import ModelRepository, PermissionFlags

    async def body(w: World) -> None:
        owner, sub = await w.session(), await w.session()
        await edited_model(w, owner)
        w.service.offline._sweep_seconds = 0.05
        await change(w, sub, [Sub(modelId="m1")])
        updates(sub)
        # Grants written straight to the store: no hook tells the offline service.
        async with w.db.transaction() as tx:
            models = ModelRepository(tx)
            record = await models.get(w.domain.pk, "m1")
            assert record is not None
            await models.set_world(record.pk, True, PermissionFlags(read=True))
        for _ in range(400):
            await asyncio.sleep(0.01)
            if sub.of("modelOfflineUpdated"):
                break
        await quiet(w)
        (swept,) = updates(sub)
        perms = swept.updated.permissions
        assert (perms.read, perms.write) == (True, False) and not swept.updated.HasField("model")

    run_world(body)
