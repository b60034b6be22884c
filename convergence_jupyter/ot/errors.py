"""The one exception the OT core raises for operations that cannot apply to a model state."""

from __future__ import annotations


class InvalidOperationError(ValueError):
    """An operation does not fit the model state (bad index, wrong type, missing or present key).

    The model service force-closes the submitter on this error; the message is for logs, not users.
    """
