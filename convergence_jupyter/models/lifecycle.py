"""What the model service tells an outside observer about a model's life (issue 9: web hooks).

The app passes one :class:`ModelLifecycleObserver` to every :class:`ModelService`; the web hook
dispatcher (``webhooks/``) is the one in use. The service never imports its implementation.

Contract, so that an observer can never slow down or break editing:

* :meth:`model_changed` and :meth:`model_unloading` are called with ``loop.call_soon`` *after*
  the batch was committed (never inside the serializer's commit path); they must only record
  the fact and return at once (any I/O goes into the observer's own background tasks). An
  exception they raise is logged by the event loop and affects nothing else.
* :meth:`model_missing` is the one awaited call: an open with auto-create of a model that does
  not exist waits for it (bounded by the observer's own timeout) before the model is created.
  It is only called for a session that may create models in that (existing) collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from convergence_jupyter import ot


@dataclass(frozen=True, slots=True)
class ModelRef:
    """Which model, in which collection of which domain."""

    domain_pk: int
    namespace: str
    domain: str
    collection_id: str
    model_id: str


class ModelInitFailed(Exception):
    """The observer could not provide the initial data of a missing model; the open fails
    with this message (shown to the client: it must not name internal addresses)."""


class ModelLifecycleObserver(Protocol):
    async def model_missing(self, model: ModelRef) -> ot.ObjectValue | None:
        """A client opens ``model`` with auto-create and it does not exist: its initial data
        (fresh value ids with the ``0:`` prefix), or None to use the client's auto-create
        data. Raises :class:`ModelInitFailed` to make the open fail."""
        ...

    def model_changed(self, model: ModelRef, version: int) -> None:
        """Operations up to ``version`` were committed (durably) for ``model``."""
        ...

    def model_unloading(self, model: ModelRef) -> None:
        """``model`` leaves memory (idle after its last session, deletion, shutdown, failure);
        the stored snapshot is final until it is opened again."""
        ...
