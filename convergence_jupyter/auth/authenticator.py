"""Deciding who a ``connectionRequest`` speaks for, with the failure codes the client knows.

Every refusal is an :class:`AuthFailure` carrying the protocol's code; the reason behind
``authentication_failed`` is logged but never told to the client (it would help guessing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from convergence_jupyter.auth import jwt_tokens
from convergence_jupyter.auth.passwords import verify_password_async
from convergence_jupyter.auth.reconnect_tokens import new_token, token_digest
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.jwt_keys import JwtKeyRepository
from convergence_jupyter.store.reconnect_tokens import ReconnectTokenRepository
from convergence_jupyter.store.records import DomainRecord, UserRecord
from convergence_jupyter.store.users import UserRepository

log = logging.getLogger(__name__)

#: A display name longer than this is cut; it is only a label.
MAX_DISPLAY_NAME = 255


@dataclass(frozen=True, slots=True)
class AuthFailure:
    code: str
    details: str
    retry_ok: bool = False


@dataclass(frozen=True, slots=True)
class AuthSuccess:
    user: UserRecord
    #: The token to hand back: a new one, or the presented one on a reconnect.
    reconnect_token: str


def _failed(why: str) -> AuthFailure:
    log.info("authentication failed: %s", why)
    return AuthFailure("authentication_failed", "authentication failed")


class Authenticator:
    """Checks credentials against one database; stateless between calls."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def authenticate(
        self, domain: DomainRecord, request: core_pb2.ConnectionRequestMessage
    ) -> AuthSuccess | AuthFailure:
        method = request.WhichOneof("auth")
        if method == "password":
            result = await self._password(domain, request.password)
        elif method == "jwt":
            result = await self._jwt(domain, request.jwt.jwt)
        elif method == "anonymous":
            result = await self._anonymous(domain, request.anonymous)
        elif method == "reconnect":
            return await self._reconnect(domain, request.reconnect.token)
        else:
            return AuthFailure("invalid_auth_method", "no authentication method was given")
        if isinstance(result, AuthFailure):
            return result
        return AuthSuccess(result, await self._issue_token(domain, result))

    async def _password(
        self,
        domain: DomainRecord,
        credentials: core_pb2.ConnectionRequestMessage.PasswordAuthRequestData,
    ) -> UserRecord | AuthFailure:
        async with self._db.transaction(readonly=True) as session:
            users = UserRepository(session)
            stored_hash = await users.get_password_hash(domain.pk, credentials.username)
            user = await users.get(domain.pk, UserType.NORMAL, credentials.username)
        # Verify even for unknown users, so response time does not reveal which names exist.
        valid = await verify_password_async(credentials.password, stored_hash or _DUMMY_HASH)
        if not valid or stored_hash is None or user is None:
            return _failed(f"bad password for {credentials.username!r}")
        async with self._db.transaction() as session:
            await UserRepository(session).touch_last_login(user.pk)
        return user

    async def _jwt(self, domain: DomainRecord, token: str) -> UserRecord | AuthFailure:
        try:
            key_id = jwt_tokens.read_key_id(token)
        except jwt_tokens.JwtRejected as exc:
            return _failed(str(exc))
        async with self._db.transaction(readonly=True) as session:
            key = await JwtKeyRepository(session).get_enabled(domain.pk, key_id)
        if key is None:
            return _failed(f"no enabled JWT key {key_id!r}")
        try:
            identity = jwt_tokens.verify(token, key.public_key_pem)
        except jwt_tokens.JwtRejected as exc:
            return _failed(f"JWT rejected: {exc}")
        async with self._db.transaction() as session:
            users = UserRepository(session)
            user, created = await users.get_or_create(
                domain.pk,
                UserType.NORMAL,
                identity.username,
                first_name=identity.first_name,
                last_name=identity.last_name,
                display_name=identity.display_name,
                email=identity.email,
            )
            if user.disabled or user.deleted:
                return _failed(f"user {identity.username!r} is disabled")
            if not created:
                changes = {
                    name: value
                    for name, value in (
                        ("first_name", identity.first_name),
                        ("last_name", identity.last_name),
                        ("display_name", identity.display_name),
                        ("email", identity.email),
                    )
                    if value is not None
                }
                if changes:
                    user = await users.update_profile(user.pk, **changes)
            if identity.groups is not None:
                await GroupRepository(session).replace_user_groups(
                    domain.pk, user.pk, identity.groups
                )
            await users.touch_last_login(user.pk)
        return user

    async def _anonymous(
        self,
        domain: DomainRecord,
        data: core_pb2.ConnectionRequestMessage.AnonymousAuthRequestData,
    ) -> UserRecord | AuthFailure:
        if not domain.anonymous_auth:
            return AuthFailure(
                "anonymous_auth_disabled", "anonymous authentication is disabled for this domain"
            )
        display_name = (
            data.displayName.value[:MAX_DISPLAY_NAME] if data.HasField("displayName") else None
        )
        async with self._db.transaction() as session:
            return await UserRepository(session).create_anonymous(domain.pk, display_name)

    async def _reconnect(self, domain: DomainRecord, token: str) -> AuthSuccess | AuthFailure:
        now = datetime.now(UTC)
        digest = token_digest(token)
        async with self._db.transaction() as session:
            tokens = ReconnectTokenRepository(session)
            found = await tokens.find_valid(digest, now)
            if found is None or found.domain_pk != domain.pk:
                return _failed("unknown or expired reconnect token")
            user = await UserRepository(session).get_by_pk(found.user_pk)
            if user is None or user.disabled or user.deleted:
                return _failed("the reconnect token's user is gone or disabled")
            await tokens.refresh(digest, now + timedelta(minutes=domain.reconnect_token_minutes))
        return AuthSuccess(user, token)

    async def _issue_token(self, domain: DomainRecord, user: UserRecord) -> str:
        token = new_token()
        expires = datetime.now(UTC) + timedelta(minutes=domain.reconnect_token_minutes)
        async with self._db.transaction() as session:
            await ReconnectTokenRepository(session).issue(
                domain.pk, user.pk, token_digest(token), expires
            )
        return token


# A valid hash of a random password: checking against it costs what a real check costs.
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)
