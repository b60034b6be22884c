"""A broadcast is built and encoded once per distinct resource id, and every recipient with
that id gets the same bytes (bench/README.md, "encode each broadcast once")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from convergence_jupyter.models import live_model
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage

from .conftest import RunWorld, World
from .test_service import open_model, settle, splice, submit


@pytest.fixture
def encodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The body names the live model encoded, in order."""
    seen: list[str] = []
    original = live_model.encode

    def counting(body_name: str, *args: Any, **kwargs: Any) -> bytes:
        seen.append(body_name)
        return original(body_name, *args, **kwargs)

    monkeypatch.setattr(live_model, "encode", counting)
    return seen


def test_one_encode_serves_every_reader_with_the_same_resource_id(
    run_world: RunWorld, encodes: list[str]
) -> None:
    async def body(w: World) -> None:
        writer = await w.session()
        rid = (await open_model(w, writer)).resourceId
        readers = [await w.session() for _ in range(4)]
        for reader in readers:
            assert (await open_model(w, reader)).resourceId == rid
        encodes.clear()
        await submit(w, writer, rid, 1, 0, splice(0, "x"))
        await settle(w)
        assert encodes == ["remoteOperation"]
        frames = [frame for r in readers for name, frame in r.encoded if name == "remoteOperation"]
        assert len(frames) == len(readers)
        assert all(frame == frames[0] for frame in frames)
        op = ConvergenceMessage.FromString(frames[0]).remoteOperation
        assert (op.resourceId, op.sessionId, op.contextVersion) == (rid, writer.session_id, 0)
        assert writer.of("remoteOperation") == []
        assert len(writer.of("operationAck")) == 1

    run_world(body)


def test_recipients_with_other_resource_ids_get_their_own_frame(
    run_world: RunWorld, encodes: list[str]
) -> None:
    async def body(w: World) -> None:
        writer, same, other = await w.session(), await w.session(), await w.session()
        await open_model(w, other, "m0")  # "other" now uses resource id 2 for m1
        rid = (await open_model(w, writer)).resourceId
        assert (await open_model(w, same)).resourceId == rid
        other_rid = (await open_model(w, other)).resourceId
        assert other_rid != rid
        encodes.clear()
        await submit(w, writer, rid, 1, 0, splice(0, "x"))
        await settle(w)
        assert encodes == ["remoteOperation", "remoteOperation"]
        assert [m.resourceId for m in same.of("remoteOperation")] == [rid]
        assert [m.resourceId for m in other.of("remoteOperation")] == [other_rid]
        assert same.of("remoteOperation")[0].operation == other.of("remoteOperation")[0].operation

    run_world(body)


def test_frames_for_a_member_still_opening_wait_for_its_reply(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        writer, late = await w.session(), await w.session()
        rid = (await open_model(w, writer)).resourceId
        live = w.service._live["m1"]
        # A member whose open reply is not out yet: shared frames are held, then flushed.
        await live.call(lambda: live.open(late, rid, live.members[writer.session_id].permissions))
        await submit(w, writer, rid, 1, 0, splice(0, "x"))
        await settle(w)
        assert late.encoded == []
        live.release(late.session_id)
        assert [name for name, _ in late.encoded] == ["remoteOperation"]
        await asyncio.sleep(0)

    run_world(body)
