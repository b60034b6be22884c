"""A domain archive carries the model link index and the collections' link policies (issue
12): after export and import, backlinks and the delete policy are as they were."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from convergence_jupyter import ot
from convergence_jupyter.models.link_index import index_new_model
from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.portability import export_domain, import_domain
from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.model_links import Backlink, LinkPolicy, ModelLinkRepository
from convergence_jupyter.store.models import CollectionRepository, ModelRepository

NS, NAME = "acme", "links"


async def _open(url: str) -> Database:
    db = Database.from_url(url)
    await db.upgrade()
    return db


async def _state(db: Database) -> tuple[list[Backlink], LinkPolicy]:
    async with db.transaction(readonly=True) as tx:
        domain = await DomainRepository(tx).get(NS, NAME)
        assert domain is not None
        people = await CollectionRepository(tx).get(domain.pk, "people")
        assert people is not None
        links = ModelLinkRepository(tx)
        found = await links.backlinks(domain.pk, "people", "p1")
        return [Backlink(0, b.source_id, b.source_collection, b.path) for b in found], (
            await links.policy(people.pk)
        )


def test_links_and_policies_survive_export_and_import(
    db_pair: tuple[str, str], tmp_path: Path
) -> None:
    source_url, target_url = db_pair
    archive = tmp_path / "links.jsonl"

    async def main() -> None:
        src = await _open(source_url)
        try:
            async with src.transaction() as tx:
                domain = await DomainRepository(tx).ensure(NS, NAME)
                collections = CollectionRepository(tx)
                people = await collections.ensure(domain.pk, "people")
                docs = await collections.ensure(domain.pk, "docs")
                models = ModelRepository(tx)
                await models.create(domain.pk, people, "p1", snapshot_to_json(_root({})))
                data = {"by": {"$ref": {"collection": "people", "id": "p1"}}}
                root = _root(data)
                doc = await models.create(domain.pk, docs, "d1", snapshot_to_json(root))
                await index_new_model(tx, domain.pk, doc.pk, root)
                await ModelLinkRepository(tx).set_policy(people.pk, LinkPolicy.REFUSE)
            before = await _state(src)
            await export_domain(src, NS, NAME, archive)
        finally:
            await src.close()
        dst = await _open(target_url)
        try:
            await import_domain(dst, archive)
            after = await _state(dst)
        finally:
            await dst.close()
        assert before == ([Backlink(0, "d1", "docs", "/by")], LinkPolicy.REFUSE)
        assert after == before

    asyncio.run(main())


def _root(data: dict[str, object]) -> ot.ObjectValue:
    counter = itertools.count()
    root = ot.from_plain(data, lambda: f"0:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return root
