"""The server's REST API from Python: what the realtime protocol has no message for, such as
the models that link to a model (``backlinks``), which only the server's link index knows.

The REST API authenticates a server-side principal (an API key, ``Authorization: Bearer
cvk_...``), not a domain user: it is an operator's or a bot's tool, and what it returns is not
filtered by a domain user's model permissions. Give it a key with the least scope that does the
job (``read`` for the lists here).

Security note: the key is a password. Keep it out of notebooks that are shared, and out of logs
(this module never logs it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from convergence_jupyter.ot.links import Link

from .errors import ConvergenceError

#: Where the REST API lives relative to the Jupyter server's base URL.
API_PATH = "convergence/api/v1"


class RestError(ConvergenceError):
    """A REST call the server answered with an error status (``status`` and its ``detail``)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Backlink:
    """A model whose data links to the one asked about, and where in it the link is."""

    collection: str
    model_id: str
    path: str


def rest_base_from_realtime(url: str) -> tuple[str, str, str]:
    """``(REST base URL, namespace, domain)`` for a realtime URL such as
    ``ws://host:8888/base/convergence/realtime/<namespace>/<domain>``."""
    parts = urlsplit(url)
    head, marker, tail = parts.path.partition("/convergence/realtime/")
    namespace, _, domain = tail.strip("/").partition("/")
    if not marker or not namespace or not domain or "/" in domain:
        raise ValueError(f"not a realtime URL of this server: {url!r}")
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    base = urlunsplit((scheme, parts.netloc, f"{head}/{API_PATH}", "", ""))
    return base, namespace, domain


class RestClient:
    """One domain's REST API with one API key."""

    def __init__(self, base_url: str, namespace: str, domain: str, api_key: str) -> None:
        self._base = base_url.rstrip("/")
        self._domain_path = f"/domains/{quote(namespace, safe='')}/{quote(domain, safe='')}"
        self._api_key = api_key

    @classmethod
    def for_realtime_url(cls, url: str, api_key: str) -> RestClient:
        """The REST API of the server and domain that ``url`` (a realtime URL) names."""
        base, namespace, domain = rest_base_from_realtime(url)
        return cls(base, namespace, domain, api_key)

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """``path`` is relative to the domain (``/models/m1``); returns the decoded JSON body
        (None for 204). Raises :class:`RestError` for an error status."""
        request = HTTPRequest(
            self._base + self._domain_path + path,
            method=method,
            headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
            body=None if body is None else json.dumps(body),
        )
        if body is not None:
            request.headers["Content-Type"] = "application/json"
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as error:
            raise RestError(error.code, _detail(error)) from None
        return json.loads(response.body) if response.body else None

    async def links(self, model_id: str) -> list[Link]:
        """The links in the model's committed data, by the server's index."""
        reply = await self.request("GET", f"/models/{quote(model_id, safe='')}/links")
        return sorted(Link(k["path"], k["collection"], k["id"]) for k in reply["links"])

    async def backlinks(self, model_id: str) -> list[Backlink]:
        """The models whose committed data links to ``model_id``."""
        reply = await self.request("GET", f"/models/{quote(model_id, safe='')}/backlinks")
        return [Backlink(b["collection"], b["model_id"], b["path"]) for b in reply["backlinks"]]


def _detail(error: HTTPClientError) -> str:
    body = error.response.body if error.response is not None else b""
    try:
        problem = json.loads(body)
    except ValueError:
        return error.message or "no detail"
    if isinstance(problem, dict):
        return str(problem.get("detail") or problem.get("title") or problem)
    return str(problem)
