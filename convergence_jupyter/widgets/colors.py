"""Per-user colours, the same as the JupyterLab extension's (``labextension/src/colors.ts``),
so a person has one colour in the notebook's presence list, their cursor and these widgets."""

from __future__ import annotations

PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#008080",
    "#f032e6",
    "#9a6324",
    "#800000",
    "#000075",
)


def color_for(name: str) -> str:
    """The palette entry picked by the extension's hash of ``name`` (31-based, 32-bit signed
    wrap-around over UTF-16 code units, as JavaScript computes it)."""
    value = 0
    data = name.encode("utf-16-le")
    for index in range(0, len(data), 2):
        unit = data[index] | (data[index + 1] << 8)
        value = (value * 31 + unit) & 0xFFFFFFFF
    if value >= 0x80000000:
        value -= 0x100000000
    return PALETTE[abs(value) % len(PALETTE)]
