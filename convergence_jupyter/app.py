"""The jupyter_server extension: configuration, handlers, start and stop.

Loaded by ``jupyter server``/``jupyter lab`` when enabled, or launched alone with
``jupyter convergence`` (a Jupyter server that serves only the collaboration endpoints).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from traitlets import Bool, Enum, Float, Integer, List, TraitError, Unicode, default, validate

from convergence_jupyter import __version__
from convergence_jupyter.activities.service import ActivityService
from convergence_jupyter.auth.api_keys import ApiKeyVerifier
from convergence_jupyter.auth.kernel_tokens import KernelTokens
from convergence_jupyter.auth.login_bridge import LoginBridge
from convergence_jupyter.chat.service import ChatService
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.identity.service import IdentityService
from convergence_jupyter.models.limits import ModelLimits
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.notebooks.backend import Backend as NotebookBackend
from convergence_jupyter.notebooks.execution_handlers import (
    ExecutionClaimHandler,
    KernelWatchHandler,
)
from convergence_jupyter.notebooks.executions import ExecutionOutputs
from convergence_jupyter.notebooks.file_ids import FileIds, own_service
from convergence_jupyter.notebooks.handlers import NotebookSaveHandler, NotebookSessionHandler
from convergence_jupyter.notebooks.kernel_bots import BotAccounts, KernelBotSessionHandler
from convergence_jupyter.notebooks.manager import NotebookManager
from convergence_jupyter.permissions.service import PermissionsService
from convergence_jupyter.presence.service import PresenceService
from convergence_jupyter.realtime.limits import ConnectionLimits, RateLimit
from convergence_jupyter.realtime.server import RealtimeServer
from convergence_jupyter.realtime.server_time import ServerTimeService
from convergence_jupyter.realtime.websocket import RealtimeWebSocketHandler
from convergence_jupyter.rest.docs import docs_handlers
from convergence_jupyter.rest.framework import RestHandler, RestServices, RouteTable
from convergence_jupyter.rest.health import (
    ANY_PATH,
    Readiness,
    StartupFailedHandler,
    health_handlers,
    one_line,
)
from convergence_jupyter.rest.login_bridge import LoginBridgeTokenHandler
from convergence_jupyter.rest.registry import ROUTERS
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.webhooks.allow_list import TargetPolicy
from convergence_jupyter.webhooks.configuration import WebhookConfigurator
from convergence_jupyter.webhooks.delivery import Sender
from convergence_jupyter.webhooks.lifecycle import WebhookDispatcher

_SEGMENT = r"[^/]+"


class SchemaOutOfDate(RuntimeError):
    """Refuses to serve a database older than the code (when automatic upgrades are off)."""


class ConvergenceApp(ExtensionApp):
    """Hosts the Convergence realtime protocol (and its REST helpers) inside Jupyter."""

    name = "convergence_jupyter"
    app_name = "Convergence"
    description = "Real-time collaboration server speaking the Convergence protocol"
    load_other_extensions = False

    #: Why the extension could not start (one line, with what to do), or None. Set by a bad
    #: configuration, an unreachable database or an old schema; the process keeps serving
    #: Jupyter, ``/ready`` answers 503 with it and ``jupyter convergence`` exits with it.
    startup_error: str | None = None

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
    op_rate_limit = Float(
        2000.0,
        help="Model operations per second one connection may send on average; a connection "
        "that floods past it (and its burst) is disconnected.",
    ).tag(config=True)
    op_burst_limit = Integer(
        4000, help="Model operations one connection may send at once above the rate."
    ).tag(config=True)
    chat_rate_limit = Float(
        10.0,
        help="Chat messages per second one connection may publish on average; more are "
        "refused with 'rate_limited'.",
    ).tag(config=True)
    chat_burst_limit = Integer(
        20, help="Chat messages one connection may publish at once above the rate."
    ).tag(config=True)
    max_activities_per_session = Integer(
        256, help="Activities one session may have joined at the same time."
    ).tag(config=True)
    max_chat_rooms_per_session = Integer(
        128, help="Chat rooms one session may have joined at the same time."
    ).tag(config=True)
    max_chat_message_length = Integer(
        64 * 1024, help="Longest chat message accepted, in characters."
    ).tag(config=True)

    @validate(
        "op_rate_limit",
        "op_burst_limit",
        "chat_rate_limit",
        "chat_burst_limit",
        "max_activities_per_session",
        "max_chat_rooms_per_session",
        "max_chat_message_length",
    )
    def _positive(self, proposal: Any) -> Any:
        if not proposal["value"] > 0:
            raise TraitError(f"ConvergenceApp.{proposal['trait'].name} must be positive")
        return proposal["value"]

    max_open_models_per_session = Integer(
        100, help="Models one session may have open at once (0: no limit)."
    ).tag(config=True)
    max_references_per_model = Integer(
        64, help="References one session may share in one model (0: no limit)."
    ).tag(config=True)
    max_model_bytes = Integer(
        16 * 1024 * 1024,
        help="Largest model, in UTF-8 bytes of its stored snapshot; an op that would grow a "
        "model past it is refused and closes the sender's model (0: no limit).",
    ).tag(config=True)
    max_string_length = Integer(
        1024 * 1024, help="Longest string value in a model, in characters (0: no limit)."
    ).tag(config=True)
    model_history_limit = Integer(
        10_000,
        help="Operations a live model keeps in memory for transforming late submissions; a "
        "session submitting from an older version has its model closed (0: no limit).",
    ).tag(config=True)

    model_snapshot_ops = Integer(
        100,
        help="A live model stores its snapshot once it is this many operations behind its "
        "operation log (each commit stores only the operations; a load replays the rest).",
    ).tag(config=True)
    model_snapshot_seconds = Float(
        2.0,
        help="...or this many seconds after its first operation not in the stored snapshot, "
        "and when it unloads.",
    ).tag(config=True)

    @validate("model_snapshot_ops", "model_snapshot_seconds")
    def _positive_snapshot_policy(self, proposal: Any) -> Any:
        if proposal["value"] <= 0:
            raise TraitError(f"ConvergenceApp.{proposal['trait'].name} must be positive")
        return proposal["value"]

    @validate(
        "max_open_models_per_session",
        "max_references_per_model",
        "max_model_bytes",
        "max_string_length",
        "model_history_limit",
    )
    def _limit_or_zero(self, proposal: Any) -> Any:
        if proposal["value"] < 0:
            name = proposal["trait"].name
            raise TraitError(f"ConvergenceApp.{name} must be 0 (no limit) or positive")
        return proposal["value"]

    kernel_token_ttl = Float(
        24 * 3600.0,
        help="Seconds a kernel's bot token (given to kernels this server starts) stays valid; "
        "it stops working earlier when the kernel stops.",
    ).tag(config=True)
    notebook_autosave_delay = Float(
        1.5, help="Seconds after the last edit of a co-edited notebook before it is saved."
    ).tag(config=True)
    notebook_poll_interval = Float(
        1.0, help="Seconds between checks of an open notebook's file for outside changes."
    ).tag(config=True)
    webhook_allowed_networks = List(
        Unicode(),
        [],
        help="Networks (CIDR, e.g. 10.1.2.0/24 or 127.0.0.1/32) web hooks may reach although "
        "they are not public. By default web hooks only reach public addresses (no private, "
        "loopback, link-local or metadata addresses): the SSRF guard.",
    ).tag(config=True)
    webhook_require_https = Bool(False, help="Refuse web hook URLs that are not https.").tag(
        config=True
    )
    webhook_shutdown_grace = Float(
        5.0, help="Seconds web hook saves still pending at shutdown get before being abandoned."
    ).tag(config=True)
    webhook_delivery_log_size = Integer(
        1000, help="Deliveries kept in the log of each web hook (older ones are pruned)."
    ).tag(config=True)

    def _start_webhooks(self) -> WebhookDispatcher:
        """The model web hooks: the dispatcher observes the model services, the configurator
        (for the REST API) checks new hooks against the same allow-list."""
        policy = TargetPolicy.from_strings(
            self.webhook_allowed_networks, require_https=self.webhook_require_https
        )
        self.webhooks = WebhookDispatcher(
            self.database,
            Sender(policy),
            log_size=self.webhook_delivery_log_size,
            shutdown_grace=self.webhook_shutdown_grace,
        )
        self.settings["convergence_webhooks"] = WebhookConfigurator(
            self.database, policy, self.webhooks
        )
        return self.webhooks

    def _link_jupyter_server_extension(self, serverapp: Any) -> None:
        # jupyter_server logs a failed link as a warning and then loads the extension anyway,
        # with its defaults (a default database!); remember the failure instead.
        try:
            super()._link_jupyter_server_extension(serverapp)
        except (TraitError, ValueError) as exc:
            self.serverapp = serverapp
            self._record_startup_failure(
                f"bad configuration: {one_line(exc)} (fix it on the command line or in "
                "jupyter_server_config.py)"
            )

    def initialize_settings(self) -> None:
        if self.startup_error is None:
            try:
                self._initialize_services()
            except SchemaOutOfDate as exc:
                self._record_startup_failure(str(exc))
            except (ArgumentError, TraitError, ValueError) as exc:
                self._record_startup_failure(
                    f"bad configuration: {one_line(exc)} (check ConvergenceApp.database_url "
                    "and the other ConvergenceApp settings)"
                )
            except (DBAPIError, OSError) as exc:
                self._record_startup_failure(
                    f"cannot use the database {self._safe_database_url()}: {one_line(exc)} "
                    "(check ConvergenceApp.database_url, that the database server runs and "
                    "that the path is writable)"
                )
            except Exception as exc:
                self.log.debug("Convergence start-up failure", exc_info=True)
                self._record_startup_failure(f"{type(exc).__name__}: {one_line(exc)}")
        if self.startup_error is not None:
            self._report_startup_failure()

    def _record_startup_failure(self, reason: str) -> None:
        if self.startup_error is None:
            self.startup_error = reason

    def _standalone(self) -> bool:
        """True under ``jupyter convergence``, where a failed start must end the process."""
        return self.serverapp is not None and self.serverapp.starter_app is self

    def _report_startup_failure(self) -> None:
        """Standalone: one line on stderr and exit status 1. Inside Jupyter: an error line."""
        if self._standalone():
            print(f"jupyter convergence: cannot start: {self.startup_error}", file=sys.stderr)
            raise SystemExit(1)
        self.log.error("Convergence cannot start: %s", self.startup_error)

    def _safe_database_url(self) -> str:
        try:
            return make_url(self.database_url).render_as_string(hide_password=True)
        except ArgumentError:
            return repr(self.database_url)

    def _readiness(self) -> Readiness:
        database = getattr(self, "database", None)
        realtime = getattr(self, "realtime", None)
        return Readiness(
            failure=lambda: self.startup_error,
            started=lambda: realtime is not None and realtime.started,
            ping_database=None if database is None else database.ping,
        )

    def _initialize_services(self) -> None:
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
            op_rate=RateLimit(self.op_rate_limit, self.op_burst_limit, "model operations"),
            chat_rate=RateLimit(self.chat_rate_limit, self.chat_burst_limit, "chat messages"),
        )
        database = self.database

        def identity(runtime: DomainRuntime) -> IdentityService:
            return IdentityService(runtime, database)

        def activities(runtime: DomainRuntime) -> ActivityService:
            return ActivityService(
                runtime, database, max_joined_per_session=self.max_activities_per_session
            )

        def chat(runtime: DomainRuntime) -> ChatService:
            return ChatService(
                runtime,
                database,
                max_rooms_per_session=self.max_chat_rooms_per_session,
                max_message_length=self.max_chat_message_length,
            )

        def permissions(runtime: DomainRuntime) -> PermissionsService:
            return PermissionsService(runtime, database)

        webhooks = self._start_webhooks()

        model_limits = ModelLimits(
            max_open_models=self.max_open_models_per_session,
            max_references=self.max_references_per_model,
            max_model_bytes=self.max_model_bytes,
            max_string_length=self.max_string_length,
            max_history=self.model_history_limit,
            snapshot_every_ops=self.model_snapshot_ops,
            snapshot_every_seconds=self.model_snapshot_seconds,
        )

        def models(runtime: DomainRuntime) -> ModelService:
            return ModelService(runtime, database, lifecycle=webhooks, limits=model_limits)

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
        self.rest = RestServices(
            RouteTable(ROUTERS), self.database, self.realtime, ApiKeyVerifier(self.database)
        )
        assert self.serverapp is not None
        self.notebooks = NotebookManager(
            NotebookBackend(
                database,
                self.serverapp.contents_manager,
                self._default_runtime,
                FileIds(lambda: own_service(self.serverapp)),
            ),
            autosave_delay=self.notebook_autosave_delay,
            poll_interval=self.notebook_poll_interval,
        )
        # Outputs of executions tabs hand over are written by the server (outlive the tab).
        self.executions = ExecutionOutputs(self.notebooks, self.serverapp.kernel_manager)
        self._start_kernel_tokens()
        # Renames and deletes through the ContentsManager keep notebook file ids current.
        if self.serverapp.event_logger is not None:
            self.serverapp.event_logger.add_listener(
                schema_id=self.serverapp.contents_manager.event_schema_id,
                listener=self.notebooks.on_contents_event,
            )

    def _start_kernel_tokens(self) -> None:
        """Kernels this server starts get a bot token (``auth/kernel_tokens.py``)."""
        self.bot_accounts = BotAccounts(self.notebooks, self._default_runtime)
        self.kernel_tokens = KernelTokens(
            self.kernel_token_ttl,
            on_end=self.bot_accounts.end,
            on_interrupt=self.bot_accounts.interrupted,
        )
        serverapp = self.serverapp
        assert serverapp is not None
        self.kernel_tokens.attach(serverapp.kernel_manager, lambda: serverapp.connection_url)

    def initialize_handlers(self) -> None:
        # Probes first, before any catch-all; after a failed start every other route of ours
        # answers 503 with the reason (never a 404 that looks like a missing extension).
        self.handlers.extend(health_handlers(self._readiness()))
        if self.startup_error is not None:
            self.handlers.append((ANY_PATH, StartupFailedHandler, {"reason": self.startup_error}))
            return
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
                (
                    r"/convergence/api/v1/kernel-bots/session",
                    KernelBotSessionHandler,
                    {
                        "tokens": self.kernel_tokens,
                        "accounts": self.bot_accounts,
                        "manager": self.notebooks,
                        "bridge": self.login_bridge,
                        "realtime_path": realtime_path,
                    },
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
        self.handlers.extend(
            (rf"/convergence/api/v1/notebooks/{name}", handler, {"outputs": self.executions})
            for name, handler in (
                ("kernel", KernelWatchHandler),
                ("execution", ExecutionClaimHandler),
            )
        )
        # The REST API catch-all: keep it after every other /convergence/api/v1 handler.
        self.handlers.extend(docs_handlers(self.rest.routes))
        self.handlers.append((r"/convergence/api/v1(/.*)?", RestHandler, {"services": self.rest}))

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
        if self.startup_error is not None:
            return  # recorded and logged by initialize_settings
        try:
            await self.realtime.start()
        except Exception as exc:
            self.log.debug("Convergence start-up failure", exc_info=True)
            self._record_startup_failure(
                f"preparing the default domain failed: {one_line(exc)} (check the database "
                f"{self._safe_database_url()})"
            )
            self._report_startup_failure()
            return
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
        if hasattr(self, "kernel_tokens"):
            await asyncio.wait_for(self.kernel_tokens.close(), timeout=10)
        if hasattr(self, "executions"):
            await asyncio.wait_for(self.executions.close(), timeout=5)
        await asyncio.wait_for(self.notebooks.close(), timeout=10)
        await asyncio.wait_for(self.realtime.close(), timeout=5)
        if hasattr(self, "webhooks"):
            grace = self.webhook_shutdown_grace
            await asyncio.wait_for(self.webhooks.close(), timeout=grace * 2 + 5)
        await self.database.close()


def main(argv: list[str] | None = None) -> None:
    """``jupyter convergence``: a Jupyter server with only this extension."""
    ConvergenceApp.launch_instance(argv)
