"""A kernel token's TTL: past it the token is refused and the kernel's bots are ended, though
the kernel still runs."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.bots import BotError, KernelCredentials, NotebookBot
from convergence_jupyter.bots.kernel_session import request_session

from .conftest import JoinHuman, StartKernel, eventually, write_notebook

TTL = 6.0


@pytest.fixture
def token_ttl() -> float:
    return TTL


async def test_expired_token_is_refused_and_ends_the_bot(
    start_kernel: StartKernel, human: JoinHuman, jp_root_dir: Any, jp_serverapp: Any
) -> None:
    path = write_notebook(jp_root_dir, "ttl.ipynb", ["x = 1"])
    kernel = await start_kernel(path)
    ada = await human(path, user="ada")
    env = await kernel.environment()
    credentials = KernelCredentials(env["CONVERGENCE_URL"], env["CONVERGENCE_KERNEL_TOKEN"])
    bot = await NotebookBot.join("Timer", credentials=credentials)
    await eventually(ada.bots, message="joined")
    await eventually(lambda: bot.status == "stopped", within=TTL + 20, message="ended at TTL")
    assert "expired" in bot.stop_reason
    await eventually(lambda: not ada.bots(), message="gone from presence")
    with pytest.raises(BotError, match="401"):
        await request_session(credentials, "Timer")
    assert kernel.kernel_id in jp_serverapp.kernel_manager  # the kernel itself runs on
    ada.model.element_at("cells", 0, "source").insert(0, "# fine\n")
    await ada.model.committed()
