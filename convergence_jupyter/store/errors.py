"""Exceptions the repositories raise; callers never need to catch SQLAlchemy errors."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of storage errors."""


class AlreadyExists(StoreError):
    """A row with the same natural key already exists."""


class NotFound(StoreError):
    """The row an update refers to does not exist."""
