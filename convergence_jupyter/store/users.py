"""Domain users: lookup, lazy creation, profile updates, search and soft deletion.

Passwords are stored only as the hash that ``auth/`` computes; this module never hashes or
compares passwords, and :class:`UserRecord` never carries the hash.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Final, Literal

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ._sql import chunks, insert_ignore_one
from .base import utcnow
from .errors import AlreadyExists, NotFound
from .identity_tables import GroupMemberRow, ReconnectTokenRow, UserRow, UserType
from .records import UserKey, UserRecord


class _Unset(Enum):
    UNSET = 0


UNSET: Final = _Unset.UNSET
"""Marks a profile field an update leaves unchanged (None means "clear it")."""

OptionalText = str | None | Literal[_Unset.UNSET]

UserField = Literal["username", "email", "first_name", "last_name", "display_name"]
USER_FIELDS: Final[tuple[UserField, ...]] = (
    "username",
    "email",
    "first_name",
    "last_name",
    "display_name",
)

_COLUMNS: Final[dict[str, InstrumentedAttribute[str | None]]] = {
    "username": UserRow.username,
    "email": UserRow.email,
    "first_name": UserRow.first_name,
    "last_name": UserRow.last_name,
    "display_name": UserRow.display_name,
}

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int) -> str:
    digits = []
    while True:
        n, r = divmod(n, 36)
        digits.append(_ALPHABET[r])
        if n == 0:
            return "".join(reversed(digits))


def record_from_row(row: UserRow) -> UserRecord:
    return UserRecord(
        pk=row.id,
        domain_pk=row.domain_id,
        user_type=UserType(row.user_type),
        username=row.username,
        first_name=row.first_name,
        last_name=row.last_name,
        display_name=row.display_name,
        email=row.email,
        disabled=row.disabled,
        deleted=row.deleted,
        deleted_username=row.deleted_username,
        last_login=row.last_login,
        created_at=row.created_at,
    )


def _matching(
    domain_pk: int, fields: Sequence[UserField], value: str, user_types: Iterable[int] | None
) -> list[ColumnElement[bool]]:
    """The WHERE terms of a user search (live users of the domain, see ``search``)."""
    for f in fields:
        if f not in _COLUMNS:
            raise ValueError(f"unknown user field {f!r}")
    terms: list[ColumnElement[bool]] = [UserRow.domain_id == domain_pk, UserRow.deleted.is_(False)]
    needle = value.lower()
    if needle:
        columns = [_COLUMNS[f] for f in (fields or USER_FIELDS)]
        terms.append(or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns)))
    if user_types is not None:
        terms.append(UserRow.user_type.in_([int(UserType(t)) for t in user_types]))
    return terms


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, pk: int) -> UserRow:
        row = await self._session.get(UserRow, pk)
        if row is None:
            raise NotFound(f"user {pk}")
        return row

    async def get(self, domain_pk: int, user_type: int, username: str) -> UserRecord | None:
        """The live user with that identity (deleted users have given up their username)."""
        row = await self._session.scalar(
            select(UserRow).where(
                UserRow.domain_id == domain_pk,
                UserRow.user_type == int(user_type),
                UserRow.username == username,
            )
        )
        return None if row is None else record_from_row(row)

    async def get_by_pk(self, pk: int) -> UserRecord | None:
        row = await self._session.get(UserRow, pk)
        return None if row is None else record_from_row(row)

    async def get_many(self, domain_pk: int, keys: Iterable[tuple[int, str]]) -> list[UserRecord]:
        """Users for (type, username) pairs, in request order; unknown keys are skipped."""
        wanted = list(dict.fromkeys(UserKey(UserType(t), u) for t, u in keys))
        by_type: dict[UserType, list[str]] = {}
        for key in wanted:
            by_type.setdefault(key.user_type, []).append(key.username)
        found: dict[UserKey, UserRecord] = {}
        for user_type, names in by_type.items():
            for part in chunks(names):
                rows = await self._session.scalars(
                    select(UserRow).where(
                        UserRow.domain_id == domain_pk,
                        UserRow.user_type == int(user_type),
                        UserRow.username.in_(part),
                    )
                )
                for row in rows:
                    rec = record_from_row(row)
                    found[rec.key] = rec
        return [found[k] for k in wanted if k in found]

    async def create(
        self,
        domain_pk: int,
        user_type: int,
        username: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        password_hash: str | None = None,
    ) -> UserRecord:
        """Create a user. Raises :class:`AlreadyExists` if the username is taken."""
        if not username:
            raise ValueError("username must not be empty")
        row = UserRow(
            domain_id=domain_pk,
            user_type=int(UserType(user_type)),
            username=username,
            first_name=first_name,
            last_name=last_name,
            display_name=display_name,
            email=email,
            password_hash=password_hash,
            disabled=False,
            deleted=False,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError as exc:
            if await self.get(domain_pk, user_type, username) is not None:
                raise AlreadyExists(f"user {username!r}") from exc
            raise
        return record_from_row(row)

    async def get_or_create(
        self,
        domain_pk: int,
        user_type: int,
        username: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
    ) -> tuple[UserRecord, bool]:
        """The user, created with the given profile if missing; ``created`` tells which.

        Race-free (insert-if-absent), for lazy creation from JWT claims.
        """
        if not username:
            raise ValueError("username must not be empty")
        created = await insert_ignore_one(
            self._session,
            UserRow.__table__,
            {
                "domain_id": domain_pk,
                "user_type": int(UserType(user_type)),
                "username": username,
                "first_name": first_name,
                "last_name": last_name,
                "display_name": display_name,
                "email": email,
                "disabled": False,
                "deleted": False,
            },
            ["domain_id", "user_type", "username"],
        )
        record = await self.get(domain_pk, user_type, username)
        assert record is not None
        return record, created

    async def create_anonymous(self, domain_pk: int, display_name: str | None) -> UserRecord:
        """A new anonymous user with a generated, unguessable, unique username."""
        for _ in range(8):
            username = _base36(secrets.randbits(80))
            record, created = await self.get_or_create(
                domain_pk, UserType.ANONYMOUS, username, display_name=display_name
            )
            if created:
                return record
        raise RuntimeError("could not generate a unique anonymous username")  # pragma: no cover

    async def update_profile(
        self,
        pk: int,
        *,
        first_name: OptionalText = UNSET,
        last_name: OptionalText = UNSET,
        display_name: OptionalText = UNSET,
        email: OptionalText = UNSET,
    ) -> UserRecord:
        """Set the given fields; ``UNSET`` (the default) leaves a field alone, None clears it."""
        row = await self._row(pk)
        if first_name is not UNSET:
            row.first_name = first_name
        if last_name is not UNSET:
            row.last_name = last_name
        if display_name is not UNSET:
            row.display_name = display_name
        if email is not UNSET:
            row.email = email
        await self._session.flush()
        return record_from_row(row)

    async def set_password_hash(self, pk: int, password_hash: str | None) -> None:
        """Store a hash computed by ``auth/`` (None disables password login)."""
        row = await self._row(pk)
        row.password_hash = password_hash
        await self._session.flush()

    async def get_password_hash(self, domain_pk: int, username: str) -> str | None:
        """The stored hash of a live, enabled *normal* user, for password login only."""
        return await self._session.scalar(
            select(UserRow.password_hash).where(
                UserRow.domain_id == domain_pk,
                UserRow.user_type == int(UserType.NORMAL),
                UserRow.username == username,
                UserRow.deleted.is_(False),
                UserRow.disabled.is_(False),
            )
        )

    async def set_disabled(self, pk: int, disabled: bool) -> UserRecord:
        row = await self._row(pk)
        row.disabled = disabled
        await self._session.flush()
        return record_from_row(row)

    async def touch_last_login(self, pk: int, at: datetime | None = None) -> None:
        await self._session.execute(
            update(UserRow).where(UserRow.id == pk).values(last_login=at or utcnow())
        )

    async def search(
        self,
        domain_pk: int,
        fields: Sequence[UserField],
        value: str,
        *,
        offset: int = 0,
        limit: int | None = None,
        order_field: UserField | None = None,
        ascending: bool = True,
        user_types: Iterable[int] | None = None,
    ) -> list[UserRecord]:
        """Live users where any of ``fields`` contains ``value``, case-insensitively.

        ``%`` and ``_`` in ``value`` match literally. No fields means all of them. Ordering
        puts NULLs last in both directions and breaks ties by creation order, so paging is
        stable. Case folding is SQL ``lower()``: ASCII only on SQLite.
        """
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError("offset and limit must not be negative")
        if order_field is not None and order_field not in _COLUMNS:
            raise ValueError(f"unknown user field {order_field!r}")
        stmt = select(UserRow).where(*_matching(domain_pk, fields, value, user_types))
        order = _COLUMNS[order_field or "username"]
        if ascending:
            stmt = stmt.order_by(order.asc().nulls_last(), UserRow.id.asc())
        else:
            stmt = stmt.order_by(order.desc().nulls_last(), UserRow.id.desc())
        stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [record_from_row(r) for r in await self._session.scalars(stmt)]

    async def count(
        self,
        domain_pk: int,
        fields: Sequence[UserField],
        value: str,
        *,
        user_types: Iterable[int] | None = None,
    ) -> int:
        """How many users :meth:`search` finds without paging (a page's ``total``)."""
        stmt = select(func.count()).select_from(UserRow)
        total = await self._session.scalar(
            stmt.where(*_matching(domain_pk, fields, value, user_types))
        )
        return int(total or 0)

    async def delete(self, pk: int) -> bool:
        """Soft-delete: keeps the row (history still names it), frees the username, records
        it in ``deleted_username``, drops group memberships and revokes reconnect tokens."""
        row = await self._session.get(UserRow, pk)
        if row is None or row.deleted:
            return False
        row.deleted_username = row.username
        row.username = f"~deleted~{uuid.uuid4().hex}"
        row.deleted = True
        row.password_hash = None
        await self._session.flush()
        await self._session.execute(delete(GroupMemberRow).where(GroupMemberRow.user_id == pk))
        await self._session.execute(
            delete(ReconnectTokenRow).where(ReconnectTokenRow.user_id == pk)
        )
        return True


__all__ = [
    "UNSET",
    "USER_FIELDS",
    "UserField",
    "UserRepository",
]
