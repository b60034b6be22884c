"""Collection schemas in the model service (issue 12): valid ops are accepted; each kind of
violating op is refused with the JSON path and the keyword, the sender's model is closed with
that reason while another session goes on editing, and nothing invalid is committed; creation
is checked; a schema change reports the models that do not conform; a random op stream never
leaves a committed model that fails the schema."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any

from google.protobuf.wrappers_pb2 import Int32Value, StringValue
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.models.schema import CollectionSchema
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.models import CollectionRepository, ModelRepository

from .conftest import FakeSession, RunWorld, World
from .conftest import submit as send_op
from .schema_fixtures import DATA, SCHEMA, OpMaker, id_at, node_at, root_of

CHECKER = CollectionSchema(SCHEMA)
Build = Callable[[ot.ModelTree, Callable[[Any], ot.DataValue]], ot.Operation]


async def with_schema(w: World, schema: dict[str, Any] = SCHEMA, collection: str = "c") -> Any:
    async with w.db.transaction() as tx:
        record = await CollectionRepository(tx).ensure(w.domain.pk, collection)
    return await w.service.set_collection_schema(record, CollectionSchema(schema))


async def open_with(
    w: World, s: FakeSession, model_id: str, data: dict[str, Any] = DATA
) -> pb.OpenRealtimeModelResponseMessage:
    s.auto_create = pb.AutoCreateModelConfigResponseMessage(
        collection="c", data=wire.object_to_wire(root_of(data))
    )
    name, reply = await w.request(
        s,
        "openRealTimeModelRequest",
        pb.OpenRealtimeModelRequestMessage(
            modelId=StringValue(value=model_id), autoCreateId=Int32Value(value=1)
        ),
    )
    assert name == "openRealTimeModelResponse"
    await asyncio.sleep(0)
    return reply


async def submit(w: World, s: FakeSession, rid: int, seq: int, cv: int, op: ot.Operation) -> None:
    """Submit, then wait until the model's serializer has dealt with the op."""
    await send_op(w, s, rid, seq, cv, op)
    model_id = w.service._resources[s.session_id].get(rid)
    if model_id is not None:
        await w.service._live[model_id].call(lambda: None)


async def stored(w: World, model_id: str) -> tuple[int, Any]:
    async with w.db.transaction(readonly=True) as tx:
        rec = await ModelRepository(tx).get(w.domain.pk, model_id)
        assert rec is not None
        rec = await snapshots.current(tx, rec)  # the stored snapshot plus the op tail
    return rec.version, ot.to_plain(ot.value_from_json(json.loads(rec.data)))


def new_values() -> Callable[[Any], ot.DataValue]:
    counter = iter(range(1 << 30))
    return lambda plain: ot.from_plain(plain, lambda: f"n:{next(counter)}")


def cell(**fields: Any) -> dict[str, Any]:
    return {"cell_type": "code", "source": "", **fields}


#: (name, op on the model holding DATA, JSON pointer, keyword) — every one must be refused.
VIOLATIONS: list[tuple[str, Build, str, str]] = [
    (
        "type of a property",
        lambda t, v: ot.ObjectSetProperty(id=t.root.id, key="title", value=v(3)),
        "/title",
        "type",
    ),
    (
        "type of a boolean",
        lambda t, v: ot.ObjectSetProperty(id=t.root.id, key="flag", value=v("yes")),
        "/flag",
        "type",
    ),
    (
        "required key removed from the root",
        lambda t, v: ot.ObjectRemoveProperty(id=t.root.id, key="meta"),
        "/",
        "required",
    ),
    (
        "required key removed below",
        lambda t, v: ot.ObjectRemoveProperty(id=id_at(t, "meta"), key="owner"),
        "/meta",
        "required",
    ),
    (
        "object set dropping a required key",
        lambda t, v: ot.ObjectSet(id=id_at(t, "meta"), values={"tags": v(["q"])}),
        "/meta",
        "required",
    ),
    (
        "enum",
        lambda t, v: ot.ObjectSetProperty(id=t.root.id, key="kind", value=v("c")),
        "/kind",
        "enum",
    ),
    (
        "number set below minimum",
        lambda t, v: ot.NumberSet(id=id_at(t, "count"), value=-1),
        "/count",
        "minimum",
    ),
    (
        "number delta crossing maximum",
        lambda t, v: ot.NumberDelta(id=id_at(t, "count"), delta=6),
        "/count",
        "maximum",
    ),
    (
        "string splice making a pattern fail",
        lambda t, v: ot.StringSplice(id=id_at(t, "title"), index=2, insert_value="9"),
        "/title",
        "pattern",
    ),
    (
        "string splice past maxLength",
        lambda t, v: ot.StringSplice(id=id_at(t, "title"), index=0, insert_value="a" * 16),
        "/title",
        "maxLength",
    ),
    (
        "string splice emptying a minLength string",
        lambda t, v: ot.StringSplice(id=id_at(t, "meta", "owner"), index=0, delete_count=2),
        "/meta/owner",
        "minLength",
    ),
    (
        "string set in an array item ($ref)",
        lambda t, v: ot.StringSet(id=id_at(t, "cells", 1, "source"), value="# title"),
        "/cells/1/source",
        "pattern",
    ),
    (
        "additionalProperties false",
        lambda t, v: ot.ObjectAddProperty(id=t.root.id, key="extra", value=v(1)),
        "/",
        "additionalProperties",
    ),
    (
        "additionalProperties schema",
        lambda t, v: ot.ObjectAddProperty(id=id_at(t, "meta"), key="n", value=v("text")),
        "/meta/n",
        "type",
    ),
    (
        "array item missing a required key",
        lambda t, v: ot.ArrayInsert(id=id_at(t, "cells"), index=0, value=v({"cell_type": "code"})),
        "/cells/0",
        "required",
    ),
    (
        "array item with a bad enum",
        lambda t, v: ot.ArrayInsert(id=id_at(t, "cells"), index=2, value=v(cell(cell_type="raw"))),
        "/cells/2/cell_type",
        "enum",
    ),
    (
        "array replace with the wrong type",
        lambda t, v: ot.ArrayReplace(id=id_at(t, "cells"), index=0, value=v("a cell")),
        "/cells/0",
        "type",
    ),
    (
        "array set below minItems",
        lambda t, v: ot.ArraySet(id=id_at(t, "cells"), values=()),
        "/cells",
        "minItems",
    ),
    (
        "array remove breaking minItems",
        lambda t, v: ot.ArrayRemove(id=id_at(t, "pair"), index=1),
        "/pair",
        "minItems",
    ),
    (
        "array move breaking prefixItems",
        lambda t, v: ot.ArrayMove(id=id_at(t, "pair"), from_index=0, to_index=1),
        "/pair/1",
        "type",
    ),
    (
        "array insert past items: false",
        lambda t, v: ot.ArrayInsert(id=id_at(t, "pair"), index=2, value=v("x")),
        "/pair",
        "items",
    ),
    (
        "uniqueItems",
        lambda t, v: ot.ArrayInsert(id=id_at(t, "meta", "tags"), index=0, value=v("t2")),
        "/meta/tags",
        "uniqueItems",
    ),
    (
        "item type inside a nested array",
        lambda t, v: ot.ArrayInsert(id=id_at(t, "meta", "tags"), index=0, value=v(7)),
        "/meta/tags/0",
        "type",
    ),
    (
        "oneOf at an ancestor (validated whole)",
        lambda t, v: ot.ObjectAddProperty(id=id_at(t, "choice"), key="y", value=v("s")),
        "/choice",
        "oneOf",
    ),
    (
        "oneOf broken by a property set below it",
        lambda t, v: ot.ObjectSetProperty(id=id_at(t, "choice"), key="x", value=v("s")),
        "/choice/x",
        "type",
    ),
    (
        "nesting: maxItems three levels down",
        lambda t, v: ot.ObjectAddProperty(
            id=id_at(t, "cells", 0), key="outputs", value=v([1, 2, 3])
        ),
        "/cells/0/outputs",
        "maxItems",
    ),
    (
        "nesting: a whole new subtree with a deep violation",
        lambda t, v: ot.ObjectSetProperty(
            id=t.root.id, key="cells", value=v([cell(), cell(source="#")])
        ),
        "/cells/1/source",
        "pattern",
    ),
    (
        "batch: valid part and invalid part",
        lambda t, v: ot.CompoundOperation(
            (
                ot.NumberSet(id=id_at(t, "count"), value=3),
                ot.StringSet(id=id_at(t, "title"), value="bad1"),
            )
        ),
        "/title",
        "pattern",
    ),
    (
        "batch: inserts past maxItems",
        lambda t, v: ot.CompoundOperation(
            tuple(ot.ArrayInsert(id=id_at(t, "cells"), index=0, value=v(cell())) for _ in range(3))
        ),
        "/cells",
        "maxItems",
    ),
    (
        "batch: edit of a value the batch created",
        lambda t, v: ot.CompoundOperation(
            (
                ot.ArrayInsert(id=id_at(t, "cells"), index=0, value=v(cell(source="ok"))),
                ot.StringSplice(id="n:2", index=0, insert_value="#"),
            )
        ),
        "/cells/0/source",
        "pattern",
    ),
    (
        "root object set (what REST replace sends)",
        lambda t, v: ot.ObjectSet(id=t.root.id, values={"title": v("x"), "cells": v([cell()])}),
        "/",
        "required",
    ),
]

#: Ops that conform: accepted, committed.
VALID: list[tuple[str, Build]] = [
    ("splice", lambda t, v: ot.StringSplice(id=id_at(t, "title"), index=0, insert_value="A ")),
    ("delta within range", lambda t, v: ot.NumberDelta(id=id_at(t, "count"), delta=4)),
    ("insert a cell", lambda t, v: ot.ArrayInsert(id=id_at(t, "cells"), index=1, value=v(cell()))),
    ("move cells", lambda t, v: ot.ArrayMove(id=id_at(t, "cells"), from_index=0, to_index=1)),
    (
        "extra number in meta",
        lambda t, v: ot.ObjectAddProperty(id=id_at(t, "meta"), key="n", value=v(2)),
    ),
    (
        "batch removing and re-adding a required key",
        lambda t, v: ot.CompoundOperation(
            (
                ot.ObjectRemoveProperty(id=id_at(t, "meta"), key="owner"),
                ot.ObjectAddProperty(id=id_at(t, "meta"), key="owner", value=v("you")),
            )
        ),
    ),
    (
        "oneOf switch",
        lambda t, v: ot.ObjectSetProperty(id=t.root.id, key="choice", value=v({"y": "s"})),
    ),
]


def test_valid_ops_are_accepted_and_committed(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await with_schema(w)
        a = await w.session()
        rid = (await open_with(w, a, "valid")).resourceId
        tree = w.service._live["valid"].tree
        values = new_values()
        for seq, (name, build) in enumerate(VALID, start=1):
            await submit(w, a, rid, seq, seq - 1, build(tree, values))
            assert a.of("forceCloseRealTimeModel") == [], name
        assert len(a.of("operationAck")) == len(VALID)
        version, data = await stored(w, "valid")
        assert version == len(VALID)
        assert CHECKER.validate_document(data) is None
        assert data["title"] == "A Hello" and data["count"] == 9 and data["meta"]["owner"] == "you"

    run_world(body)


def test_violating_ops_are_refused_with_path_and_rule(run_world: RunWorld) -> None:
    """Each kind in its own model: the violator gets the error and the close, the other
    member is told it left and goes on editing; the store holds the other's op only."""
    assert len({kind for _, _, _, kind in VIOLATIONS}) >= 12 and len(VIOLATIONS) >= 20

    async def body(w: World) -> None:
        await with_schema(w)
        for number, (name, build, pointer, keyword) in enumerate(VIOLATIONS):
            model_id = f"v{number}"
            bad, good = await w.session(), await w.session()
            rb = (await open_with(w, bad, model_id)).resourceId
            rg = (await open_with(w, good, model_id)).resourceId
            tree = w.service._live[model_id].tree
            await submit(w, bad, rb, 1, 0, build(tree, new_values()))
            expected = f"'{pointer}' ({keyword})"
            assert bad.errors and bad.errors[0][0] == "schema_violation", name
            assert expected in bad.errors[0][1], (name, bad.errors[0][1])
            closes = bad.of("forceCloseRealTimeModel")
            assert [c.resourceId for c in closes] == [rb], name
            assert closes[0].reasonCode == 4 and expected in closes[0].reason, name
            assert [m.sessionId for m in good.of("remoteClientClosedModel")] == [bad.session_id]
            assert good.of("remoteOperation") == [] and good.of("forceCloseRealTimeModel") == []
            assert ot.to_plain(tree.root) == DATA, name  # undone in memory
            await submit(
                w,
                good,
                rg,
                1,
                0,
                ot.StringSplice(id=id_at(tree, "title"), index=0, insert_value="X"),
            )
            assert [m.version for m in good.of("operationAck")] == [0], name
            version, data = await stored(w, model_id)
            assert version == 1 and data == {**DATA, "title": "XHello"}, name

    run_world(body)


def test_model_creation_is_checked(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await with_schema(w)
        s = await w.session()
        bad = {**DATA, "count": 11}
        try:
            await w.request(
                s,
                "createRealTimeModelRequest",
                pb.CreateRealtimeModelRequestMessage(
                    collectionId="c",
                    modelId=StringValue(value="created"),
                    data=wire.object_to_wire(root_of(bad)),
                ),
            )
        except Exception as exc:
            assert getattr(exc, "code", None) == "schema_violation"
            assert "'/count' (maximum)" in str(exc)
        else:
            raise AssertionError("an invalid model was created")
        async with w.db.transaction(readonly=True) as tx:
            assert await ModelRepository(tx).get(w.domain.pk, "created") is None
        name, _ = await w.request(
            s,
            "createRealTimeModelRequest",
            pb.CreateRealtimeModelRequestMessage(
                collectionId="c",
                modelId=StringValue(value="created"),
                data=wire.object_to_wire(root_of(DATA)),
            ),
        )
        assert name == "createRealTimeModelResponse"

    run_world(body)


def test_schema_change_reports_non_conforming_models_and_reaches_open_ones(
    run_world: RunWorld,
) -> None:
    async def body(w: World) -> None:
        s = await w.session()
        rid = (await open_with(w, s, "open-one")).resourceId  # free-form collection
        await open_with(w, await w.session(), "closed-one", {**DATA, "count": 50})
        await w.service._live["closed-one"].call(w.service._live["closed-one"].unload)
        await open_with(w, await w.session(), "fine", DATA)
        tree = w.service._live["open-one"].tree
        await submit(
            w,
            s,
            rid,
            1,
            0,
            ot.ObjectAddProperty(id=tree.root.id, key="zz", value=ot.NullValue("q:1")),
        )
        report = await with_schema(w)
        assert {(n.model_id, n.violation.pointer, n.violation.keyword) for n in report} == {
            ("open-one", "", "additionalProperties"),
            ("closed-one", "/count", "maximum"),
        }
        # The open model has the schema now: its next violating op is refused.
        await submit(w, s, rid, 2, 1, ot.NumberSet(id=id_at(tree, "count"), value=99))
        assert s.errors and s.errors[0][0] == "schema_violation"
        assert (await stored(w, "open-one"))[0] == 1
        # Removing the schema reports nothing and frees the collection.
        async with w.db.transaction() as tx:
            record = await CollectionRepository(tx).get(w.domain.pk, "c")
        assert record is not None
        assert await w.service.set_collection_schema(record, None) == []
        s2 = await w.session()
        r2 = (await open_with(w, s2, "open-one")).resourceId
        await submit(w, s2, r2, 1, 1, ot.NumberSet(id=id_at(tree, "count"), value=99))
        assert s2.errors == [] and (await stored(w, "open-one"))[0] == 2

    run_world(body)


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.randoms(use_true_random=False))
def test_random_op_streams_never_commit_a_non_conforming_model(
    run_world: RunWorld, rng: random.Random
) -> None:
    """Random ops, most of them violating, from two sessions that reopen when closed: the
    committed model conforms after every step, and the live tree equals the stored one."""

    async def body(w: World) -> None:
        await with_schema(w)
        maker = OpMaker(rng)
        sessions = [await w.session(), await w.session()]
        rids = [(await open_with(w, s, "rnd")).resourceId for s in sessions]
        seqs = [0, 0]
        refused = 0
        for _ in range(40):
            who = rng.randrange(2)
            live = w.service._live["rnd"]
            s = sessions[who]
            op = maker.op(live.tree)
            seqs[who] += 1
            await submit(w, s, rids[who], seqs[who], live.version, op)
            if s.of("forceCloseRealTimeModel"):
                refused += 1
                sessions[who] = s = await w.session()
                rids[who] = (await open_with(w, s, "rnd")).resourceId
                seqs[who] = 0
            version, data = await stored(w, "rnd")
            assert CHECKER.validate_document(data) is None
            assert version == live.version and data == ot.to_plain(live.tree.root)
        assert refused > 0

    run_world(body)


def test_node_at_helper_matches_data() -> None:
    tree = ot.ModelTree(root_of(DATA))
    assert ot.to_plain(node_at(tree, "cells", 1, "source")) == "hi"
