"""The Jupyter login bridge: a Jupyter-authenticated POST returns a JWT for the real client."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import jwt
import pytest

from .harness import jwt_auth, run_scenario

pytestmark = pytest.mark.e2e


def test_bridge_token_from_python_then_connect_with_jwt(server):
    status, body = server.login_bridge()
    assert status == 200, body
    assert isinstance(body, dict), body
    assert body["jwt"]
    assert body["username"]
    assert body["realtimeUrl"] == server.url
    expires = datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    assert expires > datetime.now(UTC)

    r = run_scenario("connect", {"url": body["realtimeUrl"], "auth": jwt_auth(body["jwt"])})
    assert r["ok"], r.describe()
    assert r["session"]["user"]["username"] == body["username"]
    assert r["session"]["user"]["userType"] == "normal"


def test_bridge_from_node_with_jupyter_token(server):
    r = run_scenario(
        "login_bridge", {"bridgeUrl": server.login_bridge_url, "jupyterToken": server.token}
    )
    assert r["ok"], r.describe()
    assert r["usedUrl"] == server.url
    assert r["session"]["user"]["username"] == r["bridge"]["username"]


def test_bridge_without_jupyter_auth_is_403(server):
    status, body = server.login_bridge(token=None)
    assert status == 403, (status, body)
    r = run_scenario("login_bridge", {"bridgeUrl": server.login_bridge_url, "jupyterToken": None})
    assert not r["ok"], r.describe()
    assert r["code"] == "http_403", r.describe()


def test_bridge_with_wrong_jupyter_token_is_403(server):
    status, body = server.login_bridge(token="not-the-token")
    assert status == 403, (status, body)


def test_bridge_and_realtime_under_a_base_url(variant_server):
    srv = variant_server
    status, body = srv.login_bridge()
    assert status == 200, body
    assert body["realtimeUrl"] == srv.url
    assert body["realtimeUrl"].endswith("/jupyter/user/ada/convergence/realtime/acme/main")
    r = run_scenario("connect", {"url": body["realtimeUrl"], "auth": jwt_auth(body["jwt"])})
    assert r["ok"], r.describe()
    assert r["session"]["user"]["username"] == body["username"]


def test_bridge_jwt_claims(server):
    status, body = server.login_bridge()
    assert status == 200, body
    header = jwt.get_unverified_header(body["jwt"])
    claims = jwt.decode(body["jwt"], options={"verify_signature": False})
    assert header["alg"] == "RS256"
    assert header.get("kid")
    assert claims["aud"] == "Convergence"
    assert claims["sub"] == body["username"]
    expires = datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    assert abs(claims["exp"] - expires.timestamp()) <= 1, (claims, body)


def _browser_login(server):
    """Log in like a browser: /login form with the token, keep cookies. Returns an opener and
    the _xsrf cookie value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{server.http_url}login", timeout=10) as resp:
        resp.read()
    xsrf = next((c.value for c in jar if c.name == "_xsrf"), None)
    assert xsrf, [c.name for c in jar]
    form = urllib.parse.urlencode({"_xsrf": xsrf, "password": server.token}).encode()
    with opener.open(f"{server.http_url}login", data=form, timeout=10) as resp:
        resp.read()
    assert any(c.name.startswith("username-") for c in jar), [c.name for c in jar]
    return opener, xsrf


def _post(opener, url, headers):
    req = urllib.request.Request(url, data=b"{}", method="POST", headers=headers)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode()


def test_bridge_with_browser_cookie_and_xsrf(server):
    # What the JupyterLab extension does: cookie auth plus the X-XSRFToken header.
    opener, xsrf = _browser_login(server)
    status, body = _post(
        opener,
        server.login_bridge_url,
        {"X-XSRFToken": xsrf, "Content-Type": "application/json"},
    )
    assert status == 200, body
    data = json.loads(body)
    r = run_scenario("connect", {"url": data["realtimeUrl"], "auth": jwt_auth(data["jwt"])})
    assert r["ok"], r.describe()
    assert r["session"]["user"]["username"] == data["username"]

    # The same cookie without the XSRF header is refused (cross-site request protection).
    status, body = _post(opener, server.login_bridge_url, {"Content-Type": "application/json"})
    assert status == 403, (status, body)
