"""Server information (version, database backend, who the caller is) and the health and
readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from convergence_jupyter import __version__
from convergence_jupyter.rest.framework import Reply, RequestContext, Router, Scope
from convergence_jupyter.rest.health import Readiness

router = Router(tag="server", description="This server and the caller.")


class Caller(BaseModel):
    username: str
    display_name: str
    scopes: list[Scope]
    via: Literal["jupyter", "api_key"]
    api_key_id: str | None = None


class ServerInfo(BaseModel):
    version: str
    api_version: Literal["v1"] = "v1"
    database: str
    caller: Caller


@router.get(
    "/server",
    operation_id="getServerInfo",
    summary="Server version, database backend and the caller's identity",
    scope=Scope.READ,
    response=ServerInfo,
)
async def server_info(ctx: RequestContext) -> ServerInfo:
    """What this server is, and how the request was authenticated (to check a key's scopes)."""
    p = ctx.principal
    return ServerInfo(
        version=__version__,
        database=ctx.database.dialect_name,
        caller=Caller(
            username=p.username,
            display_name=p.display_name,
            scopes=[s for s in Scope if p.has(s)],
            via=p.via,
            api_key_id=p.api_key_id,
        ),
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    """Ready: the extension started and the database answers."""

    ready: Literal[True] = True
    database: Literal["ok"] = "ok"


class NotReady(BaseModel):
    """Not ready (still starting, start-up failed, or the database does not answer)."""

    ready: Literal[False] = False
    reason: str


# The probes are served by rest/health.py's handlers, mounted ahead of the REST handler so
# that they answer even after a failed start; these operations describe them in the OpenAPI
# document (and behave the same should the REST handler ever receive the request).


@router.get(
    "/health",
    operation_id="getHealth",
    summary="Liveness: the process serves HTTP",
    public=True,
    response=Health,
)
async def health(ctx: RequestContext) -> Health:
    """Always 200 while the process runs; for load balancers (no credentials)."""
    return Health()


@router.get(
    "/ready",
    operation_id="getReadiness",
    summary="Readiness: started, and the database answers",
    public=True,
    response=Ready,
    responses={503: NotReady},
)
async def ready(ctx: RequestContext) -> Ready | Reply:
    """200 once start-up finished and the database answers a trivial query within a few
    seconds, else 503 with the reason (no credentials)."""
    readiness = Readiness(
        failure=lambda: None,
        started=lambda: ctx.realtime.started,
        ping_database=ctx.database.ping,
    )
    reason = await readiness.reason()
    return Ready() if reason is None else Reply(503, NotReady(reason=reason))
