"""Model links (issue 12): the link index and each collection's delete policy.

The index is derived data (the links are in the models' snapshots); it exists so that "who
links to this model" is one indexed query instead of a scan of every snapshot. Rows go with
their source model (CASCADE); a target is named by ids, not a foreign key, because a link may
dangle (created before its target, or the target deleted under the "nullify" policy's race).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ModelLinkRow(Base):
    __tablename__ = "model_links"
    __table_args__ = (Index("ix_model_links_target", "domain_id", "target_model_id"),)

    source_pk: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    #: JSON Pointer of the link inside the source model's data.
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    target_collection: Mapped[str] = mapped_column(String(255))
    target_model_id: Mapped[str] = mapped_column(String(255))


class CollectionLinkPolicyRow(Base):
    """What deleting a model of this collection does to the models linking to it; a
    collection without a row uses the default (``nullify``)."""

    __tablename__ = "collection_link_policies"

    collection_pk: Mapped[int] = mapped_column(
        ForeignKey("model_collections.id", ondelete="CASCADE"), primary_key=True
    )
    policy: Mapped[str] = mapped_column(String(16))
