"""Typed exceptions for what the server refuses, so callers can ``except`` the case they handle."""

from __future__ import annotations

from typing import Any


class ConvergenceError(Exception):
    """Base of every error the client raises."""


class ConnectionClosedError(ConvergenceError):
    """The connection closed (or was disposed) before the request got its answer."""


class AuthenticationError(ConvergenceError):
    """The handshake was refused; ``retry_ok`` says whether the same credentials may work later."""

    def __init__(self, code: str, details: str, *, retry_ok: bool = False) -> None:
        super().__init__(f"{code}: {details}" if details else code)
        self.code = code
        self.details = details
        self.retry_ok = retry_ok


class ServerError(ConvergenceError):
    """The server answered a request with an ``error`` message."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.details = details or {}


class ModelNotFoundError(ServerError):
    """``model_not_found``: no model with that id (or it was deleted)."""


class ModelExistsError(ServerError):
    """``model_already_exists``: a model with that id exists already."""


class PermissionDeniedError(ServerError):
    """``unauthorized``: the session's user lacks the permission the request needs."""


class InvalidMessageError(ServerError):
    """``invalid_message``: the server could not accept what this client sent (a client bug)."""


class NotFoundError(ServerError):
    """Base of the "no such thing" errors (activity, chat, user, group)."""


class ActivityNotFoundError(NotFoundError):
    """``activity_not_found``: no activity of that type and id (join it with ``auto_create``)."""


class ActivityNotJoinedError(ServerError):
    """``activity_not_joined`` / ``no_such_resource_id``: this session is not in the activity."""


class AlreadyJoinedError(ServerError):
    """``activity_already_joined`` / ``chat_already_joined``: this session joined it already."""


class AlreadyExistsError(ServerError):
    """``activity_already_exists`` / ``chat_already_exists`` / ``chat_already_a_member``."""


class ChatNotFoundError(NotFoundError):
    """``chat_not_found``: no chat with that id (private chats are invisible to non-members)."""


class ChatNotJoinedError(ServerError):
    """``chat_not_joined`` / ``not_a_member``: the chat needs this session or user in it."""


class UserNotFoundError(NotFoundError):
    """``user_not_found``: no user with that username."""


class GroupNotFoundError(NotFoundError):
    """``group_not_found``: no user group with that id."""


class NotSupportedError(ServerError):
    """``not_supported`` / ``cant_remove_self``: not possible on this kind of thing (e.g.
    joining a direct chat)."""


class LimitExceededError(ServerError):
    """``limit_exceeded``: a server bound (message length, joined rooms, ...); ``details``
    holds the limit."""


_BY_CODE: dict[str, type[ServerError]] = {
    "model_not_found": ModelNotFoundError,
    "model_already_exists": ModelExistsError,
    "unauthorized": PermissionDeniedError,
    "invalid_message": InvalidMessageError,
    "activity_not_found": ActivityNotFoundError,
    "activity_not_joined": ActivityNotJoinedError,
    "no_such_resource_id": ActivityNotJoinedError,
    "activity_already_joined": AlreadyJoinedError,
    "chat_already_joined": AlreadyJoinedError,
    "activity_already_exists": AlreadyExistsError,
    "chat_already_exists": AlreadyExistsError,
    "chat_already_a_member": AlreadyExistsError,
    "chat_not_found": ChatNotFoundError,
    "chat_not_joined": ChatNotJoinedError,
    "not_a_member": ChatNotJoinedError,
    "user_not_found": UserNotFoundError,
    "group_not_found": GroupNotFoundError,
    "not_supported": NotSupportedError,
    "cant_remove_self": NotSupportedError,
    "limit_exceeded": LimitExceededError,
}


def server_error(code: str, message: str, details: dict[str, Any] | None = None) -> ServerError:
    """The most specific exception for an error code (``ServerError`` for unknown codes)."""
    return _BY_CODE.get(code, ServerError)(code, message, details)
