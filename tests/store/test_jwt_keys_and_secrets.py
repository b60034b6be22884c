from __future__ import annotations

import asyncio
from typing import Any

import pytest

from convergence_jupyter.store import (
    Database,
    JwtKeyRecord,
    JwtKeyRepository,
    SecretRepository,
)

from .helpers import make_domain

PEM = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"


def test_jwt_key_lifecycle(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            other = await make_domain(session, "d2")
            keys = JwtKeyRepository(session)
            k = await keys.put(d.pk, "kid-1", PEM, description="CI")
            assert isinstance(k, JwtKeyRecord)
            assert (k.key_id, k.public_key_pem, k.description, k.enabled) == (
                "kid-1",
                PEM,
                "CI",
                True,
            )
            await keys.put(d.pk, "kid-0", PEM, enabled=False)
            with pytest.raises(ValueError):
                await keys.put(d.pk, "", PEM)
        async with db.transaction() as session:
            keys = JwtKeyRepository(session)
            assert await keys.get_enabled(d.pk, "kid-1") == k
            assert await keys.get_enabled(d.pk, "kid-0") is None  # disabled
            assert await keys.get(d.pk, "kid-0") is not None
            assert await keys.get_enabled(other.pk, "kid-1") is None  # per domain
            assert [x.key_id for x in await keys.list(d.pk)] == ["kid-0", "kid-1"]
            replaced = await keys.put(d.pk, "kid-1", "NEW", description="rotated")
            assert replaced.pk == k.pk
            assert (replaced.public_key_pem, replaced.description) == ("NEW", "rotated")
            assert replaced.updated_at >= k.updated_at
            assert await keys.set_enabled(d.pk, "kid-1", False) is True
            assert await keys.get_enabled(d.pk, "kid-1") is None
            assert await keys.set_enabled(d.pk, "nope", True) is False
            assert await keys.delete(d.pk, "kid-1") is True
            assert await keys.delete(d.pk, "kid-1") is False
            assert [x.key_id for x in await keys.list(d.pk)] == ["kid-0"]

    with_db(body)


def test_secret_put_is_first_writer_wins(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            secrets = SecretRepository(session)
            assert await secrets.get("bridge-key") is None
            assert await secrets.put("bridge-key", "first") == "first"
            assert await secrets.put("bridge-key", "second") == "first"
            assert await secrets.get("bridge-key") == "first"
            await secrets.replace("bridge-key", "rotated")
            assert await secrets.get("bridge-key") == "rotated"
            await secrets.replace("fresh", "v")
            assert await secrets.get("fresh") == "v"
            assert await secrets.delete("fresh") is True
            assert await secrets.delete("fresh") is False

    with_db(body)


def test_concurrent_secret_put_agrees(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async def put(value: str) -> str:
            async with db.transaction() as session:
                stored = await SecretRepository(session).put("shared", value)
                await asyncio.sleep(0.01)
                return stored

        results = await asyncio.gather(*(put(f"v{i}") for i in range(5)))
        assert len(set(results)) == 1
        async with db.transaction(readonly=True) as session:
            assert await SecretRepository(session).get("shared") == results[0]

    with_db(body)
