"""Revocation reaches every server process at once: two ``jupyter convergence`` processes on
one PostgreSQL database; a key revoked through one is refused by the other on its very next
request (there is no cache to wait out). The time from the revocation's response to the
refusal is printed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from tests.database_backends import PG_ENV, postgres_schema

from .live_server import TOKEN_HEADERS, serve

API = "/convergence/api/v1"

pytestmark = pytest.mark.postgres


def test_a_key_revoked_on_one_process_is_refused_by_the_other(tmp_path: Path) -> None:
    base_url = os.environ.get(PG_ENV)
    if not base_url:
        pytest.skip(f"needs {PG_ENV} (two processes need a shared server database)")
    with (
        postgres_schema(base_url) as db_url,
        serve(db_url, tmp_path / "a") as first,
        serve(db_url, tmp_path / "b") as second,
        httpx.Client(timeout=30) as http,
    ):
        created = http.post(
            f"{first}{API}/api-keys", headers=TOKEN_HEADERS, json={"name": "shared"}
        )
        assert created.status_code == 201, created.text
        key, key_id = created.json()["key"], created.json()["key_id"]
        bearer = {"Authorization": f"Bearer {key}"}
        for server in (first, second):
            assert http.get(f"{server}{API}/server", headers=bearer).status_code == 200
        revoked = http.delete(f"{first}{API}/api-keys/{key_id}", headers=TOKEN_HEADERS)
        assert revoked.status_code == 204
        done = time.perf_counter()
        refused = http.get(f"{second}{API}/server", headers=bearer)
        elapsed = time.perf_counter() - done
        assert refused.status_code == 401, refused.text
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert http.get(f"{first}{API}/server", headers=bearer).status_code == 401
        print(f"revoked on one process, refused by the other {elapsed * 1000:.1f} ms later")
