"""Token (and password) logins: jupyter_server makes every browser a generated "Anonymous
<moon>" user. They join as the server owner's name tagged with that moon, on the session
endpoint and the login bridge alike; users named by an identity provider keep their names."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider, User
from traitlets.config import Config

from convergence_jupyter.auth.jupyter_users import convergence_identity

from .conftest import make_notebook, write_notebook


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    """jupyter_server's default identity provider (token login), not the test header one."""
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {"database_url": f"sqlite:///{tmp_path / 'convergence.db'}"},
        }
    )


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


async def test_token_users_join_as_the_server_owner(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir / "a.ipynb", make_notebook([("c1", "code", "x")]))
    seen: list[dict[str, Any]] = []
    for _ in range(2):  # two browsers with the same token (no shared cookie)
        response = await jp_fetch(
            "convergence/api/v1/notebooks",
            "session",
            method="POST",
            body=json.dumps({"path": "a.ipynb"}),
        )
        seen.append(claims(json.loads(response.body)["jwt"]))
    bridge = await jp_fetch("convergence/api/v1/login-bridge/token", method="POST", body="")
    seen.append(claims(json.loads(bridge.body)["jwt"]))
    owner = getpass.getuser()
    for claim in seen:
        assert claim["displayName"].startswith(f"{owner} (")
        assert "Anonymous" not in claim["displayName"]
    assert len({c["sub"] for c in seen}) == 3  # still one Convergence user per browser


def test_generated_users_get_a_stable_name_and_named_users_keep_theirs() -> None:
    generated = User(username="0" * 32, name="Anonymous Io", display_name="Anonymous Io")
    for provider in (IdentityProvider(), PasswordIdentityProvider()):
        first = convergence_identity(generated, provider)
        assert first == convergence_identity(generated, provider)  # same browser, same name
        assert first.display_name == f"{getpass.getuser()} (Io)"
        assert first.username == generated.username

    class HubLike(IdentityProvider):
        pass

    named = User(username="ada", name="ada", display_name="Ada Lovelace")
    assert convergence_identity(named, IdentityProvider()).display_name == "Ada Lovelace"
    # A provider of one's own may well call someone "Anonymous ...": its names stand.
    assert convergence_identity(generated, HubLike()).display_name == "Anonymous Io"
