"""The chat widget: the room's history, then live messages, once each and in order; posting
from its box; a failed post is shown and gives the text back."""

from __future__ import annotations

from convergence_jupyter.widgets import ChatWidget

from .conftest import ClientFactory, eventually


async def test_history_live_post_and_failure(client: ClientFactory) -> None:
    ada, bob = await client("Ada"), await client("Bob")
    await ada.chat().create("room-w", type="room")
    room_a = await ada.chat().join("room-w")
    room_b = await bob.chat().join("room-w")
    for text in ("one", "two", "three"):
        await room_b.send(text)

    widget = await ChatWidget.create(room_a, history=2)
    assert [(m.display_name, m.text) for m in widget.messages] == [("Bob", "two"), ("Bob", "three")]

    # Live: Bob's next message arrives once, after the history; ours too (the room echoes it).
    await room_b.send("<b>four</b>")
    await eventually(lambda: widget.messages[-1].text == "<b>four</b>", "live message")
    assert "&lt;b&gt;four&lt;/b&gt;" in widget._log.value and "<b>four" not in widget._log.value
    widget._input.value = "from the box"
    widget._send_button.click()
    assert widget._input.value == ""
    await eventually(lambda: widget.messages[-1].text == "from the box", "own post echoed")
    numbers = [m.event_number for m in widget.messages]
    assert numbers == sorted(set(numbers))
    assert [m.text for m in widget.messages] == ["two", "three", "<b>four</b>", "from the box"]
    assert widget.messages[-1].display_name == "Ada"
    history = await room_b.history(limit=1, event_filter=["message"])
    assert [e.message for e in history] == ["from the box"]  # type: ignore[attr-defined]

    # After leaving the room the server refuses the post: the widget says so, text restored.
    await room_a.leave()
    widget._input.value = "too late"
    widget.post()
    await eventually(lambda: widget.error.startswith("not sent:"), "error shown")
    assert widget._input.value == "too late"
    assert "not sent:" in widget._status.value
    widget.close()
