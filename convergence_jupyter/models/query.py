"""Model queries (placeholder until the parser lands)."""

from __future__ import annotations

from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.database import Database


class QueryError(ValueError):
    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


async def run_query(
    db: Database, domain_pk: int, session: SessionHandle, text: str
) -> pb.ModelsQueryResponseMessage:
    raise QueryError("queries are not supported yet", 0)
