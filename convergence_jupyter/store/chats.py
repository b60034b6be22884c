"""Chats, their member users and their numbered, persisted event log.

Event numbers are per chat and strictly increasing: the ``created`` event is number 0 and
each later event takes ``last_event_number + 1`` with an ``UPDATE ... RETURNING`` inside the
caller's transaction, so concurrent writers never share a number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ._sql import chunks
from .base import utcnow
from .chat_tables import CHAT_EVENT_TYPES, ChatEventRow, ChatMemberRow, ChatRow
from .errors import AlreadyExists, NotFound
from .identity_tables import UserRow
from .records import UserRecord
from .users import record_from_row

SEARCH_FIELDS = ("id", "name", "topic")


@dataclass(frozen=True, slots=True)
class ChatMemberRecord:
    user_pk: int
    max_seen_event: int


@dataclass(frozen=True, slots=True)
class ChatRecord:
    pk: int
    domain_pk: int
    chat_id: str
    chat_type: str
    membership: str
    name: str
    topic: str
    created_at: datetime
    last_event_number: int
    last_event_time: datetime
    members: tuple[ChatMemberRecord, ...]  # empty for rooms (membership is in memory)

    def is_member(self, user_pk: int) -> bool:
        return any(m.user_pk == user_pk for m in self.members)


@dataclass(frozen=True, slots=True)
class ChatEventRecord:
    event_number: int
    event_type: str
    user_pk: int
    created_at: datetime
    target_user_pk: int | None = None
    text: str | None = None
    #: ``created`` only: name, topic and member user pks.
    data: dict[str, Any] | None = None


def direct_key(user_pks: Iterable[int]) -> str:
    """The identity of a direct chat: a hash of its sorted, distinct member pks."""
    joined = ",".join(str(pk) for pk in sorted(set(user_pks)))
    return hashlib.sha256(joined.encode()).hexdigest()


def _event(row: ChatEventRow) -> ChatEventRecord:
    return ChatEventRecord(
        event_number=row.event_number,
        event_type=row.event_type,
        user_pk=row.user_id,
        created_at=row.created_at,
        target_user_pk=row.target_user_id,
        text=row.text,
        data=json.loads(row.data) if row.data else None,
    )


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _records(self, rows: Sequence[ChatRow]) -> list[ChatRecord]:
        members: dict[int, list[ChatMemberRecord]] = {r.id: [] for r in rows}
        for part in chunks([r.id for r in rows]):
            result = await self._session.scalars(
                select(ChatMemberRow)
                .where(ChatMemberRow.chat_pk.in_(part))
                .order_by(ChatMemberRow.user_id)
            )
            for m in result:
                members[m.chat_pk].append(ChatMemberRecord(m.user_id, m.max_seen_event))
        return [
            ChatRecord(
                pk=r.id,
                domain_pk=r.domain_id,
                chat_id=r.chat_id,
                chat_type=r.chat_type,
                membership=r.membership,
                name=r.name,
                topic=r.topic,
                created_at=r.created_at,
                last_event_number=r.last_event_number,
                last_event_time=r.last_event_time,
                members=tuple(members[r.id]),
            )
            for r in rows
        ]

    async def _one(self, query: Select[Any]) -> ChatRecord | None:
        row = await self._session.scalar(query)
        return None if row is None else (await self._records([row]))[0]

    # -- chats ------------------------------------------------------------------------------

    async def create(
        self,
        domain_pk: int,
        chat_id: str,
        *,
        chat_type: str,
        membership: str,
        name: str,
        topic: str,
        creator_pk: int,
        member_pks: Iterable[int] = (),
        direct: bool = False,
    ) -> ChatRecord:
        """Create a chat with its members and its ``created`` event (number 0).

        Raises :class:`AlreadyExists` if the id (or, for ``direct``, the member set) is taken.
        """
        members = sorted(set(member_pks))
        now = utcnow()
        row = ChatRow(
            domain_id=domain_pk,
            chat_id=chat_id,
            chat_type=chat_type,
            membership=membership,
            name=name,
            topic=topic,
            direct_key=direct_key(members) if direct else None,
            created_at=now,
            last_event_number=0,
            last_event_time=now,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            raise AlreadyExists(f"chat {chat_id!r}") from None
        for pk in members:
            self._session.add(ChatMemberRow(chat_pk=row.id, user_id=pk, max_seen_event=-1))
        self._session.add(
            ChatEventRow(
                chat_pk=row.id,
                event_number=0,
                event_type="created",
                user_id=creator_pk,
                created_at=now,
                data=json.dumps({"name": name, "topic": topic, "members": members}),
            )
        )
        await self._session.flush()
        return (await self._records([row]))[0]

    async def get(self, domain_pk: int, chat_id: str) -> ChatRecord | None:
        return await self._one(
            select(ChatRow).where(ChatRow.domain_id == domain_pk, ChatRow.chat_id == chat_id)
        )

    async def get_by_pk(self, pk: int) -> ChatRecord | None:
        return await self._one(select(ChatRow).where(ChatRow.id == pk))

    async def get_direct(self, domain_pk: int, user_pks: Iterable[int]) -> ChatRecord | None:
        return await self._one(
            select(ChatRow).where(
                ChatRow.domain_id == domain_pk, ChatRow.direct_key == direct_key(user_pks)
            )
        )

    async def existing_ids(self, domain_pk: int, chat_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(list(dict.fromkeys(chat_ids))):
            found.update(
                await self._session.scalars(
                    select(ChatRow.chat_id).where(
                        ChatRow.domain_id == domain_pk, ChatRow.chat_id.in_(part)
                    )
                )
            )
        return found

    async def delete(self, pk: int) -> bool:
        result = await self._session.execute(delete(ChatRow).where(ChatRow.id == pk))
        return bool(getattr(result, "rowcount", 0))

    async def member_of(self, domain_pk: int, user_pk: int) -> list[ChatRecord]:
        """Channels and direct chats the user is a member of, oldest first."""
        rows = await self._session.scalars(
            select(ChatRow)
            .join(ChatMemberRow, ChatMemberRow.chat_pk == ChatRow.id)
            .where(ChatRow.domain_id == domain_pk, ChatMemberRow.user_id == user_pk)
            .order_by(ChatRow.id)
        )
        return await self._records(list(rows))

    async def search(
        self,
        domain_pk: int,
        viewer_pk: int,
        *,
        term: str = "",
        fields: Sequence[str] = SEARCH_FIELDS,
        types: Sequence[str] = (),
        membership: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[ChatRecord], int]:
        """Chats the viewer may see (public ones and those they are a member of) whose id,
        name or topic contains ``term`` (case-insensitive); returns a page and the total."""
        member = select(ChatMemberRow.chat_pk).where(ChatMemberRow.user_id == viewer_pk)
        clauses: list[Any] = [
            ChatRow.domain_id == domain_pk,
            or_(
                and_(ChatRow.membership == "public", ChatRow.chat_type != "direct"),
                ChatRow.id.in_(member),
            ),
        ]
        if term:
            pattern = (
                "%"
                + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            columns = {"id": ChatRow.chat_id, "name": ChatRow.name, "topic": ChatRow.topic}
            clauses.append(
                or_(*(func.lower(columns[f]).like(pattern, escape="\\") for f in fields))
            )
        if types:
            clauses.append(ChatRow.chat_type.in_(list(types)))
        if membership:
            clauses.append(ChatRow.membership == membership)
        total = await self._session.scalar(select(func.count(ChatRow.id)).where(*clauses))
        rows = await self._session.scalars(
            select(ChatRow).where(*clauses).order_by(ChatRow.chat_id).offset(offset).limit(limit)
        )
        return await self._records(list(rows)), int(total or 0)

    # -- members ----------------------------------------------------------------------------

    async def add_member(self, chat_pk: int, user_pk: int) -> bool:
        """False if the user already was a member."""
        existing = await self._session.get(ChatMemberRow, (chat_pk, user_pk))
        if existing is not None:
            return False
        self._session.add(ChatMemberRow(chat_pk=chat_pk, user_id=user_pk, max_seen_event=-1))
        await self._session.flush()
        return True

    async def remove_member(self, chat_pk: int, user_pk: int) -> bool:
        result = await self._session.execute(
            delete(ChatMemberRow).where(
                ChatMemberRow.chat_pk == chat_pk, ChatMemberRow.user_id == user_pk
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def mark_seen(self, chat_pk: int, user_pk: int, event_number: int) -> bool:
        """Raise the member's read marker (never lowers it); False if not a member."""
        row = await self._session.get(ChatMemberRow, (chat_pk, user_pk))
        if row is None:
            return False
        row.max_seen_event = max(row.max_seen_event, event_number)
        await self._session.flush()
        return True

    async def set_name(self, chat_pk: int, name: str) -> None:
        await self._session.execute(update(ChatRow).where(ChatRow.id == chat_pk).values(name=name))

    async def set_topic(self, chat_pk: int, topic: str) -> None:
        await self._session.execute(
            update(ChatRow).where(ChatRow.id == chat_pk).values(topic=topic)
        )

    # -- events -----------------------------------------------------------------------------

    async def append_event(
        self,
        chat_pk: int,
        event_type: str,
        user_pk: int,
        *,
        target_user_pk: int | None = None,
        text: str | None = None,
    ) -> ChatEventRecord:
        """Number and store one event; raises :class:`NotFound` if the chat is gone."""
        if event_type not in CHAT_EVENT_TYPES:
            raise ValueError(f"unknown chat event type {event_type!r}")
        now = utcnow()
        number = await self._session.scalar(
            update(ChatRow)
            .where(ChatRow.id == chat_pk)
            .values(last_event_number=ChatRow.last_event_number + 1, last_event_time=now)
            .returning(ChatRow.last_event_number)
        )
        if number is None:
            raise NotFound(f"chat {chat_pk}")
        row = ChatEventRow(
            chat_pk=chat_pk,
            event_number=number,
            event_type=event_type,
            user_id=user_pk,
            created_at=now,
            target_user_id=target_user_pk,
            text=text,
        )
        self._session.add(row)
        await self._session.flush()
        return _event(row)

    async def history(
        self,
        chat_pk: int,
        *,
        types: Sequence[str] = (),
        start_event: int | None = None,
        forward: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[ChatEventRecord], int]:
        """A page of events and the number matching. Backwards (newest first) by default;
        ``start_event`` is inclusive and bounds the direction of travel."""
        clauses: list[Any] = [ChatEventRow.chat_pk == chat_pk]
        if types:
            clauses.append(ChatEventRow.event_type.in_(list(types)))
        if start_event is not None:
            bound = ChatEventRow.event_number
            clauses.append(bound >= start_event if forward else bound <= start_event)
        total = await self._session.scalar(
            select(func.count()).select_from(ChatEventRow).where(*clauses)
        )
        order = ChatEventRow.event_number.asc() if forward else ChatEventRow.event_number.desc()
        rows = await self._session.scalars(
            select(ChatEventRow).where(*clauses).order_by(order).offset(offset).limit(limit)
        )
        return [_event(r) for r in rows], int(total or 0)

    # -- users ------------------------------------------------------------------------------

    async def users(self, user_pks: Iterable[int]) -> dict[int, UserRecord]:
        """User records by pk, for naming members and authors on the wire."""
        wanted = sorted(set(user_pks))
        found: dict[int, UserRecord] = {}
        for part in chunks(wanted):
            for row in await self._session.scalars(select(UserRow).where(UserRow.id.in_(part))):
                found[row.id] = record_from_row(row)
        return found
