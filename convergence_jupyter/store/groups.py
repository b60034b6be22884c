"""User groups and their membership."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ._sql import chunks, insert_ignore
from .errors import AlreadyExists, NotFound
from .identity_tables import GroupMemberRow, UserGroupRow, UserRow, UserType
from .records import GroupRecord, UserKey


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _members(self, group_pks: Sequence[int]) -> dict[int, list[UserKey]]:
        members: dict[int, list[UserKey]] = {pk: [] for pk in group_pks}
        for part in chunks(group_pks):
            result = await self._session.execute(
                select(GroupMemberRow.user_group_id, UserRow.user_type, UserRow.username)
                .join(UserRow, UserRow.id == GroupMemberRow.user_id)
                .where(GroupMemberRow.user_group_id.in_(part))
                .order_by(UserRow.user_type, UserRow.username)
            )
            for group_pk, user_type, username in result:
                members[group_pk].append(UserKey(UserType(user_type), username))
        return members

    async def _records(self, rows: Sequence[UserGroupRow]) -> list[GroupRecord]:
        members = await self._members([r.id for r in rows])
        return [
            GroupRecord(
                pk=r.id,
                domain_pk=r.domain_id,
                group_id=r.group_id,
                description=r.description,
                members=tuple(members[r.id]),
            )
            for r in rows
        ]

    async def _row(self, group_pk: int) -> UserGroupRow:
        row = await self._session.get(UserGroupRow, group_pk)
        if row is None:
            raise NotFound(f"group {group_pk}")
        return row

    async def create(
        self,
        domain_pk: int,
        group_id: str,
        description: str = "",
        member_pks: Iterable[int] = (),
    ) -> GroupRecord:
        """Create a group. Raises :class:`AlreadyExists` if the id is taken."""
        if not group_id:
            raise ValueError("group id must not be empty")
        row = UserGroupRow(domain_id=domain_pk, group_id=group_id, description=description)
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError as exc:
            if await self.get(domain_pk, group_id) is not None:
                raise AlreadyExists(f"group {group_id!r}") from exc
            raise
        await self.set_members(row.id, member_pks)
        return (await self._records([row]))[0]

    async def get(self, domain_pk: int, group_id: str) -> GroupRecord | None:
        found = await self.get_many(domain_pk, [group_id])
        return found[0] if found else None

    async def get_many(self, domain_pk: int, group_ids: Iterable[str]) -> list[GroupRecord]:
        """Groups by id, in request order; unknown ids are skipped."""
        wanted = list(dict.fromkeys(group_ids))
        rows: dict[str, UserGroupRow] = {}
        for part in chunks(wanted):
            for row in await self._session.scalars(
                select(UserGroupRow).where(
                    UserGroupRow.domain_id == domain_pk, UserGroupRow.group_id.in_(part)
                )
            ):
                rows[row.group_id] = row
        return await self._records([rows[g] for g in wanted if g in rows])

    async def update_description(self, group_pk: int, description: str) -> None:
        row = await self._row(group_pk)
        row.description = description
        await self._session.flush()

    async def delete(self, group_pk: int) -> bool:
        row = await self._session.get(UserGroupRow, group_pk)
        if row is None:
            return False
        await self._session.execute(
            delete(GroupMemberRow).where(GroupMemberRow.user_group_id == group_pk)
        )
        await self._session.delete(row)
        await self._session.flush()
        return True

    async def _check_same_domain(self, group: UserGroupRow, user_pks: Sequence[int]) -> None:
        for part in chunks(user_pks):
            count = 0
            for domain_pk in await self._session.scalars(
                select(UserRow.domain_id).where(UserRow.id.in_(part))
            ):
                if domain_pk != group.domain_id:
                    raise ValueError("a group can only contain users of its own domain")
                count += 1
            if count != len(part):
                raise NotFound("user")

    async def set_members(self, group_pk: int, user_pks: Iterable[int]) -> None:
        """Make the group's members exactly ``user_pks``."""
        group = await self._row(group_pk)
        wanted = list(dict.fromkeys(user_pks))
        await self._check_same_domain(group, wanted)
        await self._session.execute(
            delete(GroupMemberRow).where(GroupMemberRow.user_group_id == group_pk)
        )
        await insert_ignore(
            self._session,
            GroupMemberRow.__table__,
            [{"user_group_id": group_pk, "user_id": u} for u in wanted],
            ["user_group_id", "user_id"],
        )

    async def add_member(self, group_pk: int, user_pk: int) -> None:
        group = await self._row(group_pk)
        await self._check_same_domain(group, [user_pk])
        await insert_ignore(
            self._session,
            GroupMemberRow.__table__,
            [{"user_group_id": group_pk, "user_id": user_pk}],
            ["user_group_id", "user_id"],
        )

    async def remove_member(self, group_pk: int, user_pk: int) -> None:
        await self._session.execute(
            delete(GroupMemberRow).where(
                GroupMemberRow.user_group_id == group_pk, GroupMemberRow.user_id == user_pk
            )
        )

    async def groups_for_users(
        self, domain_pk: int, users: Iterable[tuple[int, str]]
    ) -> dict[UserKey, list[str]]:
        """Group ids (sorted) per user key; every known user is present, possibly with [].

        Unknown users are left out, so a caller can tell them apart.
        """
        keys = list(dict.fromkeys(UserKey(UserType(t), u) for t, u in users))
        result: dict[UserKey, list[str]] = {}
        by_type: dict[UserType, list[str]] = {}
        for key in keys:
            by_type.setdefault(key.user_type, []).append(key.username)
        for user_type, names in by_type.items():
            for part in chunks(names):
                rows = await self._session.execute(
                    select(UserRow.username, UserGroupRow.group_id)
                    .outerjoin(GroupMemberRow, GroupMemberRow.user_id == UserRow.id)
                    .outerjoin(UserGroupRow, UserGroupRow.id == GroupMemberRow.user_group_id)
                    .where(
                        UserRow.domain_id == domain_pk,
                        UserRow.user_type == int(user_type),
                        UserRow.username.in_(part),
                    )
                    .order_by(UserRow.username, UserGroupRow.group_id)
                )
                for username, group_id in rows:
                    groups = result.setdefault(UserKey(user_type, username), [])
                    if group_id is not None:
                        groups.append(group_id)
        return {k: result[k] for k in keys if k in result}

    async def replace_user_groups(
        self, domain_pk: int, user_pk: int, group_ids: Iterable[str]
    ) -> None:
        """Make the user a member of exactly ``group_ids`` of its domain, creating missing
        groups (the JWT ``groups`` claim semantics). Empty ids are ignored."""
        user = await self._session.get(UserRow, user_pk)
        if user is None or user.domain_id != domain_pk:
            raise NotFound(f"user {user_pk} in domain {domain_pk}")
        wanted = list(dict.fromkeys(g for g in group_ids if g))
        await insert_ignore(
            self._session,
            UserGroupRow.__table__,
            [{"domain_id": user.domain_id, "group_id": g, "description": ""} for g in wanted],
            ["domain_id", "group_id"],
        )
        group_pks: list[int] = []
        for part in chunks(wanted):
            group_pks.extend(
                await self._session.scalars(
                    select(UserGroupRow.id).where(
                        UserGroupRow.domain_id == user.domain_id,
                        UserGroupRow.group_id.in_(part),
                    )
                )
            )
        stale = delete(GroupMemberRow).where(GroupMemberRow.user_id == user_pk)
        if group_pks:
            stale = stale.where(GroupMemberRow.user_group_id.not_in(group_pks))
        await self._session.execute(stale)
        await insert_ignore(
            self._session,
            GroupMemberRow.__table__,
            [{"user_group_id": g, "user_id": user_pk} for g in group_pks],
            ["user_group_id", "user_id"],
        )

    async def list(self, domain_pk: int) -> list[GroupRecord]:
        rows = await self._session.scalars(
            select(UserGroupRow)
            .where(UserGroupRow.domain_id == domain_pk)
            .order_by(UserGroupRow.group_id)
        )
        return await self._records(list(rows))
