"""Compare-and-write of a notebook file: write only if the file is still the one we last saw.

An autosave must not overwrite what another program wrote since we last read the file. The
state compared is ``(inode, size, mtime in ns)`` of the open file, taken right before the
bytes go out, under an exclusive ``flock`` (which excludes cooperating writers such as a
second server; editors ignore it, and for them the window is the few microseconds between
that ``fstat`` and the ``write``). When the state differs nothing is written and the caller
merges the newer file first.

The file is rewritten in place, not replaced by a renamed temporary file: its inode is what
the file-id service tracks it by across renames. As jupyter_server's own writer does, a
backup copy (``.~name``) exists while the bytes are written, so a crash mid-write leaves the
previous content next to the file.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileState:
    """What identifies one version of a file for change detection."""

    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, result: os.stat_result) -> FileState:
        return cls(result.st_ino, result.st_size, result.st_mtime_ns)


def stat_file(os_path: str) -> FileState | None:
    """The file's state, None if it does not exist (blocking: call from a worker thread)."""
    try:
        return FileState.of(os.stat(os_path))
    except FileNotFoundError:
        return None


def _backup_path(os_path: str) -> str:
    head, tail = os.path.split(os_path)
    return os.path.join(head, f".~{tail}")


def write_if_unchanged(os_path: str, expected: FileState, data: bytes) -> FileState | None:
    """Write ``data`` over the file if its state is still ``expected``; returns the new state,
    or None (nothing written) when the file changed or vanished. Blocking: call from a worker
    thread."""
    try:
        fd = os.open(os_path, os.O_RDWR)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if FileState.of(os.fstat(handle.fileno())) != expected:
            return None
        backup = _backup_path(os_path)
        shutil.copy2(os_path, backup)
        # Copying took time: compare again, right before the bytes go out.
        if FileState.of(os.fstat(handle.fileno())) != expected:
            os.unlink(backup)
            return None
        handle.seek(0)
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())
        state = FileState.of(os.fstat(handle.fileno()))
    os.unlink(backup)
    return state
