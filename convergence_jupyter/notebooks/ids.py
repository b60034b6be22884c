"""The names the contract derives from a file id (see ``CONTRACT.md`` §2)."""

from __future__ import annotations

COLLECTION = "notebooks"
ACTIVITY_TYPE = "jupyter-notebook"


def model_id(file_id: str) -> str:
    return f"nb-{file_id}"


def activity_id(file_id: str) -> str:
    return file_id


def chat_id(file_id: str) -> str:
    return f"notebook-{file_id}"
