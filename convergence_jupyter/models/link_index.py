"""Keeping the link index in step with a model's committed data.

Decision: after every committed batch the links are recomputed from the whole tree rather than
from the changed subtrees, because array inserts and moves shift the paths of links outside
the changed subtree. It stays cheap: a model with no indexed links whose last snapshot text had
no ``"$ref"`` and none of whose ops since had one (C-speed substring tests on texts written
anyway: a link needs a ``$ref`` key, which only an op naming it can bring) skips the walk, and
the index is written only when the set of links changed. The write is its own transaction
right after the batch's (the SQLite commit path is one tuned call); a crash between the two
leaves the index one batch behind until the model is next loaded (the load checks the index
against the snapshot before anyone can edit) or commits again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter import ot
from convergence_jupyter.models.links import REF_MARKER, Link, find_links
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.model_links import ModelLinkRepository, StoredLink


def _stored(links: Iterable[Link]) -> list[StoredLink]:
    return [StoredLink(k.path, k.collection, k.model_id) for k in sorted(links)]


def links_from_stored(rows: Iterable[StoredLink]) -> frozenset[Link]:
    return frozenset(Link(r.path, r.collection, r.model_id) for r in rows)


async def index_new_model(
    tx: AsyncSession, domain_pk: int, model_pk: int, root: ot.ObjectValue
) -> None:
    """Index the links of a model being created, in the creating transaction."""
    links = find_links(root)
    if links:
        await ModelLinkRepository(tx).replace(domain_pk, model_pk, _stored(links))


class LinkIndexer:
    """One live model's view of its indexed links; used only inside its serializer."""

    def __init__(
        self, database: Database, domain_pk: int, model_pk: int, known: frozenset[Link]
    ) -> None:
        self._db = database
        self._domain_pk = domain_pk
        self._pk = model_pk
        self.known = known
        #: Whether the tree may hold a ``$ref`` key (a link needs one); conservative.
        self._marked = True

    def observed(self, snapshot: str) -> None:
        """The tree's whole JSON text (a snapshot being stored): resets the marker."""
        self._marked = REF_MARKER in snapshot

    async def committed(self, root: ot.ObjectValue, texts: Iterable[str]) -> None:
        """(After a batch was stored.) Rewrite the index if the model's links changed.
        ``texts``: the batch's stored ops, or the tree's whole JSON text."""
        if not self._marked:
            self._marked = any(REF_MARKER in t for t in texts)
        if not self.known and not self._marked:
            return
        links = find_links(root)
        if links == self.known:
            return
        async with self._db.transaction() as tx:
            await ModelLinkRepository(tx).replace(self._domain_pk, self._pk, _stored(links))
        self.known = links
