"""A domain archive carries a model whose stored snapshot lags behind its op log (issue 11):
the row's ``snapshot_version`` and the op tail travel together, so the imported model replays
to the same data at the same version."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from convergence_jupyter import ot
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.models.persistence import snapshot_from_json, snapshot_to_json
from convergence_jupyter.portability import export_domain, import_domain
from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRepository,
    NewOperation,
    commit_operations,
)

NS, NAME = "acme", "lag"
T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def _open(url: str) -> Database:
    db = Database.from_url(url)
    await db.upgrade()
    return db


async def _current(db: Database) -> tuple[int, int | None, object]:
    """(version, stored snapshot's version, data with the tail replayed)."""
    async with db.transaction(readonly=True) as tx:
        domain = await DomainRepository(tx).get(NS, NAME)
        assert domain is not None
        record = await ModelRepository(tx).get(domain.pk, "m")
        assert record is not None
        now = await snapshots.current(tx, record)
    return record.version, record.snapshot_version, ot.to_plain(snapshot_from_json(now.data))


def test_a_lagging_snapshot_and_its_op_tail_survive_export_and_import(
    db_pair: tuple[str, str], tmp_path: Path
) -> None:
    source_url, target_url = db_pair
    archive = tmp_path / "lag.jsonl"

    async def main() -> None:
        src = await _open(source_url)
        try:
            root = ot.ObjectValue("0:0", {"text": ot.StringValue("0:1", "hello")})
            async with src.transaction() as tx:
                domain = await DomainRepository(tx).ensure(NS, NAME)
                coll = await CollectionRepository(tx).ensure(domain.pk, "c")
                model = await ModelRepository(tx).create(
                    domain.pk, coll, "m", snapshot_to_json(root)
                )
            tree = ot.ModelTree(root)
            for version, text in enumerate(["a", "b"], start=1):
                applied = ot.apply(tree, ot.StringSplice(id="0:1", index=0, insert_value=text))
                op = NewOperation(version, T0, "s", version, None, wire.applied_to_json(applied))
                await commit_operations(src, model.pk, version - 1, [op], None)
            before = await _current(src)
            await export_domain(src, NS, NAME, archive)
        finally:
            await src.close()
        dst = await _open(target_url)
        try:
            await import_domain(dst, archive)
            after = await _current(dst)
        finally:
            await dst.close()
        assert before == (2, 0, {"text": "bahello"})
        assert after == before

    asyncio.run(main())
