"""The databases tests run on: SQLite always, PostgreSQL when ``CONVERGENCE_TEST_POSTGRES_URL``
names one. Each PostgreSQL test gets a schema of its own, dropped afterwards, so parallel or
repeated runs never collide."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

PG_ENV = "CONVERGENCE_TEST_POSTGRES_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@contextmanager
def postgres_schema(base_url: str, prefix: str = "cj_test") -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema (``search_path``)."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = make_url(base_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, filename: str = "test.db"
) -> Iterator[str]:
    """Body of a fixture parametrised with :data:`BACKENDS`: an empty database's URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / filename}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    with postgres_schema(base) as url:
        yield url
