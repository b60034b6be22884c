"""The JSON bodies of web hook requests and the init answer a receiver gives.

``init`` (POST, when a client opens a missing model with auto-create)::

    {"event": "init", "hook": H, "delivery": D, "domain": {"namespace": N, "id": I},
     "collection": C, "model": {"id": M}}

    answer 200 {"data": {...plain JSON object...}}   -> the model is created with this data
    answer 404 or 204                                -> unknown here: the client's data is used
    anything else, or no answer in time              -> the open fails

``save`` (POST, after changes settle and when the model is unloaded)::

    {"event": "save", "hook": H, "delivery": D, "domain": {...}, "collection": C,
     "model": {"id": M, "version": V, "createdTime": ISO, "modifiedTime": ISO,
               "data": {...plain JSON...}}}

Model data is plain JSON: dates appear as ``{"$$convergence_type": "date", "date": ms}`` and
are accepted in that form (or the client's ``$convergenceType``) in init answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.models.lifecycle import ModelRef

#: Value ids of data built from an init answer ("0:..." is never handed to a client).
INIT_ID_PREFIX = "0"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stored model at one version, as the save hook sends it."""

    model: ModelRef
    version: int
    created_at: datetime
    modified_at: datetime
    data: dict[str, Any]


def _envelope(event: str, hook_id: str, delivery_id: str, model: ModelRef) -> dict[str, Any]:
    return {
        "event": event,
        "hook": hook_id,
        "delivery": delivery_id,
        "domain": {"namespace": model.namespace, "id": model.domain},
        "collection": model.collection_id,
    }


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def init_body(hook_id: str, delivery_id: str, model: ModelRef) -> bytes:
    body = _envelope("init", hook_id, delivery_id, model)
    body["model"] = {"id": model.model_id}
    return _encode(body)


def save_body(hook_id: str, delivery_id: str, snapshot: Snapshot) -> bytes:
    body = _envelope("save", hook_id, delivery_id, snapshot.model)
    body["model"] = {
        "id": snapshot.model.model_id,
        "version": snapshot.version,
        "createdTime": snapshot.created_at.isoformat(),
        "modifiedTime": snapshot.modified_at.isoformat(),
        "data": snapshot.data,
    }
    return _encode(body)


class InvalidInitAnswer(ValueError):
    """A receiver's 200 answer to an init request is not ``{"data": {...}}``."""


def parse_init_answer(body: bytes) -> ot.ObjectValue:
    """The model root an init answer describes, with fresh ``0:`` value ids."""
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInitAnswer(f"the answer is not JSON ({exc})") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("data"), dict):
        raise InvalidInitAnswer('the answer must be a JSON object {"data": {...}}')
    counter = iter(range(1 << 62))
    try:
        root = ot.from_plain(parsed["data"], lambda: f"{INIT_ID_PREFIX}:{next(counter)}")
        assert isinstance(root, ot.ObjectValue)
        ot.ModelTree(root)  # depth and shape limits of any model
    except (ValueError, ot.InvalidOperationError) as exc:
        raise InvalidInitAnswer(f"the data cannot be a model: {exc}") from None
    return root
