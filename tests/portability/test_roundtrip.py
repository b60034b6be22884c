"""Export a domain, import it into a fresh database, and find the same data there: on
SQLite, PostgreSQL and across the two."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from convergence_jupyter.auth.passwords import verify_password
from convergence_jupyter.portability import (
    ArchiveFormatError,
    export_domain,
    import_domain,
)
from convergence_jupyter.store import (
    AlreadyExists,
    Database,
    DomainRepository,
    SessionRepository,
    UserRepository,
    UserType,
)
from convergence_jupyter.store.domain_archive import ArchiveError

from .domain_data import NAME, NS, build_domain, view


async def _open(url: str) -> Database:
    db = Database.from_url(url)
    await db.upgrade()
    return db


def _records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt") if path.suffix == ".gz" else path.open() as f:
        lines = [json.loads(line) for line in f]
    header = lines[0]
    header.pop("exported_at")
    return lines


def test_roundtrip_gives_identical_data(db_pair: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = db_pair
    archive = tmp_path / "acme.jsonl.gz"
    again = tmp_path / "again.jsonl"

    async def main() -> None:
        src = await _open(source_url)
        try:
            await build_domain(src)
            before = await view(src)
            exported = await export_domain(src, NS, NAME, archive)
            async with src.transaction(readonly=True) as tx:
                source_max_session = max(s.id for s in await SessionRepository(tx).list_open())
        finally:
            await src.close()
        dst = await _open(target_url)
        try:
            imported = await import_domain(dst, archive)
            after = await view(dst)
            await export_domain(dst, NS, NAME, again)
            async with dst.transaction() as tx:
                domain = await DomainRepository(tx).get(NS, NAME)
                assert domain is not None
                alice_hash = await UserRepository(tx).get_password_hash(domain.pk, "alice")
                alice = await UserRepository(tx).get(domain.pk, UserType.NORMAL, "alice")
                assert alice is not None
                fresh = await SessionRepository(tx).open(domain.pk, alice.pk)
        finally:
            await dst.close()

        assert exported.counts == imported.counts
        assert exported.counts["operation"] == 3 * 40
        assert exported.counts["chat_event"] == 3 + 12 + 3
        assert exported.counts["webhook"] == 2
        assert after == before
        # a login still works: the hash came along untouched
        assert verify_password("alice-pw", alice_hash)
        # operations name their sessions; the target never reuses one of those ids
        assert fresh.id > source_max_session
        # the target's own export is the same archive, record for record
        first, second = _records(archive), _records(again)
        assert first[0] == second[0]
        assert len(first) == len(second)
        for a, b in zip(first, second, strict=True):
            assert a == b

    asyncio.run(main())


def test_import_refuses_a_domain_with_data_and_leaves_it_alone(tmp_path: Path) -> None:
    archive = tmp_path / "a.jsonl"

    async def main() -> None:
        db = await _open(f"sqlite:///{tmp_path / 'one.db'}")
        try:
            await build_domain(db, models=1, ops_per_model=2)
            await export_domain(db, NS, NAME, archive)
            before = await view(db)
            with pytest.raises(AlreadyExists, match="already holds data"):
                await import_domain(db, archive)
            assert await view(db) == before
            # under another name it loads next to the original
            summary = await import_domain(db, archive, namespace="acme", name="copy")
            assert (summary.namespace, summary.name) == ("acme", "copy")
            copy = await view(db, "acme", "copy")
            for part in ("models", "chats", "groups", "jwt_keys", "activities", "webhooks"):
                assert copy[part] == before[part], part
            # web hook ids are unique server-wide: the copy's hooks got new ones
            assert len(copy["webhook_ids"]) == 2
            assert not set(copy["webhook_ids"]) & set(before["webhook_ids"])
        finally:
            await db.close()

    asyncio.run(main())


def test_an_empty_existing_domain_is_filled(tmp_path: Path) -> None:
    """A server started once on the target made its default domain: import still works."""
    archive = tmp_path / "a.jsonl"

    async def main() -> None:
        src = await _open(f"sqlite:///{tmp_path / 'src.db'}")
        try:
            await build_domain(src, models=1, ops_per_model=1)
            await export_domain(src, NS, NAME, archive)
            before = await view(src)
        finally:
            await src.close()
        dst = await _open(f"sqlite:///{tmp_path / 'dst.db'}")
        try:
            async with dst.transaction() as tx:
                await DomainRepository(tx).ensure(NS, NAME)
            await import_domain(dst, archive)
            assert await view(dst) == before
        finally:
            await dst.close()

    asyncio.run(main())


def _rewrite(path: Path, edit: Any) -> Path:
    lines = path.read_text().splitlines()
    out = path.with_name("edited.jsonl")
    out.write_text("\n".join(edit(lines)) + "\n")
    return out


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        pytest.param(lambda ls: ls[:-1], ArchiveFormatError, "cut short", id="no-trailer"),
        pytest.param(lambda ls: ls[: len(ls) // 2], ArchiveFormatError, "cut short", id="half"),
        pytest.param(lambda ls: [], ArchiveFormatError, "empty file", id="empty"),
        pytest.param(
            lambda ls: ['{"@type": "user"}', *ls[1:]], ArchiveFormatError, "header", id="no-header"
        ),
        pytest.param(
            lambda ls: [ls[0], "{not json", *ls[1:]],
            ArchiveFormatError,
            "line 2: not JSON",
            id="garbage",
        ),
        pytest.param(
            lambda ls: [
                line.replace('"username":"bob"', '"username":"bob","colour":"red"') for line in ls
            ],
            ArchiveError,
            "unknown field.*colour",
            id="unknown-field",
        ),
        pytest.param(
            lambda ls: [line.replace('"disabled":true', '"disabled":"yes"') for line in ls],
            ArchiveError,
            "disabled must be bool",
            id="wrong-type",
        ),
        pytest.param(
            lambda ls: [
                line.replace('"user":[0,"bob"]', '"user":[0,"nobody"]')
                if '"@type":"group_member"' in line
                else line
                for line in ls
            ],
            ArchiveError,
            r"user \[0, 'nobody'\] is not in the archive",
            id="dangling-reference",
        ),
        pytest.param(
            lambda ls: [ls[0], *[x for x in ls[1:-1] if '"@type":"chat_event"' not in x], ls[-1]],
            ArchiveFormatError,
            "trailer announces",
            id="records-missing",
        ),
        pytest.param(
            lambda ls: [ls[0], *reversed(ls[1:-1]), ls[-1]],
            ArchiveError,
            "out of order",
            id="out-of-order",
        ),
    ],
)
def test_a_damaged_archive_loads_nothing(
    tmp_path: Path, edit: Any, error: type[Exception], message: str
) -> None:
    archive = tmp_path / "a.jsonl"

    async def main() -> None:
        src = await _open(f"sqlite:///{tmp_path / 'src.db'}")
        try:
            await build_domain(src, models=1, ops_per_model=3)
            await export_domain(src, NS, NAME, archive)
        finally:
            await src.close()
        damaged = _rewrite(archive, edit)
        dst = await _open(f"sqlite:///{tmp_path / 'dst.db'}")
        try:
            with pytest.raises(error, match=message):
                await import_domain(dst, damaged)
            async with dst.transaction(readonly=True) as tx:
                assert await DomainRepository(tx).get(NS, NAME) is None
        finally:
            await dst.close()

    asyncio.run(main())
