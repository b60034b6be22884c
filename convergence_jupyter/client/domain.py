"""``connect()`` and the connected :class:`Domain`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.values import value_map_to_dict

from .activities import ActivityService
from .chat import ChatService
from .connection import Connection
from .errors import AuthenticationError
from .events import EventSource
from .identity import DomainUser, IdentityCache, IdentityService, user_from_wire
from .model import ModelService
from .offline import OfflineModels
from .offline_store import OfflineStore
from .presence import PresenceService
from .reconnect import DEFAULT_INTERVALS, ConnectionEvent, Reconnector, ReconnectPolicy

__all__ = ["Domain", "DomainUser", "connect"]

_log = logging.getLogger(__name__)

CLIENT_NAME = "convergence-jupyter-python"
CLIENT_VERSION = "0.1"


class Domain:
    """A session in one domain. Create with :func:`connect`; end with :meth:`dispose`."""

    def __init__(
        self,
        connection: Connection,
        success: core_pb2.ConnectionResponseMessage.ConnectionSuccessData,
        reconnect: ReconnectPolicy | None = None,
    ) -> None:
        self._connection = connection
        #: Connection events (client/reconnect.py): "disconnected", "reconnecting",
        #: "reconnected" (``session_id`` is then the new session's), "closed".
        self.events: EventSource[ConnectionEvent] = EventSource()
        self.session_id = success.sessionId
        self.namespace = success.namespace
        self.domain_id = success.domainId
        self.user: DomainUser = user_from_wire(success.user)
        #: Present this (``connect(url, reconnect_token=...)``) to resume as the same user.
        self.reconnect_token = success.reconnectToken
        self._models = ModelService(self, connection)
        # Domain services (client/activities.py, chat.py, presence.py, identity.py); each has
        # attach(connection) to register its push handlers on a new connection.
        self._identity_cache = IdentityCache()
        self._identity_cache.add(self.user, self.session_id)
        self._identity = IdentityService(connection, self._identity_cache)
        self._activities = ActivityService(self, connection, self._identity_cache)
        self._chat = ChatService(self, connection, self._identity_cache)
        self._presence = PresenceService(
            self, connection, self._identity_cache, value_map_to_dict(success.presenceState)
        )
        # A dropped socket is replaced (reconnect.py); services hear of it through the hooks
        # listed there, and ``_connection_lost`` only when the domain is closed for good.
        self._link = Reconnector(self, reconnect or ReconnectPolicy("", enabled=False))
        self._link.watch(connection)

    def _services(self) -> list[Any]:
        """What the reconnector re-attaches and notifies, in this order."""
        return [self._models, self._identity, self._activities, self._chat, self._presence]

    def __repr__(self) -> str:
        return f"<Domain {self.namespace}/{self.domain_id} as {self.user.username}>"

    @property
    def connected(self) -> bool:
        return self._connection.is_open

    def models(self) -> ModelService:
        return self._models

    def activities(self) -> ActivityService:
        return self._activities

    def chat(self) -> ChatService:
        return self._chat

    def presence(self) -> PresenceService:
        return self._presence

    def identity(self) -> IdentityService:
        return self._identity

    async def server_time(self) -> dt.datetime:
        _, reply = await self._connection.request(
            "serverTimeRequest", core_pb2.GetServerTimeRequestMessage()
        )
        return reply.serverTime.ToDatetime(tzinfo=dt.UTC)

    async def dispose(self) -> None:
        """Close every model and the connection (and the offline store, after its writes)."""
        self._link.close("the domain was disposed")
        for model in list(self._models._models.values()):
            await model.close()
        self._connection.close()
        await self._connection.wait_closed()
        offline = self._models._offline_models
        if offline is not None:
            await offline.flush()
            offline.store.close()

    def close(self) -> None:
        """Drop the connection now, without telling the server about open models (it closes
        them itself); for synchronous cleanup such as ``atexit``. Prefer :meth:`dispose`.
        Blocks until the offline store's queued writes are done."""
        self._link.close("the domain was closed")
        self._connection.close()
        offline = self._models._offline_models
        if offline is not None:
            offline.write_now()
            offline.store.close()

    def _remember_token(self) -> None:
        """Keep the reconnect token in the offline store: a later process resumes with it."""
        offline = self._models._offline_models
        if offline is not None and self.reconnect_token:
            offline.store.save_token(self._link._policy.url, self.reconnect_token)

    async def __aenter__(self) -> Domain:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.dispose()


async def connect(
    url: str,
    *,
    anonymous: str | None = None,
    password: tuple[str, str] | None = None,
    jwt: str | None = None,
    reconnect_token: str | None = None,
    ping_interval: float = 10.0,
    pong_timeout: float = 10.0,
    request_timeout: float = 30.0,
    auto_reconnect: bool = True,
    reconnect_intervals: Sequence[float] = DEFAULT_INTERVALS,
    offline_store: str | Path | None = None,
) -> Domain:
    """Connect to a domain's websocket URL (``ws://host/<base>/convergence/realtime/<ns>/<d>``)
    with exactly one way of authenticating; raises :class:`AuthenticationError` if refused.

    ``anonymous`` is the display name (anonymous auth must be enabled for the domain). Prefer
    ``jwt`` for programs acting for a user: a password in code or a notebook leaks easily.

    When the socket drops the domain reconnects by itself (``auto_reconnect``), after
    ``reconnect_intervals`` seconds (the last repeats), with the reconnect token; open models
    stay usable meanwhile and resynchronise (``domain.events`` reports the progress).

    ``offline_store`` (a SQLite file, created if missing) keeps subscribed models and their
    unsent edits across process restarts (``models().subscribe_offline(id)``,
    ``open_offline(id)``; client/offline.py). It also keeps the reconnect token: when it holds
    one for ``url`` the session resumes with it (so the server recognises the edits of the
    earlier process it already has), and the given credentials are used only if the server
    refuses the token; with a stored token no credentials are needed.
    """
    chosen = [x is not None for x in (anonymous, password, jwt, reconnect_token)]
    store = await OfflineStore.open(offline_store) if offline_store is not None else None
    try:
        stored_token = await store.token(url) if store is not None else None
        if sum(chosen) > 1 or (sum(chosen) == 0 and stored_token is None):
            raise ValueError("pass exactly one of anonymous=, password=, jwt=, reconnect_token=")
        options = {
            "ping_interval": ping_interval,
            "pong_timeout": pong_timeout,
            "request_timeout": request_timeout,
        }
        success = None
        if stored_token is not None and reconnect_token is None:
            try:
                connection, success = await _authenticate(
                    url, _request(reconnect_token=stored_token), options
                )
            except AuthenticationError as exc:
                if exc.retry_ok or sum(chosen) == 0:
                    raise
                _log.warning(
                    "the stored reconnect token was refused (%s); edits the server committed "
                    "before the earlier process lost its acks may now be applied twice",
                    exc,
                )
        if success is None:
            connection, success = await _authenticate(
                url, _request(anonymous, password, jwt, reconnect_token), options
            )
        policy = ReconnectPolicy(
            url,
            enabled=auto_reconnect,
            intervals=tuple(reconnect_intervals),
            connection_options=options,
            client=CLIENT_NAME,
            client_version=CLIENT_VERSION,
        )
        domain = Domain(connection, success, reconnect=policy)
    except BaseException:
        if store is not None:
            store.close()
        raise
    if store is not None:
        domain._models._offline_models = OfflineModels(store, set(await store.subscriptions()))
        domain._remember_token()
    return domain


def _request(
    anonymous: str | None = None,
    password: tuple[str, str] | None = None,
    jwt: str | None = None,
    reconnect_token: str | None = None,
) -> core_pb2.ConnectionRequestMessage:
    request = core_pb2.ConnectionRequestMessage(client=CLIENT_NAME, clientVersion=CLIENT_VERSION)
    if anonymous is not None:
        request.anonymous.SetInParent()
        if anonymous:
            request.anonymous.displayName.value = anonymous
    elif password is not None:
        request.password.username, request.password.password = password
    elif jwt is not None:
        request.jwt.jwt = jwt
    else:
        assert reconnect_token is not None
        request.reconnect.token = reconnect_token
    return request


async def _authenticate(
    url: str, request: core_pb2.ConnectionRequestMessage, options: dict[str, Any]
) -> tuple[Connection, core_pb2.ConnectionResponseMessage.ConnectionSuccessData]:
    connection = await Connection.open(url, **options)
    try:
        _, reply = await connection.request("connectionRequest", request)
    except BaseException:
        connection.close()
        raise
    if reply.WhichOneof("response") != "success":
        connection.close()
        failure = reply.failure
        raise AuthenticationError(failure.code, failure.details, retry_ok=failure.retryOk)
    return connection, reply.success
