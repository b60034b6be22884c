"""Messages a client pipelines behind a login that fails are dropped, not served.

Found by the T6 matrix: they reached the services of a connection without a session (an
assertion inside the dispatcher, logged as an unexpected failure and answered "unknown").
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from traitlets.config import Config

from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2
from tests.realtime.inprocess import QUIET_LIMITS, new_client, realtime_of, settle, wait_until


@pytest.fixture
def jp_server_config(tmp_path: Any) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'refused.db'}",
                **QUIET_LIMITS,
            },
        }
    )


async def test_requests_behind_a_refused_login_are_dropped(
    jp_serverapp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = await new_client(realtime_of(jp_serverapp))
    login = core_pb2.ConnectionRequestMessage(client="t", clientVersion="0")
    login.password.username, login.password.password = "nobody", "wrong"
    client.send_raw(encode("connectionRequest", login, request_id=0))
    for request_id in (1, 2):
        client.send_raw(
            encode(
                "serverTimeRequest", core_pb2.GetServerTimeRequestMessage(), request_id=request_id
            )
        )
    with caplog.at_level(logging.ERROR, logger="convergence_jupyter"):
        await wait_until(lambda: bool(client.frames), 10, "the connection response")
        await settle(100)
    bodies = [m.WhichOneof("body") for m in client.frames]
    assert bodies == ["connectionResponse"], bodies
    assert client.frames[0].connectionResponse.WhichOneof("response") == "failure"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    client.hang_up()
