"""Models through the public API: open/create/remove/query, typed elements, batches, events."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from convergence_jupyter.client import (
    DetachedError,
    ModelExistsError,
    ModelNotFoundError,
    RealTimeArray,
    RealTimeBoolean,
    RealTimeDate,
    RealTimeNumber,
    RealTimeObject,
    RealTimeString,
)
from convergence_jupyter.ot import InvalidOperationError
from tests.client.conftest import ClientFactory

WHEN = dt.datetime(2024, 5, 17, 12, 30, tzinfo=dt.UTC)
DATA = {
    "text": "hello",
    "list": [1, "two", None],
    "obj": {"flag": True, "n": 1.5},
    "when": WHEN,
}


async def fresh_value(client: ClientFactory, model_id: str) -> dict[str, object]:
    """What a newly connected session reads: the server's state."""
    reader = await client("reader")
    model = await reader.models().open(model_id)
    try:
        return model.value()
    finally:
        await model.close()


async def test_create_open_query_remove(client: ClientFactory) -> None:
    domain = await client()
    models = domain.models()
    model_id = await models.create(collection="notes", id="m1", data=DATA)
    assert model_id == "m1"
    with pytest.raises(ModelExistsError):
        await models.create(collection="notes", id="m1", data={})
    model = await models.open("m1")
    assert model.collection == "notes" and model.id == "m1" and model.version == 0
    assert model.value() == DATA
    assert model.to_json()["when"] == {"$$convergence_type": "date", "date": 1715949000000}
    assert model.permissions["write"]
    rows = await models.query("SELECT * FROM notes")
    assert [(r.collection, r.model_id) for r in rows] == [("notes", "m1")]
    assert rows[0].data["text"] == "hello"
    await model.close()
    await models.remove("m1")
    with pytest.raises(ModelNotFoundError):
        await models.open("m1")


async def test_open_auto_create_creates_once(client: ClientFactory) -> None:
    first = await client("a")
    second = await client("b")
    m1 = await first.models().open_auto_create(collection="notes", id="auto", data={"x": 1})
    m2 = await second.models().open_auto_create(collection="notes", id="auto", data={"x": 2})
    assert m1.value() == m2.value() == {"x": 1.0}
    generated = await first.models().open_auto_create(collection="notes", data={"y": "z"})
    assert generated.id and generated.value() == {"y": "z"}


async def test_typed_elements_edit_and_reach_others(client: ClientFactory) -> None:
    writer = await client("writer")
    watcher = await client("watcher")
    model = await writer.models().open_auto_create(collection="notes", id="typed", data=DATA)
    seen = await watcher.models().open("typed")
    remote = seen.events.subscribe()

    text = model.element_at("text")
    assert isinstance(text, RealTimeString)
    text.insert(5, " world")
    text.remove(0, 1)
    text.splice(0, 4, "J")  # "ello world" -> "J world"
    assert text.value() == "J world" and len(text) == 7

    items = model.element_at("list")
    assert isinstance(items, RealTimeArray)
    items.push({"deep": [1]})
    items.insert(0, "first")
    items.remove(1)  # the 1
    items.set(0, "FIRST")
    items.move(0, 3)
    assert items.value() == ["two", None, {"deep": [1.0]}, "FIRST"]

    obj = model.element_at("obj")
    assert isinstance(obj, RealTimeObject)
    flag = obj["flag"]
    assert isinstance(flag, RealTimeBoolean)
    flag.set_value(False)
    number = obj["n"]
    assert isinstance(number, RealTimeNumber)
    number.add(2)
    number.subtract(0.5)
    obj.set("new", "x")
    obj.remove("new")
    when = model.element_at("when")
    assert isinstance(when, RealTimeDate)
    when.set_value(WHEN + dt.timedelta(days=1))
    assert model.element_at(["list", 2, "deep", 0]) is not None
    assert model.element_at("list", 9) is None and model.element_at("nope") is None
    assert model.element_at("list", 2, "deep").path() == ["list", 2, "deep"]  # type: ignore[union-attr]

    await model.committed(timeout=10)
    assert model.version == 14
    expected = model.value()
    assert expected["obj"] == {"flag": False, "n": 3.0}
    # The watcher received every op, in order, and holds the same state.
    for _ in range(14):
        event = await remote.next(timeout=10)
        assert event.kind == "operation" and event.session_id == writer.session_id
    assert seen.value() == expected
    assert await fresh_value(client, "typed") == expected


async def test_bad_edits_fail_locally_and_change_nothing(client: ClientFactory) -> None:
    domain = await client()
    model = await domain.models().open_auto_create(collection="notes", id="bad", data=DATA)
    items = model.element_at("list")
    assert isinstance(items, RealTimeArray)
    with pytest.raises(InvalidOperationError):
        items.remove(10)
    with pytest.raises(KeyError):
        model.root().remove("missing")
    removed = model.element_at("obj")
    model.root().remove("obj")
    assert removed is not None and not removed.attached
    with pytest.raises(DetachedError):
        removed.value()
    await model.committed(timeout=10)
    assert model.version == 1
    assert await fresh_value(client, "bad") == {k: v for k, v in DATA.items() if k != "obj"}


async def test_batch_is_one_compound_operation(client: ClientFactory) -> None:
    writer = await client("writer")
    watcher = await client("watcher")
    model = await writer.models().open_auto_create(collection="notes", id="batch", data=DATA)
    seen = await watcher.models().open("batch")
    events = seen.events.subscribe()
    text = model.element_at("text")
    assert isinstance(text, RealTimeString)
    with model.batch():
        text.insert(0, ">")
        model.root().set("count", 1)
        model.root().set("text2", "two")
    await model.committed(timeout=10)
    assert model.version == 1
    event = await events.next(timeout=10)
    assert event.operation is not None and len(event.operation.ops) == 3  # type: ignore[union-attr]
    assert seen.value() == model.value() and seen.value()["text"] == ">hello"


async def test_element_events_as_callbacks_and_iterators(client: ClientFactory) -> None:
    writer = await client("writer")
    watcher = await client("watcher")
    model = await writer.models().open_auto_create(collection="notes", id="ev", data=DATA)
    seen = await watcher.models().open("ev")
    seen_text = seen.element_at("text")
    assert seen_text is not None
    calls: list[str] = []
    off = seen_text.events().on(lambda e: calls.append(type(e.operation).__name__))
    iterator = seen_text.events().subscribe()
    text = model.element_at("text")
    assert isinstance(text, RealTimeString)
    text.insert(0, "a")
    event = await iterator.next(timeout=10)
    assert not event.local and event.session_id == writer.session_id
    assert calls == ["StringSplice"]
    off()
    text.insert(0, "b")
    await iterator.next(timeout=10)
    assert calls == ["StringSplice"]
    # Local edits are reported too, marked local.
    local = text.events().subscribe()
    text.insert(0, "c")
    assert (await local.next(timeout=1)).local


async def test_collaborators_and_close(client: ClientFactory) -> None:
    first = await client("a")
    second = await client("b")
    model = await first.models().open_auto_create(collection="notes", id="co", data={})
    events = model.events.subscribe()
    other = await second.models().open("co")
    opened = await events.next(timeout=10)
    assert (opened.kind, opened.session_id) == ("opened", second.session_id)
    assert second.session_id in model.collaborators
    await other.close()
    closed = await events.next(timeout=10)
    assert (closed.kind, closed.session_id) == ("closed", second.session_id)
    await asyncio.sleep(0)
    assert other.closed
