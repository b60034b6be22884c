"""Fixtures for the export/import tests: pairs of fresh databases (source, target) on
SQLite and, when ``CONVERGENCE_TEST_POSTGRES_URL`` is set, PostgreSQL (a schema each)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from database_backends import PG_ENV, postgres_schema

PAIRS = [
    pytest.param(("sqlite", "sqlite"), id="sqlite-sqlite"),
    pytest.param(("postgres", "postgres"), id="postgres-postgres", marks=pytest.mark.postgres),
    pytest.param(("sqlite", "postgres"), id="sqlite-postgres", marks=pytest.mark.postgres),
    pytest.param(("postgres", "sqlite"), id="postgres-sqlite", marks=pytest.mark.postgres),
]


def _url(stack: ExitStack, backend: str, path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{path}"
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    return stack.enter_context(postgres_schema(base, prefix="cj_port"))


@pytest.fixture(params=PAIRS)
def db_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """URLs of two empty databases: where a domain is exported from, and imported into."""
    source, target = request.param
    with ExitStack() as stack:
        yield (
            _url(stack, source, tmp_path / "source.db"),
            _url(stack, target, tmp_path / "target.db"),
        )
