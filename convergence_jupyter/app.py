"""The jupyter_server extension: configuration, handlers, start and stop.

Loaded by ``jupyter server``/``jupyter lab`` when enabled, or launched alone with
``jupyter convergence`` (a Jupyter server that serves only the collaboration endpoints).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Bool, Enum, Float, Integer, Unicode, default

from convergence_jupyter import __version__
from convergence_jupyter.activities.service import ActivityService
from convergence_jupyter.auth.login_bridge import LoginBridge
from convergence_jupyter.chat.service import ChatService
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.identity.service import IdentityService
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.notebooks.backend import Backend as NotebookBackend
from convergence_jupyter.notebooks.handlers import NotebookSaveHandler, NotebookSessionHandler
from convergence_jupyter.notebooks.manager import NotebookManager
from convergence_jupyter.permissions.service import PermissionsService
from convergence_jupyter.presence.service import PresenceService
from convergence_jupyter.realtime.limits import ConnectionLimits
from convergence_jupyter.realtime.server import RealtimeServer
from convergence_jupyter.realtime.server_time import ServerTimeService
from convergence_jupyter.realtime.websocket import RealtimeWebSocketHandler
from convergence_jupyter.rest.login_bridge import LoginBridgeTokenHandler
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domains import DomainRepository

_SEGMENT = r"[^/]+"


class SchemaOutOfDate(RuntimeError):
    """Refuses to serve a database older than the code (when automatic upgrades are off)."""


class ConvergenceApp(ExtensionApp):
    """Hosts the Convergence realtime protocol (and its REST helpers) inside Jupyter."""

    name = "convergence_jupyter"
    app_name = "Convergence"
    description = "Real-time collaboration server speaking the Convergence protocol"
    load_other_extensions = False

    database_url = Unicode(
        help="SQLAlchemy URL of the database. Default: SQLite in the Jupyter data directory. "
        "Use postgresql://user@host/db in production.",
    ).tag(config=True)

    @default("database_url")
    def _default_database_url(self) -> str:
        return f"sqlite:///{Path(jupyter_data_dir()) / 'convergence' / 'convergence.db'}"

    auto_upgrade = Bool(
        True,
        help="Upgrade the database schema at start (else run 'convergence-jupyter db upgrade').",
    ).tag(config=True)
    sqlite_synchronous = Enum(
        ["NORMAL", "FULL"],
        "NORMAL",
        help="SQLite 'synchronous' mode: NORMAL survives a crash, FULL a power loss.",
    ).tag(config=True)
    default_namespace = Unicode(
        "convergence", help="Namespace of the domain created at start."
    ).tag(config=True)
    default_domain = Unicode("default", help="Name of the domain created at start.").tag(
        config=True
    )
    anonymous_auth = Bool(
        None,
        allow_none=True,
        help="Allow anonymous connections to the default domain. None keeps the stored setting "
        "(off for a new domain).",
    ).tag(config=True)
    max_frame_bytes = Integer(4 * 1024 * 1024, help="Largest websocket frame accepted.").tag(
        config=True
    )
    handshake_timeout = Float(10.0, help="Seconds a socket may wait before connecting.").tag(
        config=True
    )
    ping_interval = Float(10.0, help="Idle seconds before the server pings a client.").tag(
        config=True
    )
    pong_timeout = Float(10.0, help="Seconds after a ping before a silent client is dropped.").tag(
        config=True
    )
    pre_auth_max_messages = Integer(
        1000, help="Messages a socket may send before it is authenticated."
    ).tag(config=True)
    max_outbound_bytes = Integer(
        8 * 1024 * 1024, help="Unsent bytes queued for one client before it is disconnected."
    ).tag(config=True)
    login_bridge_token_minutes = Float(
        5.0, help="Lifetime of the JWTs the Jupyter login bridge issues."
    ).tag(config=True)
    notebook_autosave_delay = Float(
        1.5, help="Seconds after the last edit of a co-edited notebook before it is saved."
    ).tag(config=True)
    notebook_poll_interval = Float(
        1.0, help="Seconds between checks of an open notebook's file for outside changes."
    ).tag(config=True)

    def initialize_settings(self) -> None:
        self.database = Database.from_url(self.database_url, synchronous=self.sqlite_synchronous)  # type: ignore[arg-type]
        # Before any handler can run; blocking here is start-up, not request handling.
        if self.auto_upgrade:
            self.database.upgrade_sync()
        else:
            current, head = self.database.current_revision_sync(), Database.head_revision()
            if current != head:
                raise SchemaOutOfDate(
                    f"the Convergence database is at schema revision {current or '(empty)'}, "
                    f"this version needs {head}: run 'convergence-jupyter db upgrade' "
                    "or enable ConvergenceApp.auto_upgrade"
                )
        self.login_bridge = LoginBridge(
            self.database, timedelta(minutes=self.login_bridge_token_minutes)
        )
        limits = ConnectionLimits(
            max_frame_bytes=self.max_frame_bytes,
            handshake_timeout=self.handshake_timeout,
            ping_interval=self.ping_interval,
            pong_timeout=self.pong_timeout,
            pre_auth_max_messages=self.pre_auth_max_messages,
            max_outbound_bytes=self.max_outbound_bytes,
        )
        database = self.database

        def identity(runtime: DomainRuntime) -> IdentityService:
            return IdentityService(runtime, database)

        def activities(runtime: DomainRuntime) -> ActivityService:
            return ActivityService(runtime, database)

        def chat(runtime: DomainRuntime) -> ChatService:
            return ChatService(runtime, database)

        def permissions(runtime: DomainRuntime) -> PermissionsService:
            return PermissionsService(runtime, database)

        def models(runtime: DomainRuntime) -> ModelService:
            return ModelService(runtime, database)

        def server_time(runtime: DomainRuntime) -> ServerTimeService:
            return ServerTimeService()

        self.realtime = RealtimeServer(
            self.database,
            limits=limits,
            service_factories=[
                server_time,
                identity,
                PresenceService,
                activities,
                chat,
                permissions,
                models,
            ],
            version=__version__,
            startup=self._prepare_default_domain,
        )
        self.settings["convergence_realtime"] = self.realtime
        assert self.serverapp is not None
        self.notebooks = NotebookManager(
            NotebookBackend(database, self.serverapp.contents_manager, self._default_runtime),
            autosave_delay=self.notebook_autosave_delay,
            poll_interval=self.notebook_poll_interval,
        )
        # Renames and deletes through the ContentsManager keep notebook file ids current.
        if self.serverapp.event_logger is not None:
            self.serverapp.event_logger.add_listener(
                schema_id=self.serverapp.contents_manager.event_schema_id,
                listener=self.notebooks.on_contents_event,
            )

    def initialize_handlers(self) -> None:
        base_url = self.serverapp.base_url if self.serverapp else "/"
        realtime_path = url_path_join(
            base_url, "convergence/realtime", self.default_namespace, self.default_domain
        )
        self.handlers.extend(
            [
                (
                    rf"/convergence/realtime/({_SEGMENT})/({_SEGMENT})",
                    RealtimeWebSocketHandler,
                    {"realtime_server": self.realtime},
                ),
                (
                    r"/convergence/api/v1/login-bridge/token",
                    LoginBridgeTokenHandler,
                    {"bridge": self.login_bridge, "realtime_path": realtime_path},
                ),
                *(
                    (
                        rf"/convergence/api/v1/notebooks/{name}",
                        handler,
                        {
                            "manager": self.notebooks,
                            "bridge": self.login_bridge,
                            "realtime_path": realtime_path,
                        },
                    )
                    for name, handler in (
                        ("session", NotebookSessionHandler),
                        ("save", NotebookSaveHandler),
                    )
                ),
            ]
        )

    async def _prepare_default_domain(self) -> None:
        async with self.database.transaction() as session:
            domain = await DomainRepository(session).ensure(
                self.default_namespace, self.default_domain, anonymous_auth=self.anonymous_auth
            )
        await self.login_bridge.install(domain)

    async def _default_runtime(self) -> DomainRuntime:
        await self.realtime.start()
        async with self.database.transaction(readonly=True) as session:
            domain = await DomainRepository(session).get(
                self.default_namespace, self.default_domain
            )
        assert domain is not None
        return self.realtime.runtime_for(domain)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        if not hasattr(self, "realtime"):
            return  # initialisation failed and was logged (e.g. SchemaOutOfDate)
        await self.realtime.start()
        self.log.info(
            "Convergence realtime endpoint: %s",
            url_path_join(
                serverapp.connection_url,
                "convergence/realtime",
                self.default_namespace,
                self.default_domain,
            ),
        )

    async def stop_extension(self) -> None:
        if not hasattr(self, "realtime"):
            return
        await asyncio.wait_for(self.notebooks.close(), timeout=10)
        await asyncio.wait_for(self.realtime.close(), timeout=5)
        await self.database.close()


def main(argv: list[str] | None = None) -> None:
    """``jupyter convergence``: a Jupyter server with only this extension."""
    ConvergenceApp.launch_instance(argv)
