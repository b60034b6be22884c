"""Resync of a reconnected client (models/resync.py): its own committed ops come back as
acks, never as remote ops; own ops at the end of the replay are acked when it resends them;
membership notices skip resyncing members. Regressions for what the e2e fault-proxy and
kill -9 tests found with the rc.12 client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from convergence_jupyter.models.resync import ReplayOp, plan_replay
from convergence_jupyter.protocol.schema import model_pb2 as pb

from .conftest import FakeSession, RunWorld, World
from .test_service import open_model, settle, splice, stored, submit

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def op(version: int, session: str, seq: int, user: int | None) -> ReplayOp:
    return ReplayOp(version, "{}", session, NOW, seq, user)


def gone(session_id: str) -> bool:
    return session_id.startswith("old")


def test_plan_acks_own_ops_and_stops_before_trailing_ones() -> None:
    ops = [op(3, "old1", 4, 7), op(4, "b", 1, 8), op(5, "old1", 5, 7), op(6, "old2", 6, 7)]
    plan = plan_replay(2, ops, 7, gone)
    assert plan.reply_version == 4
    assert [(o.version, own) for o, own in plan.replay] == [(3, True), (4, False)]
    assert [o.version for o in plan.trailing] == [5, 6]


def test_plan_claims_nothing_when_the_run_of_sequence_numbers_has_gaps() -> None:
    # Two lost clients of one user interleave: no safe claim, plain replay.
    ops = [op(1, "old1", 1, 7), op(2, "old2", 1, 7), op(3, "old1", 2, 7)]
    plan = plan_replay(0, ops, 7, gone)
    assert plan.reply_version == 3 and plan.trailing == []
    assert not any(own for _, own in plan.replay)


def test_plan_ignores_live_sessions_other_users_and_server_ops() -> None:
    ops = [op(1, "live", 1, 7), op(2, "old1", 1, 8), op(3, "old1", 0, None)]
    plan = plan_replay(0, ops, 7, gone)
    assert plan.reply_version == 3 and not any(own for _, own in plan.replay)


def test_plan_with_nothing_to_replay() -> None:
    plan = plan_replay(5, [], 7, gone)
    assert plan.reply_version == 5 and plan.replay == [] and plan.trailing == []


def reconnected(w: World, old: FakeSession, n: int) -> FakeSession:
    """The same user on a new session (what a reconnect token gives)."""
    s = FakeSession(f"{old.session_id}-r{n}", old.user, old.user_pk, old.domain)
    w.runtime.directory.register(s.session_id, s.user)
    return s


async def resync(w: World, s: FakeSession, since: int) -> pb.ModelResyncResponseMessage:
    name, reply = await w.request(
        s, "modelResyncRequest", pb.ModelResyncRequestMessage(modelId="m1", contextVersion=since)
    )
    assert name == "modelResyncResponse"
    await asyncio.sleep(0)  # the reply is written; held frames flow
    return reply


def frames(s: FakeSession) -> list[tuple[str, int]]:
    """(body, version the client applies it at) for acks and remote ops, in order."""
    out = []
    body: Any
    for name, body in s.sent:
        if name == "operationAck":
            out.append((f"ack{body.sequenceNumber}", body.version))
        elif name == "remoteOperation":
            out.append(("remote", body.contextVersion))
    return out


def test_resync_acks_own_ops_and_the_resent_trailing_ones(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra, rb = (await open_model(w, a)).resourceId, (await open_model(w, b)).resourceId
        await submit(w, a, ra, 1, 0, splice(0, "a"))  # v1, acked to the client
        await settle(w)
        # The connection drops; ops 2 and 4 were committed but their acks were lost.
        await submit(w, a, ra, 2, 1, splice(0, "b"))  # v2
        await settle(w)
        await submit(w, b, rb, 1, 2, splice(0, "B"))  # v3 (someone else)
        await settle(w)
        await submit(w, a, ra, 3, 1, splice(0, "c"))  # v4
        await submit(w, a, ra, 4, 1, splice(0, "d"))  # v5
        await settle(w)
        await w.service.on_session_closed(a)
        a2 = reconnected(w, a, 1)
        reply = await resync(w, a2, 1)
        # Own op 2 is acked in the replay; ops 3 and 4 (at the end) wait for their resend.
        assert reply.currentVersion == 3
        assert frames(a2) == [("ack2", 1), ("remote", 2)]
        # Meanwhile b writes: a2 must not see v6 before the acks of ops 3 and 4.
        await submit(w, b, rb, 2, 5, splice(0, "Z"))
        await settle(w)
        assert frames(a2) == [("ack2", 1), ("remote", 2)]
        # The client resends ops 3 and 4 (acked, not applied again) and a new op 5.
        for seq, text in ((3, "c"), (4, "d"), (5, "e")):
            await submit(w, a2, reply.resourceId, seq, 3, splice(0, text))
        await w.request(
            a2,
            "modelResyncClientComplete",
            pb.ModelResyncClientCompleteMessage(resourceId=reply.resourceId, open=True),
        )
        await settle(w)
        assert frames(a2) == [
            ("ack2", 1),
            ("remote", 2),
            ("ack3", 3),
            ("ack4", 4),
            ("remote", 5),
            ("ack5", 6),
        ]
        assert a2.of("forceCloseRealTimeModel") == []
        version, data, _ = await stored(w)
        assert version == 7 and data["text"].count("c") == data["text"].count("d") == 1
        assert sorted(data["text"]) == sorted("abBcdZe" + "hello")

    run_world(body)


def test_resync_that_does_not_resend_the_owed_ops_is_closed(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        ra = (await open_model(w, a)).resourceId
        await submit(w, a, ra, 1, 0, splice(0, "a"))
        await settle(w)
        await w.service.on_session_closed(a)
        a2 = reconnected(w, a, 1)
        reply = await resync(w, a2, 0)
        assert reply.currentVersion == 0
        await submit(w, a2, reply.resourceId, 7, 0, splice(0, "x"))  # not op 1
        await settle(w)
        closes = a2.of("forceCloseRealTimeModel")
        assert closes and closes[0].reasonCode == 4
        version, data, _ = await stored(w)
        assert version == 1 and data["text"] == "ahello"

    run_world(body)


def test_membership_notices_skip_resyncing_members(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        await open_model(w, a)
        await w.service.on_session_closed(a)
        a2 = reconnected(w, a, 1)
        reply = await resync(w, a2, 0)
        b = await w.session()
        rb = (await open_model(w, b)).resourceId
        await w.request(
            b, "closeRealTimeModelRequest", pb.CloseRealtimeModelRequestMessage(resourceId=rb)
        )
        c = await w.session()
        await open_model(w, c)
        await w.request(
            a2,
            "modelResyncClientComplete",
            pb.ModelResyncClientCompleteMessage(resourceId=reply.resourceId, open=True),
        )
        await settle(w)
        # Nothing about b or c while resyncing; c appears once, in the completion.
        assert a2.of("remoteClientOpenedModel") == []
        assert a2.of("remoteClientClosedModel") == []
        done = a2.of("modelResyncServerComplete")
        assert sorted(done[0].connectedClients) == sorted([a2.session_id, c.session_id])
        # The others do hear about a2 (resync started and completed, then opened).
        assert [m.sessionId for m in c.of("remoteClientOpenedModel")] == [a2.session_id]

    run_world(body)
