"""The JSON Schema of a collection (issue 12): one row per collection that has one.

Kept beside ``model_collections`` rather than in it, so a collection without a schema costs
nothing and the schema text is read only when a model of the collection is loaded.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class CollectionSchemaRow(Base):
    __tablename__ = "collection_schemas"

    collection_pk: Mapped[int] = mapped_column(
        ForeignKey("model_collections.id", ondelete="CASCADE"), primary_key=True
    )
    #: The schema as JSON text (draft 2020-12), exactly as set.
    schema: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
