"""The web hooks as the model service's observer, in one process with the real model service,
a real database (SQLite, PostgreSQL) and a real HTTP receiver: debounced signed saves, the
latest snapshot after an outage, saves at unload, nothing sent twice, shutdown, and init.

Opens with auto-create use the model tests' in-process session (tests/models/conftest.py);
tests/webhooks/test_with_client.py does the same with the real rc.12 client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import Int32Value, StringValue

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.session import DomainRef
from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store import UserRepository
from convergence_jupyter.store.models import CollectionRepository, ModelRepository, PermissionFlags
from convergence_jupyter.store.webhooks import DeliveryRecord, WebhookRecord, WebhookSettings
from convergence_jupyter.webhooks.allow_list import TargetPolicy, TargetRefused
from convergence_jupyter.webhooks.configuration import WebhookConfigurator
from convergence_jupyter.webhooks.delivery import Backoff, Sender
from convergence_jupyter.webhooks.lifecycle import WebhookDispatcher
from tests.models.conftest import FakeSession

from .conftest import COLLECTION, Place, RunPlace
from .receiver import Answer, Receiver

LOOPBACK = TargetPolicy.from_strings(["127.0.0.1/32"])
FAST = Backoff(initial=0.2, factor=2.0, cap=0.5, jitter=0.0)


@dataclass
class World:
    place: Place
    service: ModelService
    runtime: DomainRuntime
    dispatcher: WebhookDispatcher
    hooks: WebhookConfigurator
    receiver: Receiver

    async def hook(self, **settings: Any) -> WebhookRecord:
        base = WebhookSettings(url=self.receiver.url(), debounce_seconds=0.2)
        return await self.hooks.create(self.place.domain_pk, COLLECTION, replace(base, **settings))

    async def edit(self, model_id: str, key: str, value: float) -> float:
        """One committed op through the model service; returns its latency in seconds."""

        def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation:
            kind = ot.ObjectSetProperty if key in tree.root.children else ot.ObjectAddProperty
            return kind(id=tree.root.id, key=key, value=ot.DoubleValue(next_id(), value))

        started = time.perf_counter()
        await self.service.submit_server_operation(model_id, "server-1", build)
        return time.perf_counter() - started

    async def deliveries(self, hook: WebhookRecord) -> list[DeliveryRecord]:
        items, _ = await self.hooks.deliveries(
            self.place.domain_pk, COLLECTION, hook.hook_id, 0, 1000
        )
        return items

    async def session(self) -> FakeSession:
        async with self.place.db.transaction() as tx:
            record = await UserRepository(tx).create_anonymous(self.place.domain_pk, "x")
        user = DomainUser(DomainUserId(UserType.ANONYMOUS, record.username))
        ref = DomainRef(self.place.domain_pk, "convergence", "default")
        s = FakeSession(f"s{record.pk}", user, record.pk, ref)
        self.runtime.directory.register(s.session_id, user)
        return s

    async def open_auto_create(
        self, s: FakeSession, model_id: str, data: dict[str, Any], collection: str = COLLECTION
    ) -> pb.OpenRealtimeModelResponseMessage:
        root = ot.from_plain(data, iter(f"9:{i}" for i in range(10**6)).__next__)
        assert isinstance(root, ot.ObjectValue)
        s.auto_create = pb.AutoCreateModelConfigResponseMessage(
            collection=collection, data=wire.object_to_wire(root)
        )
        handler = self.runtime.handler_for("openRealTimeModelRequest")
        assert handler is not None
        reply = await handler(
            s,
            pb.OpenRealtimeModelRequestMessage(
                modelId=StringValue(value=model_id), autoCreateId=Int32Value(value=1)
            ),
        )
        assert reply is not None
        return reply[1]  # type: ignore[return-value]

    async def stored(self, model_id: str) -> tuple[int, Any] | None:
        async with self.place.db.transaction(readonly=True) as tx:
            record = await ModelRepository(tx).get(self.place.domain_pk, model_id)
            if record is None:
                return None
            tree = await snapshots.current_tree(tx, record)  # the snapshot plus the op tail
        return record.version, ot.to_plain(tree.root)


@asynccontextmanager
async def world(
    place: Place,
    receiver: Receiver,
    *,
    delivery_policy: TargetPolicy = LOOPBACK,
    grace: float = 2.0,
) -> AsyncIterator[World]:
    dispatcher = WebhookDispatcher(
        place.db, Sender(delivery_policy), backoff=FAST, shutdown_grace=grace
    )
    hooks = WebhookConfigurator(place.db, LOOPBACK, dispatcher)
    ref = DomainRef(place.domain_pk, "convergence", "default")
    runtime = DomainRuntime(ref, [lambda rt: ModelService(rt, place.db, lifecycle=dispatcher)])
    service = runtime.services[0]
    assert isinstance(service, ModelService)
    try:
        yield World(place, service, runtime, dispatcher, hooks, receiver)
    finally:
        await runtime.close()
        await asyncio.sleep(0.05)
        await dispatcher.close()


async def wait_for(receiver: Receiver, predicate: Any, seconds: float = 20.0) -> list[Any]:
    return await asyncio.to_thread(receiver.wait_for, predicate, seconds)


def saves(receiver: Receiver) -> list[dict[str, Any]]:
    return [r.json() for r in receiver.received() if r.headers.get("X-Convergence-Event") == "save"]


# -- saves ---------------------------------------------------------------------------------------


def test_changes_settle_into_one_signed_save_with_the_snapshot(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {"title": "hello"})
        async with world(place, receiver) as w:
            hook = await w.hook(debounce_seconds=0.4)
            for n in range(5):
                await w.edit("m1", "n", float(n))
                await asyncio.sleep(0.05)
            found = await wait_for(receiver, lambda rs: len(rs) >= 1)
            await asyncio.sleep(0.8)  # a second save would be due by now
            assert len(receiver.received()) == 1
            (request,) = found
            assert request.signature_valid(hook.secret)
            sent = request.json()
            assert sent["event"] == "save" and sent["hook"] == hook.hook_id
            assert sent["domain"] == {"namespace": "convergence", "id": "default"}
            assert sent["collection"] == COLLECTION
            assert sent["model"]["id"] == "m1" and sent["model"]["version"] == 5
            assert sent["model"]["data"] == {"title": "hello", "n": 4.0}
            assert sent["delivery"] == request.headers["X-Convergence-Delivery"]
            (log,) = await w.deliveries(hook)
            assert (log.event, log.status, log.attempts, log.version) == ("save", "succeeded", 1, 5)
            assert log.response_status == 200 and log.delivery_id == sent["delivery"]

    run_place(body)


def test_steady_editing_still_saves_at_max_wait(run_place: RunPlace, receiver: Receiver) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {})
        async with world(place, receiver) as w:
            await w.hook(debounce_seconds=0.3, max_wait_seconds=0.6)
            for n in range(20):  # 2 s of changes, never 0.3 s apart
                await w.edit("m1", "n", float(n))
                await asyncio.sleep(0.1)
            during = saves(receiver)
            assert during, "no save while the model kept changing"
            assert during[0]["model"]["version"] < 20
            await wait_for(receiver, lambda rs: rs[-1].json()["model"]["version"] == 20)

    run_place(body)


def test_receiver_down_retries_and_the_latest_snapshot_wins(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {})
        async with world(place, receiver) as w:
            hook = await w.hook(debounce_seconds=0.1, max_attempts=50)
            receiver.down()
            latencies = []
            for n in range(30):
                latencies.append(await w.edit("m1", f"k{n}", float(n)))
                await asyncio.sleep(0.05)
            for _ in range(200):  # until the save has failed twice
                pending = await w.deliveries(hook)
                if pending and pending[0].attempts >= 2:
                    break
                await asyncio.sleep(0.05)
            assert pending[0].status == "pending", pending
            assert "Connection refused" in (pending[0].error or ""), pending[0]
            receiver.up()
            await wait_for(receiver, lambda rs: rs and rs[-1].json()["model"]["version"] == 30)
            last = saves(receiver)[-1]["model"]
            assert last["data"] == {f"k{n}": float(n) for n in range(30)}
            latencies.sort()
            print(
                f"op latency while the receiver was down: median {latencies[15] * 1000:.1f} ms, "
                f"max {latencies[-1] * 1000:.1f} ms"
            )
            log = await w.deliveries(hook)
            first = log[-1]
            assert first.status == "succeeded" and first.attempts > 1, first

    run_place(body)


def test_unload_saves_at_once_and_an_unchanged_model_is_not_sent_again(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {})
        async with world(place, receiver) as w:
            await w.hook(debounce_seconds=600, max_wait_seconds=600)
            await w.edit("m1", "a", 1.0)
            await asyncio.sleep(0.3)
            assert receiver.received() == []  # the debounce is long
            await w.runtime.close()  # unloads every model
            found = await wait_for(receiver, lambda rs: len(rs) == 1, seconds=10)
            assert found[0].json()["model"]["version"] == 1
        # A new dispatcher (a restart): loading and unloading the unchanged model sends nothing.
        async with world(place, receiver) as w:
            await w.service.read_model("m1", lambda live: None)
            await w.runtime.close()
            await asyncio.sleep(0.5)
        assert len(receiver.received()) == 1

    run_place(body)


def test_final_answers_and_exhausted_attempts_fail(run_place: RunPlace, receiver: Receiver) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {})
        async with world(place, receiver) as w:
            receiver.respond = lambda r: Answer(status=401)
            hook = await w.hook(debounce_seconds=0.05, max_attempts=3)
            await w.edit("m1", "a", 1.0)
            await wait_for(receiver, lambda rs: len(rs) == 1)
            await asyncio.sleep(0.3)
            (log,) = await w.deliveries(hook)
            assert (log.status, log.attempts, log.response_status) == ("failed", 1, 401)
            receiver.respond = lambda r: Answer(status=503)
            await w.edit("m1", "a", 2.0)
            await wait_for(receiver, lambda rs: len(rs) == 4)
            await asyncio.sleep(0.3)
            newest = (await w.deliveries(hook))[0]
            assert (newest.status, newest.attempts, newest.response_status) == ("failed", 3, 503)
            assert newest.completed_at is not None

    run_place(body)


def test_outstanding_delivery_at_shutdown_is_recorded(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> WebhookRecord:
        await place.create_model("m1", {})
        receiver.down()
        async with world(place, receiver, grace=0.5) as w:
            hook = await w.hook(debounce_seconds=0.05, max_attempts=50)
            await w.edit("m1", "a", 1.0)
            await asyncio.sleep(0.5)
        async with world(place, receiver) as w:
            (log,) = await w.deliveries(hook)
            assert log.status == "abandoned", log
            assert "shut down" in (log.error or "")
            assert log.completed_at is not None
        return hook

    run_place(body)


def test_the_allow_list_is_enforced_again_when_delivering(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {})
        # Configured while loopback was allowed; the server now runs without that allowance.
        async with world(place, receiver, delivery_policy=TargetPolicy()) as w:
            hook = await w.hook(debounce_seconds=0.05)
            await w.edit("m1", "a", 1.0)
            for _ in range(100):
                log = await w.deliveries(hook)
                if log and log[0].status != "pending":
                    break
                await asyncio.sleep(0.05)
            assert log[0].status == "refused" and "not a public address" in (log[0].error or "")
        assert receiver.received() == []

    run_place(body)


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8888/hook",
        "http://[::1]/hook",
    ],
)
def test_a_hook_to_a_disallowed_address_is_refused_at_configuration(
    run_place: RunPlace, receiver: Receiver, url: str
) -> None:
    async def body(place: Place) -> None:
        async with world(place, receiver) as w:
            hooks = WebhookConfigurator(place.db, TargetPolicy(), w.dispatcher)
            with pytest.raises(TargetRefused, match="not a public address"):
                await hooks.create(place.domain_pk, COLLECTION, WebhookSettings(url=url))
            assert (await hooks.page(place.domain_pk, COLLECTION, 0, 10))[1] == 0

    run_place(body)


# -- init ----------------------------------------------------------------------------------


def _init_answer(data: Any, status: int = 200, delay: float = 0.0) -> Any:
    def answer(request: Any) -> Answer:
        if request.headers.get("X-Convergence-Event") == "init":
            return Answer(status=status, body=json.dumps(data).encode(), delay=delay)
        return Answer()

    return answer


def test_init_creates_a_missing_model_from_the_receivers_data(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        async with world(place, receiver) as w:
            hook = await w.hook(on_init=True, on_save=False)
            receiver.respond = _init_answer({"data": {"title": "from the receiver", "n": [1, 2]}})
            a = await w.session()
            reply = await w.open_auto_create(a, "doc-1", {"title": "client default"})
            assert reply.version == 0
            assert wire.object_from_wire(reply.data) is not None
            assert await w.stored("doc-1") == (0, {"title": "from the receiver", "n": [1.0, 2.0]})
            (request,) = receiver.received()
            assert request.signature_valid(hook.secret)
            assert request.json() == {
                "event": "init",
                "hook": hook.hook_id,
                "delivery": request.headers["X-Convergence-Delivery"],
                "domain": {"namespace": "convergence", "id": "default"},
                "collection": COLLECTION,
                "model": {"id": "doc-1"},
            }
            (log,) = await w.deliveries(hook)
            assert (log.event, log.status, log.model_id) == ("init", "succeeded", "doc-1")

    run_place(body)


def test_init_unknown_to_the_receiver_uses_the_clients_data(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        async with world(place, receiver) as w:
            await w.hook(on_init=True, on_save=False)
            receiver.respond = _init_answer({}, status=404)
            await w.open_auto_create(await w.session(), "doc-2", {"title": "client default"})
            assert await w.stored("doc-2") == (0, {"title": "client default"})

    run_place(body)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_init_answer({}, status=500), "HTTP 500"),
        (_init_answer({"data": [1, 2]}), "invalid answer"),
        (_init_answer({"data": {}}, delay=3.0), "failed"),
    ],
    ids=["server-error", "invalid-answer", "timeout"],
)
def test_a_failing_init_receiver_fails_the_open_and_creates_nothing(
    run_place: RunPlace, receiver: Receiver, answer: Any, reason: str
) -> None:
    async def body(place: Place) -> None:
        async with world(place, receiver) as w:
            hook = await w.hook(on_init=True, on_save=False, timeout_seconds=1.0)
            receiver.respond = answer
            started = time.monotonic()
            with pytest.raises(ServiceError) as caught:
                await w.open_auto_create(await w.session(), "doc-3", {"title": "default"})
            elapsed = time.monotonic() - started
            print(f"open failed after {elapsed:.2f} s: {caught.value}")
            assert caught.value.code == "model_initialization_failed"
            assert reason in str(caught.value) and "127.0.0.1" not in str(caught.value)
            assert await w.stored("doc-3") is None
            (log,) = await w.deliveries(hook)
            assert log.status == "failed" and log.attempts >= 1

    run_place(body)


def test_concurrent_opens_of_one_missing_model_ask_the_receiver_once(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        async with world(place, receiver) as w:
            await w.hook(on_init=True, on_save=False)
            receiver.respond = _init_answer({"data": {"v": 1}}, delay=0.3)
            a, b = await w.session(), await w.session()
            await asyncio.gather(
                w.open_auto_create(a, "doc-4", {}), w.open_auto_create(b, "doc-4", {})
            )
            assert len(receiver.received()) == 1
            assert await w.stored("doc-4") == (0, {"v": 1.0})

    run_place(body)


def test_no_init_hook_means_no_request(run_place: RunPlace, receiver: Receiver) -> None:
    async def body(place: Place) -> None:
        async with world(place, receiver) as w:
            await w.hook(on_init=False, on_save=True)
            await w.open_auto_create(await w.session(), "doc-5", {"x": "y"})
            assert await w.stored("doc-5") == (0, {"x": "y"})
            await asyncio.sleep(0.2)
            assert receiver.received() == []

    run_place(body)


def test_init_is_not_asked_for_a_user_who_may_not_create(
    run_place: RunPlace, receiver: Receiver
) -> None:
    """Only someone allowed to create models in the collection makes the server call out."""

    async def body(place: Place) -> None:
        async with place.db.transaction() as tx:
            await CollectionRepository(tx).ensure(
                place.domain_pk, "locked", PermissionFlags(read=True)
            )
        async with world(place, receiver) as w:
            await w.hooks.create(
                place.domain_pk,
                "locked",
                WebhookSettings(url=receiver.url(), on_init=True, on_save=False),
            )
            receiver.respond = _init_answer({"data": {"private": "data"}})
            with pytest.raises(ServiceError) as caught:
                await w.open_auto_create(await w.session(), "doc-6", {}, collection="locked")
            assert caught.value.code == "unauthorized"
            await asyncio.sleep(0.2)
            assert receiver.received() == []
            assert await w.stored("doc-6") is None

    run_place(body)


def test_a_change_during_the_last_save_is_still_sent_at_shutdown(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {})
        receiver.respond = lambda r: Answer(delay=0.6)
        async with world(place, receiver, grace=3.0) as w:
            await w.hook(debounce_seconds=0.05)
            await w.edit("m1", "a", 1.0)
            await wait_for(receiver, lambda rs: len(rs) == 1)  # in flight for 0.6 s
            await w.edit("m1", "a", 2.0)
        # world() closed the runtime (unload) and the dispatcher (shutdown) on exit.
        assert [s["model"]["version"] for s in saves(receiver)] == [1, 2]

    run_place(body)


def test_a_rotated_secret_or_a_disabled_hook_applies_from_the_next_save(
    run_place: RunPlace, receiver: Receiver
) -> None:
    async def body(place: Place) -> None:
        await place.create_model("m1", {})
        receiver.respond = lambda r: Answer(delay=0.5)
        async with world(place, receiver) as w:
            hook = await w.hook(debounce_seconds=0.05)
            await w.edit("m1", "a", 1.0)
            await wait_for(receiver, lambda rs: len(rs) == 1)  # save 1 in flight
            rotated = await w.hooks.rotate_secret(place.domain_pk, COLLECTION, hook.hook_id)
            await w.edit("m1", "a", 2.0)  # owed while save 1 is in flight
            first, second = await wait_for(receiver, lambda rs: len(rs) == 2)
            assert first.signature_valid(hook.secret)
            assert second.signature_valid(rotated.secret)
            assert not second.signature_valid(hook.secret)
            await w.hooks.update(place.domain_pk, COLLECTION, hook.hook_id, {"enabled": False})
            await w.edit("m1", "a", 3.0)
            await asyncio.sleep(1.0)
            assert len(receiver.received()) == 2

    run_place(body)
