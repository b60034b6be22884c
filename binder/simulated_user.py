"""A simulated second participant for the Binder demo: "Grace", a Python client script.

Started by ``demo.ipynb`` (or by hand: ``python binder/simulated_user.py``), it finds the Jupyter
server the notebook runs on, gets a co-editing session for the notebook like JupyterLab does
(``POST convergence/api/v1/notebooks/session`` with the server's credentials), and then, through
``convergence_jupyter.client``: joins the notebook's presence with her own name and colour,
chats, moves her cursor into a cell and types into it one character at a time, and mentions the
kernel bot. She stays until ``--linger`` seconds have passed, the process that started her
(the kernel) is gone, or the server closes the connection.

Credentials: the server's token from its runtime file (``jupyter server list``), else
``JUPYTERHUB_API_TOKEN`` (mybinder.org's single-user servers) or ``JUPYTER_TOKEN``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import httpx
from jupyter_server.serverapp import list_running_servers

from convergence_jupyter.client import connect

NAME = "grace"
DISPLAY_NAME = "Grace (simulated)"
COLOR = "#911eb4"


def say(text: str) -> None:
    print(f"[grace] {text}", flush=True)


def _ancestors() -> list[int]:
    """Our parent, its parent, ...: the kernel, then the Jupyter server that started it."""
    pids, pid = [], os.getppid()
    for _ in range(6):
        if pid <= 1:
            break
        pids.append(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return pids


def find_server() -> dict[str, Any]:
    """The running Jupyter server that started our kernel: the one at ``CONVERGENCE_URL``
    (which the server puts in its kernels' environment), or our ancestor, else the only one."""
    servers = list(list_running_servers())
    wanted = os.environ.get("CONVERGENCE_URL", "").rstrip("/")
    for info in servers:
        if wanted and str(info.get("url", "")).rstrip("/") == wanted:
            return info
    ancestors = _ancestors()
    for info in servers:
        if info.get("pid") in ancestors:
            return info
    if len(servers) == 1:
        return servers[0]
    raise SystemExit("cannot tell which Jupyter server to join (jupyter server list); use --url")


def notebook_path(info: dict[str, Any], given: str | None) -> str:
    """The contents path of the notebook: given, else the one whose kernel started us
    (jupyter_server puts its file in ``JPY_SESSION_NAME``)."""
    if given:
        return given
    session_file = os.environ.get("JPY_SESSION_NAME")
    root = info.get("root_dir")
    if session_file and root:
        return Path(os.path.relpath(session_file, root)).as_posix()
    return "binder/demo.ipynb"


async def open_session(url: str, token: str, notebook: str) -> dict[str, Any]:
    headers = {"Authorization": f"token {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as http:
        reply = await http.post(
            url.rstrip("/") + "/convergence/api/v1/notebooks/session",
            json={"path": notebook},
            headers=headers,
        )
        reply.raise_for_status()
        session: dict[str, Any] = reply.json()
        return session


def _source_of(model: Any, cell_id: str) -> Any:
    """The real-time string of the cell's source (cells are found by id, never by index)."""
    for cell in model.element_at("cells"):
        if cell.get("id").value() == cell_id:
            return cell.get("source")
    return None


def _parent_alive(parent: int) -> bool:
    return os.getppid() == parent


async def run(args: argparse.Namespace) -> int:
    info = find_server() if args.url is None else {"url": args.url, "token": ""}
    token = args.token or info.get("token") or ""
    token = token or os.environ.get("JUPYTERHUB_API_TOKEN") or os.environ.get("JUPYTER_TOKEN", "")
    notebook = notebook_path(info, args.notebook)
    session = await open_session(info["url"], token, notebook)
    parent = os.getppid()
    domain = await connect(session["realtimeUrl"], jwt=session["jwt"])
    say(f"connected as {domain.user.username} (session {domain.session_id})")
    try:
        model = await domain.models().open(session["modelId"])
        activity = await domain.activities().join(
            session["activityType"],
            session["activityId"],
            state={
                "user": {"name": NAME, "displayName": DISPLAY_NAME, "color": COLOR},
                "cellId": None,
                "cursor": None,
            },
        )
        chat = await domain.chat().join(session["chatId"])
        say("joined the notebook, its presence and its chat")
        await chat.send("Hi, I'm Grace, a simulated participant. I'll type into the cell below.")
        await asyncio.sleep(args.pause)

        source = _source_of(model, args.cell)
        if source is None:
            await chat.send(f"I cannot find cell {args.cell} in this notebook.")
            say(f"no cell {args.cell}")
            return 1
        activity.set_state({"cellId": args.cell})
        for char in args.text:
            source.insert(len(source), char)  # at the end, in UTF-16 units
            end = len(source)
            activity.set_state("cursor", {"cellId": args.cell, "anchor": end, "head": end})
            await asyncio.sleep(args.delay)
        await model.committed(timeout=30)
        say(f"typed {len(args.text)} characters into cell {args.cell}")
        await chat.send(f"Done typing. @{args.bot} could you review cell {args.cell}?")

        deadline = asyncio.get_running_loop().time() + args.linger
        while asyncio.get_running_loop().time() < deadline:
            if not domain.connected or not _parent_alive(parent):
                break
            await asyncio.sleep(0.5)
        with contextlib.suppress(Exception):
            await chat.send("Bye for now!")
            await activity.leave()
        say("leaving")
        return 0
    finally:
        await domain.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notebook", help="contents path (default: our kernel's notebook)")
    parser.add_argument("--cell", default="grace-types-here", help="id of the cell to type in")
    parser.add_argument("--text", default="print('Hello from Grace, typed live!')")
    parser.add_argument("--bot", default="Reviewer", help="the kernel bot's name to mention")
    parser.add_argument("--delay", type=float, default=0.08, help="seconds per character")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between steps")
    parser.add_argument("--linger", type=float, default=600.0, help="seconds to stay")
    parser.add_argument("--url", help="the Jupyter server's URL (default: found)")
    parser.add_argument("--token", help="the Jupyter server's token (default: found)")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
