"""``POST {base_url}convergence/api/v1/kernel-bots/session``: a kernel's bot joins its notebook.

The kernel presents the token this server put in its environment (``auth/kernel_tokens.py``)
in the ``X-Convergence-Kernel-Token`` header, never a Jupyter credential; body
``{"name": "Reviewer", "path": optional}``. The server then

1. checks the token (kernel still running here, within its TTL): ``401`` with the reason if not;
2. finds the notebook the kernel runs for in jupyter_server's session manager (``path``
   chooses when one kernel serves several notebooks): ``404``/``409`` if none/ambiguous;
3. asks jupyter_server's authorizer what the token's *owner* (the Jupyter user who started
   the kernel) may do with that file: ``read`` or ``403``; ``write`` decides ``canWrite``;
4. makes the bot's Convergence user ``bot:<name>:<kernel8>:<owner>`` (one per kernel and bot
   name; display name ``"<Name> [bot]"``) and grants it what a notebook session grants, on this
   notebook only, with ``write`` only if the owner may write: the bot acts for its owner with
   at most the owner's rights, and only where the kernel works;
5. answers like the notebook session endpoint (``CONTRACT.md`` §1) plus ``username``,
   ``displayName``, ``owner``, ``kernelId``, ``path`` and ``expiresAt`` (the kernel token's);
   ``jwt`` is a short-lived login-bridge JWT for the bot user.

When the kernel token ends (kernel gone, TTL over) :meth:`BotAccounts.end` disables the
kernel's bot users, revokes their reconnect tokens and disconnects their sessions, so neither
the JWT nor a reconnect works any more. An interrupt disconnects them (reconnect tokens
revoked); the kernel may then join bots again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import User
from jupyter_server.base.handlers import APIHandler
from tornado import web

from convergence_jupyter.auth.jwt_tokens import JwtIdentity
from convergence_jupyter.auth.kernel_tokens import (
    TOKEN_HEADER,
    KernelGrant,
    KernelTokenRejected,
    KernelTokens,
    bot_display_name,
    bot_username,
    valid_bot_name,
)
from convergence_jupyter.auth.login_bridge import LoginBridge
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.users import DomainUserId, UserType
from convergence_jupyter.notebooks import ids
from convergence_jupyter.notebooks.access import Grantee
from convergence_jupyter.notebooks.manager import NotebookManager
from convergence_jupyter.notebooks.mapping import InvalidNotebook
from convergence_jupyter.store.reconnect_tokens import ReconnectTokenRepository
from convergence_jupyter.store.users import UserRepository

log = logging.getLogger(__name__)

AUTH_RESOURCE = "contents"


class BotAccounts:
    """The Convergence users of kernel bots: made on join, ended with their kernel's token."""

    def __init__(
        self, manager: NotebookManager, runtime: Callable[[], Awaitable[DomainRuntime]]
    ) -> None:
        self._manager = manager
        self._runtime = runtime

    async def is_disabled(self, username: str) -> bool:
        backend = self._manager.backend
        domain_pk = await backend.domain_pk()
        async with backend.db.transaction(readonly=True) as tx:
            user = await UserRepository(tx).get(domain_pk, int(UserType.NORMAL), username)
        return user is not None and user.disabled

    async def end(self, grant: KernelGrant, reason: str) -> None:
        """Disable the kernel's bot users, revoke their reconnect tokens, disconnect them."""
        backend = self._manager.backend
        domain_pk = await backend.domain_pk()
        async with backend.db.transaction() as tx:
            users = UserRepository(tx)
            for username in sorted(grant.bot_usernames):
                user = await users.get(domain_pk, int(UserType.NORMAL), username)
                if user is not None:
                    await users.set_disabled(user.pk, True)
                    await ReconnectTokenRepository(tx).revoke_for_user(user.pk)
        await self.disconnect(grant, f"kernel bot ended: {reason}")

    async def interrupted(self, grant: KernelGrant, reason: str) -> None:
        """Disconnect the kernel's bots for good (their reconnect tokens go first, so that no
        automatic reconnect brings them back); the kernel may join new ones."""
        backend = self._manager.backend
        domain_pk = await backend.domain_pk()
        async with backend.db.transaction() as tx:
            for username in sorted(grant.bot_usernames):
                user = await UserRepository(tx).get(domain_pk, int(UserType.NORMAL), username)
                if user is not None:
                    await ReconnectTokenRepository(tx).revoke_for_user(user.pk)
        await self.disconnect(grant, f"kernel bot stopped: {reason}")

    async def disconnect(self, grant: KernelGrant, reason: str) -> None:
        if not grant.bot_usernames:
            return
        runtime = await self._runtime()
        for username in grant.bot_usernames:
            for session in runtime.sessions_of_user(DomainUserId(UserType.NORMAL, username)):
                session.disconnect(reason)


class KernelBotSessionHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    def initialize(
        self,
        tokens: KernelTokens,
        accounts: BotAccounts,
        manager: NotebookManager,
        bridge: LoginBridge,
        realtime_path: str,
    ) -> None:
        self._tokens = tokens
        self._accounts = accounts
        self._manager = manager
        self._bridge = bridge
        self._realtime_path = realtime_path

    def check_xsrf_cookie(self) -> None:
        # The credential is a header a page cannot make a browser send by itself, not a
        # cookie: there is no ambient authority to forge a request with.
        return None

    def _body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "the body must be JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, "the body must be a JSON object")
        return body

    @allow_unauthenticated
    async def post(self) -> None:
        self.set_header("Cache-Control", "no-store")
        try:
            grant = self._tokens.verify(self.request.headers.get(TOKEN_HEADER, ""))
        except KernelTokenRejected as exc:
            raise web.HTTPError(401, str(exc)) from None
        body = self._body()
        name = body.get("name")
        if not valid_bot_name(name):
            raise web.HTTPError(400, "'name' must be 1-40 letters, digits, spaces, '_', '.' or '-'")
        assert isinstance(name, str)
        path = await self._notebook_path(grant.kernel_id, body.get("path"))
        owner = grant.owner
        user = owner.user or User(username=owner.username, name=owner.display_name)
        if not await self._allowed(user, "read"):
            raise web.HTTPError(403, f"{owner.username!r} may not read {path!r}")
        can_write = await self._allowed(user, "write")
        username = bot_username(owner.username, grant.kernel_id, name)
        if await self._accounts.is_disabled(username):
            raise web.HTTPError(401, "this kernel's bot was ended")
        display = bot_display_name(name)
        grant.bot_usernames.add(username)
        try:
            opened = await self._manager.open(path, Grantee(username, display), can_write)
        except InvalidNotebook as exc:
            raise web.HTTPError(400, f"cannot co-edit '{path}': {exc}") from None
        token, _ = await self._bridge.issue(JwtIdentity(username=username, display_name=display))
        scheme = "wss" if self.request.protocol == "https" else "ws"
        self.finish(
            json.dumps(
                {
                    "modelId": opened.model_id,
                    "collection": ids.COLLECTION,
                    "activityType": ids.ACTIVITY_TYPE,
                    "activityId": ids.activity_id(opened.file_id),
                    "chatId": ids.chat_id(opened.file_id),
                    "canWrite": can_write,
                    "realtimeUrl": f"{scheme}://{self.request.host}{self._realtime_path}",
                    "jwt": token,
                    "username": username,
                    "displayName": display,
                    "name": name,
                    "owner": {"username": owner.username, "displayName": owner.display_name},
                    "kernelId": grant.kernel_id,
                    "path": path,
                    "expiresAt": datetime.fromtimestamp(grant.expires_at, UTC).isoformat(),
                }
            )
        )

    async def _allowed(self, user: User, action: str) -> bool:
        return bool(
            await ensure_async(self.authorizer.is_authorized(self, user, action, AUTH_RESOURCE))
        )

    async def _notebook_path(self, kernel_id: str, wanted: object) -> str:
        """The notebook (of jupyter_server's sessions) this kernel runs for."""
        sessions: list[dict[str, Any]] = await ensure_async(self.session_manager.list_sessions())
        paths = sorted(
            {
                s["path"]
                for s in sessions
                if (s.get("kernel") or {}).get("id") == kernel_id
                and str(s.get("path", "")).endswith(".ipynb")
            }
        )
        if isinstance(wanted, str):
            wanted = wanted.strip("/")
            if wanted not in paths:
                raise web.HTTPError(404, f"this kernel does not run for {wanted!r}")
            return wanted
        if not paths:
            raise web.HTTPError(404, "this kernel does not run for a notebook")
        if len(paths) > 1:
            raise web.HTTPError(
                409, f"this kernel runs for several notebooks ({', '.join(paths)}): pass 'path'"
            )
        return paths[0]
