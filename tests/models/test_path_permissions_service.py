"""Path permissions in the model service (issue 12), the parts the rc.12 e2e test does not
reach: references on hidden values are not forwarded, server-side ops are cut per reader,
history, playback and resync are refused and query results left out for a restricted user,
and a grant change closes exactly the members whose view changes. Both backends."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import Int32Value, StringValue

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.models import wire
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.models import CollectionRepository, ModelRepository, PermissionFlags
from convergence_jupyter.store.path_grants import PathGrantRepository

from .conftest import FakeSession, RunWorld, World

DATA = {"title": "Exam", "answers": {"a": {"text": "SECRET-A"}, "b": {"text": "SECRET-B"}}}


def _root(data: dict[str, Any]) -> ot.ObjectValue:
    counter = iter(range(1 << 30))
    root = ot.from_plain(data, lambda: f"0:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return root


async def _open(
    w: World, s: FakeSession, model_id: str = "exam"
) -> pb.OpenRealtimeModelResponseMessage:
    s.auto_create = pb.AutoCreateModelConfigResponseMessage(
        collection="exams", data=wire.object_to_wire(_root(DATA))
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


async def _setup(w: World) -> tuple[FakeSession, FakeSession, Any, Any]:
    """The teacher creates the exam (and so manages it); student ``a`` may read and write the
    model, but path grants hide /answers except /answers/a."""
    teacher, student = await w.session(), await w.session()
    t_open = await _open(w, teacher)
    async with w.db.transaction() as tx:
        collection = await CollectionRepository(tx).get(w.domain.pk, "exams")
        assert collection is not None
        await CollectionRepository(tx).set_world(
            collection.pk, PermissionFlags(read=True, write=True)
        )
        model = await ModelRepository(tx).get(w.domain.pk, "exam")
        assert model is not None
        grants = PathGrantRepository(tx)
        await grants.put(model.pk, "/answers", "world", read=False, write=False)
        await grants.put(
            model.pk, "/answers/a", "user", user_pk=student.user_pk, read=True, write=True
        )
    s_open = await _open(w, student)
    return teacher, student, t_open, s_open


def _ids(reply: pb.OpenRealtimeModelResponseMessage) -> dict[str, str]:
    """Value ids by path, from the open reply's data."""
    tree = wire.object_from_wire(reply.data)
    out: dict[str, str] = {}

    def walk(v: ot.DataValue, path: str) -> None:
        out[path] = v.id
        if isinstance(v, ot.ObjectValue):
            for k, c in v.children.items():
                walk(c, f"{path}/{k}")

    walk(tree, "")
    return out


def _share(rid: int, value_id: str) -> pb.ShareReferenceMessage:
    return pb.ShareReferenceMessage(
        resourceId=rid,
        valueId=StringValue(value=value_id),
        key="cursor",
        references=wire.reference_to_wire(
            ot.ReferenceValue(ot.ReferenceType.INDEX, value_id, (1,))
        ),
        version=0,
    )


def test_restricted_reader_gets_neither_hidden_references_nor_hidden_server_data(
    run_world: RunWorld,
) -> None:
    async def body(w: World) -> None:
        teacher, student, t_open, s_open = await _setup(w)
        assert ot.to_plain(wire.object_from_wire(s_open.data)) == {
            "title": "Exam",
            "answers": {"a": {"text": "SECRET-A"}},
        }
        ids = _ids(t_open)
        rid = t_open.resourceId
        await w.request(teacher, "shareReference", _share(rid, ids["/answers/b/text"]))
        await w.request(teacher, "shareReference", _share(rid, ids["/answers/a/text"]))
        live = w.service._live["exam"]
        await live.call(lambda: None)
        shared = [m.valueId.value for m in student.of("referenceShared")]
        assert shared == [ids["/answers/a/text"]]

        # A server-side op (as REST's replace) that rewrites both answers.
        def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation:
            answers = ot.ObjectValue(
                next_id(),
                {
                    "a": ot.StringValue(next_id(), "NEW-A"),
                    "b": ot.StringValue(next_id(), "NEW-B"),
                },
            )
            return ot.ObjectSetProperty(id=tree.root.id, key="answers", value=answers)

        version = await w.service.submit_server_operation("exam", teacher.session_id, build)
        await live.call(lambda: None)
        got = student.of("remoteOperation")[-1]
        assert got.contextVersion == (version or 0) - 1
        assert b"NEW-B" not in got.SerializeToString()
        teacher_got = teacher.of("remoteOperation")[-1]
        assert b"NEW-B" in teacher_got.SerializeToString()
        view = live.members[student.session_id].rules
        assert view is not None
        assert ot.to_plain(view.view_root(live.tree.root))["answers"] == {"a": "NEW-A"}

    run_world(body)


def test_history_resync_and_queries_are_refused_or_filtered(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        teacher, student, _, _ = await _setup(w)
        for name, message in (
            ("historicalDataRequest", pb.HistoricalDataRequestMessage(modelId="exam")),
            (
                "historicalOperationsRequest",
                pb.HistoricalOperationRequestMessage(modelId="exam", first=1, last=1),
            ),
        ):
            with pytest.raises(ServiceError) as refused:
                await w.request(student, name, message)
            assert refused.value.code == "unauthorized"
        # The teacher (manage) is not restricted.
        name, _ = await w.request(
            teacher, "historicalDataRequest", pb.HistoricalDataRequestMessage(modelId="exam")
        )
        assert name == "historicalDataResponse"
        other = await w.session()
        with pytest.raises(ServiceError) as refused:
            await w.request(
                other,
                "modelResyncRequest",
                pb.ModelResyncRequestMessage(modelId="exam", contextVersion=0),
            )
        assert refused.value.code == "unauthorized"
        query = pb.ModelsQueryRequestMessage(query="SELECT FROM exams")
        _, for_student = await w.request(student, "modelsQueryRequest", query)
        _, for_teacher = await w.request(teacher, "modelsQueryRequest", query)
        assert [m.modelId for m in for_student.models] == []
        assert [m.modelId for m in for_teacher.models] == ["exam"]

    run_world(body)


def test_a_grant_change_closes_the_members_whose_view_changes(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        teacher, student, _, _ = await _setup(w)
        async with w.db.transaction() as tx:
            model = await ModelRepository(tx).get(w.domain.pk, "exam")
            assert model is not None
            await PathGrantRepository(tx).put(
                model.pk, "/answers/b", "user", user_pk=student.user_pk, read=True, write=False
            )
        await w.service.path_permissions_changed("exam")
        closes = student.of("forceCloseRealTimeModel")
        assert [c.reasonCode for c in closes] == [8]
        assert teacher.of("forceCloseRealTimeModel") == []
        # Opened again, the student sees the newly granted answer.
        again = await _open(w, student)
        seen = ot.to_plain(wire.object_from_wire(again.data))
        assert seen["answers"] == {"a": {"text": "SECRET-A"}, "b": {"text": "SECRET-B"}}

    run_world(body)


def test_an_offline_copy_is_the_view_the_user_may_read(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        _, opened, _, _ = await _setup(w)
        # Another session of the student, without the model open, subscribes to it offline
        # (rc.12's offline mode).
        student = FakeSession("offline-1", opened.user, opened.user_pk, w.domain)
        w.runtime.directory.register(student.session_id, student.user)
        sub = pb.ModelOfflineSubscriptionChangeRequestMessage.ModelOfflineSubscriptionData
        await w.request(
            student,
            "modelOfflineSubscriptionChange",
            pb.ModelOfflineSubscriptionChangeRequestMessage(subscribe=[sub(modelId="exam")]),
        )
        offline = w.service.offline
        for _ in range(2000):
            await asyncio.sleep(0.005)
            if not offline._tasks and not offline._pushes:
                break
        (update,) = student.of("modelOfflineUpdated")
        assert update.WhichOneof("action") == "initial"
        data = ot.to_plain(wire.object_from_wire(update.initial.model.data))
        assert data == {"title": "Exam", "answers": {"a": {"text": "SECRET-A"}}}
        assert b"SECRET-B" not in update.SerializeToString()

    run_world(body)
