"""Exit codes of ``convergence-jupyter``: scripts branch on them, so each means one thing."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: Anything else that went wrong: a server error (5xx), an unexpected answer, a refusal.
    ERROR = 1
    #: Bad arguments or input: argparse errors, invalid ``--data``, a request the server
    #: rejects as invalid (400/422), a damaged or foreign archive file.
    USAGE = 2
    #: The server or the database could not be reached.
    UNAVAILABLE = 3
    #: Not authenticated or not allowed (401/403): missing, wrong, expired or revoked API key,
    #: or a key without the needed scope.
    DENIED = 4
    #: The thing named does not exist (404).
    NOT_FOUND = 5
    #: It exists already or clashes with what is there (409), e.g. importing into a domain
    #: that holds data.
    CONFLICT = 6


def for_http_status(status: int) -> ExitCode:
    """The exit code for a non-2xx HTTP status."""
    if status in (401, 403):
        return ExitCode.DENIED
    if status == 404:
        return ExitCode.NOT_FOUND
    if status in (409, 412):
        return ExitCode.CONFLICT
    if status in (400, 405, 413, 415, 422):
        return ExitCode.USAGE
    return ExitCode.ERROR


EPILOG = "exit codes: " + ", ".join(
    f"{code.value} {code.name.lower().replace('_', ' ')}" for code in ExitCode
)


class Failure(Exception):
    """A refusal worth a one-line message and a meaningful exit code, not a traceback."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.code = code
