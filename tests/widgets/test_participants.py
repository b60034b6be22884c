"""The participants widget follows a notebook activity and model through real client events."""

from __future__ import annotations

import re

from convergence_jupyter.widgets import ParticipantsWidget

from .conftest import ClientFactory, eventually

CELLS = [
    {"id": "first", "cell_type": "markdown", "source": "# Title", "metadata": {}},
    {
        "id": "code",
        "cell_type": "code",
        "source": "x = 1\ny = 'é😀'\n",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
    },
]


def where(widget: ParticipantsWidget) -> dict[str, str]:
    """Rendered rows: display name -> the cursor text a person reads."""
    rows = re.findall(
        r'class="cj-w-name">([^<]*)</span>.*?class="cj-w-where">([^<]*)</span>',
        widget._view.value,
    )
    return dict(rows)


async def test_join_cursor_move_and_leave(client: ClientFactory) -> None:
    ada, bob = await client("Ada"), await client("Bob")
    model = await ada.models().open_auto_create(
        collection="notebooks", id="nb-widgets", data={"cells": CELLS}
    )
    user = {"name": "ada", "displayName": "Ada L.", "color": "#123456"}
    mine = await ada.activities().join(
        "jupyter-notebook", "w1", {"user": user, "cellId": None, "cursor": None}, auto_create=True
    )
    widget = ParticipantsWidget(mine, model=model)
    assert [(p.display_name, p.local, p.color) for p in widget.participants] == [
        ("Ada L.", True, "#123456")
    ]
    assert where(widget) == {"Ada L.": "no cursor"}

    # Bob joins without a user record: his Convergence display name and the shared colour.
    theirs = await bob.activities().join("jupyter-notebook", "w1", {"cellId": "first"})
    await eventually(lambda: len(widget.participants) == 2, "Bob listed")
    bob_row = widget.participants[1]
    assert (bob_row.display_name, bob_row.local, bob_row.cell_id) == ("Bob", False, "first")
    assert where(widget)["Bob"] == "cell 1"

    # His cursor after the emoji on line 2 (UTF-16 offsets: "y = 'é😀" is 8 units).
    theirs.set_state("cursor", {"cellId": "code", "anchor": 14, "head": 14})
    await eventually(lambda: widget.participants[1].cursor is not None, "Bob's cursor")
    cursor = widget.participants[1].cursor
    assert cursor is not None
    assert (cursor.cell_index, cursor.line, cursor.column) == (1, 2, 8)
    assert where(widget)["Bob"] == "cell 2, line 2, col 8"

    # A new cell inserted above moves his cursor's cell to position 3, with no state change.
    bob_model = await bob.models().open("nb-widgets")
    bob_model.element_at("cells").insert(0, {"id": "new", "cell_type": "raw", "source": ""})
    await eventually(lambda: where(widget)["Bob"].startswith("cell 3,"), "cell index followed")

    # A selection, then Bob leaves.
    theirs.set_state("cursor", {"cellId": "code", "anchor": 0, "head": 5})
    await eventually(lambda: "5 selected" in where(widget)["Bob"], "selection shown")
    await theirs.leave()
    await eventually(lambda: len(widget.participants) == 1, "Bob gone")
    assert widget.live

    # Our own leave ends the stream: the widget says so.
    await mine.leave()
    await eventually(lambda: not widget.live, "widget not live")
    assert "not connected" in widget._view.value
    assert widget.participants == []
    widget.close()


async def test_names_are_escaped(client: ClientFactory) -> None:
    ada = await client("Ada")
    evil = {"name": "x", "displayName": "<img src=x onerror=alert(1)>", "color": "red"}
    mine = await ada.activities().join("jupyter-notebook", "w2", {"user": evil}, auto_create=True)
    widget = ParticipantsWidget(mine)
    assert "<img" not in widget._view.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in widget._view.value
    widget.close()
