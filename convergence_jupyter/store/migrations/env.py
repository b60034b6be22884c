"""Alembic environment for the convergence_jupyter store.

Used two ways:

* programmatically by :class:`convergence_jupyter.store.database.Database`, which passes an
  open connection in ``config.attributes["connection"]`` (already inside a transaction);
* by hand: ``alembic -c convergence_jupyter/store/alembic.ini upgrade head`` with the
  database URL in ``CONVERGENCE_DATABASE_URL`` (plain ``sqlite:///`` or ``postgresql://`` URLs
  are accepted and mapped to the sync drivers).
"""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from convergence_jupyter.store.base import UtcDateTime
from convergence_jupyter.store.database import create_sync_engine, normalize_url
from convergence_jupyter.store.tables import metadata

config = context.config


def _render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    # Generated revisions must not import our modules: write UtcDateTime as its storage type.
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs copy-and-move for most ALTERs
        compare_type=True,
        render_item=_render_item,
        **kwargs,  # type: ignore[arg-type]
    )


def _url() -> str:
    url = os.environ.get("CONVERGENCE_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set CONVERGENCE_DATABASE_URL to the database to migrate")
    return url


def run_offline() -> None:
    _configure(url=normalize_url(_url(), sync=True), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    given = config.attributes.get("connection")
    if given is not None:
        run_online(given)
    else:
        engine = create_sync_engine(_url())
        try:
            with engine.begin() as conn:
                run_online(conn)
        finally:
            engine.dispose()
