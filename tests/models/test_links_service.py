"""Model links through the model service (in-process, as clients use it): the index follows
creation and every committed op; a client's delete applies the target collection's policy:
refuse (model_is_linked, nothing deleted), nullify (an op open clients receive), cascade (needs
remove permission on every model it takes)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import BoolValue, StringValue

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.models.links import Link
from convergence_jupyter.models.persistence import snapshot_from_json
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.model_links import LinkPolicy, ModelLinkRepository
from convergence_jupyter.store.models import CollectionRepository, ModelRecord, ModelRepository

from .conftest import FakeSession, RunWorld, World, submit

_ids = itertools.count()


def ref(collection: str, model_id: str) -> dict[str, Any]:
    return {"$ref": {"collection": collection, "id": model_id}}


def value(data: Any) -> ot.DataValue:
    return ot.from_plain(data, lambda: f"v:{next(_ids)}")


async def create(w: World, s: FakeSession, collection: str, model_id: str, data: Any) -> str:
    root = value(data)
    assert isinstance(root, ot.ObjectValue)
    await w.request(
        s,
        "createRealTimeModelRequest",
        pb.CreateRealtimeModelRequestMessage(
            collectionId=collection,
            modelId=StringValue(value=model_id),
            data=wire.object_to_wire(root),
        ),
    )
    return root.id


async def record(w: World, model_id: str) -> ModelRecord:
    async with w.db.transaction(readonly=True) as tx:
        found = await ModelRepository(tx).get(w.domain.pk, model_id)
        assert found is not None
        return await snapshots.current(tx, found)  # the stored snapshot plus the op tail


async def links(w: World, model_id: str) -> set[Link]:
    rows = await w.service.links_of(await record(w, model_id))
    return {Link(r.path, r.collection, r.model_id) for r in rows}


async def policy(w: World, collection_id: str, chosen: LinkPolicy) -> None:
    async with w.db.transaction(readonly=True) as tx:
        collection = await CollectionRepository(tx).get(w.domain.pk, collection_id)
    assert collection is not None
    await w.service.set_link_policy(collection, chosen)


async def query(w: World, s: FakeSession, text: str) -> list[str]:
    """Model ids a query returns: links are data, so queries filter on their fields."""
    _, reply = await w.request(s, "modelsQueryRequest", pb.ModelsQueryRequestMessage(query=text))
    return [m.modelId for m in reply.models]


async def delete(w: World, s: FakeSession, model_id: str) -> None:
    await w.request(
        s, "deleteRealtimeModelRequest", pb.DeleteRealtimeModelRequestMessage(modelId=model_id)
    )


def test_index_follows_ops_and_deletes_apply_the_policy(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        a, b, admin = await w.session(), await w.session(), await w.session(admin=True)
        for model_id in ("p1", "p2"):
            await create(w, b, "people", model_id, {"name": model_id})
        root_id = await create(w, a, "docs", "d", {"who": ref("people", "p1"), "n": 0})
        assert await links(w, "d") == {Link("/who", "people", "p1")}
        await create(w, a, "docs", "other", {"who": ref("people", "p2")})
        assert await query(w, a, "SELECT FROM docs WHERE who.$ref.id = 'p1'") == ["d"]
        linked = "SELECT FROM docs WHERE who.`$ref`.collection = 'people' ORDER BY @id"
        assert await query(w, a, linked) == ["d", "other"]

        # An index left behind (a crash between the batch and its index write) is repaired
        # when the model loads.
        other = await record(w, "other")
        async with w.db.transaction() as tx:
            await ModelLinkRepository(tx).replace(w.domain.pk, other.pk, [])
        assert await links(w, "other") == set()
        await w.request(
            b,
            "openRealTimeModelRequest",
            pb.OpenRealtimeModelRequestMessage(modelId=StringValue(value="other")),
        )
        assert await links(w, "other") == {Link("/who", "people", "p2")}

        opened = await w.request(
            a,
            "openRealTimeModelRequest",
            pb.OpenRealtimeModelRequestMessage(modelId=StringValue(value="d")),
        )
        rid = opened[1].resourceId
        add = ot.ObjectAddProperty(id=root_id, key="also", value=value(ref("people", "p2")))
        await submit(w, a, rid, 1, 0, add)
        await submit(w, a, rid, 2, 1, ot.ObjectAddProperty(id=root_id, key="x", value=value(1)))
        await w.service._live["d"].call(lambda: None)
        assert [m.version for m in a.of("operationAck")] == [0, 1]
        assert await links(w, "d") == {
            Link("/who", "people", "p1"),
            Link("/also", "people", "p2"),
        }

        await policy(w, "people", LinkPolicy.REFUSE)
        with pytest.raises(ServiceError) as refused:
            await delete(w, b, "p1")
        assert refused.value.code == "model_is_linked"
        assert "d at /who" in refused.value.message
        await record(w, "p1")  # still there

        await policy(w, "people", LinkPolicy.NULLIFY)
        await delete(w, b, "p1")
        await w.service._live["d"].call(lambda: None)
        remote = a.of("remoteOperation")
        assert len(remote) == 1 and remote[0].sessionId == b.session_id
        stored = await record(w, "d")
        assert stored.version == 3
        assert ot.to_plain(snapshot_from_json(stored.data)) == {
            "who": None,
            "n": 0,
            "also": ref("people", "p2"),
            "x": 1,
        }
        assert await links(w, "d") == {Link("/also", "people", "p2")}

        # cascade takes "d" too, so the deleter needs remove permission on it.
        await w.request(
            a,
            "setModelPermissionsRequest",
            pb.SetModelPermissionsRequestMessage(
                modelId="d",
                overrideCollection=BoolValue(value=True),
                worldPermissions=pb.ModelPermissionsData(read=True),
            ),
        )
        await policy(w, "people", LinkPolicy.CASCADE)
        with pytest.raises(ServiceError) as denied:
            await delete(w, b, "p2")
        assert denied.value.code == "unauthorized" and "'d'" in denied.value.message
        await record(w, "p2")
        await delete(w, admin, "p2")
        await asyncio.sleep(0.01)
        async with w.db.transaction(readonly=True) as tx:
            assert await ModelRepository(tx).get(w.domain.pk, "d") is None
            assert await ModelRepository(tx).get(w.domain.pk, "p2") is None
        assert a.of("forceCloseRealTimeModel")

    run_world(body)
