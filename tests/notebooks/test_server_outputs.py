"""Server-side outputs (``notebooks/executions.py``) with a real kernel run by jupyter_server
and the real model service: a claimed execution's outputs land in the model once, in order,
seen live by two clients (the Python client, standing in for two tabs), and in the file; a
claim that arrives after the first outputs loses none; claiming twice writes once;
``clear_output`` (also ``wait=True``), ``update_display_data``, errors and execution counts
come out as JupyterLab would write them; kernels the server does not run are refused."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httpclient import HTTPClientError

from convergence_jupyter.client import connect
from convergence_jupyter.notebooks.outputs import CellOutputs, apply_message, process_text

from .conftest import USER_HEADER, Session, make_notebook, read_notebook, write_notebook
from .test_session import model_data, wait_until

PATH = "run.ipynb"


@pytest.fixture
def kernel(jp_serverapp: Any) -> Any:
    """Starts a real python3 kernel through the server's kernel manager and gives a client
    that sends execute_requests on it (what a tab's websocket does). The server shuts its
    kernels down when it stops."""
    clients: list[Any] = []

    async def start() -> Any:
        kernels = jp_serverapp.kernel_manager
        kernel_id = await kernels.start_kernel(kernel_name="python3")
        client = kernels.get_kernel(kernel_id).client()
        client.start_channels()
        clients.append(client)
        await client.wait_for_ready(timeout=60)
        client.kernel_id = kernel_id
        return client

    yield start
    for client in clients:
        client.stop_channels()


async def post(jp_fetch: Any, endpoint: str, body: dict[str, Any], user: str = "alice") -> Any:
    try:
        response = await jp_fetch(
            "convergence/api/v1/notebooks",
            endpoint,
            method="POST",
            body=json.dumps(body),
            headers={USER_HEADER: user},
        )
    except HTTPClientError as exc:
        return exc.code
    return json.loads(response.body)


async def open_notebook(jp_root_dir: Path, session: Session, cells: list[str]) -> Any:
    write_notebook(jp_root_dir / PATH, make_notebook([(c, "code", "") for c in cells]))
    status, body = await session(PATH)
    assert status == 200
    return body


def cell(data: Any, cell_id: str) -> Any:
    (found,) = [c for c in data["cells"] if c["id"] == cell_id]
    return found


async def run(jp_fetch: Any, kernel: Any, cell_id: str, code: str, *, claim: bool = True) -> str:
    msg_id: str = kernel.execute(code)
    if claim:
        body = {"path": PATH, "kernelId": kernel.kernel_id, "msgId": msg_id, "cellId": cell_id}
        assert await post(jp_fetch, "execution", body) == {"serverOutputs": True}
    return msg_id


async def finished(app: Any, model_id: str, cell_id: str, count: int | None = None) -> Any:
    """The cell once the execution left a count and nothing changed for a moment."""
    last: list[Any] = [None]

    async def settled() -> bool:
        now = cell(await model_data(app, model_id), cell_id)
        done = now.get("execution_count") is not None and (
            count is None or now["execution_count"] == count
        )
        same = now == last[0]
        last[0] = now
        if done and same:
            await asyncio.sleep(0.3)
            return bool(cell(await model_data(app, model_id), cell_id) == now)
        return False

    await wait_until(settled, within=30)
    return last[0]


async def test_outputs_land_once_in_order_seen_live_by_two_clients(
    app: Any, jp_root_dir: Path, session: Session, jp_fetch: Any, kernel: Any
) -> None:
    info = await open_notebook(jp_root_dir, session, ["c1"])
    kernel = await kernel()
    _, bob = await session(PATH, user="bob")
    assert await post(jp_fetch, "kernel", {"path": PATH, "kernelId": kernel.kernel_id}) == {
        "serverOutputs": True
    }
    url = info["realtimeUrl"].replace("localhost", "127.0.0.1")
    tabs = [await connect(url, jwt=info["jwt"]), await connect(url, jwt=bob["jwt"])]
    models = [await d.models().open(info["modelId"]) for d in tabs]
    expected = "".join(f"line {i}\n" for i in range(20))
    seen: list[set[str]] = [set(), set()]
    stop = asyncio.Event()

    async def watch(n: int) -> None:
        # Every state a client sees is a prefix of the final text: never a line twice, never
        # out of order, never one missing in between.
        while not stop.is_set():
            outputs = cell(models[n].value(), "c1").get("outputs", [])
            text = "".join(o.get("text", "") for o in outputs)
            assert len(outputs) <= 1 and expected.startswith(text), outputs
            seen[n].add(text)
            await asyncio.sleep(0.02)

    watchers = [asyncio.create_task(watch(n)) for n in range(2)]
    code = (
        "import time\nfor i in range(20):\n    print(f'line {i}', flush=True)\n    time.sleep(0.05)"
    )
    # The claim lands while the first lines are already out: the buffered ones are replayed.
    msg_id = kernel.execute(code)
    await asyncio.sleep(0.3)
    claim = {"path": PATH, "kernelId": kernel.kernel_id, "msgId": msg_id, "cellId": "c1"}
    assert await post(jp_fetch, "execution", claim) == {"serverOutputs": True}
    # The same request claimed again (a second tab, a retried POST) is still one execution.
    assert await post(jp_fetch, "execution", claim, user="bob") == {"serverOutputs": True}
    final = await finished(app, info["modelId"], "c1")
    await wait_until(lambda: _true(all(cell(m.value(), "c1") == final for m in models)), within=10)
    stop.set()
    await asyncio.gather(*watchers)
    assert final["outputs"] == [{"output_type": "stream", "name": "stdout", "text": expected}]
    assert final["execution_count"] == 1
    # A claim repeated after the end (a slow retry) changes nothing.
    assert await post(jp_fetch, "execution", claim, user="bob") == {"serverOutputs": True}
    await asyncio.sleep(0.5)
    assert cell(await model_data(app, info["modelId"]), "c1") == final
    # Live: the clients saw the text grow in several steps, not only at the end.
    assert all(len(s) >= 3 for s in seen), [len(s) for s in seen]
    for domain in tabs:
        await domain.dispose()

    # Autosave puts exactly that in the file.
    async def saved() -> bool:
        disk = cell(read_notebook(jp_root_dir / PATH), "c1")
        return bool(
            disk["execution_count"] == 1 and "".join(disk["outputs"][0]["text"]) == expected
        )

    await wait_until(saved, within=10)
    (only,) = cell(read_notebook(jp_root_dir / PATH), "c1")["outputs"]
    assert only["output_type"] == "stream"


async def _true(value: bool) -> bool:
    return value


async def test_clear_output_display_updates_errors_and_counts(
    app: Any, jp_root_dir: Path, session: Session, jp_fetch: Any, kernel: Any
) -> None:
    info = await open_notebook(jp_root_dir, session, ["a", "b", "c", "d"])
    kernel = await kernel()
    assert (await post(jp_fetch, "kernel", {"path": PATH, "kernelId": kernel.kernel_id}))[
        "serverOutputs"
    ]
    model_id = info["modelId"]
    await run(
        jp_fetch,
        kernel,
        "a",
        "from IPython.display import clear_output, display\n"
        "print('gone')\nclear_output()\nprint('one')\n"
        "clear_output(wait=True)\nprint('two', end='')\nprint('\\rTWO')\n"
        "import sys; print('err', file=sys.stderr)\n"
        "h = display('first', display_id=True)\n"
        "42",
    )
    a = await finished(app, model_id, "a", 1)
    assert a["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "TWO\n"},
        {"output_type": "stream", "name": "stderr", "text": "err\n"},
        {"output_type": "display_data", "data": {"text/plain": "'first'"}, "metadata": {}},
        {
            "output_type": "execute_result",
            "data": {"text/plain": "42"},
            "metadata": {},
            "execution_count": 1,
        },
    ]
    # Another cell updates the display shown in cell a; and raises.
    await run(jp_fetch, kernel, "b", "h.update('second')\nprint('b ran')\n1/0")
    b = await finished(app, model_id, "b", 2)
    assert b["outputs"][0] == {"output_type": "stream", "name": "stdout", "text": "b ran\n"}
    assert b["outputs"][1]["output_type"] == "error"
    assert b["outputs"][1]["ename"] == "ZeroDivisionError"
    assert len(b["outputs"]) == 2
    a = cell(await model_data(app, model_id), "a")
    assert a["outputs"][2]["data"] == {"text/plain": "'second'"}
    # Running a cell again starts from empty outputs; a progress line overwritten with \r.
    await run(
        jp_fetch,
        kernel,
        "a",
        "import time\nfor i in range(5):\n    print(f'\\r{i}/5', end='', flush=True)\n"
        "    time.sleep(0.05)\nprint()",
    )
    a = await finished(app, model_id, "a", 3)
    assert a["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "4/5\n"}]
    # An unclaimed execution (no tab handed it over) writes nothing here.
    await run(jp_fetch, kernel, "c", "print('not ours')", claim=False)
    await run(jp_fetch, kernel, "d", "print('d')")
    await finished(app, model_id, "d", 5)
    assert cell(await model_data(app, model_id), "c")["outputs"] == []


async def test_refused_for_unknown_kernels_closed_notebooks_and_bad_bodies(
    app: Any, jp_root_dir: Path, session: Session, jp_fetch: Any
) -> None:
    await open_notebook(jp_root_dir, session, ["c1"])
    unknown = {"path": PATH, "kernelId": "no-such-kernel"}
    assert await post(jp_fetch, "kernel", unknown) == {"serverOutputs": False}
    claim = {**unknown, "msgId": "m1", "cellId": "c1"}
    assert await post(jp_fetch, "execution", claim) == {"serverOutputs": False}
    write_notebook(jp_root_dir / "closed.ipynb", make_notebook([("x", "code", "")]))
    assert await post(jp_fetch, "execution", {**claim, "path": "closed.ipynb"}) == {
        "serverOutputs": False
    }
    assert await post(jp_fetch, "execution", {"path": PATH, "kernelId": "k"}) == 400
    assert await post(jp_fetch, "kernel", {"path": "a.txt", "kernelId": "k"}) == 400
    assert await post(jp_fetch, "execution", {**claim, "msgId": "x" * 500}) == 400
    # Writing outputs needs write access to the notebook.
    assert await post(jp_fetch, "execution", claim, user="reader1") == 403
    started = time.monotonic()
    assert await post(jp_fetch, "kernel", unknown) == {"serverOutputs": False}
    assert time.monotonic() - started < 2


# -- the output assembly, without a kernel ---------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("ab\n\r\b")), max_size=40)


@settings(max_examples=300, derandomize=True)
@given(text=_TEXT, cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=6))
def test_a_stream_split_anywhere_gives_the_same_output(text: str, cuts: list[int]) -> None:
    """The kernel splits a stream into messages wherever it flushes: the output is the same."""
    whole = CellOutputs()
    apply_message(whole, "stream", {"name": "stdout", "text": text})
    split = CellOutputs()
    bounds = [0, *sorted(c for c in cuts if c <= len(text)), len(text)]
    for start, end in itertools.pairwise(bounds):
        apply_message(split, "stream", {"name": "stdout", "text": text[start:end]})
    assert split.outputs == whole.outputs
    assert len(whole.outputs) == 1


def test_terminal_text_processing() -> None:
    assert process_text(0, "abc\rx") == ("xbc", 1)
    assert process_text(0, "ab\nc\bd") == ("ab\nd", 4)
    assert process_text(0, "\b\ba") == ("a", 1)  # never past the start
    assert process_text(0, "a\n\bb") == ("a\nb", 3)  # nor back over a line feed
    area = CellOutputs()
    for name, text in (("stdout", "1"), ("stderr", "e"), ("stdout", "2")):
        apply_message(area, "stream", {"name": name, "text": text})
    assert [o["text"] for o in area.outputs] == ["1", "e", "2"]  # only consecutive ones merge
    apply_message(area, "clear_output", {"wait": True})
    assert len(area.outputs) == 3  # wait: cleared only when the next output comes
    apply_message(area, "display_data", {"data": {"text/plain": "x"}, "metadata": {}})
    assert area.outputs == [
        {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    ]


async def test_a_restarted_kernel_keeps_its_outputs_written(
    app: Any, jp_root_dir: Path, session: Session, jp_fetch: Any, kernel: Any, jp_serverapp: Any
) -> None:
    info = await open_notebook(jp_root_dir, session, ["a", "b"])
    kernel = await kernel()
    watch = {"path": PATH, "kernelId": kernel.kernel_id}
    assert (await post(jp_fetch, "kernel", watch))["serverOutputs"]
    await run(jp_fetch, kernel, "a", "import time\nprint('before')\ntime.sleep(30)")

    async def printed() -> bool:
        return bool(cell(await model_data(app, info["modelId"]), "a")["outputs"])

    await wait_until(printed, within=15)
    await jp_serverapp.kernel_manager.restart_kernel(kernel.kernel_id)
    await kernel.wait_for_ready(timeout=60)
    await run(jp_fetch, kernel, "b", "print('after')")
    b = await finished(app, info["modelId"], "b", 1)
    assert b["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "after\n"}]
    a = cell(await model_data(app, info["modelId"]), "a")
    # What the interrupted cell printed stays (a restart interrupts it first: ipykernel may
    # still report the KeyboardInterrupt); nothing of b's reached it.
    assert a["outputs"][0] == {"output_type": "stream", "name": "stdout", "text": "before\n"}
    assert all(o["output_type"] == "error" for o in a["outputs"][1:])
