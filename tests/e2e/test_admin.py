"""What the admin CLI does to a running server, as the real client sees it: domains,
password changes, user deletion, JWT key removal. Plus concurrent connects."""

from __future__ import annotations

import pytest

from .harness import anonymous, connect, jwt_auth, password, reconnect_token, run_scenario, unique

pytestmark = pytest.mark.e2e


def test_second_domain_has_its_own_users(server, admin):
    ns, dom = unique("team"), "alpha"
    other = admin.in_domain(ns, dom)
    other("domain", "configure", "--anonymous-auth", "on")
    url = server.realtime_url(ns, dom)

    anon = connect(url, anonymous("Visitor"))
    assert anon["ok"], anon.describe()
    assert anon["session"]["namespace"] == ns
    assert anon["session"]["domainId"] == dom

    username = unique("alpha-")
    other.create_user(username, "pw-alpha", display_name="Alpha User")
    ok = connect(url, password(username, "pw-alpha"))
    assert ok["ok"], ok.describe()
    assert ok["session"]["user"]["displayName"] == "Alpha User"

    # Users and reconnect tokens belong to their domain.
    elsewhere = connect(server.url, password(username, "pw-alpha"))
    assert not elsewhere["ok"] and elsewhere["code"] == "authentication_failed", (
        elsewhere.describe()
    )
    foreign = connect(server.url, reconnect_token(ok["session"]["reconnectToken"]))
    assert not foreign["ok"] and foreign["code"] == "authentication_failed", foreign.describe()


def test_set_password_takes_effect(server, admin):
    username = unique("chpw-")
    admin.create_user(username, "old-password")
    assert connect(server.url, password(username, "old-password"))["ok"]
    admin("user", "set-password", username, "--password", "new-password")
    old = connect(server.url, password(username, "old-password"))
    assert not old["ok"] and old["code"] == "authentication_failed", old.describe()
    new = connect(server.url, password(username, "new-password"))
    assert new["ok"], new.describe()


def test_deleted_user_can_no_longer_connect(server, admin):
    username = unique("gone-")
    admin.create_user(username, "pw-gone")
    before = connect(server.url, password(username, "pw-gone"))
    assert before["ok"], before.describe()
    admin("user", "delete", username)
    r = connect(server.url, password(username, "pw-gone"))
    assert not r["ok"] and r["code"] == "authentication_failed", r.describe()
    token = connect(server.url, reconnect_token(before["session"]["reconnectToken"]))
    assert not token["ok"] and token["code"] == "authentication_failed", token.describe()
    # Nor can it be found any more.
    r = run_scenario(
        "identity",
        {
            "url": server.url,
            "auth": anonymous("Looker"),
            "calls": [
                {"op": "user", "username": username},
                {"op": "search", "query": {"term": username, "fields": "username"}},
            ],
        },
    )
    assert r["ok"], r.describe()
    assert r["results"] == [{"ok": True, "value": None}, {"ok": True, "value": []}], r.describe()


def test_removed_jwt_key_is_rejected(server, admin, rsa_key_factory):
    key = rsa_key_factory()
    admin.add_jwt_key(key)
    sub = unique("keyuser-")
    assert connect(server.url, jwt_auth(key.sign(sub)))["ok"]
    admin("jwt-key", "remove", key.key_id)
    r = connect(server.url, jwt_auth(key.sign(sub)))
    assert not r["ok"] and r["code"] == "authentication_failed", r.describe()


def test_jwt_without_groups_claim_keeps_groups(server, admin, jwt_key):
    group = unique("keep-")
    admin.create_group(group)
    sub = unique("keeper-")
    first = connect(server.url, jwt_auth(jwt_key.sign(sub, groups=[group])))
    assert first["ok"], first.describe()
    r = run_scenario(
        "identity",
        {
            "url": server.url,
            "auth": jwt_auth(jwt_key.sign(sub, displayName="No Groups Claim")),
            "calls": [{"op": "groupsForUser", "username": sub}],
        },
    )
    assert r["ok"], r.describe()
    assert r["session"]["user"]["displayName"] == "No Groups Claim"
    assert r["results"][0] == {"ok": True, "value": [group]}, r.describe()


def test_unicode_display_name(server):
    name = "Zoë Ĳssel 日本 😀"
    r = connect(server.url, anonymous(name))
    assert r["ok"], r.describe()
    assert r["session"]["user"]["displayName"] == name


def test_concurrent_connects(server, admin):
    users = [unique("crowd-") for _ in range(3)]
    with admin.batch() as b:
        for u in users:
            b.create_user(u, "pw-crowd")
    auths = [anonymous(f"Crowd {i}") for i in range(17)] + [password(u, "pw-crowd") for u in users]
    r = run_scenario("connect_many", {"url": server.url, "auths": auths, "holdMs": 300})
    assert r["ok"], r.describe()
    failures = [x for x in r["results"] if not x["ok"]]
    assert not failures, r.describe()
    sessions = [x["session"]["sessionId"] for x in r["results"]]
    assert len(set(sessions)) == len(auths), r.describe()
    anon_names = {x["session"]["user"]["username"] for x in r["results"][:17]}
    assert len(anon_names) == 17, r.describe()
    assert r["stillConnected"] == len(auths), r.describe()
