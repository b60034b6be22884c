"""Bounded memory and per-session limits of the model service (issue 14): the op history stays
bounded with a silent reader, a model loaded without any open is unloaded, and open models,
references, model size and string length are limited with clear errors. A violating op takes
the bad-op path: only the sender's model is closed, nothing is committed, others go on."""

from __future__ import annotations

import asyncio

from google.protobuf.wrappers_pb2 import StringValue
from hypothesis import given, settings
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.models import wire
from convergence_jupyter.models.limits import ModelLimits, growth_bound
from convergence_jupyter.models.persistence import snapshot_bytes, snapshot_to_json
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.models import CollectionRepository, ModelRepository

from .conftest import RunWorld, World
from .test_service import ROOT, open_model, settle, splice, stored, submit

#: Bytes of ROOT's snapshot (the model every test opens).
ROOT_BYTES = snapshot_bytes(snapshot_to_json(ROOT))


def unlimited(**changes: int) -> ModelLimits:
    """All limits off except the ones a test sets."""
    base = {
        "max_open_models": 0,
        "max_references": 0,
        "max_model_bytes": 0,
        "max_string_length": 0,
        "max_history": 0,
    }
    return ModelLimits(**{**base, **changes})


# -- history bound -------------------------------------------------------------------------


def test_history_stays_bounded_with_a_silent_reader(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        reader, writer = await w.session(), await w.session()
        rr = (await open_model(w, reader)).resourceId
        rw = (await open_model(w, writer)).resourceId
        live = w.service._live["m1"]
        sizes = []
        for seq in range(1, 101):
            await submit(w, writer, rw, seq, seq - 1, splice(0, "w"))
            await settle(w)
            sizes.append(live.cc.history_size)
        # The reader pins its open version (0): without the bound all 100 ops stay.
        assert max(sizes) == 20
        assert len(reader.of("remoteOperation")) == 100
        assert reader.of("forceCloseRealTimeModel") == []
        # A reader that has caught up submits from a recent version: accepted.
        await submit(w, reader, rr, 1, 100, splice(0, "r"))
        await settle(w)
        assert [a.version for a in reader.of("operationAck")] == [100]
        assert live.cc.history_size <= 20
        # A session lagging past the bound (its context is older than what is kept) is
        # closed with the reason; the writer goes on, nothing of the stale op is stored.
        lagging = await w.session()
        rl = (await open_model(w, lagging)).resourceId
        await submit(w, writer, rw, 101, 101, splice(0, "w"))
        await settle(w)
        for seq in range(102, 130):
            await submit(w, writer, rw, seq, seq, splice(0, "w"))
            await settle(w)
        await submit(w, lagging, rl, 1, 101, splice(0, "late"))
        await settle(w)
        closes = lagging.of("forceCloseRealTimeModel")
        assert len(closes) == 1 and closes[0].reasonCode == 4
        assert "too old" in closes[0].reason and "reopen" in closes[0].reason
        assert lagging.errors and lagging.errors[0][0] == "invalid_operation"
        await submit(w, writer, rw, 130, 130, splice(0, "w"))
        await settle(w)
        assert writer.of("forceCloseRealTimeModel") == []
        version, data, _ = await stored(w)
        assert version == 131 and "late" not in data["text"]
        assert data["text"].count("w") == 130 and data["text"].count("r") == 1

    run_world(body, limits=unlimited(max_history=20))


def test_history_is_unbounded_when_the_limit_is_off(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        reader, writer = await w.session(), await w.session()
        await open_model(w, reader)
        rw = (await open_model(w, writer)).resourceId
        for seq in range(1, 31):
            await submit(w, writer, rw, seq, seq - 1, splice(0, "w"))
        await settle(w)
        assert w.service._live["m1"].cc.history_size == 30

    run_world(body, limits=unlimited())


# -- unloading models nobody opened --------------------------------------------------------


def test_a_model_loaded_without_any_open_is_unloaded_when_idle(run_world: RunWorld) -> None:
    # What a notebook session call does: load the model (read, server op) for clients that
    # may never come. It used to stay in memory for good (idle unload started at a close).
    async def body(w: World) -> None:
        a = await w.session()
        name, _ = await w.request(
            a,
            "createRealTimeModelRequest",
            pb.CreateRealtimeModelRequestMessage(
                collectionId="c", modelId=StringValue(value="m2"), data=pb.ObjectValue(id="0:0")
            ),
        )
        assert name == "createRealTimeModelResponse"
        assert await w.service.read_model("m2", lambda live: live.version) == 0
        assert w.service.live_version("m2") == (0, 0)
        await asyncio.sleep(0.2)
        assert w.service.live_version("m2") is None
        # A server op loads it again; it goes again; the op is stored.
        version = await w.service.submit_server_operation(
            "m2",
            a.session_id,
            lambda tree, next_id: ot.ObjectAddProperty(
                id="0:0", key="k", value=ot.StringValue(next_id(), "v")
            ),
        )
        assert version == 1
        await asyncio.sleep(0.2)
        assert w.service.live_version("m2") is None
        version, data, _ = await stored(w, "m2")
        assert version == 1 and data == {"k": "v"}

    run_world(body, idle_seconds=0.02)


# -- per-session limits ----------------------------------------------------------------------


def test_open_models_per_session_are_limited(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        first = await open_model(w, a, "m1")
        await open_model(w, a, "m2")
        try:
            await open_model(w, a, "m3")
        except Exception as exc:  # ServiceError: the client gets it as the open's error
            assert getattr(exc, "code", None) == "too_many_open_models"
            assert "limit is 2" in str(exc)
        else:
            raise AssertionError("a third open was accepted")
        await open_model(w, b, "m3")  # other sessions are not affected
        await w.request(
            a,
            "closeRealTimeModelRequest",
            pb.CloseRealtimeModelRequestMessage(resourceId=first.resourceId),
        )
        await open_model(w, a, "m3")

    run_world(body, limits=unlimited(max_open_models=2))


def _share(rid: int, key: str) -> pb.ShareReferenceMessage:
    return pb.ShareReferenceMessage(
        resourceId=rid,
        valueId=StringValue(value="@:1"),
        key=key,
        references=wire.reference_to_wire(ot.ReferenceValue(ot.ReferenceType.INDEX, "@:1", (1,))),
        version=0,
    )


def test_references_per_session_and_model_are_limited(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra = (await open_model(w, a)).resourceId
        rb = (await open_model(w, b)).resourceId
        for key in ("k1", "k2"):
            await w.request(a, "shareReference", _share(ra, key))
            await w.request(b, "shareReference", _share(rb, key))
        await settle(w)
        assert a.of("forceCloseRealTimeModel") == []
        await w.request(a, "shareReference", _share(ra, "k3"))
        await settle(w)
        closes = a.of("forceCloseRealTimeModel")
        assert len(closes) == 1 and closes[0].reasonCode == 5 and "(limit 2)" in closes[0].reason
        assert b.of("forceCloseRealTimeModel") == []
        # b's references stay; a's went with its model.
        assert {r.session_id for r in w.service._live["m1"].references} == {b.session_id}

    run_world(body, limits=unlimited(max_references=2))


def test_a_too_long_string_closes_only_the_senders_model(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra = (await open_model(w, a)).resourceId
        rb = (await open_model(w, b)).resourceId
        await submit(w, a, ra, 1, 0, splice(5, "12345"))  # "hello12345": 10, the limit
        await settle(w)
        await submit(w, a, ra, 2, 1, splice(0, "x"))  # 11
        await settle(w)
        closes = a.of("forceCloseRealTimeModel")
        assert len(closes) == 1 and "limit is 10" in closes[0].reason
        assert a.errors == [("invalid_operation", closes[0].reason)]
        # A long string inside an inserted value is refused too.
        long_value = ot.ObjectValue("b:1", {"s": ot.StringValue("b:2", "y" * 11)})
        await submit(w, b, rb, 1, 1, ot.ObjectAddProperty(id="@:0", key="o", value=long_value))
        await settle(w)
        assert len(b.of("forceCloseRealTimeModel")) == 1
        c = await w.session()
        rc = (await open_model(w, c)).resourceId
        await submit(w, c, rc, 1, 1, ot.NumberDelta(id="@:2", delta=1))
        await settle(w)
        assert [m.version for m in c.of("operationAck")] == [1]
        version, data, _ = await stored(w)
        assert version == 2 and data == {"text": "hello12345", "n": 1}
        assert w.service._live["m1"].tree.get("@:1") == ot.StringValue("@:1", "hello12345")

    run_world(body, limits=unlimited(max_string_length=10))


def test_creating_a_model_past_the_limits_is_refused(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        for text in ("z" * 11, "é" * 10):  # too long; 10 characters but 20 bytes too many
            data = wire.object_to_wire(ot.ObjectValue("0:0", {"s": ot.StringValue("0:1", text)}))
            try:
                await w.request(
                    a,
                    "createRealTimeModelRequest",
                    pb.CreateRealtimeModelRequestMessage(collectionId="c", data=data),
                )
            except Exception as exc:
                assert getattr(exc, "code", None) == "invalid_model_creation_data", exc
                assert "limit" in str(exc)
            else:
                raise AssertionError(f"created a model with {text!r}")

    # 10 characters allowed; the snapshot of {"s": "é" * 10} is more than 60 + 10 bytes.
    small = len(snapshot_to_json(ot.ObjectValue("0:0", {"s": ot.StringValue("0:1", "")})))
    run_world(body, limits=unlimited(max_string_length=10, max_model_bytes=small + 15))


def test_model_size_is_limited_and_the_refused_op_leaves_nothing(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra = (await open_model(w, a)).resourceId
        rb = (await open_model(w, b)).resourceId
        live = w.service._live["m1"]
        seq = 0
        # Grow the model in small steps (acked while under the limit), then one step too far.
        while not a.of("forceCloseRealTimeModel"):
            seq += 1
            await submit(w, a, ra, seq, seq - 1, splice(0, "0123456789"))
            await settle(w)
            assert seq < 100
        version, data, _ = await stored(w)
        assert version == seq - 1 and len(a.of("operationAck")) == seq - 1
        closes = a.of("forceCloseRealTimeModel")
        assert "bytes; the limit is 300" in closes[0].reason
        assert snapshot_bytes(snapshot_to_json(live.tree.root)) <= 300
        assert ot.to_plain(live.tree.root) == data  # the refused op was undone in memory
        # Room for a smaller op is still there for others.
        await submit(w, b, rb, 1, version, ot.NumberDelta(id="@:2", delta=1))
        await settle(w)
        assert [m.version for m in b.of("operationAck")] == [version]

    run_world(body, limits=unlimited(max_model_bytes=300))


def test_a_model_already_past_the_limits_can_be_edited_without_growing(
    run_world: RunWorld,
) -> None:
    # Stored before the limits were lowered: edits that do not make it grow still go through,
    # so nobody is locked out of a big notebook; growing it is refused.
    big = ot.ObjectValue(
        "@:0", {"text": ot.StringValue("@:1", "y" * 20), "n": ot.DoubleValue("@:2", 0)}
    )

    async def body(w: World) -> None:
        async with w.db.transaction() as tx:
            collection = await CollectionRepository(tx).ensure(w.domain.pk, "c")
            await ModelRepository(tx).create(w.domain.pk, collection, "m1", snapshot_to_json(big))
        a, b = await w.session(), await w.session()
        ra = (await open_model(w, a)).resourceId
        rb = (await open_model(w, b)).resourceId
        shrink = ot.StringSplice(id="@:1", index=0, delete_count=2, insert_value="")
        same = ot.StringSplice(id="@:1", index=0, delete_count=1, insert_value="Z")
        await submit(w, a, ra, 1, 0, shrink)
        await submit(w, a, ra, 2, 1, same)
        await submit(w, b, rb, 1, 2, ot.NumberSet(id="@:2", value=5))  # same size
        await settle(w)
        assert [m.version for m in a.of("operationAck")] == [0, 1]
        assert [m.version for m in b.of("operationAck")] == [2]
        await submit(w, a, ra, 3, 3, splice(0, "Q"))  # grows the 18-character string
        await settle(w)
        assert "limit is 10" in a.of("forceCloseRealTimeModel")[0].reason
        await submit(
            w, b, rb, 2, 3, ot.ObjectAddProperty(id="@:0", key="k", value=ot.NullValue("b:1"))
        )
        await settle(w)
        assert "bytes; the limit is" in b.of("forceCloseRealTimeModel")[0].reason
        version, data, _ = await stored(w)
        assert version == 3 and data == {"text": "Z" + "y" * 17, "n": 5}

    size = snapshot_bytes(snapshot_to_json(big))
    run_world(body, limits=unlimited(max_string_length=10, max_model_bytes=size - 5))


# -- the size estimate is an upper bound -----------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
_scalar = st.one_of(
    _text.map(lambda s: ("string", s)),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: ("double", f)),
    st.booleans().map(lambda b: ("boolean", b)),
    st.none().map(lambda _: ("null", None)),
)
_plain = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: ("array", xs)),
        st.dictionaries(_text, inner, max_size=3).map(lambda d: ("object", d)),
    ),
    max_leaves=8,
)


def _value(spec: tuple[str, object], ids: list[int]) -> ot.DataValue:
    ids[0] += 1
    vid = f"h:{ids[0]}"
    kind, raw = spec
    if kind == "string":
        return ot.StringValue(vid, str(raw))
    if kind == "double":
        return ot.DoubleValue(vid, float(raw))  # type: ignore[arg-type]
    if kind == "boolean":
        return ot.BooleanValue(vid, bool(raw))
    if kind == "null":
        return ot.NullValue(vid)
    if kind == "array":
        return ot.ArrayValue(vid, [_value(x, ids) for x in raw])  # type: ignore[attr-defined]
    return ot.ObjectValue(vid, {k: _value(v, ids) for k, v in raw.items()})  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["splice", "set", "insert", "prop", "num"]), _text, _plain),
        min_size=1,
        max_size=8,
    )
)
def test_growth_bound_is_an_upper_bound_of_the_snapshot_growth(
    steps: list[tuple[str, str, tuple[str, object]]],
) -> None:
    tree = ot.ModelTree(
        ot.ObjectValue(
            "0:0",
            {
                "s": ot.StringValue("0:1", "abc"),
                "a": ot.ArrayValue("0:2", []),
                "n": ot.DoubleValue("0:3", 1.0),
            },
        )
    )
    ids = [0]
    for kind, text, spec in steps:
        op: ot.Operation
        if kind == "splice":
            op = ot.StringSplice(id="0:1", index=0, insert_value=text)
        elif kind == "set":
            op = ot.StringSet(id="0:1", value=text)
        elif kind == "insert":
            op = ot.ArrayInsert(id="0:2", index=0, value=_value(spec, ids))
        elif kind == "prop":
            key, value = f"p{text}", _value(spec, ids)
            root = tree.get("0:0")
            assert isinstance(root, ot.ObjectValue)
            op = (
                ot.ObjectSetProperty(id="0:0", key=key, value=value)
                if key in root.children
                else ot.ObjectAddProperty(id="0:0", key=key, value=value)
            )
        else:
            op = ot.NumberSet(id="0:3", value=-1.2345678901234567e-300)
        before = snapshot_bytes(snapshot_to_json(tree.root))
        ot.apply(tree, op)
        after = snapshot_bytes(snapshot_to_json(tree.root))
        assert after - before <= growth_bound(op), (kind, text, spec)
