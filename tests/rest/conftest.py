"""A Jupyter server with the extension on each database backend, users named by a test header
with scopes by name prefix, and a small client that returns (status, JSON body, headers).

Users (the ``X-Test-User`` header; requests are token-authenticated as the Jupyter tests do):
``admin*`` every scope, ``writer*`` read and write, ``reader*`` read only, ``nobody*`` none;
any other name (or none) is treated as Jupyter's default authorizer would: everything.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jupyter_core.utils import ensure_async
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from tornado.httpclient import HTTPClientError
from tornado.httputil import HTTPHeaders
from traitlets.config import Config

from tests.database_backends import BACKENDS, database_url

USER_HEADER = "X-Test-User"
API = "convergence/api/v1"


class HeaderIdentityProvider(IdentityProvider):
    """Token-authenticated as usual; the test header then names the user."""

    async def get_user(self, handler: web.RequestHandler) -> User | None:  # type: ignore[override]
        user = await ensure_async(super().get_user(handler))
        name = handler.request.headers.get(USER_HEADER)
        if user is None or not name:
            return user
        return User(username=name, name=name, display_name=name.title())


class PrefixAuthorizer(Authorizer):
    """Scopes by username prefix (see the module docstring); other resources are open."""

    def is_authorized(
        self, handler: web.RequestHandler, user: User, action: str, resource: str
    ) -> bool:
        name = user.username
        if not resource.startswith("convergence"):
            return True
        if name.startswith("nobody"):
            return False
        if name.startswith("reader"):
            return resource == "convergence" and action == "read"
        if name.startswith("writer"):
            return resource == "convergence"
        return True


@pytest.fixture(params=BACKENDS)
def rest_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request, tmp_path)


@pytest.fixture
def jp_server_config(rest_db_url: str) -> Config:
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"convergence_jupyter": True},
                "identity_provider_class": HeaderIdentityProvider,
                "authorizer_class": PrefixAuthorizer,
            },
            "ConvergenceApp": {"database_url": rest_db_url},
        }
    )


@pytest.fixture
def app(jp_serverapp: Any) -> Any:
    """The ConvergenceApp instance of the running server."""
    (found,) = jp_serverapp.extension_manager.extension_apps["convergence_jupyter"]
    return found


@dataclass
class Reply:
    status: int
    body: Any
    headers: HTTPHeaders  # case-insensitive

    @property
    def problem(self) -> dict[str, Any]:
        """The problem-details body, checked for the RFC 9457 shape."""
        assert self.headers.get("Content-Type", "").startswith("application/problem+json"), (
            self.headers
        )
        assert isinstance(self.body, dict)
        assert {"type", "title", "status", "detail", "instance"} <= set(self.body), self.body
        assert self.body["status"] == self.status
        return self.body


Api = Callable[..., Awaitable[Reply]]


@pytest.fixture
def api(jp_fetch: Any, app: Any) -> Api:
    """``await api("GET", "/server", user="reader1")`` → :class:`Reply` (never raises on 4xx).

    ``key=`` sends ``Authorization: Bearer <key>`` instead of the Jupyter token;
    ``anonymous=True`` sends no credentials at all.
    """

    async def call(
        method: str,
        path: str,
        *,
        user: str | None = None,
        key: str | None = None,
        anonymous: bool = False,
        body: Any = None,
        raw_body: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if user is not None:
            sent[USER_HEADER] = user
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        elif anonymous:
            sent["Authorization"] = "none"
        payload: bytes | None = raw_body
        if payload is None and body is not None:
            payload = json.dumps(body).encode()
        if payload is None and method in ("POST", "PUT", "PATCH"):
            payload = b""
        try:
            response = await jp_fetch(
                API + path,
                method=method,
                body=payload,
                headers=sent,
                params=params,
                allow_nonstandard_methods=True,
            )
        except HTTPClientError as exc:
            response = exc.response
            assert response is not None, exc
        text = response.body.decode() if response.body else ""
        return Reply(
            status=response.code,
            body=json.loads(text) if text else None,
            headers=response.headers,
        )

    return call
