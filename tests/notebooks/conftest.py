"""A Jupyter server with the extension (pytest-jupyter), users named by a test header, an
authorizer that refuses some of them, short autosave/poll timers, and notebook helpers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_core.utils import ensure_async
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

# The model service's in-process world, for the server-side op API tests.
from tests.models.conftest import db_url, run_world  # noqa: F401

USER_HEADER = "X-Test-User"
AUTOSAVE = 0.3
POLL = 0.2


class HeaderIdentityProvider(IdentityProvider):
    """Token-authenticated as usual; the test header then names the user."""

    async def get_user(self, handler: web.RequestHandler) -> User | None:  # type: ignore[override]
        user = await ensure_async(super().get_user(handler))
        name = handler.request.headers.get(USER_HEADER)
        if user is None or not name:
            return user
        return User(username=name, name=name, display_name=name.title())


class TestAuthorizer(Authorizer):
    """``eve*`` may not read contents; ``reader*`` may read but not write."""

    def is_authorized(
        self, handler: web.RequestHandler, user: User, action: str, resource: str
    ) -> bool:
        if resource != "contents":
            return True
        if user.username.startswith("eve"):
            return False
        return not (action == "write" and user.username.startswith("reader"))


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"convergence_jupyter": True},
                "identity_provider_class": HeaderIdentityProvider,
                "authorizer_class": TestAuthorizer,
            },
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'convergence.db'}",
                "notebook_autosave_delay": AUTOSAVE,
                "notebook_poll_interval": POLL,
            },
        }
    )


@pytest.fixture
def app(jp_serverapp: Any) -> Any:
    """The ConvergenceApp instance of the running server."""
    (found,) = jp_serverapp.extension_manager.extension_apps["convergence_jupyter"]
    return found


Session = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


@pytest.fixture
def session(jp_fetch: Any) -> Session:
    """POST the session endpoint as ``user``; returns (status, body)."""

    async def call(path: str, user: str = "alice", endpoint: str = "session") -> tuple[int, Any]:
        try:
            response = await jp_fetch(
                "convergence/api/v1/notebooks",
                endpoint,
                method="POST",
                body=json.dumps({"path": path}),
                headers={USER_HEADER: user},
            )
        except HTTPClientError as exc:
            return exc.code, None
        return response.code, json.loads(response.body)

    return call


def make_notebook(cells: list[tuple[str, str, str]], *, minor: int = 5) -> dict[str, Any]:
    """(id, cell_type, source) triples -> an nbformat 4 dict."""
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = minor
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    }
    for cid, kind, source in cells:
        factory = {
            "code": nbformat.v4.new_code_cell,
            "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell,
        }[kind]
        cell = factory(source)
        cell["id"] = cid
        nb.cells.append(cell)
    return json.loads(nbformat.writes(nb))


def write_notebook(path: Path, nb: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


def read_notebook(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
