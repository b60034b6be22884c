"""A cell's nbformat outputs, built from the kernel's iopub messages the way JupyterLab's output
area builds them, so the outputs the server writes look exactly like the ones a tab would have
written: consecutive stream messages of one name are one output whose text is processed as a
terminal does (``\\r`` returns to the start of the line and later text overwrites, ``\\b``
deletes the character before), ``clear_output(wait=True)`` clears just before the next output,
and ``update_display_data`` replaces the data of the outputs shown under that display id.

Pure: no I/O, no model; :class:`CellOutputs` is the state of one execution's output area and
:func:`apply_message` the one step. Offsets are Python code points, JupyterLab's are UTF-16
units: they differ only for a ``\\r``/``\\b`` overwrite across astral characters.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

Json = Any

#: iopub message types that change a cell's outputs.
OUTPUT_TYPES = frozenset(
    {"stream", "display_data", "execute_result", "error", "clear_output", "update_display_data"}
)


@dataclass
class CellOutputs:
    """The output area of one running cell. ``outputs`` are nbformat output dicts; the rest is
    what JupyterLab keeps beside them and nbformat does not save."""

    outputs: list[Json] = field(default_factory=list)
    #: name of the stream the last output is, "" when the last output is not a stream.
    last_stream: str = ""
    #: the cursor in the last stream output's text (where the next text is written).
    stream_index: int = 0
    #: ``clear_output(wait=True)`` seen: clear before the next output.
    clear_next: bool = False
    #: display id -> indices of the outputs showing it (``transient`` is not saved).
    displays: dict[str, list[int]] = field(default_factory=dict)
    execution_count: int | None = None

    def copy(self) -> CellOutputs:
        return CellOutputs(
            copy.deepcopy(self.outputs),
            self.last_stream,
            self.stream_index,
            self.clear_next,
            {k: list(v) for k, v in self.displays.items()},
            self.execution_count,
        )

    def clear(self) -> None:
        self.outputs = []
        self.last_stream = ""
        self.stream_index = 0
        self.clear_next = False
        self.displays = {}


def process_text(index: int, new: str, text: str = "") -> tuple[str, int]:
    """Write ``new`` into ``text`` at cursor ``index`` as a terminal would; the new text and
    cursor. Plain characters overwrite what is under the cursor, ``\\n`` goes to the end and
    starts a line, ``\\r`` goes back to the start of the line, ``\\b`` deletes the character
    before the cursor unless it is a line feed."""
    start = 0
    for pos, char in enumerate(new):
        if char not in "\n\r\b":
            continue
        chunk = new[start:pos]
        text = text[:index] + chunk + text[index + len(chunk) :]
        index += len(chunk)
        start = pos + 1
        if char == "\n":
            text += "\n"
            index = len(text)
        elif char == "\r":
            while index > 0 and text[index - 1] != "\n":
                index -= 1
        elif index > 0 and text[index - 1] != "\n":
            text = text[: index - 1] + text[index + 1 :]
            index -= 1
    chunk = new[start:]
    text = text[:index] + chunk + text[index + len(chunk) :]
    return text, index + len(chunk)


def _text(value: Json) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _add(area: CellOutputs, output: Json, display_id: str | None) -> None:
    if area.clear_next:
        area.clear()
    if output["output_type"] == "stream":
        name = output["name"]
        last = area.outputs[-1] if area.outputs else None
        if (
            area.last_stream == name
            and isinstance(last, dict)
            and last.get("output_type") == "stream"
            and last.get("name") == name
        ):
            last["text"], area.stream_index = process_text(
                area.stream_index, output["text"], _text(last.get("text"))
            )
            return
        output["text"], area.stream_index = process_text(0, output["text"])
        area.last_stream = name
    else:
        area.last_stream = ""
    area.outputs.append(output)
    if display_id is not None:
        area.displays.setdefault(display_id, []).append(len(area.outputs) - 1)


def _display_id(content: Json) -> str | None:
    transient = content.get("transient")
    if isinstance(transient, dict) and isinstance(transient.get("display_id"), str):
        return str(transient["display_id"])
    return None


def output_of(msg_type: str, content: Json) -> Json | None:
    """The nbformat output a message adds, or None for messages that add none."""
    if msg_type == "stream":
        return {
            "output_type": "stream",
            "name": str(content.get("name", "stdout")),
            "text": _text(content.get("text")),
        }
    if msg_type in ("display_data", "execute_result"):
        output = {
            "output_type": msg_type,
            "data": copy.deepcopy(content.get("data", {})),
            "metadata": copy.deepcopy(content.get("metadata", {})),
        }
        if msg_type == "execute_result":
            output["execution_count"] = content.get("execution_count")
        return output
    if msg_type == "error":
        return {
            "output_type": "error",
            "ename": str(content.get("ename", "")),
            "evalue": str(content.get("evalue", "")),
            "traceback": [str(line) for line in content.get("traceback", [])],
        }
    return None


def apply_message(area: CellOutputs, msg_type: str, content: Json) -> bool:
    """Apply one iopub message to the output area; True if it changed anything saved
    (outputs or execution count)."""
    if msg_type == "execute_input":
        count = content.get("execution_count")
        if isinstance(count, int) and count != area.execution_count:
            area.execution_count = count
            return True
        return False
    if msg_type == "clear_output":
        if content.get("wait"):
            area.clear_next = True
            area.last_stream = ""
            return False
        changed = bool(area.outputs)
        area.clear()
        return changed
    if msg_type == "update_display_data":
        return update_display(area, content)
    output = output_of(msg_type, content)
    if output is None:
        return False
    if msg_type == "execute_result" and isinstance(content.get("execution_count"), int):
        area.execution_count = content["execution_count"]
    _add(area, output, _display_id(content))
    return True


def update_display(area: CellOutputs, content: Json) -> bool:
    """``update_display_data``: new data and metadata for this area's outputs of that id."""
    display_id = _display_id(content)
    changed = False
    for index in area.displays.get(display_id or "", []):
        if index < len(area.outputs):
            output = area.outputs[index]
            if output.get("output_type") in ("display_data", "execute_result"):
                output["data"] = copy.deepcopy(content.get("data", {}))
                output["metadata"] = copy.deepcopy(content.get("metadata", {}))
                changed = True
    return changed
