"""JSON Web Tokens as Convergence uses them: RS256, ``aud = "Convergence"``, ``sub`` = username.

Verification is two-pass on purpose: the unverified header only selects *which* registered
public key to try (``kid``); nothing else from an unverified token is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt

AUDIENCE = "Convergence"
ALGORITHMS = ["RS256"]
#: Accepted clock difference between the token issuer and us, as in the Scala server.
CLOCK_SKEW = timedelta(seconds=30)


class JwtRejected(Exception):
    """The token is malformed, expired, for another audience or signed by another key."""


@dataclass(frozen=True, slots=True)
class JwtIdentity:
    """The user a valid token speaks for. ``groups`` is None when the claim is absent."""

    username: str
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    groups: list[str] | None = field(default=None)


def read_key_id(token: str) -> str:
    """The ``kid`` header, read WITHOUT verification: use it only to look up a key."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise JwtRejected(f"malformed token: {exc}") from exc
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JwtRejected("the token has no 'kid' header")
    return kid


def verify(token: str, public_key_pem: str) -> JwtIdentity:
    """Check signature, expiry (with skew) and audience; return the identity it asserts."""
    try:
        claims = jwt.decode(
            token,
            key=public_key_pem,
            algorithms=ALGORITHMS,
            audience=AUDIENCE,
            leeway=CLOCK_SKEW,
            options={"require": ["exp", "sub", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise JwtRejected(str(exc)) from exc
    username = claims.get("sub")
    if not isinstance(username, str) or not username:
        raise JwtRejected("the 'sub' claim must be a non-empty string")
    groups = claims.get("groups")
    if groups is not None and not (
        isinstance(groups, list) and all(isinstance(g, str) for g in groups)
    ):
        raise JwtRejected("the 'groups' claim must be a list of strings")

    def text(name: str) -> str | None:
        value = claims.get(name)
        return value if isinstance(value, str) else None

    return JwtIdentity(
        username=username,
        first_name=text("firstName"),
        last_name=text("lastName"),
        display_name=text("displayName"),
        email=text("email"),
        groups=groups,
    )


def sign(
    identity: JwtIdentity,
    *,
    private_key_pem: str,
    key_id: str,
    lifetime: timedelta,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """Issue a token for ``identity``; returns it with its expiry time."""
    issued = now or datetime.now(UTC)
    expires = issued + lifetime
    claims: dict[str, object] = {
        "sub": identity.username,
        "aud": AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    for claim, value in (
        ("firstName", identity.first_name),
        ("lastName", identity.last_name),
        ("displayName", identity.display_name),
        ("email", identity.email),
        ("groups", identity.groups),
    ):
        if value is not None:
            claims[claim] = value
    token = jwt.encode(claims, private_key_pem, algorithm="RS256", headers={"kid": key_id})
    return token, expires
