"""Connecting the real client: anonymous, password, and the failure codes it must receive."""

from __future__ import annotations

import pytest

from .harness import anonymous, connect, jwt_auth, password, unique

pytestmark = pytest.mark.e2e


def test_anonymous_connect_echoes_display_name(server):
    r = connect(server.url, anonymous("Ada Lovelace"))
    assert r["ok"], r.describe()
    session = r["session"]
    assert session["connected"] is True
    assert session["namespace"] == "convergence"
    assert session["domainId"] == "default"
    assert session["sessionId"]
    assert session["user"]["displayName"] == "Ada Lovelace"
    assert session["user"]["userType"] == "anonymous"
    assert session["user"]["anonymous"] is True
    assert session["user"]["username"]
    # A reconnect token is issued for anonymous users too.
    assert session["reconnectToken"]


def test_each_anonymous_connect_is_a_new_user_and_session(server):
    a = connect(server.url, anonymous("Twin"))
    b = connect(server.url, anonymous("Twin"))
    assert a["ok"], a.describe()
    assert b["ok"], b.describe()
    assert a["session"]["user"]["username"] != b["session"]["user"]["username"]
    assert a["session"]["sessionId"] != b["session"]["sessionId"]


def test_anonymous_connect_without_display_name(server):
    r = connect(server.url, anonymous())
    assert r["ok"], r.describe()
    assert r["session"]["user"]["userType"] == "anonymous"


def test_password_connect(server, admin):
    username = unique("pw-")
    admin.create_user(
        username,
        "s3cret-pw",
        display_name="Grace Hopper",
        email=f"{username}@example.org",
        first_name="Grace",
        last_name="Hopper",
    )
    r = connect(server.url, password(username, "s3cret-pw"), profile=True)
    assert r["ok"], r.describe()
    user = r["session"]["user"]
    assert user["username"] == username
    assert user["userType"] == "normal"
    assert user["displayName"] == "Grace Hopper"
    assert user["email"] == f"{username}@example.org"
    assert user["firstName"] == "Grace"
    assert user["lastName"] == "Hopper"
    assert r["session"]["reconnectToken"]
    assert r["profile"]["username"] == username


def test_wrong_password_is_authentication_failed(server, admin):
    username = unique("pw-")
    admin.create_user(username, "right-password")
    r = connect(server.url, password(username, "wrong-password"))
    assert not r["ok"], r.describe()
    assert r["code"] == "authentication_failed", r.describe()


def test_unknown_user_is_authentication_failed(server):
    r = connect(server.url, password(unique("nobody-"), "whatever"))
    assert not r["ok"], r.describe()
    assert r["code"] == "authentication_failed", r.describe()


def test_unknown_domain_is_domain_not_found(server):
    r = connect(server.realtime_url("convergence", unique("nodomain-")), anonymous("x"))
    assert not r["ok"], r.describe()
    assert r["code"] == "domain_not_found", r.describe()


def test_unknown_namespace_is_domain_not_found(server):
    r = connect(server.realtime_url(unique("nons-"), "default"), anonymous("x"))
    assert not r["ok"], r.describe()
    assert r["code"] == "domain_not_found", r.describe()


def test_anonymous_disabled_with_cli_on_running_server(server, admin):
    # A domain of its own on the shared server, so toggling it cannot disturb other tests.
    ns = unique("anon")
    domain_admin = admin.in_domain(ns, "toggle")
    url = server.realtime_url(ns, "toggle")

    # A domain created by the CLI without the flag has anonymous auth off (as on the real
    # server).
    domain_admin("domain", "configure")
    r = connect(url, anonymous("Early"))
    assert not r["ok"], r.describe()
    assert r["code"] == "anonymous_auth_disabled", r.describe()

    domain_admin.anonymous_auth(True)
    assert connect(url, anonymous("before"))["ok"]

    domain_admin.anonymous_auth(False)
    r = connect(url, anonymous("Eve"))
    assert not r["ok"], r.describe()
    assert r["code"] == "anonymous_auth_disabled", r.describe()

    # Password users are unaffected.
    domain_admin.create_user("still-allowed", "pw-123456")
    ok = connect(url, password("still-allowed", "pw-123456"))
    assert ok["ok"], ok.describe()

    domain_admin.anonymous_auth(True)
    again = connect(url, anonymous("after"))
    assert again["ok"], again.describe()


def test_anonymous_disabled_by_server_option(variant_server):
    r = connect(variant_server.url, anonymous("Eve"))
    assert not r["ok"], r.describe()
    assert r["code"] == "anonymous_auth_disabled", r.describe()


def test_configured_default_domain(variant_server):
    # The server was started with default_namespace=acme, default_domain=main.
    assert variant_server.url.endswith("/jupyter/user/ada/convergence/realtime/acme/main")
    status, body = variant_server.login_bridge()
    assert status == 200, body
    r = connect(variant_server.url, jwt_auth(body["jwt"]))
    assert r["ok"], r.describe()
    assert r["session"]["namespace"] == "acme"
    assert r["session"]["domainId"] == "main"
    missing = connect(variant_server.realtime_url("convergence", "default"), anonymous("x"))
    assert not missing["ok"], missing.describe()
    assert missing["code"] == "domain_not_found", missing.describe()


def test_plain_jupyter_server_with_the_extension(server_factory):
    # `jupyter server` (extension enabled, other installed extensions loaded too) serves the
    # same realtime endpoint and login bridge as the standalone `jupyter convergence`.
    srv = server_factory("jupyter-server", launcher="server")
    r = connect(srv.url, anonymous("Via Jupyter Server"))
    assert r["ok"], r.describe()
    assert r["session"]["user"]["displayName"] == "Via Jupyter Server"
    status, body = srv.login_bridge()
    assert status == 200, body
    assert body["realtimeUrl"] == srv.url
    jwt_connect = connect(body["realtimeUrl"], jwt_auth(body["jwt"]))
    assert jwt_connect["ok"], jwt_connect.describe()
