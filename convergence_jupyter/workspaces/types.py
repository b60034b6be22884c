"""Workspace type definitions: what an instance is made of, validated before it is stored.

A type names each part by a *role*. Model parts have a collection, initial data and
optionally a JSON schema (installed on the collection when it has none); a ``multiple`` model
role is filled with as many models as the instance names (a project's notebooks). Activity
parts have an activity type; chat parts are rooms with a name and a topic. ``permissions`` is
the one set every member holds on every part of an instance (an instance may override it).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from convergence_jupyter.models.schema import CollectionSchema, InvalidCollectionSchema
from convergence_jupyter.permissions.model import ACTIVITY_PERMISSIONS, CHAT_PERMISSIONS

#: Roles, type ids and instance ids are short, so that derived part ids fit 255 characters.
Role = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
TypeId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
PartId = Annotated[str, Field(min_length=1, max_length=255)]
MAX_PARTS = 100


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelFlags(_Strict):
    read: bool = True
    write: bool = True
    remove: bool = False
    manage: bool = False


class MemberPermissions(_Strict):
    """What a member holds on each kind of part."""

    model: ModelFlags = ModelFlags()
    chat: list[str] = Field(default=["join_chat_channel", "leave_chat_channel"], max_length=20)
    activity: list[str] = Field(default=["join", "view_state", "set_state"], max_length=20)

    @model_validator(mode="after")
    def _known(self) -> MemberPermissions:
        for name, valid in (("chat", CHAT_PERMISSIONS), ("activity", ACTIVITY_PERMISSIONS)):
            for permission in getattr(self, name):
                if permission not in valid:
                    raise ValueError(f"unknown {name} permission '{permission}'")
        return self

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> MemberPermissions:
        return cls.model_validate_json(text)


class ModelPart(_Strict):
    role: Role
    collection: PartId
    data: dict[str, Any] = Field(default_factory=dict, description="Initial data.")
    json_schema: dict[str, Any] | None = Field(
        default=None, description="Draft 2020-12 schema for the collection."
    )
    multiple: bool = Field(False, description="One model per name the instance gives.")

    @model_validator(mode="after")
    def _data_conforms(self) -> ModelPart:
        if self.json_schema is not None:
            try:
                schema = CollectionSchema(self.json_schema)
            except InvalidCollectionSchema as exc:
                raise ValueError(f"model role '{self.role}': {exc}") from None
            violation = schema.validate_document(self.data)
            if violation is not None:
                raise ValueError(f"model role '{self.role}': initial data: {violation}")
        return self


class ActivityPart(_Strict):
    role: Role
    type: PartId = Field(description="The activity type (the instance's parts get their ids).")


class ChatPart(_Strict):
    role: Role
    name: str = Field(default="", max_length=1000)
    topic: str = Field(default="", max_length=1000)


class WorkspaceType(_Strict):
    id: TypeId
    description: str = Field("", max_length=4000)
    models: list[ModelPart] = Field(default=[], max_length=MAX_PARTS)
    activities: list[ActivityPart] = Field(default=[], max_length=MAX_PARTS)
    chats: list[ChatPart] = Field(default=[], max_length=MAX_PARTS)
    permissions: MemberPermissions = MemberPermissions()

    @model_validator(mode="after")
    def _roles_unique(self) -> WorkspaceType:
        roles = [
            *(p.role for p in self.models),
            *(p.role for p in self.activities),
            *(p.role for p in self.chats),
        ]
        seen: set[str] = set()
        for role in roles:
            if role in seen:
                raise ValueError(f"the role '{role}' is declared twice")
            seen.add(role)
        return self

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> WorkspaceType:
        return cls.model_validate(json.loads(text))


class InvalidWorkspaceType(ValueError):
    """A definition that does not validate; the message says where."""


def parse_type(document: Any) -> WorkspaceType:
    try:
        return WorkspaceType.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first["loc"])
        raise InvalidWorkspaceType(f"{where}: {first['msg']}" if where else first["msg"]) from None


#: The built-in "notebook project": a folder's notebooks (models of the ``project-notebooks``
#: collection, one per name the instance gives; not the ``notebooks`` collection of the
#: file-backed notebooks, which the notebook manager owns), one activity and one chat room.
NOTEBOOK_PROJECT = WorkspaceType(
    id="notebook-project",
    description="A notebook project (folder): its notebooks, one activity, one chat room.",
    models=[
        ModelPart(
            role="notebook",
            collection="project-notebooks",
            data={"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
            multiple=True,
        )
    ],
    activities=[ActivityPart(role="project", type="notebook-project")],
    chats=[ChatPart(role="chat", name="Project chat", topic="")],
)

BUILT_IN: dict[str, WorkspaceType] = {NOTEBOOK_PROJECT.id: NOTEBOOK_PROJECT}
