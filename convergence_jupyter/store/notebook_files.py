"""Notebook path <-> file id, kept up to date on renames and deletes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ._sql import insert_ignore_one
from .notebook_tables import NotebookFileRow


@dataclass(frozen=True, slots=True)
class NotebookFileRecord:
    file_id: str
    path: str


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class NotebookFileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_path(self, path: str) -> NotebookFileRecord | None:
        row = await self._session.scalar(
            select(NotebookFileRow).where(NotebookFileRow.path == path)
        )
        return None if row is None else NotebookFileRecord(row.file_id, row.path)

    async def by_file_id(self, file_id: str) -> NotebookFileRecord | None:
        row = await self._session.scalar(
            select(NotebookFileRow).where(NotebookFileRow.file_id == file_id)
        )
        return None if row is None else NotebookFileRecord(row.file_id, row.path)

    async def ensure(self, path: str) -> NotebookFileRecord:
        """The path's record, created (race-free) with a new random file id if absent."""
        await insert_ignore_one(
            self._session,
            NotebookFileRow.__table__,
            {"file_id": uuid.uuid4().hex, "path": path},
            ["path"],
        )
        found = await self.by_path(path)
        assert found is not None
        return found

    def _under(self, path: str) -> ColumnElement[bool]:
        return or_(
            NotebookFileRow.path == path,
            NotebookFileRow.path.like(_escape_like(path) + "/%", escape="\\"),
        )

    async def rename(self, old: str, new: str) -> list[NotebookFileRecord]:
        """Move ``old`` (a file, or a directory and everything under it) to ``new``; records
        already at the destination are dropped. Returns the moved records, new paths."""
        rows = list(await self._session.scalars(select(NotebookFileRow).where(self._under(old))))
        if not rows:
            return []
        moved = {row.id: new + row.path[len(old) :] for row in rows}
        await self._session.execute(
            delete(NotebookFileRow).where(
                NotebookFileRow.path.in_(list(moved.values())),
                NotebookFileRow.id.not_in(list(moved)),
            )
        )
        # Two steps so that swapping paths inside the moved set never hits the unique index.
        for pk in moved:
            await self._session.execute(
                update(NotebookFileRow).where(NotebookFileRow.id == pk).values(path=f"\0{pk}")
            )
        for pk, path in moved.items():
            await self._session.execute(
                update(NotebookFileRow).where(NotebookFileRow.id == pk).values(path=path)
            )
        return [NotebookFileRecord(row.file_id, moved[row.id]) for row in rows]

    async def delete(self, path: str) -> None:
        """Forget ``path`` and, if it was a directory, everything under it."""
        await self._session.execute(delete(NotebookFileRow).where(self._under(path)))
