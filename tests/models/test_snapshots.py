"""Snapshots off the hot path (issue 11, lever 1): a batch stores only its ops, the snapshot
follows every N ops or T seconds and at unload, a load replays the op tail, and every reader
of the stored snapshot still sees every acknowledged op. Both backends."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.models.limits import ModelLimits
from convergence_jupyter.models.live_model import LiveModel
from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.models.schema import CollectionSchema
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRecord,
    ModelRepository,
    NewOperation,
    OperationRecord,
    commit_operations,
)

from .conftest import RunWorld, World, submit
from .test_service import ROOT, open_model, settle, splice

#: BMP only: string indices count UTF-16 units, and a splice inside a pair would split it.
TEXT = st.characters(codec="utf-8", max_codepoint=0xFFFF)
T0 = datetime(2026, 12, 6, tzinfo=UTC)
#: Snapshots only when a test asks for them (no N, no T within a test's run).
NEVER = ModelLimits(snapshot_every_ops=1_000_000, snapshot_every_seconds=3600.0)


def same(a: str, b: str) -> bool:
    """Equal snapshots: ids, type tags and values (a double may be written 0 or 0.0)."""
    return bool(json.loads(a) == json.loads(b))


async def row(w: World, model_id: str = "m1") -> ModelRecord:
    """The model row as stored (no replay)."""
    async with w.db.transaction(readonly=True) as tx:
        found = await ModelRepository(tx).get(w.domain.pk, model_id)
    assert found is not None
    return found


async def replayed(w: World, model_id: str = "m1") -> ModelRecord:
    async with w.db.transaction(readonly=True) as tx:
        found = await ModelRepository(tx).get(w.domain.pk, model_id)
        assert found is not None
        return await snapshots.current(tx, found)


def live_of(w: World, model_id: str = "m1") -> LiveModel:
    return w.service._live[model_id]


async def writes_done(live: LiveModel) -> None:
    """Wait for the background snapshot write under way, if any."""
    while live._snapshot_writer is not None:
        await asyncio.shield(live._snapshot_writer)


async def edit(w: World, count: int, text: str = "x") -> Any:
    """Open m1 and commit ``count`` acknowledged inserts; returns the writer's session."""
    s = await w.session()
    rid = (await open_model(w, s)).resourceId
    for seq in range(1, count + 1):
        await submit(w, s, rid, seq, seq - 1, splice(0, text))
        await settle(w)
    assert len(s.of("operationAck")) == count
    return s


async def second_service(w: World) -> tuple[DomainRuntime, ModelService]:
    """Another server on the same database, as after a crash of the first (which wrote no
    snapshot since)."""
    holder: dict[str, ModelService] = {}

    def factory(runtime: DomainRuntime) -> ModelService:
        holder["s"] = ModelService(runtime, w.db, limits=NEVER)
        return holder["s"]

    runtime = DomainRuntime(w.domain, [factory])
    return runtime, holder["s"]


# -- the lag, and replay on load ------------------------------------------------------------


def test_a_batch_stores_only_its_ops_and_a_load_replays_the_tail(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await edit(w, 5)
        live = live_of(w)
        stored = await row(w)
        # The row moved to version 5; its snapshot is still the one at 0 and says so.
        assert (stored.version, stored.snapshot_version) == (5, 0)
        assert same(stored.data, snapshot_to_json(ROOT))
        assert live.lagging
        # Snapshot + tail = the live state, value ids included.
        now = await replayed(w)
        assert now.snapshot_version is None and now.version == 5
        assert same(now.data, snapshot_to_json(live.tree.root))
        # A server that loads it after a crash (no snapshot written) replays the tail.
        runtime, other = await second_service(w)
        try:
            reloaded = await other._get_live("m1")
            assert reloaded is not None and reloaded.version == 5
            tree = await reloaded.call(lambda: snapshot_to_json(reloaded.tree.root))
            assert same(tree, snapshot_to_json(live.tree.root))
            assert reloaded.lagging  # it knows the stored snapshot is still behind
        finally:
            await runtime.close()

    run_world(body, limits=NEVER)


def test_every_n_ops_the_snapshot_is_stored_behind_the_batches(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await edit(w, 3)
        live = live_of(w)
        await writes_done(live)
        stored = await row(w)
        assert (stored.version, stored.snapshot_version) == (3, None)
        assert stored.data == snapshot_to_json(live.tree.root)
        assert not live.lagging
        s = await w.session()
        rid = (await open_model(w, s)).resourceId
        await submit(w, s, rid, 1, 3, splice(0, "y"))
        await settle(w)
        stored = await row(w)
        assert (stored.version, stored.snapshot_version) == (4, 3)  # one op behind again

    run_world(body, limits=ModelLimits(snapshot_every_ops=3, snapshot_every_seconds=3600.0))


def test_t_seconds_after_an_op_the_snapshot_is_stored(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await edit(w, 1)
        live = live_of(w)
        for _ in range(2000):  # bounded wait for the timer (no assert on how long it took)
            if not live.lagging:
                break
            await asyncio.sleep(0.01)
        stored = await row(w)
        assert (stored.version, stored.snapshot_version) == (1, None)
        assert stored.data == snapshot_to_json(live.tree.root)

    run_world(body, limits=ModelLimits(snapshot_every_ops=1000, snapshot_every_seconds=0.05))


def test_unload_stores_the_snapshot(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        s = await edit(w, 4)
        live = live_of(w)
        expected = snapshot_to_json(live.tree.root)
        assert (await row(w)).snapshot_version == 0
        await w.request(
            s, "closeRealTimeModelRequest", pb.CloseRealtimeModelRequestMessage(resourceId=1)
        )
        await live.finished()  # the idle unload, then its last snapshot
        assert "m1" not in w.service._live
        stored = await row(w)
        assert (stored.version, stored.snapshot_version, stored.data) == (4, None, expected)

    run_world(body, limits=NEVER, idle_seconds=0.01)


def test_service_close_stores_the_snapshots_of_loaded_models(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await edit(w, 2)
        expected = snapshot_to_json(live_of(w).tree.root)
        await w.service.close()
        stored = await row(w)
        assert (stored.version, stored.snapshot_version, stored.data) == (2, None, expected)

    run_world(body, limits=NEVER)


# -- readers of the stored snapshot see acknowledged data -------------------------------------


def query_rows(reply: pb.ModelsQueryResponseMessage) -> list[tuple[str, int, Any]]:
    return [(m.modelId, m.version, json_format.MessageToDict(m.data)) for m in reply.models]


async def query(w: World, s: Any, text: str) -> list[tuple[str, int, Any]]:
    name, reply = await w.request(s, "modelsQueryRequest", pb.ModelsQueryRequestMessage(query=text))
    assert name == "modelsQueryResponse"
    return query_rows(reply)


def test_a_query_right_after_an_ack_sees_it(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await edit(w, 3)
        assert (await row(w)).snapshot_version == 0  # the stored JSON is behind
        reader = await w.session(admin=True)
        # The filter runs in SQL over the stored JSON: the service stored the snapshot first.
        found = await query(w, reader, "SELECT text FROM c WHERE text = 'xxxhello'")
        assert found == [("m1", 3, {"text": "xxxhello"})]
        assert await query(w, reader, "SELECT FROM c WHERE text = 'hello'") == []
        assert (await row(w)).snapshot_version is None

    run_world(body, limits=NEVER)


def test_a_query_sees_a_model_a_crash_left_behind(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await edit(w, 2)
        runtime, other = await second_service(w)
        try:
            # The first server "dies" with its snapshot behind; the second one answers.
            reader = await w.session(admin=True)
            other._runtime.directory.register(reader.session_id, reader.user)
            handler = runtime.handler_for("modelsQueryRequest")
            assert handler is not None
            _, reply = await handler(
                reader, pb.ModelsQueryRequestMessage(query="SELECT FROM c WHERE text = 'xxhello'")
            )
            assert [(m.modelId, m.version) for m in reply.models] == [("m1", 2)]
            assert (await row(w)).snapshot_version is None  # caught up from the op log
        finally:
            await runtime.close()

    run_world(body, limits=NEVER)


def test_history_data_sees_the_acknowledged_ops(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await edit(w, 2)
        reader = await w.session(admin=True)
        name, reply = await w.request(
            reader, "historicalDataRequest", pb.HistoricalDataRequestMessage(modelId="m1")
        )
        assert name == "historicalDataResponse" and reply.version == 2
        assert ot.to_plain(wire.object_from_wire(reply.data)) == {"text": "xxhello", "n": 0}

    run_world(body, limits=NEVER)


def test_the_schema_report_judges_unloaded_models_with_their_tail(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        s = await edit(w, 1)
        live = live_of(w)
        await w.request(
            s, "closeRealTimeModelRequest", pb.CloseRealtimeModelRequestMessage(resourceId=1)
        )
        await live.finished()
        # Make the row lag again behind the service's back (a crash after a commit).
        scratch = ot.ModelTree(snapshots.snapshot_from_json((await replayed(w)).data))
        op = wire.applied_to_json(ot.apply(scratch, ot.NumberSet(id="@:2", value=7)))
        stamp = (await row(w)).modified_at
        await commit_operations(
            w.db, (await row(w)).pk, 1, [NewOperation(2, stamp, "sx", 0, None, op)], None
        )
        assert (await row(w)).snapshot_version == 1
        schema = CollectionSchema.from_json(
            json.dumps({"type": "object", "properties": {"n": {"type": "number", "maximum": 5}}})
        )
        async with w.db.transaction(readonly=True) as tx:
            coll = await CollectionRepository(tx).get(w.domain.pk, "c")
        assert coll is not None
        report = await w.service.set_collection_schema(coll, schema)
        assert [r.model_id for r in report] == ["m1"]  # n = 7 is in the tail only

    run_world(body, limits=NEVER)


# -- replay is the live state (pure) ----------------------------------------------------------


def _leaf(draw: st.DrawFn, vid: str) -> ot.DataValue:
    kind = draw(st.sampled_from(["s", "d", "b", "o", "a"]))
    if kind == "s":
        return ot.StringValue(vid, draw(st.text(TEXT, max_size=4)))
    if kind == "d":
        return ot.DoubleValue(vid, draw(st.integers(-5, 5)))
    if kind == "b":
        return ot.BooleanValue(vid, draw(st.booleans()))
    if kind == "o":
        return ot.ObjectValue(vid, {"k": ot.StringValue(vid + ":k", "$ref")})
    return ot.ArrayValue(vid, [ot.DoubleValue(vid + ":0", 1)])


@st.composite
def op_stream(draw: st.DrawFn) -> tuple[ot.ObjectValue, list[ot.Operation]]:
    """A start tree and ops that each fit the tree as the previous ones left it."""
    start = ot.ObjectValue(
        "r",
        {
            "text": ot.StringValue("t", "hello"),
            "list": ot.ArrayValue("l", [ot.DoubleValue("l0", 0)]),
            "obj": ot.ObjectValue("o", {}),
            "n": ot.DoubleValue("n", 0),
        },
    )
    tree = ot.ModelTree(ot.value_from_json(ot.value_to_json(start)))  # a private copy
    ops: list[ot.Operation] = []
    for step in range(draw(st.integers(1, 25))):
        vid = f"v{step}"
        text = tree.root.children["text"]
        items = tree.root.children["list"]
        obj = tree.root.children["obj"]
        assert isinstance(text, ot.StringValue) and isinstance(items, ot.ArrayValue)
        assert isinstance(obj, ot.ObjectValue)
        kind = draw(st.sampled_from(["splice", "ins", "rm", "move", "add", "set", "del", "num"]))
        op: ot.Operation
        if kind == "splice":
            at = draw(st.integers(0, len(text.value)))
            cut = draw(st.integers(0, len(text.value) - at))
            value = draw(st.text(TEXT, max_size=3))
            op = ot.StringSplice(id="t", index=at, delete_count=cut, insert_value=value)
        elif kind == "ins":
            at = draw(st.integers(0, len(items.children)))
            op = ot.ArrayInsert(id="l", index=at, value=_leaf(draw, vid))
        elif kind == "rm" and items.children:
            op = ot.ArrayRemove(id="l", index=draw(st.integers(0, len(items.children) - 1)))
        elif kind == "move" and items.children:
            last = len(items.children) - 1
            op = ot.ArrayMove(
                id="l", from_index=draw(st.integers(0, last)), to_index=draw(st.integers(0, last))
            )
        elif kind == "add":
            key = draw(st.sampled_from(["a", "b", "$ref"]))
            if key in obj.children:
                op = ot.ObjectSetProperty(id="o", key=key, value=_leaf(draw, vid))
            else:
                op = ot.ObjectAddProperty(id="o", key=key, value=_leaf(draw, vid))
        elif kind == "del" and obj.children:
            op = ot.ObjectRemoveProperty(id="o", key=draw(st.sampled_from(sorted(obj.children))))
        elif kind == "set":
            op = ot.CompoundOperation(
                (
                    ot.NumberDelta(id="n", delta=1),
                    ot.StringSplice(id="t", index=0, insert_value="c"),
                )
            )
        else:
            op = ot.NumberSet(id="n", value=draw(st.integers(-9, 9)))
        ot.apply(tree, op)
        ops.append(op)
    return start, ops


@settings(max_examples=150, deadline=None)
@given(op_stream(), st.data())
def test_snapshot_plus_replayed_tail_equals_the_live_tree(
    stream: tuple[ot.ObjectValue, list[ot.Operation]], data: st.DataObject
) -> None:
    start, ops = stream
    live = ot.ModelTree(ot.value_from_json(ot.value_to_json(start)))
    stored_json = snapshot_to_json(live.root)
    snapshot_at = 0
    log: list[OperationRecord] = []
    take = set(data.draw(st.lists(st.integers(1, len(ops)), max_size=3)))
    for version, op in enumerate(ops, start=1):
        applied = ot.apply(live, op)
        log.append(
            OperationRecord(1, version, T0, "s", version, None, wire.applied_to_json(applied))
        )
        if version in take:  # a snapshot written at this version, as the live model does
            stored_json, snapshot_at = snapshot_to_json(live.root), version
    root = ot.value_from_json(json.loads(stored_json))
    assert isinstance(root, ot.ObjectValue)
    tree = snapshots.replay(root, snapshot_at + 1, log[snapshot_at:])
    assert same(snapshot_to_json(tree.root), snapshot_to_json(live.root))
