"""The model service's trusted server-side API (added for notebooks): ops built inside the
serializer reach every member as remote ops of the server session, are stored, and clients'
concurrent ops are transformed against them."""

from __future__ import annotations

import asyncio

import pytest

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from tests.models.conftest import RunWorld, World
from tests.models.test_service import open_model, settle, splice, stored, submit


def test_server_operation_is_broadcast_stored_and_transformed(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b = await w.session(), await w.session()
        ra, rb = await open_model(w, a), await open_model(w, b)
        assert w.service.live_version("m1") == (0, 2)
        ids: list[str] = []

        def build(tree: ot.ModelTree, next_id: object) -> ot.Operation:
            assert callable(next_id)
            ids.append(next_id())
            return ot.CompoundOperation(
                (
                    ot.StringSplice(id="@:1", index=0, insert_value="A"),
                    ot.ObjectAddProperty(id="@:0", key="k", value=ot.StringValue(ids[0], "v")),
                )
            )

        version = await w.service.submit_server_operation("m1", "server-1", build)
        assert version == 1
        # The value id prefix is reserved like a client's, after the two opens ("2", "3").
        assert ids == ["4:0"]
        for s, r in ((a, ra), (b, rb)):
            remote = s.of("remoteOperation")
            assert len(remote) == 1
            assert remote[0].sessionId == "server-1"
            assert remote[0].contextVersion == 0
            assert remote[0].resourceId == r.resourceId
        # a's op, made before it saw the server's, is transformed against it.
        await submit(w, a, ra.resourceId, 1, 0, splice(5, "!"))
        await settle(w)
        v, data, ops = await stored(w)
        assert v == 2
        assert data == {"text": "Ahello!", "n": 0.0, "k": "v"}
        assert [o.session_id for o in ops] == ["server-1", a.session_id]
        assert await w.service.read_model("m1", lambda live: ot.to_plain(live.tree.root)) == data

    run_world(body)


def test_server_operation_none_and_invalid_change_nothing(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a = await w.session()
        await open_model(w, a)
        assert await w.service.submit_server_operation("m1", "srv", lambda t, n: None) is None
        with pytest.raises(ot.InvalidOperationError):
            await w.service.submit_server_operation(
                "m1", "srv", lambda t, n: ot.StringSplice(id="@:1", index=99, insert_value="x")
            )
        await asyncio.sleep(0)
        assert a.of("remoteOperation") == []
        assert (await stored(w))[0] == 0
        with pytest.raises(ServiceError):
            await w.service.submit_server_operation("nope", "srv", lambda t, n: None)
        assert w.service.live_version("nope") is None

    run_world(body)
