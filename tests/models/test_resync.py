"""Resync of a reconnected client (models/resync.py): its own committed ops come back as
acks, never as remote ops; own ops at the end of the replay are acked when it resends them;
membership notices skip resyncing members; "own" means the client's session lineage, not its
user (two tabs of one user). Regressions for what the e2e fault-proxy and kill -9 tests found
with the rc.12 client."""

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


LINEAGE = ("old2", "old1")


def test_plan_acks_own_ops_and_stops_before_trailing_ones() -> None:
    ops = [op(3, "old1", 4, 7), op(4, "b", 1, 8), op(5, "old1", 5, 7), op(6, "old2", 6, 7)]
    plan = plan_replay(2, ops, LINEAGE)
    assert plan.reply_version == 4
    assert [(o.version, own) for o, own in plan.replay] == [(3, True), (4, False)]
    assert [o.version for o in plan.trailing] == [5, 6]


def test_plan_claims_the_lineage_when_another_tab_of_the_user_interleaves() -> None:
    # Two lost tabs of user 7 interleave: each claims exactly its own chain's ops.
    ops = [op(1, "old1", 1, 7), op(2, "tab2", 1, 7), op(3, "old1", 2, 7), op(4, "tab2", 2, 7)]
    plan = plan_replay(0, ops, ("old1",))
    assert plan.reply_version == 4 and plan.trailing == []
    assert [own for _, own in plan.replay] == [True, False, True, False]
    other = plan_replay(0, ops, ("tab2",))
    assert other.reply_version == 3 and [o.version for o in other.trailing] == [4]
    assert [own for _, own in other.replay] == [False, True, False]


def test_plan_ignores_other_sessions_of_the_user_and_server_ops() -> None:
    ops = [op(1, "live", 1, 7), op(2, "other", 1, 7), op(3, "old1", 0, None)]
    plan = plan_replay(0, ops, LINEAGE)
    assert plan.reply_version == 3 and not any(own for _, own in plan.replay)


def test_plan_with_nothing_to_replay() -> None:
    plan = plan_replay(5, [], LINEAGE)
    assert plan.reply_version == 5 and plan.replay == [] and plan.trailing == []


def reconnected(w: World, old: FakeSession, n: int) -> FakeSession:
    """The same client on a new session: the reconnect token links it to ``old``."""
    s = FakeSession(
        f"{old.session_id}-r{n}",
        old.user,
        old.user_pk,
        old.domain,
        lineage=(old.session_id, *old.lineage),
    )
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


def test_two_tabs_of_one_user_both_resync_with_their_own_acks(run_world: RunWorld) -> None:
    # Issue 14: one user, two tabs (two session chains) editing one model, both lost. Before
    # lineage, the interleaved sequence numbers made the server claim nothing and each tab got
    # its own ops back as remote ops (rc.12 then closes the model).
    async def body(w: World) -> None:
        tab1 = await w.session()
        tab2 = FakeSession("t2", tab1.user, tab1.user_pk, tab1.domain)
        w.runtime.directory.register(tab2.session_id, tab2.user)
        r1 = (await open_model(w, tab1)).resourceId
        r2 = (await open_model(w, tab2)).resourceId
        await submit(w, tab1, r1, 1, 0, splice(0, "a"))  # v1
        await settle(w)
        await submit(w, tab2, r2, 1, 1, splice(0, "b"))  # v2
        await settle(w)
        await submit(w, tab1, r1, 2, 2, splice(0, "c"))  # v3
        await settle(w)
        await submit(w, tab2, r2, 2, 3, splice(0, "d"))  # v4
        await settle(w)
        for tab in (tab1, tab2):
            await w.service.on_session_closed(tab)
        new1, new2 = reconnected(w, tab1, 1), reconnected(w, tab2, 1)
        # Both last saw v0 (every ack lost).
        reply1 = await resync(w, new1, 0)
        reply2 = await resync(w, new2, 0)
        assert reply1.currentVersion == 4 and reply2.currentVersion == 3
        assert frames(new1) == [("ack1", 0), ("remote", 1), ("ack2", 2), ("remote", 3)]
        assert frames(new2) == [("remote", 0), ("ack1", 1), ("remote", 2)]
        # tab2's op at the end is acked when it resends it; nothing is applied twice.
        await submit(w, new2, reply2.resourceId, 2, 3, splice(0, "d"))
        for new, reply in ((new1, reply1), (new2, reply2)):
            await w.request(
                new,
                "modelResyncClientComplete",
                pb.ModelResyncClientCompleteMessage(resourceId=reply.resourceId, open=True),
            )
        await settle(w)
        assert frames(new2)[-1] == ("ack2", 3)
        for new in (new1, new2):
            assert new.of("forceCloseRealTimeModel") == [] and new.errors == []
            assert len(new.of("modelResyncServerComplete")) == 1
        version, data, _ = await stored(w)
        assert version == 4 and sorted(data["text"]) == sorted("abcd" + "hello")

    run_world(body)
