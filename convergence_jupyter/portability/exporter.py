"""Export one domain from a consistent snapshot to an archive file, streaming."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domain_archive import BATCH, read_domain

from .archive import TYPE_FIELD, VERSION, ArchiveSummary, Header, Trailer, open_for_write
from .progress import NullProgress, Progress


def _line(record_type: str, record: dict[str, object]) -> str:
    # ASCII escapes: a lone UTF-16 surrogate (which JS clients can produce) survives the
    # round trip instead of failing the UTF-8 encoder; compact separators for large archives.
    return json.dumps({TYPE_FIELD: record_type, **record}, separators=(",", ":"))


async def export_domain(
    db: Database,
    namespace: str,
    name: str,
    target: Path | IO[str],
    *,
    progress: Progress | None = None,
) -> ArchiveSummary:
    """Write domain ``namespace/name`` to ``target`` (a path, ``.gz`` compresses, or an
    open text stream). Memory stays bounded: records are streamed from the database and
    written in batches. A path is written under a temporary name and renamed when complete,
    so a failed export never leaves a partial archive or destroys an older one. Raises
    ``NotFound`` for an unknown domain."""
    progress = progress or NullProgress()
    owned = isinstance(target, Path)
    final = target if isinstance(target, Path) else None
    partial = None if final is None else final.with_name(f".{final.name}.partial")
    stream: IO[str]
    if final is not None and partial is not None:
        stream = await asyncio.to_thread(open_for_write, partial, compress=final.suffix == ".gz")
    else:
        assert not isinstance(target, Path)
        stream = target
    done = False
    revision = await db.current_revision()
    written: dict[str, int] = {}
    try:
        async with read_domain(db, namespace, name) as snapshot:
            header = Header(
                version=VERSION,
                exported_at=datetime.now(UTC).isoformat(),
                schema_revision=revision,
                namespace=namespace,
                name=name,
                settings=snapshot.domain,
                counts=snapshot.counts,
                max_session_id=snapshot.max_session_id,
            )
            progress.start(f"export {namespace}/{name}", snapshot.counts)
            lines = [header.model_dump_json(by_alias=True)]
            section = ""
            pending = 0
            async for section_name, record in snapshot.records():
                if section_name != section and pending:
                    progress.advance(section, pending)
                    pending = 0
                section = section_name
                lines.append(_line(section_name, record))
                written[section_name] = written.get(section_name, 0) + 1
                pending += 1
                if len(lines) >= BATCH:
                    await asyncio.to_thread(stream.write, "\n".join(lines) + "\n")
                    lines = []
                    progress.advance(section, pending)
                    pending = 0
            if pending:
                progress.advance(section, pending)
            counts = {s: written.get(s, 0) for s in snapshot.counts}
            lines.append(Trailer(counts=counts).model_dump_json(by_alias=True))
            await asyncio.to_thread(stream.write, "\n".join(lines) + "\n")
            await asyncio.to_thread(stream.flush)
            done = True
    finally:
        progress.stop()
        if owned:
            await asyncio.to_thread(stream.close)
        if partial is not None and final is not None:
            if done:
                await asyncio.to_thread(partial.replace, final)
            else:
                await asyncio.to_thread(partial.unlink, missing_ok=True)
    path = str(target) if isinstance(target, Path) else getattr(target, "name", "<stream>")
    return ArchiveSummary(namespace=namespace, name=name, counts=counts, path=path)
