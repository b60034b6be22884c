"""References (cursors, selections, property and element pointers) through the public API:
shared, set, cleared, unshared and disposed; seen by other sessions through events and
queries; moved by ops (local, remote, and our unacknowledged ones); re-shared after a
reconnect; and the same with the real rc.12 client on the other side."""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

import pytest

from convergence_jupyter.client import (
    InvalidReferenceError,
    ModelEvent,
    RealTimeModel,
    RealTimeObject,
    RealTimeString,
    ReferenceEvent,
)
from tests.client.conftest import ClientFactory
from tests.client.test_reconnect import FAST, Relay, relay, run_js, via_relay, wait_for

__all__ = ["relay", "via_relay"]  # fixtures shared with test_reconnect

DATA = {"text": "hello world", "obj": {"a": 1, "b": 2}, "other": "x"}


def text_of(model: RealTimeModel) -> RealTimeString:
    text = model.element_at("text")
    assert isinstance(text, RealTimeString)
    return text


def obj_of(model: RealTimeModel) -> RealTimeObject:
    obj = model.element_at("obj")
    assert isinstance(obj, RealTimeObject)
    return obj


def collect(source: Any, values: list[list[Any]] | None = None) -> list[ReferenceEvent]:
    """Reference events of an element; ``values`` gets each event's values as they were
    (the reference object itself stays live)."""
    seen: list[ReferenceEvent] = []

    def on(event: Any) -> None:
        if isinstance(event, ReferenceEvent):
            seen.append(event)
            if values is not None:
                values.append(event.reference.values)

    source.on(on)
    return seen


def remote_values(model: RealTimeModel, session_id: str, key: str) -> Any:
    refs = text_of(model).references(key=key, session_id=session_id)
    return refs[0].values if refs else None


async def test_local_references_shared_set_cleared_unshared(client: ClientFactory) -> None:
    a = await client("A")
    b = await client("B")
    ma = await a.models().open_auto_create(collection="notes", id="refs", data=DATA)
    mb = await b.models().open("refs")
    events = collect(text_of(mb).events())
    model_events: list[ModelEvent] = []
    mb.events.on(model_events.append)

    cursor = text_of(ma).index_reference("cursor")
    assert text_of(ma).index_reference("cursor") is cursor  # one per key, as rc.12
    with pytest.raises(InvalidReferenceError):
        text_of(ma).range_reference("cursor")
    cursor.set(3)
    cursor.share()
    selection = text_of(ma).range_reference("selection")
    selection.set((1, 4))
    selection.share()
    props = obj_of(ma).property_reference("keys")
    props.set(["a", "b"])
    props.share()
    picked = ma.element_reference("picked")
    picked.set([obj_of(ma), text_of(ma)])
    picked.share()

    await wait_for(lambda: len(events) == 2, what="text references")
    assert [(e.kind, e.reference.key) for e in events] == [
        ("reference_shared", "cursor"),
        ("reference_shared", "selection"),
    ]
    assert all(e.session_id == a.session_id and not e.local for e in events)
    assert remote_values(mb, a.session_id, "cursor") == [3]
    assert remote_values(mb, a.session_id, "selection") == [(1, 4)]
    assert obj_of(mb).references(key="keys")[0].values == ["a", "b"]
    await wait_for(lambda: bool(mb.references(key="picked")), what="element reference")
    shared = [e for e in model_events if e.kind == "reference_shared"]
    assert [e.reference.key for e in shared if e.reference] == ["picked"]
    assert [el.id for el in mb.references(key="picked")[0].values] == [
        obj_of(mb).id,
        text_of(mb).id,
    ]

    # Set, and a local edit moves everyone's view of the cursor.
    cursor.set(5)
    await wait_for(lambda: remote_values(mb, a.session_id, "cursor") == [5], what="set")
    text_of(ma).insert(0, "XY")
    assert cursor.values == [7] and selection.values == [(3, 6)]
    await wait_for(lambda: remote_values(mb, a.session_id, "cursor") == [7], what="moved")
    assert remote_values(mb, a.session_id, "selection") == [(3, 6)]
    # A remote edit moves ours, and B's view of them, alike.
    text_of(mb).insert(len(text_of(mb)), "!")  # after both: nothing moves
    text_of(mb).remove(0, 2)
    await wait_for(lambda: cursor.values == [5], what="A's cursor moved by B's edit")
    assert selection.values == [(1, 4)]
    assert remote_values(mb, a.session_id, "cursor") == [5]

    # Removing a property drops it from property references; clear and unshare.
    obj_of(ma).remove("a")
    await wait_for(lambda: obj_of(mb).references(key="keys")[0].values == ["b"], what="prop")
    assert props.values == ["b"]
    cursor.clear()
    await wait_for(lambda: remote_values(mb, a.session_id, "cursor") == [], what="cleared")
    selection.unshare()
    await wait_for(lambda: remote_values(mb, a.session_id, "selection") is None, what="unshared")
    kinds = [e.kind for e in events]
    assert kinds.count("reference_set") >= 1 and "reference_cleared" in kinds
    assert kinds[-1] == "reference_unshared"
    # Unshared references stay ours; disposing frees the key.
    assert text_of(ma).references(key="selection")[0].local
    selection.dispose()
    assert text_of(ma).references(key="selection") == []
    assert text_of(ma).index_reference("selection").values == []
    # A session that opens later gets the shared ones in the open response.
    late = await client("late")
    ml = await late.models().open("refs")
    assert remote_values(ml, a.session_id, "cursor") == []
    assert [el.id for el in ml.references(key="picked")[0].values] == [
        obj_of(ml).id,
        text_of(ml).id,
    ]
    # A value leaving the model takes its references with it.
    ma.root().remove("text")
    await wait_for(lambda: not ml.references(key="picked")[0].values[1:], what="detached")
    assert cursor.disposed
    with pytest.raises(InvalidReferenceError):
        cursor.set(1)
    await wait_for(lambda: "text" not in mb.value(), what="removed")


async def test_remote_reference_moves_through_unacknowledged_ops(
    client: ClientFactory, via_relay: Any, relay: Relay
) -> None:
    """B's cursor is in the server's coordinates; A has an insert the server has not seen
    yet, so A shows B's cursor past it (rc.12's processRemoteReferenceSet). Once A's insert
    lands, B's own cursor moves the same way and both agree."""
    a = await via_relay("A", **FAST)
    b = await client("B")
    ma = await a.models().open_auto_create(collection="notes", id="inflight", data=DATA)
    mb = await b.models().open("inflight")
    b_cursor = text_of(mb).index_reference("cursor")
    b_cursor.set(3)
    b_cursor.share()
    await wait_for(lambda: remote_values(ma, b.session_id, "cursor") == [3], what="shared")

    relay.hold("c2s")
    text_of(ma).insert(0, "ab")  # in flight: not at the server
    b_cursor.set(4)
    await wait_for(lambda: remote_values(ma, b.session_id, "cursor") == [6], what="moved")
    relay.release("c2s")
    await ma.committed(timeout=10)
    await wait_for(lambda: b_cursor.values == [6], what="B's cursor moved by A's insert")
    assert remote_values(ma, b.session_id, "cursor") == [6]
    assert ma.value() == mb.value()


async def test_references_are_shared_again_after_a_reconnect(
    client: ClientFactory, via_relay: Any, relay: Relay
) -> None:
    a = await via_relay("A", **FAST)
    b = await client("B")
    ma = await a.models().open_auto_create(collection="notes", id="reshare", data=DATA)
    mb = await b.models().open("reshare")
    events = collect(text_of(mb).events())
    cursor = text_of(ma).index_reference("cursor")
    cursor.set(2)
    cursor.share()
    hidden = text_of(ma).index_reference("hidden")
    hidden.set(1)
    first = a.session_id
    await wait_for(lambda: remote_values(mb, first, "cursor") == [2], what="shared")

    relay.cut(offline=True)
    await wait_for(lambda: not ma.online, what="offline")
    cursor.set(4)  # offline: kept, sent with the re-share
    text_of(ma).insert(0, ">")  # moves it to 5
    await wait_for(lambda: remote_values(mb, first, "cursor") is None, what="old session gone")
    relay.go_online()
    await wait_for(lambda: ma.online, what="online")
    await wait_for(lambda: remote_values(mb, a.session_id, "cursor") == [5], what="re-shared")
    assert a.session_id != first
    assert remote_values(mb, a.session_id, "hidden") is None  # never shared
    assert [e.kind for e in events] == [
        "reference_shared",
        "reference_unshared",
        "reference_shared",
    ]


JS_OPEN_AND_READ = """
const m = await d.models().open(vars.id);
ctx.model = m;
const text = m.elementAt("text");
const deadline = Date.now() + 20000;
const find = (key) => text.references({key}).filter(r => !r.isLocal())[0];
while (!find("cursor") || !find("selection") || m.references({key: "picked"}).length === 0) {
  if (Date.now() > deadline) throw new Error("the Python references never arrived");
  await lib.sleep(20);
}
const mine = text.indexReference("js-cursor");
mine.set(2);
mine.share();
const picked = m.references({key: "picked"}).filter(r => !r.isLocal())[0];
return {
  cursor: find("cursor").values(),
  selection: find("selection").values(),
  picked: picked.values().map(e => e.id()),
  sessionId: find("cursor").sessionId(),
};
"""

JS_AFTER_EDIT = """
const m = ctx.model;
const text = m.elementAt("text");
const deadline = Date.now() + 20000;
while (!text.value().startsWith("XY")) {
  if (Date.now() > deadline) throw new Error("the Python edit never arrived");
  await lib.sleep(20);
}
const mine = text.indexReference("js-cursor");
const seen = text.references({key: "cursor"}).filter(r => !r.isLocal())[0].values();
mine.set(8);
await lib.sleep(200);
mine.clear();
await lib.sleep(200);
mine.unshare();
return {mine: mine.values(), cursor: seen};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_references_with_the_rc12_client(client: ClientFactory, realtime_url: str) -> None:
    a = await client("A")
    ma = await a.models().open_auto_create(collection="notes", id="js-refs", data=DATA)
    text = text_of(ma)
    seen_values: list[list[Any]] = []
    events = collect(text.events(), seen_values)
    cursor = text.index_reference("cursor")
    cursor.set(3)
    cursor.share()
    selection = text.range_reference("selection")
    selection.set((1, 4))
    selection.share()
    picked = ma.element_reference("picked")
    picked.set(obj_of(ma))
    picked.share()

    steps = [
        {"c": "js", "op": "connect", "auth": {"method": "anonymous", "displayName": "JS"}},
        {"c": "js", "js": "vars.id = 'js-refs'; return null;"},
        {"c": "js", "js": JS_OPEN_AND_READ},
        {"c": "js", "js": JS_AFTER_EDIT},
    ]
    js = asyncio.create_task(run_js(steps, realtime_url))
    await wait_for(lambda: any(e.kind == "reference_shared" for e in events), 40, "JS ref")
    js_session = events[0].session_id
    assert remote_values(ma, js_session, "js-cursor") == [2]
    text.insert(0, "XY")
    assert remote_values(ma, js_session, "js-cursor") == [4]
    result = await asyncio.wait_for(js, 60)
    seen, after = result["results"][2]["value"], result["results"][3]["value"]
    assert seen == {
        "cursor": [3],
        "selection": [{"start": 1, "end": 4}],
        "picked": [obj_of(ma).id],
        "sessionId": a.session_id,
    }
    assert after == {"mine": [], "cursor": [5]}
    kinds = [e.kind for e in events]
    assert kinds == [
        "reference_shared",
        "reference_set",
        "reference_cleared",
        "reference_unshared",
    ], kinds
    assert seen_values == [[2], [8], [], []]
