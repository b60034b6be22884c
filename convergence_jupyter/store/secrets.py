"""Named server secrets (e.g. the login bridge's signing key).

Values are stored as given, unencrypted: whoever can read the database can read them.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ._sql import insert_ignore_one
from .server_tables import ServerSecretRow


class SecretRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, name: str) -> str | None:
        return await self._session.scalar(
            select(ServerSecretRow.value).where(ServerSecretRow.name == name)
        )

    async def put(self, name: str, value: str) -> str:
        """Store ``value`` unless the secret exists; return the value that is stored.

        First writer wins, so processes that start together and each generate a key all
        end up using the same one: always use the returned value, not your own.
        """
        await insert_ignore_one(
            self._session, ServerSecretRow.__table__, {"name": name, "value": value}, ["name"]
        )
        stored = await self.get(name)
        assert stored is not None
        return stored

    async def replace(self, name: str, value: str) -> None:
        """Overwrite (rotate) a secret."""
        if not await insert_ignore_one(
            self._session, ServerSecretRow.__table__, {"name": name, "value": value}, ["name"]
        ):
            row = await self._session.get(ServerSecretRow, name, populate_existing=True)
            assert row is not None
            row.value = value
            await self._session.flush()

    async def delete(self, name: str) -> bool:
        result = await self._session.execute(
            delete(ServerSecretRow).where(ServerSecretRow.name == name)
        )
        return bool(getattr(result, "rowcount", 0))
