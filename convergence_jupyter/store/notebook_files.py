"""Notebook ids from before the file-id service, and moving a notebook's rows to a new id.

Revision 0006 kept every id our own table had given (``notebook_legacy_ids``); the notebook
code claims a path's old id the first time that notebook is opened and re-keys its model,
activity and chat to the file-id service's id, so nothing stored is lost in the switch.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .activity_tables import ActivityRow
from .chat_tables import ChatRow
from .model_tables import ModelRow
from .notebook_tables import LegacyNotebookIdRow


@dataclass(frozen=True, slots=True)
class NotebookKeys:
    """The string ids one notebook's rows are found by."""

    model_id: str
    activity_type: str
    activity_id: str
    chat_id: str


class LegacyNotebookIdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, path: str, file_id: str) -> None:
        """Record an old id (tests and imports; the migration copies them in bulk)."""
        self._session.add(LegacyNotebookIdRow(path=path, file_id=file_id))
        await self._session.flush()

    async def claim(self, path: str) -> str | None:
        """The old id recorded for ``path``, removed so that it is claimed exactly once (a
        concurrent claimer gets None: the DELETE decides, not the SELECT)."""
        file_id = await self._session.scalar(
            select(LegacyNotebookIdRow.file_id).where(LegacyNotebookIdRow.path == path)
        )
        if file_id is None:
            return None
        result = await self._session.execute(
            delete(LegacyNotebookIdRow).where(
                LegacyNotebookIdRow.path == path, LegacyNotebookIdRow.file_id == file_id
            )
        )
        return file_id if getattr(result, "rowcount", 0) == 1 else None

    async def rekey(self, domain_pk: int, old: NotebookKeys, new: NotebookKeys) -> bool:
        """Move the model, activity and chat found by ``old`` to the ids of ``new``; False
        (nothing changed) when ``new`` already has a model, which then wins."""
        taken = await self._session.scalar(
            select(ModelRow.id).where(
                ModelRow.domain_id == domain_pk, ModelRow.model_id == new.model_id
            )
        )
        if taken is not None:
            return False
        await self._session.execute(
            update(ModelRow)
            .where(ModelRow.domain_id == domain_pk, ModelRow.model_id == old.model_id)
            .values(model_id=new.model_id)
        )
        await self._session.execute(
            update(ActivityRow)
            .where(
                ActivityRow.domain_id == domain_pk,
                ActivityRow.activity_type == old.activity_type,
                ActivityRow.activity_id == old.activity_id,
            )
            .values(activity_type=new.activity_type, activity_id=new.activity_id)
        )
        await self._session.execute(
            update(ChatRow)
            .where(ChatRow.domain_id == domain_pk, ChatRow.chat_id == old.chat_id)
            .values(chat_id=new.chat_id)
        )
        return True
