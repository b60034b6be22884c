"""The REST framework: routers of typed operations, one Tornado handler, problem-details errors.

How to write a resource family (one module under ``rest/``, exporting ``router``)::

    from pydantic import BaseModel, ConfigDict
    from convergence_jupyter.rest.framework import (
        Page, PageQuery, ProblemError, RequestContext, Router, Scope,
    )

    router = Router(tag="things")

    class Thing(BaseModel):            # responses: plain models (serialised, then re-checked)
        name: str

    class NewThing(BaseModel):         # request bodies: extra="forbid" so typos are 400s
        model_config = ConfigDict(extra="forbid")
        name: str

    @router.get("/domains/{namespace}/{domain}/things", operation_id="listThings",
                summary="List things", scope=Scope.READ, response=Page[Thing], query=PageQuery)
    async def list_things(ctx: RequestContext, *, namespace: str, domain: str,
                          query: PageQuery) -> Page[Thing]:
        record = await ctx.domain(namespace, domain)          # 404 problem if missing
        ...
        return Page[Thing](items=..., total=..., offset=query.offset, limit=query.limit)

    @router.post("/domains/{namespace}/{domain}/things", operation_id="createThing",
                 summary="Create a thing", scope=Scope.WRITE, body=NewThing, response=Thing,
                 status=201)
    async def create_thing(ctx: RequestContext, *, namespace: str, domain: str,
                           body: NewThing) -> Thing: ...

Then add the router to ``rest/registry.py``'s ``ROUTERS`` (one line): the operation is then
served, listed in ``openapi.json`` (``rest/openapi.py``; the endpoint's docstring becomes its
description), offered by the CLI, fuzzed by ``tests/rest/test_fuzz.py`` and checked by the
scope matrix in ``tests/rest/test_admin_matrix.py``.

Rules the framework enforces, in this order, for every request under
``{base_url}convergence/api/v1``:

1. Route: unknown path → 404, known path with another method → 405 (``Allow`` header).
2. Authentication: ``Authorization: Bearer <api key>`` (keys start with ``cvk_``; see
   ``auth/api_keys.py``), else Jupyter's own identity provider (token or login cookie; XSRF is
   required on cookie-authenticated writes, as for every Jupyter API). Nobody → 401.
3. Scope: ``Scope.READ`` < ``WRITE`` < ``ADMIN`` (each implies the ones before). Jupyter users get
   the scopes the Jupyter authorizer grants on resource ``"convergence"`` (action ``read`` →
   READ, ``write`` → WRITE) and on ``"convergence:admin"`` (action ``write`` → ADMIN); the
   default authorizer grants all. An API key has the scopes it was created with. Missing → 403.
   Scope is checked before the input is validated, so a caller without rights learns nothing.
4. Validation (pydantic v2): path parameters from the endpoint's annotations (``key_id: int``,
   or ``Annotated[str, Field(max_length=...)]``), ``query`` from the query model (``token`` and
   ``_xsrf`` are Jupyter's and ignored; unknown parameters are 400 when the model forbids extra),
   ``body`` from the JSON body. Any failure → 400 with the pydantic error list in ``errors``.
5. The endpoint runs. Return a model instance, a dict, or any object with matching attributes
   (store records work: the response model validates ``from_attributes``); None → 204.
   The returned value is validated against ``response`` before it is sent, so a response never
   breaks its own schema (a mismatch is our bug: 500, logged).

Other statuses: declare them (``responses={503: NotReady}``) and return ``Reply(503, model)``.
``public=True`` makes an operation need no credentials at all (only for probes; its scope is
ignored and ``ctx.principal`` is :data:`ANONYMOUS`). Finer checks inside an endpoint:
``ctx.require(Scope.ADMIN)`` (e.g. "your own keys, or anyone's with admin").

Errors: raise :class:`ProblemError` (``status``, ``detail``, optional ``title``/``errors``).
``store.errors.NotFound`` → 404 and ``AlreadyExists`` → 409 automatically; a unique/foreign-key
violation from the database → 409. Everything is rendered as RFC 9457
``application/problem+json`` ``{"type", "title", "status", "detail", "instance"}``; an
unexpected exception is logged and answered with a bare 500 problem, never a traceback.

Paging: ``PageQuery`` (``offset`` ≥ 0, ``limit`` 1..1000, default 100) — subclass it to add
filters — and ``Page[T]`` ``{"items", "total", "offset", "limit"}`` (``page_of(items, total,
query)`` builds its fields).

Security notes: responses carry ``Cache-Control: no-store`` (API keys are shown once). Never log
request headers here; jupyter_server's access log prints method, path (with ``token`` scrubbed),
user and timing only, and a 5xx adds Host/Accept/Referer/User-Agent, not ``Authorization``.
"""

from __future__ import annotations

import inspect
import logging
import re
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar
from urllib.parse import unquote

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import User
from jupyter_server.base.call_context import CallContext
from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from sqlalchemy.exc import IntegrityError
from tornado import web

from convergence_jupyter.auth.api_keys import API_KEY_PREFIX, ApiKeyVerifier
from convergence_jupyter.auth.principal import Principal, Scope, closure
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.errors import AlreadyExists, NotFound
from convergence_jupyter.store.records import DomainRecord

if TYPE_CHECKING:
    from convergence_jupyter.realtime.server import RealtimeServer

log = logging.getLogger(__name__)

API_PREFIX = "convergence/api/v1"
"""Where the API lives, below the Jupyter ``base_url``."""

AUTH_RESOURCE = "convergence"
ADMIN_AUTH_RESOURCE = "convergence:admin"
PROBLEM_JSON = "application/problem+json"
# Query parameters that belong to Jupyter (its token and XSRF form field), not to operations.
_JUPYTER_QUERY = frozenset({"token", "_xsrf"})
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
T = TypeVar("T")
Endpoint = Callable[..., Awaitable[Any]]


#: The principal of a public operation (no credentials were looked at).
ANONYMOUS = Principal(username="", display_name="", scopes=frozenset(), via="jupyter")


# -- problems ------------------------------------------------------------------------------


class ProblemItem(BaseModel):
    """One validation failure: where (``loc``), what (``msg``) and pydantic's error ``type``."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[ProblemItem] | None = None


class ProblemError(Exception):
    """Raise from an endpoint to answer with a problem-details response."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        title: str | None = None,
        errors: list[ProblemItem] | None = None,
        type: str = "about:blank",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.detail = detail
        self.title = title or _reason(status)
        self.errors = errors
        self.type = type
        self.headers = dict(headers or {})

    def problem(self, instance: str) -> Problem:
        return Problem(
            type=self.type,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def validation_problem(exc: ValidationError, where: str) -> ProblemError:
    """A 400 listing pydantic's errors, located under ``where`` (``body``, ``query``, ``path``).

    The rejected input values are left out: they may be large, or secret.
    """
    items = [
        ProblemItem(loc=[where, *e["loc"]], msg=e["msg"], type=e["type"]) for e in exc.errors()
    ]
    return ProblemError(400, f"the request {where} is not valid", errors=items)


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer with another status than the operation's default; ``body`` must match the
    model the operation declares for that status in ``responses=``."""

    status: int
    body: BaseModel


# -- paging -------------------------------------------------------------------------------


class PageQuery(BaseModel):
    """``offset``/``limit`` paging; subclass to add filters."""

    model_config = ConfigDict(extra="forbid")

    offset: int = Field(0, ge=0, le=2**31 - 1, description="Items to skip.")
    limit: int = Field(100, ge=1, le=1000, description="Largest number of items returned.")


class Page(BaseModel, Generic[T]):
    """One page of a list; ``total`` counts all matching items."""

    items: list[T]
    total: int = Field(ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)


def page_of(items: list[Any], total: int, query: PageQuery) -> dict[str, Any]:
    """The fields of a :class:`Page` (validated into the response model by the framework)."""
    return {"items": items, "total": total, "offset": query.offset, "limit": query.limit}


# -- operations and routers ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    """One HTTP method on one path: everything the handler, OpenAPI and the CLI need."""

    method: HttpMethod
    path: str
    operation_id: str
    summary: str
    description: str
    scope: Scope
    tag: str
    endpoint: Endpoint
    response: type[BaseModel] | None
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    path_model: type[BaseModel] | None
    path_params: tuple[str, ...]
    pattern: re.Pattern[str] = field(repr=False)
    #: No authentication at all (probes for load balancers); the scope is then ignored.
    public: bool = False
    #: Other documented (non-problem) answers, by status: an endpoint returns them as
    #: ``Reply(status, model)``.
    responses: Mapping[int, type[BaseModel]] = field(default_factory=dict)

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _path_pattern(path: str) -> re.Pattern[str]:
    """``/a/{b}/c`` → ``/a/(?P<b>[^/]+)/c`` with the literal parts escaped."""
    parts: list[str] = []
    end = 0
    for found in _PARAM.finditer(path):
        parts.append(re.escape(path[end : found.start()]))
        parts.append(f"(?P<{found.group(1)}>[^/]+)")
        end = found.end()
    parts.append(re.escape(path[end:]))
    return re.compile("".join(parts))


def _path_model(
    endpoint: Endpoint, operation_id: str, params: tuple[str, ...]
) -> type[BaseModel] | None:
    if not params:
        return None
    hints = typing.get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    fields: dict[str, Any] = {}
    for name in params:
        if name not in signature.parameters:
            raise TypeError(f"{endpoint.__qualname__} lacks the path parameter {name!r}")
        fields[name] = (hints.get(name, str), ...)
    model: type[BaseModel] = create_model(
        f"{operation_id}_path", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


class Router:
    """A resource family's operations; add it to ``registry.ROUTERS`` to serve it."""

    def __init__(self, tag: str, description: str = "") -> None:
        self.tag = tag
        self.description = description
        self.operations: list[Operation] = []

    def _add(
        self,
        method: HttpMethod,
        path: str,
        *,
        operation_id: str,
        summary: str,
        scope: Scope,
        response: type[BaseModel] | None,
        body: type[BaseModel] | None,
        query: type[BaseModel] | None,
        status: int | None,
        public: bool,
        responses: Mapping[int, type[BaseModel]] | None,
    ) -> Callable[[Endpoint], Endpoint]:
        if not path.startswith("/") or path.endswith("/"):
            raise ValueError(f"operation path {path!r} must start and must not end with '/'")
        params = tuple(_PARAM.findall(path))
        if len(set(params)) != len(params):
            raise ValueError(f"operation path {path!r} repeats a parameter")
        pattern = _path_pattern(path)

        def register(endpoint: Endpoint) -> Endpoint:
            if not inspect.iscoroutinefunction(endpoint):
                raise TypeError(f"{endpoint.__qualname__} must be an async function")
            accepted = inspect.signature(endpoint).parameters
            if (body is not None) != ("body" in accepted):
                raise TypeError(f"{endpoint.__qualname__}: 'body' parameter and body= disagree")
            if (query is not None) != ("query" in accepted):
                raise TypeError(f"{endpoint.__qualname__}: 'query' parameter and query= disagree")
            self.operations.append(
                Operation(
                    method=method,
                    path=path,
                    operation_id=operation_id,
                    summary=summary,
                    description=inspect.getdoc(endpoint) or "",
                    scope=scope,
                    tag=self.tag,
                    endpoint=endpoint,
                    response=response,
                    status=status or (200 if response is not None else 204),
                    public=public,
                    responses=dict(responses or {}),
                    body=body,
                    query=query,
                    path_model=_path_model(endpoint, operation_id, params),
                    path_params=params,
                    pattern=pattern,
                )
            )
            return endpoint

        return register

    def get(
        self,
        path: str,
        *,
        operation_id: str,
        summary: str,
        scope: Scope = Scope.READ,
        response: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int | None = None,
        public: bool = False,
        responses: Mapping[int, type[BaseModel]] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        return self._add(
            "GET",
            path,
            operation_id=operation_id,
            summary=summary,
            scope=scope,
            response=response,
            body=None,
            query=query,
            status=status,
            public=public,
            responses=responses,
        )

    def post(
        self,
        path: str,
        *,
        operation_id: str,
        summary: str,
        scope: Scope = Scope.WRITE,
        response: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int | None = None,
        public: bool = False,
        responses: Mapping[int, type[BaseModel]] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        return self._add(
            "POST",
            path,
            operation_id=operation_id,
            summary=summary,
            scope=scope,
            response=response,
            body=body,
            query=query,
            status=status,
            public=public,
            responses=responses,
        )

    def put(
        self,
        path: str,
        *,
        operation_id: str,
        summary: str,
        scope: Scope = Scope.WRITE,
        response: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int | None = None,
        public: bool = False,
        responses: Mapping[int, type[BaseModel]] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        return self._add(
            "PUT",
            path,
            operation_id=operation_id,
            summary=summary,
            scope=scope,
            response=response,
            body=body,
            query=query,
            status=status,
            public=public,
            responses=responses,
        )

    def patch(
        self,
        path: str,
        *,
        operation_id: str,
        summary: str,
        scope: Scope = Scope.WRITE,
        response: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int | None = None,
        public: bool = False,
        responses: Mapping[int, type[BaseModel]] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        return self._add(
            "PATCH",
            path,
            operation_id=operation_id,
            summary=summary,
            scope=scope,
            response=response,
            body=body,
            query=query,
            status=status,
            public=public,
            responses=responses,
        )

    def delete(
        self,
        path: str,
        *,
        operation_id: str,
        summary: str,
        scope: Scope = Scope.WRITE,
        response: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int | None = None,
        public: bool = False,
        responses: Mapping[int, type[BaseModel]] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        return self._add(
            "DELETE",
            path,
            operation_id=operation_id,
            summary=summary,
            scope=scope,
            response=response,
            body=body,
            query=query,
            status=status,
            public=public,
            responses=responses,
        )


class RouteTable:
    """All operations of the registered routers, checked for clashes once at start."""

    def __init__(self, routers: Iterable[Router]) -> None:
        self.operations: list[Operation] = [op for r in routers for op in r.operations]
        seen_ids: set[str] = set()
        seen_routes: set[tuple[str, str]] = set()
        for op in self.operations:
            shape = _PARAM.sub("{}", op.path)
            if op.operation_id in seen_ids:
                raise ValueError(f"two operations are called {op.operation_id!r}")
            if (op.method, shape) in seen_routes:
                raise ValueError(f"two operations serve {op.method} {op.path}")
            seen_ids.add(op.operation_id)
            seen_routes.add((op.method, shape))
        # Literal segments win over parameters: /users/me before /users/{user}.
        self.operations.sort(key=lambda op: [s.startswith("{") for s in op.path.split("/")])

    def resolve(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation and raw path parameters, or a 404/405 problem."""
        allowed: list[str] = []
        for op in self.operations:
            params = op.match(path)
            if params is None:
                continue
            if op.method == method:
                return op, params
            allowed.append(op.method)
        if allowed:
            raise ProblemError(
                405,
                f"{method} is not supported here",
                headers={"Allow": ", ".join(sorted(set(allowed)))},
            )
        raise ProblemError(404, f"no operation at {path}")


# -- request context -------------------------------------------------------------------------


@dataclass(slots=True)
class RequestContext:
    """What an endpoint gets besides its validated inputs."""

    principal: Principal
    database: Database
    realtime: RealtimeServer
    app_settings: Mapping[str, Any]
    #: The request path below the API prefix, e.g. ``/domains/convergence/default``.
    path: str = ""

    def require(self, scope: Scope) -> None:
        """Refuse (403) unless the caller has ``scope``, for checks finer than the operation's."""
        if not self.principal.has(scope):
            raise ProblemError(403, f"this needs the {scope.value} scope")

    async def domain(self, namespace: str, domain: str) -> DomainRecord:
        """The stored domain, or a 404 problem."""
        async with self.database.transaction(readonly=True) as session:
            record = await DomainRepository(session).get(namespace, domain)
        if record is None:
            raise ProblemError(404, f"there is no domain {namespace}/{domain}")
        return record


# -- the handler ---------------------------------------------------------------------------


@dataclass(slots=True)
class RestServices:
    """What the handler is built with (one per server process)."""

    routes: RouteTable
    database: Database
    realtime: RealtimeServer
    api_keys: ApiKeyVerifier


def _query_arguments(
    request_args: Mapping[str, list[bytes]], model: type[BaseModel]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in request_args.items():
        if name in _JUPYTER_QUERY:
            continue
        decoded = [v.decode("utf-8", errors="replace") for v in raw]
        info = model.model_fields.get(name)
        many = info is not None and typing.get_origin(info.annotation) in (list, tuple, set)
        values[name] = decoded if many or len(decoded) > 1 else decoded[0]
    return values


class RestHandler(APIHandler):
    """Serves every operation of the route table below ``{base_url}convergence/api/v1``."""

    _services: RestServices
    _principal: Principal | None
    _api_key_token: str | None
    SUPPORTED_METHODS: ClassVar[tuple[str, ...]] = (  # type: ignore[misc]
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
    )

    def initialize(self, services: RestServices) -> None:
        self._services = services
        self._principal = None
        self._api_key_token = None

    # -- authentication ------------------------------------------------------------------

    def _bearer_api_key(self) -> str | None:
        scheme, _, credentials = self.request.headers.get("Authorization", "").partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and credentials.startswith(API_KEY_PREFIX):
            return credentials
        return None

    async def prepare(self) -> None:  # type: ignore[override]
        self._api_key_token = self._bearer_api_key()
        if self._api_key_token is None:
            # Jupyter's identity provider, XSRF check on writes, CORS and origin checks.
            await super().prepare()
            return
        # A bearer key is not ambient (no cookie), so XSRF does not apply; the Host check
        # (DNS rebinding) still does.
        self.current_user = self._jupyter_current_user = None
        CallContext.set(CallContext.JUPYTER_HANDLER, self)
        if not self.check_host():
            raise web.HTTPError(403)

    async def _authenticate(self) -> Principal:
        if self._api_key_token is not None:
            principal = await self._services.api_keys.verify(self._api_key_token)
            if principal is None:
                raise ProblemError(
                    401,
                    "the API key is unknown, expired or revoked",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            # For jupyter_server's access log (the username, never the key).
            self.current_user = User(username=principal.username)
            return principal
        user = self.current_user
        if not isinstance(user, User):
            raise ProblemError(
                401,
                "log in to Jupyter, or send Authorization: Bearer <api key>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        granted: list[Scope] = []
        for scope, action, resource in (
            (Scope.READ, "read", AUTH_RESOURCE),
            (Scope.WRITE, "write", AUTH_RESOURCE),
            (Scope.ADMIN, "write", ADMIN_AUTH_RESOURCE),
        ):
            if await ensure_async(self.authorizer.is_authorized(self, user, action, resource)):
                granted.append(scope)
        return Principal(
            username=user.username,
            display_name=user.display_name or user.name or user.username,
            scopes=frozenset(granted),
            via="jupyter",
        )

    # -- dispatch ------------------------------------------------------------------------

    def _api_path(self) -> str:
        prefix = self.base_url.rstrip("/") + "/" + API_PREFIX
        path = self.request.path
        return path[len(prefix) :] if path.startswith(prefix) else path

    async def _dispatch(self, method: str) -> None:
        path = self._api_path()
        try:
            op, raw_params = self._services.routes.resolve(method, path)
            principal = ANONYMOUS if op.public else await self._authenticate()
            if not op.public and not principal.has(op.scope):
                raise ProblemError(403, f"{op.operation_id} needs the {op.scope.value} scope")
            kwargs = self._inputs(op, raw_params)
            # Start-up work (default domain, keys) runs once; requests that arrive before the
            # extension's start hook wait for it like realtime connections do.
            await self._services.realtime.start()
            ctx = RequestContext(
                principal=principal,
                database=self._services.database,
                realtime=self._services.realtime,
                app_settings=self.settings,
                path=path,
            )
            try:
                result = await op.endpoint(ctx, **kwargs)
            except (NotFound, AlreadyExists, IntegrityError) as exc:
                raise _store_problem(exc) from exc
            self._respond(op, result)
        except ProblemError as problem:
            self._send_problem(problem)

    def _inputs(self, op: Operation, raw_params: dict[str, str]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if op.path_model is not None:
            decoded = {name: unquote(value) for name, value in raw_params.items()}
            try:
                kwargs.update(dict(op.path_model.model_validate(decoded)))
            except ValidationError as exc:
                raise validation_problem(exc, "path") from exc
        if op.query is not None:
            try:
                kwargs["query"] = op.query.model_validate(
                    _query_arguments(self.request.query_arguments, op.query)
                )
            except ValidationError as exc:
                raise validation_problem(exc, "query") from exc
        if op.body is not None:
            raw = self.request.body or b""
            try:
                kwargs["body"] = op.body.model_validate_json(raw or b"null")
            except ValidationError as exc:
                raise validation_problem(exc, "body") from exc
        return kwargs

    def _respond(self, op: Operation, result: Any) -> None:
        self.set_header("Cache-Control", "no-store")
        if isinstance(result, Reply):
            expected = op.responses.get(result.status)
            if expected is None or not isinstance(result.body, expected):
                log.error("%s replied %s, which it does not declare", op.operation_id, result)
                raise ProblemError(500, "the server produced an invalid response")
            self.set_status(result.status)
            self.finish(result.body.model_dump_json(by_alias=True))
            return
        if op.response is None:
            self.set_status(204 if op.status == 200 else op.status)
            self.finish()
            return
        try:
            model = (
                result
                if type(result) is op.response
                else op.response.model_validate(result, from_attributes=True)
            )
        except ValidationError:
            log.exception("%s returned a value that breaks its response schema", op.operation_id)
            raise ProblemError(500, "the server produced an invalid response") from None
        self.set_status(op.status)
        self.finish(model.model_dump_json(by_alias=True))

    def _send_problem(self, problem: ProblemError) -> None:
        if self._finished:
            return
        self.clear()
        self.set_status(problem.status)
        for name, value in problem.headers.items():
            self.set_header(name, value)
        self.set_header("Cache-Control", "no-store")
        self.finish(
            problem.problem(self.request.path).model_dump_json(exclude_none=True),
            set_content_type=PROBLEM_JSON,
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Tornado errors (XSRF, host check, uncaught exceptions) as problem details too."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        detail = ""
        if isinstance(exc, web.HTTPError) and status_code < 500:
            detail = exc.log_message or exc.reason or ""
            if exc.args:
                try:
                    detail = detail % exc.args
                except (TypeError, ValueError):
                    pass
        if status_code == 403 and getattr(self, "_jupyter_current_user", None) is None:
            # Jupyter refuses unauthenticated writes with 403 (XSRF); the caller is nobody.
            status_code = 401
            detail = "log in to Jupyter, or send Authorization: Bearer <api key>"
        self._send_problem(ProblemError(status_code, detail))

    # Jupyter's own gate would answer 403 (or redirect) before we can say 401 with a problem
    # body; authentication is decided in _authenticate instead, for every method.
    @allow_unauthenticated
    async def get(self, _: str = "") -> None:
        await self._dispatch("GET")

    @allow_unauthenticated
    async def post(self, _: str = "") -> None:
        await self._dispatch("POST")

    @allow_unauthenticated
    async def put(self, _: str = "") -> None:
        await self._dispatch("PUT")

    @allow_unauthenticated
    async def patch(self, _: str = "") -> None:
        await self._dispatch("PATCH")

    @allow_unauthenticated
    async def delete(self, _: str = "") -> None:
        await self._dispatch("DELETE")


def _store_problem(exc: Exception) -> ProblemError:
    if isinstance(exc, NotFound):
        return ProblemError(404, f"not found: {exc}")
    if isinstance(exc, AlreadyExists):
        return ProblemError(409, f"already exists: {exc}")
    return ProblemError(409, "the request conflicts with the stored data")


__all__ = [
    "API_KEY_PREFIX",
    "API_PREFIX",
    "Operation",
    "Page",
    "PageQuery",
    "Principal",
    "Problem",
    "ProblemError",
    "ProblemItem",
    "Reply",
    "RequestContext",
    "RestHandler",
    "RestServices",
    "RouteTable",
    "Router",
    "Scope",
    "closure",
    "page_of",
    "validation_problem",
]
