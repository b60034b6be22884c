"""Outputs that outlive the tab: the server listens to the kernel's iopub for the executions of
co-edited notebooks and writes their outputs and execution count into the notebook model as
server operations, so a running cell keeps filling the notebook (and, through autosave, the
file) after every tab is closed, and every client sees the same outputs, written once.

How an execution is tied to a notebook cell (the design):

- iopub messages name only the *header* of the request they answer (``parent_header``), not
  its metadata, so iopub alone cannot say which cell an execution is for. JupyterLab does put
  the cell id in the execute_request's metadata (``cellId``), but that request travels on the
  tab's own websocket straight to the kernel's shell channel; reading it would mean replacing
  jupyter_server's kernel websocket connection class, a server-wide setting we do not own.
- So the tab that sends an execute_request for a cell of a co-edited notebook *claims* it:
  ``POST notebooks/execution {path, kernelId, msgId, cellId}``. The claim is checked (Jupyter
  ``write`` on contents and ``execute`` on kernels, a kernel this server runs, an open
  notebook) and answered ``{"serverOutputs": true}``: from then on the server is the only
  writer of that execution's outputs, and the tab writes none of them (it does not wait for
  the answer to stop; when the answer is false it writes them itself, as before).
- The claim can reach the server after the first outputs do, so the server listens to a
  kernel from the moment a tab reports it (``POST notebooks/kernel {path, kernelId}``, when
  the tab's kernel connects; answered once the subscription is seen to be live) and keeps
  messages of unclaimed executions for ``UNCLAIMED_TTL`` seconds. A claim replays them in
  order, so nothing is lost and nothing is written twice whatever the timing.
- A kernel this server does not run (a gateway's, or one gone) answers false: tabs keep
  writing outputs themselves, as without this module.

At the start of a claimed execution the server clears the cell's outputs and execution count
(what JupyterLab does locally, and the tab no longer sends); ``execute_input`` sets the count.
Outputs are assembled as JupyterLab's output area does (``outputs.py``) and the whole
``outputs`` array of a cell is set, as the contract says; messages that arrive while a write
is being committed are written together in the next one. If someone else changed the cell's
outputs meanwhile (e.g. cleared them), the next output is added to what the model holds, as a
tab's output area would add it to what it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.session import Session

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.notebooks.manager import NotebookManager
from convergence_jupyter.notebooks.outputs import OUTPUT_TYPES, CellOutputs, apply_message

log = logging.getLogger(__name__)

Json = Any

#: Seconds the messages of an execution nobody has claimed are kept.
UNCLAIMED_TTL = 60.0
#: At most this many unclaimed messages are kept per kernel (the oldest go first).
UNCLAIMED_LIMIT = 5000
#: Cells whose last output area is remembered per kernel (for ``update_display_data``).
AREAS_KEPT = 256
#: Finished executions remembered per kernel, so a late repeated claim clears nothing.
FINISHED_KEPT = 1024
#: Seconds ``watch`` waits for the first iopub message proving the subscription is live.
LIVE_TIMEOUT = 3.0

#: Seconds between keep-alives of the notebooks of running executions (their watchers stop
#: after a grace period without anyone; a cell silent for long must not lose its autosave).
KEEPALIVE = 10.0

#: iopub messages an execution is made of.
_RELEVANT = OUTPUT_TYPES | {"execute_input", "status"}


@dataclass
class _Execution:
    msg_id: str
    model_id: str
    file_id: str
    cell_id: str


# One queued step of the writer: (execution, msg_type, content); msg_type "start" clears.
_Step = tuple[_Execution, str, Json]


class _KernelListener:
    """One iopub subscription to one kernel, with its claims and the writer of their outputs."""

    def __init__(self, owner: ExecutionOutputs, kernel_id: str, kernel: Any) -> None:
        self._owner = owner
        self.kernel_id = kernel_id
        self._kernel = kernel
        # Our own Session: deserialize() keeps a history of signatures seen, and sharing
        # jupyter_server's would make its own copy of each message look like a replay.
        source = kernel.session
        self._session = Session(key=source.key, signature_scheme=source.signature_scheme)
        # jupyter_server's kernel managers hand out tornado ZMQStreams; plain jupyter_client
        # async managers give asyncio sockets.
        self._socket = kernel.connect_iopub()
        self.claims: dict[str, _Execution] = {}
        self._unclaimed: OrderedDict[str, tuple[float, list[tuple[str, Json]]]] = OrderedDict()
        self._unclaimed_count = 0
        self._areas: OrderedDict[tuple[str, str], CellOutputs] = OrderedDict()
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._queue: asyncio.Queue[_Step] = asyncio.Queue()
        self._live = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        if isinstance(self._socket, zmq.asyncio.Socket):
            self._reader = asyncio.get_running_loop().create_task(self._read())
        else:
            self._socket.on_recv(self._received)
        self._writer = asyncio.get_running_loop().create_task(self._write())
        self._keepalive = asyncio.get_running_loop().create_task(self._keep_watched())
        self.closed = False

    # -- subscription ------------------------------------------------------------------------

    async def wait_live(self) -> None:
        """Until an iopub message arrived (a SUB socket's subscription takes a moment): poke
        the kernel with kernel_info requests, whose status messages go to every subscriber.
        A busy kernel answers late, but its busy execution's messages prove it as well."""
        if self._live.is_set():
            return
        shell = self._kernel.connect_shell()
        try:
            deadline = time.monotonic() + LIVE_TIMEOUT
            while not self._live.is_set() and time.monotonic() < deadline:
                self._session.send(shell, "kernel_info_request", {})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._live.wait(), 0.2)
        finally:
            shell.close(linger=0)

    async def _read(self) -> None:
        while True:
            try:
                frames = await self._socket.recv_multipart()
            except zmq.ZMQError:
                log.info("kernel %s: iopub closed", self.kernel_id)
                return
            self._received(frames)

    def _received(self, frames: list[Any]) -> None:
        try:
            _, parts = self._session.feed_identities(frames)
            msg = self._session.deserialize(parts)
        except Exception:
            log.warning("kernel %s: an iopub message could not be read", self.kernel_id)
            return
        self._live.set()
        self._route(msg)

    def _route(self, msg: Json) -> None:
        msg_type = msg["header"].get("msg_type", "")
        parent = msg.get("parent_header") or {}
        msg_id = parent.get("msg_id")
        content = msg.get("content") or {}
        if msg_type == "status" and content.get("execution_state") == "starting":
            self.claims.clear()  # a restarted kernel: what ran before will say nothing more
            return
        if msg_type not in _RELEVANT or not isinstance(msg_id, str):
            return
        execution = self.claims.get(msg_id)
        if execution is not None:
            self._queue.put_nowait((execution, msg_type, content))
            return
        if msg_type == "status" and msg_id not in self._unclaimed:
            return  # e.g. kernel_info or our own pokes: no execution to replay
        self._keep_unclaimed(msg_id, msg_type, content)

    def _keep_unclaimed(self, msg_id: str, msg_type: str, content: Json) -> None:
        now = time.monotonic()
        while self._unclaimed:
            oldest, (seen, kept) = next(iter(self._unclaimed.items()))
            if now - seen < UNCLAIMED_TTL and self._unclaimed_count < UNCLAIMED_LIMIT:
                break
            del self._unclaimed[oldest]
            self._unclaimed_count -= len(kept)
        entry = self._unclaimed.get(msg_id)
        if entry is None:
            entry = self._unclaimed[msg_id] = (now, [])
        entry[1].append((msg_type, content))
        self._unclaimed_count += 1

    # -- claims ------------------------------------------------------------------------------

    def claim(self, execution: _Execution) -> None:
        if execution.msg_id in self.claims or execution.msg_id in self._finished:
            return  # the same request claimed twice (a retried POST): one execution
        self.claims[execution.msg_id] = execution
        self._queue.put_nowait((execution, "start", {}))
        _, kept = self._unclaimed.pop(execution.msg_id, (0.0, []))
        self._unclaimed_count -= len(kept)
        for msg_type, content in kept:
            self._queue.put_nowait((execution, msg_type, content))

    # -- writing -----------------------------------------------------------------------------

    async def _write(self) -> None:
        while True:
            steps = [await self._queue.get()]
            while not self._queue.empty():
                steps.append(self._queue.get_nowait())
            by_model: dict[str, list[_Step]] = {}
            for step in steps:
                by_model.setdefault(step[0].model_id, []).append(step)
            for model_id, model_steps in by_model.items():
                try:
                    await self._write_model(model_id, model_steps)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("kernel %s: outputs for %s not written", self.kernel_id, model_id)
            for execution, msg_type, content in steps:
                if msg_type == "status" and content.get("execution_state") == "idle":
                    if self.claims.get(execution.msg_id) is execution:
                        del self.claims[execution.msg_id]
                        self._finished[execution.msg_id] = None
                        while len(self._finished) > FINISHED_KEPT:
                            self._finished.popitem(last=False)

    async def _write_model(self, model_id: str, steps: list[_Step]) -> None:
        results: dict[tuple[str, str], CellOutputs] = {}

        def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation | None:
            results.clear()
            cells = _cells_by_id(tree)
            work: dict[tuple[str, str], CellOutputs] = {}

            def area_of(key: tuple[str, str]) -> CellOutputs:
                if key not in work:
                    kept = self._areas.get(key)
                    work[key] = area = kept.copy() if kept is not None else CellOutputs()
                    cell = cells.get(key[1])
                    if cell is not None:
                        _adopt(area, cell)
                return work[key]

            touched: set[tuple[str, str]] = set()
            for execution, msg_type, content in steps:
                key = (model_id, execution.cell_id)
                area = area_of(key)
                if msg_type == "start":
                    area.clear()
                    area.execution_count = None
                    touched.add(key)
                elif msg_type == "update_display_data":
                    for other_key in [k for k in self._areas if k[0] == model_id]:
                        area_of(other_key)
                    for other_key, other in work.items():
                        if apply_message(other, msg_type, content):
                            touched.add(other_key)
                elif apply_message(area, msg_type, content):
                    touched.add(key)
            ops: list[ot.DiscreteOperation] = []
            for key in touched:
                cell = cells.get(key[1])
                if cell is not None:
                    ops += _cell_ops(cell, work[key], next_id)
            results.update(work)
            if not ops:
                return None
            return ops[0] if len(ops) == 1 else ot.CompoundOperation(ops=tuple(ops))

        models = await self._owner.manager.backend.models()
        session = await self._owner.manager.backend.server_session()
        try:
            await models.submit_server_operation(model_id, session, build)
        except ServiceError as exc:
            log.warning("kernel %s: model %s refused outputs: %s", self.kernel_id, model_id, exc)
            return
        for key, area in results.items():
            self._areas[key] = area
            self._areas.move_to_end(key)
        while len(self._areas) > AREAS_KEPT:
            self._areas.popitem(last=False)
        watcher = self._owner.manager.watcher(steps[0][0].file_id)
        if watcher is not None and watcher.running:
            watcher.touch()  # an execution still writing keeps the notebook watched

    async def _keep_watched(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE)
            for file_id in {execution.file_id for execution in self.claims.values()}:
                watcher = self._owner.manager.watcher(file_id)
                if watcher is not None and watcher.running:
                    watcher.touch()

    async def close(self) -> None:
        self.closed = True
        tasks = [t for t in (self._reader, self._writer, self._keepalive) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._socket.close(linger=0)


def _cells_by_id(tree: ot.ModelTree) -> dict[str, ot.ObjectValue]:
    cells = tree.root.children.get("cells")
    found: dict[str, ot.ObjectValue] = {}
    if isinstance(cells, ot.ArrayValue):
        for cell in cells.children:
            if isinstance(cell, ot.ObjectValue):
                cid = cell.children.get("id")
                if isinstance(cid, ot.StringValue):
                    found.setdefault(cid.value, cell)
    return found


def _adopt(area: CellOutputs, cell: ot.ObjectValue) -> None:
    """Someone else set the cell's outputs since we wrote them: continue from theirs."""
    value = cell.children.get("outputs")
    current = ot.to_plain(value) if value is not None else []
    if current != area.outputs:
        area.outputs = current if isinstance(current, list) else []
        area.last_stream = ""
        area.displays = {}
    count = cell.children.get("execution_count")
    number = ot.to_plain(count) if count is not None else None
    area.execution_count = int(number) if isinstance(number, (int, float)) else None


def _cell_ops(cell: ot.ObjectValue, area: CellOutputs, next_id: Any) -> list[ot.DiscreteOperation]:
    ops: list[ot.DiscreteOperation] = []
    for key, wanted in (("outputs", area.outputs), ("execution_count", area.execution_count)):
        value = cell.children.get(key)
        if value is not None and ot.to_plain(value) == wanted:
            continue
        new = ot.from_plain(wanted, next_id)
        if value is None:
            ops.append(ot.ObjectAddProperty(id=cell.id, key=key, value=new))
        else:
            ops.append(ot.ObjectSetProperty(id=cell.id, key=key, value=new))
    return ops


class ExecutionOutputs:
    """The server-side writer of execution outputs for every kernel tabs report."""

    def __init__(self, manager: NotebookManager, kernel_manager: Any | None) -> None:
        self.manager = manager
        self._kernels = kernel_manager
        self._listeners: dict[str, _KernelListener] = {}
        self._lock = asyncio.Lock()

    def _kernel(self, kernel_id: str) -> Any | None:
        """The kernel's manager when this server runs it on this machine (ports we can reach);
        None for unknown kernels and for kernels of a gateway."""
        kernels = self._kernels
        if kernels is None or not isinstance(kernel_id, str) or kernel_id not in kernels:
            return None
        kernel = kernels.get_kernel(kernel_id)
        if not getattr(kernel, "iopub_port", 0) or not hasattr(kernel, "connect_iopub"):
            return None
        return kernel

    async def watch(self, kernel_id: str) -> bool:
        """Listen to this kernel (once live); False if it is not one this server runs."""
        listener = await self._listener(kernel_id)
        if listener is None:
            return False
        await listener.wait_live()
        return True

    async def _listener(self, kernel_id: str) -> _KernelListener | None:
        kernel = self._kernel(kernel_id)
        async with self._lock:
            listener = self._listeners.get(kernel_id)
            if kernel is None:
                if listener is not None:
                    await listener.close()
                    del self._listeners[kernel_id]
                return None
            if listener is not None and listener.closed:
                listener = None
            if listener is None:
                try:
                    listener = _KernelListener(self, kernel_id, kernel)
                except Exception:
                    log.exception("kernel %s: cannot listen to its iopub", kernel_id)
                    return None
                self._listeners[kernel_id] = listener
            self._prune()
            return listener

    def _prune(self) -> None:
        for kernel_id, listener in list(self._listeners.items()):
            if self._kernel(kernel_id) is None:
                asyncio.get_running_loop().create_task(listener.close())
                del self._listeners[kernel_id]

    async def claim(self, kernel_id: str, msg_id: str, path: str, cell_id: str) -> bool:
        """Take over the outputs of execute_request ``msg_id`` for cell ``cell_id`` of the
        open notebook at ``path``; False (the tab writes them) if the server cannot."""
        file_id = await self.manager.file_id(path)
        watcher = self.manager.watcher(file_id)
        if watcher is None or not watcher.running:
            return False
        listener = await self._listener(kernel_id)
        if listener is None:
            return False
        listener.claim(_Execution(msg_id, watcher.model_id, file_id, cell_id))
        return True

    async def close(self) -> None:
        for listener in list(self._listeners.values()):
            await listener.close()
        self._listeners.clear()
