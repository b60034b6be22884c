"""The model service in-process: ordering, pipelining, no-ops, exactly-once, durable acks,
fault isolation, write permission, resync replay and reload from the store."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import Int32Value, StringValue

from convergence_jupyter import ot
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.models.persistence import ModelPersistence
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.models import ModelRepository

from .conftest import FakeSession, RunWorld, World, submit

ROOT = ot.ObjectValue(
    "@:0", {"text": ot.StringValue("@:1", "hello"), "n": ot.DoubleValue("@:2", 0)}
)


async def open_model(
    w: World, s: FakeSession, model_id: str = "m1"
) -> pb.OpenRealtimeModelResponseMessage:
    s.auto_create = pb.AutoCreateModelConfigResponseMessage(
        collection="c", data=wire.object_to_wire(ROOT)
    )
    name, reply = await w.request(
        s,
        "openRealTimeModelRequest",
        pb.OpenRealtimeModelRequestMessage(
            modelId=StringValue(value=model_id), autoCreateId=Int32Value(value=1)
        ),
    )
    assert name == "openRealTimeModelResponse"
    await asyncio.sleep(0)  # the connection writes the reply, then held frames flow
    return reply


async def settle(w: World, model_id: str = "m1") -> None:
    live = w.service._live[model_id]
    await live.call(lambda: None)


async def stored(w: World, model_id: str = "m1") -> tuple[int, Any, list[Any]]:
    """What the database holds: the stored snapshot plus the op tail after it (the snapshot
    is written behind the op log, models/snapshots.py)."""
    async with w.db.transaction(readonly=True) as tx:
        rec = await ModelRepository(tx).get(w.domain.pk, model_id)
        assert rec is not None
        rec = await snapshots.current(tx, rec)
        ops = await ModelRepository(tx).operations(rec.pk, 1, rec.version)
    return rec.version, ot.to_plain(ot.value_from_json(json.loads(rec.data))), ops


def splice(index: int, text: str, vid: str = "@:1") -> ot.StringSplice:
    return ot.StringSplice(id=vid, index=index, insert_value=text)


def test_open_auto_create_lists_the_opener(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        reply = await open_model(w, a)
        assert reply.version == 0
        assert list(reply.connectedClients) == [a.session_id]
        assert reply.valueIdPrefix == "2"
        assert reply.permissions.write
        b = await w.session()
        reply_b = await open_model(w, b)
        assert set(reply_b.connectedClients) == {a.session_id, b.session_id}
        assert reply_b.valueIdPrefix == "3"
        assert [m.sessionId for m in a.of("remoteClientOpenedModel")] == [b.session_id]

    run_world(body)


def test_pipelined_ops_are_not_transformed_against_each_other(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra, rb = (await open_model(w, a)).resourceId, (await open_model(w, b)).resourceId
        await submit(w, a, ra, 1, 0, splice(0, "a"))
        await submit(w, a, ra, 2, 0, splice(1, "b"))  # pipelined: same context version
        await submit(w, b, rb, 1, 0, splice(5, "!"))
        await settle(w)
        assert [(m.sequenceNumber, m.version) for m in a.of("operationAck")] == [(1, 0), (2, 1)]
        assert [(m.sequenceNumber, m.version) for m in b.of("operationAck")] == [(1, 2)]
        assert [m.contextVersion for m in b.of("remoteOperation")] == [0, 1]
        assert [m.contextVersion for m in a.of("remoteOperation")] == [2]
        version, data, ops = await stored(w)
        assert version == 3 and data["text"] == "abhello!"
        assert [o.version for o in ops] == [1, 2, 3]

    run_world(body)


def test_ops_on_vanished_values_become_versioned_noops(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        ra = (await open_model(w, a)).resourceId
        await submit(w, a, ra, 1, 0, splice(0, "x", vid="gone"))
        await settle(w)
        assert [m.version for m in a.of("operationAck")] == [0]
        version, data, ops = await stored(w)
        assert version == 1 and data["text"] == "hello"
        applied = wire.applied_from_json(ops[0].operation)
        assert not isinstance(applied, ot.AppliedCompoundOperation) and applied.no_op

    run_world(body)


def test_a_resubmitted_sequence_number_is_applied_once(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        ra = (await open_model(w, a)).resourceId
        await submit(w, a, ra, 1, 0, splice(0, "x"))
        await submit(w, a, ra, 1, 0, splice(0, "x"))
        await settle(w)
        version, data, _ = await stored(w)
        assert version == 1 and data["text"] == "xhello"
        assert len(a.of("operationAck")) == 1

    run_world(body)


def test_ack_only_after_commit(run_world: RunWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = asyncio.Event

    async def body(w: World) -> None:
        release = gate()
        real = ModelPersistence.commit

        async def slow(self: ModelPersistence, *args: Any) -> None:
            await release.wait()
            await real(self, *args)

        a = await w.session()
        ra = (await open_model(w, a)).resourceId
        monkeypatch.setattr(ModelPersistence, "commit", slow)
        for seq in range(1, 4):
            await submit(w, a, ra, seq, 0, splice(0, str(seq)))
        await asyncio.sleep(0.05)
        assert a.of("operationAck") == []
        release.set()
        await settle(w)
        assert [m.version for m in a.of("operationAck")] == [0, 1, 2]
        version, data, _ = await stored(w)
        assert version == 3 and data["text"] == "321hello"

    run_world(body)


def test_invalid_op_closes_only_the_sender(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra, rb = (await open_model(w, a)).resourceId, (await open_model(w, b)).resourceId
        await submit(w, a, ra, 1, 0, splice(99, "x"))
        await settle(w)
        assert a.errors and a.errors[0][0] == "invalid_operation"
        assert [m.resourceId for m in a.of("forceCloseRealTimeModel")] == [ra]
        assert [m.sessionId for m in b.of("remoteClientClosedModel")] == [a.session_id]
        await submit(w, b, rb, 1, 0, splice(0, "ok"))
        await settle(w)
        assert [m.version for m in b.of("operationAck")] == [0]

    run_world(body)


def test_write_permission_is_checked_per_op(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        await open_model(w, a)
        await w.request(
            a,
            "setModelPermissionsRequest",
            pb.SetModelPermissionsRequestMessage(
                modelId="m1",
                overrideCollection=__import__(
                    "google.protobuf.wrappers_pb2"
                ).protobuf.wrappers_pb2.BoolValue(value=True),
                worldPermissions=pb.ModelPermissionsData(read=True),
            ),
        )
        rb = (await open_model(w, b)).resourceId
        await submit(w, b, rb, 1, 0, splice(0, "x"))
        await settle(w)
        closes = b.of("forceCloseRealTimeModel")
        assert closes and closes[0].reasonCode == 1
        version, _, _ = await stored(w)
        assert version == 0

    run_world(body)


def test_resync_replays_missed_ops_with_their_original_session(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        ra = (await open_model(w, a)).resourceId
        for seq in range(1, 4):
            await submit(w, a, ra, seq, seq - 1, splice(0, str(seq)))
        await settle(w)
        c = await w.session()
        name, reply = await w.request(
            c, "modelResyncRequest", pb.ModelResyncRequestMessage(modelId="m1", contextVersion=1)
        )
        assert name == "modelResyncResponse" and reply.currentVersion == 3
        assert c.of("remoteOperation") == []  # held until the reply is out
        await asyncio.sleep(0)
        replay = c.of("remoteOperation")
        assert [(m.contextVersion, m.sessionId) for m in replay] == [
            (1, a.session_id),
            (2, a.session_id),
        ]
        await w.request(
            c,
            "modelResyncClientComplete",
            pb.ModelResyncClientCompleteMessage(resourceId=reply.resourceId, open=True),
        )
        await settle(w)
        done = c.of("modelResyncServerComplete")
        assert done and set(done[0].connectedClients) == {a.session_id, c.session_id}
        # A resent op from before the resync point is not transformed against the replay.
        await submit(w, c, reply.resourceId, 1, 1, splice(0, "c"))
        await settle(w)
        assert [m.version for m in c.of("operationAck")] == [3]

    run_world(body)


def test_model_unloads_when_idle_and_reloads_from_the_store(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        ra = (await open_model(w, a)).resourceId
        await submit(w, a, ra, 1, 0, splice(0, "x"))
        await settle(w)
        await w.request(
            a, "closeRealTimeModelRequest", pb.CloseRealtimeModelRequestMessage(resourceId=ra)
        )
        await asyncio.sleep(0.1)
        assert "m1" not in w.service._live
        b = await w.session()
        reply = await open_model(w, b)
        assert reply.version == 1
        assert wire.object_from_wire(reply.data).children["text"] == ot.StringValue("@:1", "xhello")

    run_world(body, idle_seconds=0.02)


def test_model_unloads_after_its_last_session_drops(run_world: RunWorld) -> None:
    """A dropped socket (no close request) also lets the model go; a reload resumes it."""

    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra = (await open_model(w, a)).resourceId
        await open_model(w, b)
        await submit(w, a, ra, 1, 0, splice(0, "x"))
        await settle(w)
        await w.service.on_session_closed(a)
        await asyncio.sleep(0.1)
        assert "m1" in w.service._live  # b still has it open
        await w.service.on_session_closed(b)
        await asyncio.sleep(0.1)
        assert w.service._live == {}
        c = await w.session()
        reply = await open_model(w, c)
        assert reply.version == 1 and list(reply.connectedClients) == [c.session_id]
        assert wire.object_from_wire(reply.data).children["text"] == ot.StringValue("@:1", "xhello")

    run_world(body, idle_seconds=0.02)
