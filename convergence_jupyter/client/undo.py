"""Local undo for a real-time model: undo and redo only this session's own edits.

The logic (chains of inverses transformed against everyone else's ops) is in
``undo_history.py`` and has no I/O; this module only connects it to a :class:`RealTimeModel`:
it watches every op the model applies, decides which local edits are steps and how they group
(a batch, a ``capture()``, a typing run), and submits undo and redo as normal local edits, so
they reach the others like any other edit.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING

from convergence_jupyter import ot
from convergence_jupyter.ot import operations as o

from .undo_history import UndoHistory

if TYPE_CHECKING:
    from .model import RealTimeModel


class UndoManager:
    """Undo and redo for one model, of this session's edits only.

    ``UndoManager(model)`` starts recording at once. One step per user action: a
    ``model.batch()`` is one step, so is everything inside ``with undo.capture():``, and so are
    consecutive plain inserts (or plain removes) in one string less than ``typing_window``
    seconds apart. Others' edits made since are kept: the undo is transformed against them,
    and a step whose values someone else removed is skipped. Restored values get new ids, so
    element handles taken before an undo of a removal do not see the restored copy.
    """

    def __init__(
        self,
        model: RealTimeModel,
        *,
        typing_window: float = 1.0,
        limit: int = 200,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self._history = UndoHistory(
            lambda: f"{model._prefix}:{next(model._ids)}",  # as the model mints value ids
            typing_window=typing_window,
            limit=limit,
        )
        self._clock = clock
        self._captures = itertools.count()
        self._capture: Hashable | None = None
        self._untracked = 0
        self._stop = model._observe_applied(self._on_applied)

    @property
    def can_undo(self) -> bool:
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        return self._history.can_redo

    def undo(self) -> bool:
        """Undo our last step that still changes something; False when there is none."""
        self._check_can_submit()
        return self._history.undo(self.model._tree, self._submit)

    def redo(self) -> bool:
        """Redo the last undone step (until a new edit of ours clears the redo stack)."""
        self._check_can_submit()
        return self._history.redo(self.model._tree, self._submit)

    def _check_can_submit(self) -> None:
        self.model._check_writable()  # ModelClosedError
        if self.model._cc.batch_in_progress:
            raise RuntimeError("undo and redo cannot run inside a batch")

    @contextlib.contextmanager
    def capture(self) -> Iterator[None]:
        """Everything we edit inside is one step (nested captures join the outer one)."""
        if self._capture is not None:
            yield
            return
        self._capture = ("capture", next(self._captures))
        self._history.new_step()
        try:
            yield
        finally:
            self._capture = None
            self._history.new_step()

    @contextlib.contextmanager
    def untracked(self) -> Iterator[None]:
        """Our edits inside are not steps: undo treats them like someone else's."""
        self._untracked += 1
        try:
            yield
        finally:
            self._untracked -= 1

    def new_step(self) -> None:
        """End the current typing run (say, the cursor moved): the next edit is a new step."""
        self._history.new_step()

    def clear(self) -> None:
        self._history.clear()

    def close(self) -> None:
        """Stop recording and forget both stacks."""
        self._stop()
        self._history.clear()

    def _on_applied(self, applied: ot.AppliedOperation, local: bool, batch: int | None) -> None:
        if not local or self._untracked:
            self._history.record_other(ot.as_operation(applied))
            return
        group = self._capture if self._capture is not None else batch
        self._history.record_local(
            applied, now=self._clock(), group=None if group is None else ("group", group)
        )

    def _submit(self, op: o.CompoundOperation) -> None:
        """An undo or redo goes out as a normal local edit (one compound op if it has parts)."""
        if len(op.ops) == 1:
            self.model._local(op.ops[0])
            return
        with self.model.batch():
            for part in op.ops:
                self.model._local(part)
