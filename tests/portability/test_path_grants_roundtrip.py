"""A domain archive carries path-level model grants (issue 12): user, group and world grants
come back on the same paths with the same flags after export and import."""

from __future__ import annotations

import asyncio
from pathlib import Path

from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.ot import ObjectValue
from convergence_jupyter.portability import export_domain, import_domain
from convergence_jupyter.store import Database, DomainRepository, UserRepository
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.models import CollectionRepository, ModelRepository
from convergence_jupyter.store.path_grants import PathGrantRepository

NS, NAME = "acme", "paths"


async def _open(url: str) -> Database:
    db = Database.from_url(url)
    await db.upgrade()
    return db


async def _grants(db: Database) -> list[tuple[object, ...]]:
    async with db.transaction(readonly=True) as tx:
        domain = await DomainRepository(tx).get(NS, NAME)
        assert domain is not None
        model = await ModelRepository(tx).get(domain.pk, "exam")
        assert model is not None
        return sorted(
            (g.path, g.subject, g.user, g.group_id, g.read, g.write)
            for g in await PathGrantRepository(tx).of_model(model.pk)
        )


def test_path_grants_survive_export_and_import(db_pair: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = db_pair
    archive = tmp_path / "paths.jsonl"

    async def main() -> None:
        src = await _open(source_url)
        try:
            async with src.transaction() as tx:
                domain = await DomainRepository(tx).ensure(NS, NAME)
                exams = await CollectionRepository(tx).ensure(domain.pk, "exams")
                model = await ModelRepository(tx).create(
                    domain.pk, exams, "exam", snapshot_to_json(ObjectValue("0:0", {}))
                )
                alice = await UserRepository(tx).create(domain.pk, UserType.NORMAL, "alice")
                group = await GroupRepository(tx).create(domain.pk, "students", "", [alice.pk])
                grants = PathGrantRepository(tx)
                await grants.put(model.pk, "/answers", "world", read=False, write=False)
                await grants.put(
                    model.pk, "/answers/alice", "user", user_pk=alice.pk, read=True, write=True
                )
                await grants.put(
                    model.pk, "/questions", "group", group_pk=group.pk, read=True, write=False
                )
            before = await _grants(src)
            await export_domain(src, NS, NAME, archive)
        finally:
            await src.close()
        dst = await _open(target_url)
        try:
            await import_domain(dst, archive)
            after = await _grants(dst)
        finally:
            await dst.close()
        assert len(before) == 3
        assert after == before

    asyncio.run(main())
