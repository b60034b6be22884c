"""Progress reporting for long exports and imports: a protocol, a silent default and a
``rich`` progress bar for terminals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as _RichProgress


class Progress(Protocol):
    def start(self, label: str, counts: Mapping[str, int]) -> None:
        """Called once with the number of records of each section that will follow."""

    def advance(self, section: str, records: int) -> None:
        """``records`` more records of ``section`` are done."""

    def stop(self) -> None:
        """Called once at the end, also after a failure."""


class NullProgress:
    def start(self, label: str, counts: Mapping[str, int]) -> None:
        return None

    def advance(self, section: str, records: int) -> None:
        return None

    def stop(self) -> None:
        return None


class RichProgress:
    """One bar over all records, labelled with the section being worked on. Draws on
    ``stream`` (stderr by default, so stdout stays clean for ``--output json``)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._console = Console(file=stream, stderr=stream is None)
        self._bar = _RichProgress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._label = ""

    def start(self, label: str, counts: Mapping[str, int]) -> None:
        self._label = label
        self._bar.start()
        self._task = self._bar.add_task(label, total=max(sum(counts.values()), 1))

    def advance(self, section: str, records: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, advance=records, description=f"{self._label}: {section}")

    def stop(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, description=f"{self._label}: done")
        self._bar.stop()
