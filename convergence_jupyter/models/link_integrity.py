"""What deleting a model does to the models that link to it (issue 12).

Each collection chooses, for deletions of its models (see ``store/model_links.py``):
``refuse`` (the delete fails while other models link to the model), ``cascade`` (the linking
models are deleted too, and their own collections' policies apply in turn) or ``nullify``
(the default: the links become null through a server op, so open clients see the change).

:func:`plan_delete` works out the whole consequence inside the deleting transaction before
anything is removed, so a refusal anywhere in a cascade deletes nothing. Links created after
the plan (a concurrent op) may dangle; resolving one then reports the target missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.store.model_links import Backlink, LinkPolicy, ModelLinkRepository
from convergence_jupyter.store.models import (
    CollectionRecord,
    CollectionRepository,
    ModelRecord,
    ModelRepository,
)


class LinkRefused(Exception):
    """The delete would break links into a collection whose policy is ``refuse``."""

    def __init__(self, model_id: str, backlinks: list[Backlink]) -> None:
        sources = ", ".join(f"{b.source_id} at {b.path or '/'}" for b in backlinks[:5])
        more = f" and {len(backlinks) - 5} more" if len(backlinks) > 5 else ""
        super().__init__(
            f"model '{model_id}' cannot be deleted: other models link to it ({sources}{more})"
        )
        self.model_id = model_id
        self.backlinks = backlinks


@dataclass(slots=True)
class DeletePlan:
    #: model id -> record, the asked-for model first.
    delete: dict[str, ModelRecord] = field(default_factory=dict)
    #: collection pk -> collection, of every deleted model.
    collections: dict[int, CollectionRecord] = field(default_factory=dict)
    #: surviving source model id -> the (collection, model id) targets to null in it.
    nullify: dict[str, set[tuple[str, str]]] = field(default_factory=dict)


async def plan_delete(
    tx: AsyncSession, domain_pk: int, record: ModelRecord, also: Iterable[ModelRecord] = ()
) -> DeletePlan:
    """The models to delete and the links to null; raises :class:`LinkRefused`. ``also``:
    models deleted together with ``record`` (a workspace's), whose links to each other break
    no policy."""
    links = ModelLinkRepository(tx)
    collections = CollectionRepository(tx)
    models = ModelRepository(tx)
    plan = DeletePlan(delete={record.model_id: record})
    for other in also:
        plan.delete[other.model_id] = other
    policies: dict[int, LinkPolicy] = {}
    refused: list[tuple[str, Backlink]] = []
    queue = list(plan.delete.values())
    while queue:
        model = queue.pop()
        collection = plan.collections.get(model.collection_pk)
        if collection is None:
            collection = await collections.get_by_pk(model.collection_pk)
            assert collection is not None
            plan.collections[model.collection_pk] = collection
            policies[model.collection_pk] = await links.policy(model.collection_pk)
        policy = policies[model.collection_pk]
        target = (collection.collection_id, model.model_id)
        for backlink in await links.backlinks(domain_pk, *target):
            if backlink.source_id in plan.delete:
                continue
            if policy is LinkPolicy.REFUSE:
                refused.append((model.model_id, backlink))
            elif policy is LinkPolicy.CASCADE:
                source = await models.get(domain_pk, backlink.source_id)
                if source is not None:
                    plan.delete[source.model_id] = source
                    queue.append(source)
            else:
                plan.nullify.setdefault(backlink.source_id, set()).add(target)
    blocking = [(m, b) for m, b in refused if b.source_id not in plan.delete]
    if blocking:
        model_id = blocking[0][0]
        raise LinkRefused(model_id, [b for m, b in blocking if m == model_id])
    for model_id in plan.delete:
        plan.nullify.pop(model_id, None)
    return plan
