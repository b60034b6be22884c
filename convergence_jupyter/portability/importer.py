"""Import an archive into an empty domain, in one transaction: all or nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import IO, Any

from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domain_archive import BATCH, ArchiveError, DomainLoader

from .archive import (
    TYPE_FIELD,
    ArchiveFormatError,
    ArchiveSummary,
    Trailer,
    open_for_read,
    parse_header,
    parse_trailer,
)
from .progress import NullProgress, Progress

#: Bytes read per hand-off to the reading thread.
_READ_CHUNK = 1 << 20


async def import_domain(
    db: Database,
    source: Path | IO[str],
    *,
    namespace: str | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> ArchiveSummary:
    """Load an archive into domain ``namespace/name`` (default: the archived one's name).

    The domain must not exist or must hold no data; the whole import is one transaction,
    so a bad record, a cut-off file or a conflict leaves the target as it was. Raises
    :class:`ArchiveFormatError` (not an archive, truncated, counts disagree),
    ``ArchiveError`` (a record that does not fit the schema) or ``AlreadyExists``.
    """
    progress = progress or NullProgress()
    owned = isinstance(source, Path)
    stream = await asyncio.to_thread(open_for_read, source) if isinstance(source, Path) else source
    try:
        first = await asyncio.to_thread(stream.readline)
        if not first.strip():
            raise ArchiveFormatError("empty file: not an archive")
        header = parse_header(first)
        target_ns = namespace or header.namespace
        target_name = name or header.name
        progress.start(f"import {target_ns}/{target_name}", header.counts)
        trailer: Trailer | None = None
        number = 1
        async with db.transaction() as session:
            loader = DomainLoader(session)
            await loader.start(target_ns, target_name, header.settings)
            section, pending = "", 0
            while trailer is None:
                chunk = await asyncio.to_thread(stream.readlines, _READ_CHUNK)
                if not chunk:
                    break
                for line in chunk:
                    number += 1
                    if not line.strip():
                        continue
                    if trailer is not None:
                        raise ArchiveFormatError(f"line {number}: data after the trailer")
                    record = _parse(line, number)
                    record_type = record.pop(TYPE_FIELD, None)
                    if record_type == "end":
                        trailer = parse_trailer(line, number)
                        continue
                    if not isinstance(record_type, str):
                        raise ArchiveFormatError(f"line {number}: no {TYPE_FIELD!r}")
                    if record_type != section and pending:
                        progress.advance(section, pending)
                        pending = 0
                    section = record_type
                    try:
                        await loader.add(record_type, record, f"line {number} ({record_type})")
                    except ArchiveError as exc:
                        raise ArchiveError(
                            f"{exc} (archive of schema revision {header.schema_revision})"
                        ) from None
                    pending += 1
                    if pending >= BATCH:
                        progress.advance(section, pending)
                        pending = 0
            if trailer is None:
                raise ArchiveFormatError(
                    f"the archive ends at line {number} without its trailer: it was cut short"
                )
            counts = await loader.finish(header.max_session_id)
            if pending:
                progress.advance(section, pending)
            expected = {s: n for s, n in trailer.counts.items() if n}
            loaded = {s: n for s, n in counts.items() if n}
            if expected != loaded:
                raise ArchiveFormatError(
                    f"the trailer announces {expected} records but the file holds {loaded}"
                )
    finally:
        progress.stop()
        if owned:
            await asyncio.to_thread(stream.close)
    path = str(source) if isinstance(source, Path) else getattr(source, "name", "<stream>")
    return ArchiveSummary(namespace=target_ns, name=target_name, counts=counts, path=path)


def _parse(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ArchiveFormatError(f"line {number}: not JSON ({exc})") from None
    if not isinstance(record, dict):
        raise ArchiveFormatError(f"line {number}: not a JSON object")
    return record
