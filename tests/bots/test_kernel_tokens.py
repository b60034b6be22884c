"""Kernel-scoped tokens through a real ipykernel started by jupyter_server's session API."""

from __future__ import annotations

from typing import Any

from convergence_jupyter.bots import KernelCredentials
from convergence_jupyter.bots.kernel_session import request_session

from .conftest import StartKernel, write_notebook


async def test_kernel_gets_a_token_bound_to_it(
    start_kernel: StartKernel, jp_root_dir: Any, app: Any, server_url: str
) -> None:
    path = write_notebook(jp_root_dir, "a.ipynb", ["x = 1"])
    kernel = await start_kernel(path, user="ada")
    env = await kernel.environment()
    assert env["CONVERGENCE_KERNEL_ID"] == kernel.kernel_id
    assert env["CONVERGENCE_KERNEL_TOKEN"].startswith("cjk_")
    assert env["CONVERGENCE_URL"].rstrip("/") == server_url.rstrip("/")
    grant = app.kernel_tokens.grant(kernel.kernel_id)
    assert grant.owner.username == "ada"

    credentials = KernelCredentials(env["CONVERGENCE_URL"], env["CONVERGENCE_KERNEL_TOKEN"])
    session = await request_session(credentials, "Reviewer")
    assert session.path == path
    assert session.owner == "ada"
    assert session.username == f"bot:reviewer:{kernel.kernel_id[:8]}:ada"
    assert session.can_write
