"""The archive file: JSON Lines with a header first and a trailer last.

Each line is one JSON object whose ``"@type"`` names it: ``header``, then records whose type
is a section of :data:`~convergence_jupyter.store.domain_archive.SECTIONS`, then ``end``. The
header and trailer are validated with pydantic; records are validated against the database
schema by the loader. A file without its trailer is refused: it was cut short.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT: Final = "convergence-jupyter/domain-archive"
VERSION = 1
TYPE_FIELD: Final = "@type"  # the pydantic aliases below spell it out (mypy wants literals)


class ArchiveFormatError(ValueError):
    """The file is not a complete archive this version can read."""


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["header"] = Field(default="header", alias="@type")
    format: Literal["convergence-jupyter/domain-archive"] = "convergence-jupyter/domain-archive"
    version: int
    exported_at: str
    schema_revision: str | None
    namespace: str
    name: str
    #: Every column of the domain row except its key: display name, auth, status...
    settings: dict[str, Any]
    #: Records per section, counted in the same snapshot the records come from.
    counts: dict[str, int]
    #: The source's highest session id; the target's new sessions start above it.
    max_session_id: int = Field(ge=0)


class Trailer(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["end"] = Field(default="end", alias="@type")
    counts: dict[str, int]


def parse_header(line: str) -> Header:
    try:
        header = Header.model_validate_json(line)
    except ValidationError as exc:
        raise ArchiveFormatError(f"line 1: not a {FORMAT} header ({_first(exc)})") from None
    if header.version > VERSION:
        raise ArchiveFormatError(
            f"archive version {header.version} is newer than this convergence-jupyter reads "
            f"({VERSION}); upgrade convergence-jupyter"
        )
    return header


def parse_trailer(line: str, number: int) -> Trailer:
    try:
        return Trailer.model_validate_json(line)
    except ValidationError as exc:
        raise ArchiveFormatError(f"line {number}: bad trailer ({_first(exc)})") from None


def _first(exc: ValidationError) -> str:
    """The first problem, briefly (pydantic's full text repeats the input)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


@dataclass(frozen=True, slots=True)
class ArchiveSummary:
    """What an export wrote or an import loaded."""

    namespace: str
    name: str
    counts: dict[str, int]
    path: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def open_for_write(path: Path, *, compress: bool) -> IO[str]:
    """A text stream to ``path``, gzip-compressed if asked; blocking, so callers hand the
    writes to a thread."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        return io.TextIOWrapper(gzip.open(path, "wb"), encoding="utf-8", newline="\n")
    return path.open("w", encoding="utf-8", newline="\n")


def open_for_read(path: Path) -> IO[str]:
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open("r", encoding="utf-8")
