"""The kernel's side of the kernel-bot exchange: find this kernel's credentials, trade them for
a notebook session (``notebooks/kernel_bots.py`` on the server).

The server put ``CONVERGENCE_URL``, ``CONVERGENCE_KERNEL_ID`` and ``CONVERGENCE_KERNEL_TOKEN``
in the kernel's environment when it started it; nothing here ever sees the user's Jupyter
token. The request runs on the caller's loop (Tornado's asyncio HTTP client), so it never
blocks ipykernel.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

URL_ENV = "CONVERGENCE_URL"
KERNEL_ID_ENV = "CONVERGENCE_KERNEL_ID"
TOKEN_ENV = "CONVERGENCE_KERNEL_TOKEN"  # noqa: S105 - the variable's name
TOKEN_HEADER = "X-Convergence-Kernel-Token"  # noqa: S105 - a header name
ENDPOINT = "convergence/api/v1/kernel-bots/session"


class BotError(RuntimeError):
    """The bot cannot join or act; the message says why (the server's reason when it gave one)."""


@dataclass(frozen=True, slots=True)
class KernelCredentials:
    url: str
    token: str
    kernel_id: str | None = None

    @classmethod
    def from_environment(cls, environ: Any = None) -> KernelCredentials:
        env = os.environ if environ is None else environ
        url, token = env.get(URL_ENV), env.get(TOKEN_ENV)
        if not url or not token:
            raise BotError(
                "no kernel bot token here: NotebookBot runs in a kernel started by a Jupyter "
                "server with convergence-jupyter (its environment has "
                f"{URL_ENV} and {TOKEN_ENV})"
            )
        return cls(url if url.endswith("/") else url + "/", token, env.get(KERNEL_ID_ENV))


@dataclass(frozen=True, slots=True)
class BotSession:
    """The server's answer: where to connect, as whom, and the notebook's ids."""

    realtime_url: str
    jwt: str
    username: str
    display_name: str
    name: str
    owner: str
    kernel_id: str
    path: str
    model_id: str
    activity_type: str
    activity_id: str
    chat_id: str
    can_write: bool
    expires_at: str

    @classmethod
    def from_reply(cls, data: dict[str, Any]) -> BotSession:
        return cls(
            realtime_url=data["realtimeUrl"],
            jwt=data["jwt"],
            username=data["username"],
            display_name=data["displayName"],
            name=data["name"],
            owner=data["owner"]["username"],
            kernel_id=data["kernelId"],
            path=data["path"],
            model_id=data["modelId"],
            activity_type=data["activityType"],
            activity_id=data["activityId"],
            chat_id=data["chatId"],
            can_write=bool(data["canWrite"]),
            expires_at=data["expiresAt"],
        )


async def request_session(
    credentials: KernelCredentials,
    name: str,
    path: str | None = None,
    timeout: float = 30.0,  # noqa: ASYNC109 - Tornado's request timeout
) -> BotSession:
    """Ask the server for a bot session on this kernel's notebook (``path`` picks one when the
    kernel serves several); :class:`BotError` with the server's reason if refused."""
    body: dict[str, Any] = {"name": name}
    if path is not None:
        body["path"] = path
    request = HTTPRequest(
        credentials.url + ENDPOINT,
        method="POST",
        headers={TOKEN_HEADER: credentials.token, "Content-Type": "application/json"},
        body=json.dumps(body),
        request_timeout=timeout,
    )
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    if response.code == 599:
        raise BotError(f"cannot reach the Jupyter server at {credentials.url}: {response.error}")
    try:
        data = json.loads(response.body or b"{}")
    except ValueError:
        data = {}
    if response.code != 200:
        reason = data.get("message") or data.get("reason") or response.reason
        raise BotError(f"the server refused the bot ({response.code}): {reason}")
    return BotSession.from_reply(data)
