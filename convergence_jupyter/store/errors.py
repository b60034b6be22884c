"""Exceptions the repositories raise; callers never need to catch SQLAlchemy errors."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError


class StoreError(Exception):
    """Base class of storage errors."""


class AlreadyExists(StoreError):
    """A row with the same natural key already exists."""


class NotFound(StoreError):
    """The row an update refers to does not exist."""


def is_lock_timeout(exc: BaseException) -> bool:
    """True when ``exc`` is SQLite giving up on its busy timeout ("database is locked").

    Such a failure wrote nothing (the write lock was never taken), so the same transaction may
    simply be tried again; callers retry instead of treating it as data loss.
    """
    original = exc.orig if isinstance(exc, OperationalError) else exc
    if not isinstance(original, sqlite3.OperationalError):
        return False
    message = str(original).lower()
    return "database is locked" in message or "database is busy" in message
