"""Errors a service raises to answer a client with a protocol ``error`` body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ServiceError(Exception):
    """A refusal the client understands: ``code`` is one of the protocol's error codes.

    Raised inside a request handler it becomes the error response; raised while handling a plain
    message it is sent to the sender as an unsolicited error. Never put secrets in ``message``:
    it goes to the client verbatim.
    """

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class NotSupportedError(ServiceError):
    """A request for a part of the protocol this server does not offer."""

    def __init__(self, body_name: str) -> None:
        super().__init__("not_supported", f"'{body_name}' is not supported by this server")
