"""JWT authentication (RS256, kid registered with the CLI) with the real client."""

from __future__ import annotations

import pytest

from .harness import jwt_auth, run_scenario, unique

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def jwt_groups(admin):
    groups = [unique("jwtgrp-a-"), unique("jwtgrp-b-"), unique("jwtgrp-c-")]
    with admin.batch() as b:
        for g in groups:
            b.create_group(g, description=f"group {g}")
    return groups


def _identity(server, auth, calls):
    r = run_scenario("identity", {"url": server.url, "auth": auth, "calls": calls})
    assert r["ok"], r.describe()
    return r


def test_jwt_creates_unknown_user_from_claims(server, jwt_key, jwt_groups):
    sub = unique("jwt-")
    token = jwt_key.sign(
        sub,
        firstName="Katherine",
        lastName="Johnson",
        displayName="Katherine J.",
        email=f"{sub}@example.org",
        groups=jwt_groups[:2],
    )
    r = _identity(
        server,
        jwt_auth(token),
        [
            {"op": "profile"},
            {"op": "groupsForUser", "username": sub},
            {"op": "search", "query": {"term": f"{sub}@example.org", "fields": "email"}},
        ],
    )
    user = r["session"]["user"]
    assert user["username"] == sub
    assert user["userType"] == "normal"
    assert user["firstName"] == "Katherine"
    assert user["lastName"] == "Johnson"
    assert user["displayName"] == "Katherine J."
    assert user["email"] == f"{sub}@example.org"
    assert r["session"]["reconnectToken"]
    profile, groups, found = r["results"]
    assert profile["ok"] and profile["value"]["username"] == sub, r.describe()
    assert groups["ok"], r.describe()
    assert sorted(groups["value"]) == sorted(jwt_groups[:2]), r.describe()
    assert found["ok"] and [u["username"] for u in found["value"]] == [sub], r.describe()


def test_jwt_updates_known_user_and_replaces_groups(server, jwt_key, jwt_groups):
    sub = unique("jwt-")
    first = jwt_key.sign(sub, displayName="First Name", groups=jwt_groups[:2])
    r1 = _identity(server, jwt_auth(first), [])
    assert r1["session"]["user"]["displayName"] == "First Name"

    second = jwt_key.sign(sub, displayName="Second Name", groups=[jwt_groups[2]])
    r2 = _identity(server, jwt_auth(second), [{"op": "groupsForUser", "username": sub}])
    assert r2["session"]["user"]["username"] == sub
    assert r2["session"]["user"]["displayName"] == "Second Name"
    (groups,) = r2["results"]
    assert groups["ok"], r2.describe()
    assert groups["value"] == [jwt_groups[2]], r2.describe()


def test_jwt_for_password_user_logs_in_as_that_user(server, admin, jwt_key):
    username = unique("both-")
    admin.create_user(username, "pw-123456", display_name="Has Password")
    r = _identity(server, jwt_auth(jwt_key.sign(username)), [])
    assert r["session"]["user"]["username"] == username


@pytest.mark.parametrize(
    "case",
    ["unknown_kid", "wrong_key", "expired", "wrong_aud", "missing_aud", "not_a_jwt", "hs256"],
)
def test_bad_jwt_is_authentication_failed(server, jwt_key, rsa_key_factory, case):
    sub = unique("badjwt-")
    if case == "unknown_kid":
        token = jwt_key.sign(sub, kid=unique("unregistered-"))
    elif case == "wrong_key":
        # Signed by a different private key but claiming the registered kid.
        token = rsa_key_factory(jwt_key.key_id).sign(sub)
    elif case == "expired":
        token = jwt_key.sign(sub, expires_in=-600)
    elif case == "wrong_aud":
        token = jwt_key.sign(sub, aud="SomethingElse")
    elif case == "missing_aud":
        token = jwt_key.sign(sub, aud=None)
    elif case == "hs256":
        import jwt

        token = jwt.encode(
            {"sub": sub, "aud": "Convergence", "exp": 4102444800},
            "a-shared-secret-that-is-long-enough-for-hs256",
            algorithm="HS256",
            headers={"kid": jwt_key.key_id},
        )
    else:
        token = "not-a-jwt"
    r = run_scenario("connect", {"url": server.url, "auth": jwt_auth(token)})
    assert not r["ok"], r.describe()
    assert r["code"] == "authentication_failed", r.describe()
