"""``serverTimeRequest``: lets clients correct their clock skew against ours."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from google.protobuf.message import Message

from convergence_jupyter.domain.service import Handler, Reply, ServiceBase
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.protocol.schema import core_pb2


class ServerTimeService(ServiceBase):
    def handlers(self) -> Mapping[str, Handler]:
        return {"serverTimeRequest": self._server_time}

    async def _server_time(self, session: SessionHandle, body: Message) -> Reply:
        response = core_pb2.GetServerTimeResponseMessage()
        response.serverTime.FromDatetime(datetime.now(UTC))
        return "serverTimeResponse", response
