"""Creating, deleting and changing the membership of workspace instances.

**Atomic.** An instance is created in one database transaction: the workspace row, every
model (data, link index, no world access), every chat room, every activity, the part rows
and the members. A failure or a crash at any point before the commit leaves nothing of it;
``CONVERGENCE_TEST_WORKSPACE_FAULT=<point>`` makes the process exit (``os._exit``) at that
point of the transaction, so tests can show it with a real crash. Deleting is one transaction
too (links into its models follow their collections' link policies); open clients are then
told the way a delete of each part tells them (models closed with the "deleted" code,
``chatRemoved``, ``activityDeleted``).

**Access.** Parts grant nothing to the world; members (users, or groups and so every user in
them) hold the workspace's permission set on every part through the resolvers (see
``store/workspaces.py``). A membership change is one row, so access to every part changes at
once; sessions using the parts are then re-checked as after any grant change.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from convergence_jupyter import ot
from convergence_jupyter.activities.service import ActivityService
from convergence_jupyter.chat.service import ChatService
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.models.limits import check_new_model
from convergence_jupyter.models.link_index import index_new_model
from convergence_jupyter.models.link_integrity import DeletePlan, LinkRefused, plan_delete
from convergence_jupyter.models.persistence import snapshot_to_json
from convergence_jupyter.models.schema import CollectionSchema
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.store.activities import ActivityRecord, ActivityRepository
from convergence_jupyter.store.chats import ChatRecord, ChatRepository
from convergence_jupyter.store.collection_schemas import CollectionSchemaRepository
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.models import (
    CollectionRecord,
    CollectionRepository,
    ModelRepository,
    PermissionFlags,
)
from convergence_jupyter.store.permissions import GrantTarget
from convergence_jupyter.store.workspaces import WorkspaceRecord, WorkspaceRepository
from convergence_jupyter.workspaces.plan import PlanError, plan_instance
from convergence_jupyter.workspaces.types import BUILT_IN, MemberPermissions, WorkspaceType

log = logging.getLogger(__name__)

FAULT_ENV = "CONVERGENCE_TEST_WORKSPACE_FAULT"
#: Where a test may crash the creating transaction (after that step's rows are flushed).
FAULT_POINTS = ("models", "chats", "activities", "members")
#: Value ids of trees built here; "0" is never a client's prefix.
_SERVER_PREFIX = "0"


class WorkspaceError(Exception):
    """A refused request; ``kind`` is ``not_found``, ``conflict`` or ``invalid``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _fault(point: str) -> None:
    if os.environ.get(FAULT_ENV) == point:
        os._exit(86)


@dataclass(frozen=True, slots=True)
class Members:
    user_pks: Sequence[int] = ()
    group_pks: Sequence[int] = ()


def _tree(data: Mapping[str, object]) -> ot.ObjectValue:
    counter = itertools.count()
    root = ot.from_plain(dict(data), lambda: f"{_SERVER_PREFIX}:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    ot.ModelTree(root)
    return root


class WorkspaceService:
    """One domain's workspaces, over its running model, chat and activity services."""

    def __init__(
        self,
        database: Database,
        domain_pk: int,
        *,
        models: ModelService,
        chats: ChatService,
        activities: ActivityService,
    ) -> None:
        self._db = database
        self._domain_pk = domain_pk
        self._models = models
        self._chats = chats
        self._activities = activities

    # -- types ----------------------------------------------------------------------------------

    async def types(self) -> list[WorkspaceType]:
        async with self._db.transaction(readonly=True) as tx:
            stored = await WorkspaceRepository(tx).types(self._domain_pk)
        return [*BUILT_IN.values(), *(WorkspaceType.from_json(d) for _, d in stored)]

    async def get_type(self, type_id: str) -> WorkspaceType | None:
        if type_id in BUILT_IN:
            return BUILT_IN[type_id]
        async with self._db.transaction(readonly=True) as tx:
            text = await WorkspaceRepository(tx).get_type(self._domain_pk, type_id)
        return None if text is None else WorkspaceType.from_json(text)

    async def put_type(self, kind: WorkspaceType) -> bool:
        """Store a type (True: new). Existing instances keep the parts they were made with."""
        if kind.id in BUILT_IN:
            raise WorkspaceError("conflict", f"'{kind.id}' is a built-in workspace type")
        async with self._db.transaction() as tx:
            return await WorkspaceRepository(tx).put_type(self._domain_pk, kind.id, kind.to_json())

    async def delete_type(self, type_id: str) -> None:
        if type_id in BUILT_IN:
            raise WorkspaceError("conflict", f"'{type_id}' is a built-in workspace type")
        async with self._db.transaction() as tx:
            repo = WorkspaceRepository(tx)
            used = await repo.count_of_type(self._domain_pk, type_id)
            if used:
                raise WorkspaceError(
                    "conflict", f"{used} workspace(s) of type '{type_id}' exist; delete them first"
                )
            if not await repo.delete_type(self._domain_pk, type_id):
                raise WorkspaceError("not_found", f"there is no workspace type '{type_id}'")

    # -- instances ------------------------------------------------------------------------------

    async def get(self, workspace_id: str) -> WorkspaceRecord | None:
        async with self._db.transaction(readonly=True) as tx:
            return await WorkspaceRepository(tx).get(self._domain_pk, workspace_id)

    async def page(self, offset: int, limit: int) -> tuple[list[WorkspaceRecord], int]:
        async with self._db.transaction(readonly=True) as tx:
            return await WorkspaceRepository(tx).page(self._domain_pk, offset=offset, limit=limit)

    async def create(
        self,
        workspace_id: str,
        type_id: str,
        *,
        actor_pk: int,
        items: Mapping[str, Sequence[str]] | None = None,
        members: Members = Members(),
        permissions: MemberPermissions | None = None,
    ) -> WorkspaceRecord:
        """Create every part in one transaction; ``actor_pk`` authors the rooms' ``created``
        events. Raises :class:`WorkspaceError`; nothing is written then."""
        kind = await self.get_type(type_id)
        if kind is None:
            raise WorkspaceError("not_found", f"there is no workspace type '{type_id}'")
        try:
            plan = plan_instance(kind, workspace_id, items or {})
        except PlanError as exc:
            raise WorkspaceError("invalid", str(exc)) from None
        granted = permissions or kind.permissions
        prepared = []
        for part in plan.models:
            try:
                root = _tree(part.data)
                snapshot = snapshot_to_json(root)
                check_new_model(self._models.limits, root, snapshot)
            except (ValueError, ot.InvalidOperationError, ServiceError) as exc:
                raise WorkspaceError("invalid", f"model role '{part.role}': {exc}") from None
            schema = None if part.schema is None else CollectionSchema(part.schema)
            prepared.append((part, root, snapshot, schema))
        installed: list[tuple[CollectionRecord, CollectionSchema]] = []
        pk = self._domain_pk
        async with self._db.transaction() as tx:
            repo = WorkspaceRepository(tx)
            try:
                ws_pk = await repo.create(pk, workspace_id, kind.id, granted.to_json())
            except AlreadyExists:
                raise WorkspaceError(
                    "conflict", f"the workspace '{workspace_id}' already exists"
                ) from None
            collections = CollectionRepository(tx)
            models = ModelRepository(tx)
            schemas = CollectionSchemaRepository(tx)
            for part, root, snapshot, schema in prepared:
                # A collection made here gives nobody anything: members get access per model.
                collection = await collections.ensure(pk, part.collection, world=PermissionFlags())
                existing = await schemas.get(collection.pk)
                if schema is not None and existing is None:
                    await schemas.set(collection.pk, schema.to_json())
                    installed.append((collection, schema))
                elif schema is not None and existing != schema.to_json():
                    raise WorkspaceError(
                        "conflict",
                        f"the collection '{part.collection}' already has another schema",
                    )
                checked = schema or (
                    None if existing is None else CollectionSchema.from_json(existing)
                )
                violation = (
                    None if checked is None else checked.validate_document(ot.to_plain(root))
                )
                if violation is not None:
                    raise WorkspaceError(
                        "invalid",
                        f"model '{part.model_id}' breaks its collection's schema: {violation}",
                    )
                try:
                    record = await models.create(
                        pk,
                        collection,
                        part.model_id,
                        snapshot,
                        override_world=True,
                        world=PermissionFlags(),
                    )
                except AlreadyExists:
                    raise WorkspaceError(
                        "conflict", f"the model '{part.model_id}' already exists"
                    ) from None
                await index_new_model(tx, pk, record.pk, root)
                await repo.add_part(ws_pk, part.role, model_pk=record.pk)
            _fault("models")
            for chat in plan.chats:
                try:
                    room = await ChatRepository(tx).create(
                        pk,
                        chat.chat_id,
                        chat_type="room",
                        membership="public",
                        name=chat.name,
                        topic=chat.topic,
                        creator_pk=actor_pk,
                    )
                except AlreadyExists:
                    raise WorkspaceError(
                        "conflict", f"the chat '{chat.chat_id}' already exists"
                    ) from None
                await repo.add_part(ws_pk, chat.role, chat_pk=room.pk)
            _fault("chats")
            for activity in plan.activities:
                try:
                    made = await ActivityRepository(tx).create(
                        pk, activity.activity_type, activity.activity_id
                    )
                except AlreadyExists:
                    raise WorkspaceError(
                        "conflict",
                        f"the activity '{activity.activity_type}/{activity.activity_id}' "
                        "already exists",
                    ) from None
                await repo.add_part(ws_pk, activity.role, activity_pk=made.pk)
            _fault("activities")
            for user_pk in dict.fromkeys(members.user_pks):
                await repo.add_member(ws_pk, user_pk=user_pk)
            for group_pk in dict.fromkeys(members.group_pks):
                await repo.add_member(ws_pk, group_pk=group_pk)
            _fault("members")
            created = await repo.get(pk, workspace_id)
            assert created is not None
        for collection, schema in installed:
            # Models of that collection loaded before it had a schema get it now.
            await self._models.set_collection_schema(collection, schema)
        return created

    async def delete(self, workspace_id: str, session_id: str) -> bool:
        """Delete the workspace and all its parts in one transaction; False if none.

        Links from other models to its models follow their collections' policies, as for a
        delete of those models together: ``refuse`` makes the delete a conflict (nothing is
        deleted), ``cascade`` deletes the linking models too, ``nullify`` nulls the links
        afterwards by server ops of ``session_id``."""
        async with self._db.transaction() as tx:
            repo = WorkspaceRepository(tx)
            record = await repo.get(self._domain_pk, workspace_id)
            if record is None:
                return False
            models = ModelRepository(tx)
            owned = [
                found
                for part in record.of_kind("model")
                if (found := await models.get(self._domain_pk, part.public_id)) is not None
            ]
            plan = DeletePlan()
            if owned:
                try:
                    plan = await plan_delete(tx, self._domain_pk, owned[0], also=owned[1:])
                except LinkRefused as exc:
                    raise WorkspaceError("conflict", str(exc)) from None
            for model in plan.delete.values():
                await models.delete(model.pk)
            chats: list[ChatRecord] = []
            for part in record.of_kind("chat"):
                found_chat = await ChatRepository(tx).get_by_pk(part.pk)
                if found_chat is not None:
                    chats.append(found_chat)
            activities: list[ActivityRecord] = []
            for part in record.of_kind("activity"):
                got = await ActivityRepository(tx).get(self._domain_pk, part.scope, part.public_id)
                if got is not None:
                    activities.append(got)
            await repo.delete(record)
        # The rows are gone; these tell the open clients (their own deletes find nothing).
        await self._models.models_deleted(plan.delete)
        for chat in chats:
            await self._chats.remove_chat(chat)
        for activity in activities:
            await self._activities.delete_activity(activity)
        for source_id, targets in sorted(plan.nullify.items()):
            await self._models.nullify_links(source_id, session_id, targets)
        return True

    # -- members --------------------------------------------------------------------------------

    async def set_member(
        self,
        workspace_id: str,
        *,
        present: bool,
        user_pk: int | None = None,
        group_pk: int | None = None,
    ) -> tuple[WorkspaceRecord, bool]:
        """Add (``present``) or remove a user or group member; True if that changed anything.
        Sessions using any part are re-checked (a removed member's are closed out)."""
        async with self._db.transaction() as tx:
            repo = WorkspaceRepository(tx)
            record = await repo.get(self._domain_pk, workspace_id)
            if record is None:
                raise WorkspaceError("not_found", f"there is no workspace '{workspace_id}'")
            if present:
                changed = await repo.add_member(record.pk, user_pk=user_pk, group_pk=group_pk)
            else:
                changed = await repo.remove_member(record.pk, user_pk=user_pk, group_pk=group_pk)
            after = await repo.get(self._domain_pk, workspace_id)
            assert after is not None
        if changed:
            await self.access_changed(after)
        return after, changed

    async def access_changed(self, record: WorkspaceRecord) -> None:
        """Re-check every session using a part of ``record`` against the stored grants."""
        await self._models.permissions_changed([p.public_id for p in record.of_kind("model")])
        for part in record.of_kind("chat"):
            await self._chats.permissions_changed(GrantTarget(chat_pk=part.pk))
        for part in record.of_kind("activity"):
            await self._activities.permissions_changed(GrantTarget(activity_pk=part.pk))
