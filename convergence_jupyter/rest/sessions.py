"""Connected sessions of a domain: list them, disconnect one. Admin scope.

Sessions live in the process whose websocket they use, so both operations see the sessions of
the server process that answers (one process per database is the usual deployment; behind a
load balancer, ask each). Disconnecting closes the socket; the client may reconnect unless the
user is disabled or the domain is taken offline first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from convergence_jupyter.auth.kernel_tokens import parse_bot_username
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.session_ids import parse_session_id
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.records import SessionRecord
from convergence_jupyter.store.sessions import SessionRepository

router = Router(tag="sessions", description="Connected sessions (admin).")

UserKind = Literal["normal", "convergence", "anonymous"]


class KernelBot(BaseModel):
    """A kernel bot's session (``bots/``): which bot, of which kernel, acting for whom."""

    name: str
    kernel: str = Field(description="The first 8 characters of the kernel id.")
    acting_for: str = Field(description="The Jupyter user the bot acts for.")


class Session(BaseModel):
    session_id: str
    username: str
    user_type: UserKind
    display_name: str | None
    client: str | None = None
    client_version: str | None = None
    remote_host: str | None = None
    connected_at: datetime | None = None
    bot: KernelBot | None = Field(None, description="Set for the sessions of kernel bots.")


class SessionQuery(PageQuery):
    username: str | None = Field(None, max_length=255, description="Only this user's sessions.")


def _session(handle: SessionHandle, stored: SessionRecord | None) -> Session:
    user = handle.user
    bot = parse_bot_username(user.username) if user.user_id.user_type == UserType.NORMAL else None
    return Session(
        session_id=handle.session_id,
        username=user.username,
        user_type=user.user_id.user_type.name.lower(),  # type: ignore[arg-type]
        display_name=user.display_name,
        client=stored.client if stored else None,
        client_version=stored.client_version if stored else None,
        remote_host=stored.remote_host if stored else None,
        connected_at=stored.connected_at if stored else None,
        bot=None
        if bot is None
        else KernelBot(name=bot.name, kernel=bot.kernel, acting_for=bot.owner),
    )


async def _live(ctx: RequestContext, namespace: str, domain: str) -> dict[str, SessionHandle]:
    record = await ctx.domain(namespace, domain)
    runtime = ctx.realtime.loaded_runtime(record.pk)
    return {} if runtime is None else dict(runtime.sessions)


@router.get(
    "/domains/{namespace}/{domain}/sessions",
    operation_id="listSessions",
    summary="List the sessions connected to a domain (on this server process)",
    scope=Scope.ADMIN,
    response=Page[Session],
    query=SessionQuery,
)
async def list_sessions(
    ctx: RequestContext, *, namespace: str, domain: str, query: SessionQuery
) -> Page[Session]:
    """Ordered by session id (the order they connected in)."""
    live = await _live(ctx, namespace, domain)
    handles = sorted(
        (h for h in live.values() if query.username in (None, h.user.username)),
        key=lambda h: (len(h.session_id), h.session_id),
    )
    chosen = handles[query.offset : query.offset + query.limit]
    stored: dict[str, SessionRecord | None] = {}
    async with ctx.database.transaction(readonly=True) as session:
        sessions = SessionRepository(session)
        for handle in chosen:
            number = parse_session_id(handle.session_id)
            stored[handle.session_id] = None if number is None else await sessions.get(number)
    items = [_session(h, stored[h.session_id]) for h in chosen]
    return Page[Session].model_validate(page_of(items, len(handles), query))


@router.delete(
    "/domains/{namespace}/{domain}/sessions/{session_id}",
    operation_id="disconnectSession",
    summary="Disconnect a session",
    scope=Scope.ADMIN,
)
async def disconnect_session(
    ctx: RequestContext, *, namespace: str, domain: str, session_id: str
) -> None:
    """404 if no such session is connected to this process."""
    handle = (await _live(ctx, namespace, domain)).get(session_id)
    if handle is None:
        raise ProblemError(404, f"no session {session_id!r} is connected here")
    handle.disconnect("disconnected by an administrator")
