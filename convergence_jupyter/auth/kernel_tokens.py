"""Kernel-scoped tokens: how code running in a kernel of this server becomes a bot participant.

Design
------
*Issue.* :meth:`KernelTokens.attach` wraps three methods of jupyter_server's
``MappingKernelManager`` *instance* (additive: a configured kernel manager class keeps working):

* ``start_kernel``: the kernel id is chosen before the start (a UUID, as jupyter_client would), a
  token is bound to it, and the launch environment gets ``CONVERGENCE_URL`` (this server's
  base URL), ``CONVERGENCE_KERNEL_ID`` and ``CONVERGENCE_KERNEL_TOKEN``. The environment is the
  one place jupyter_server lets us hand a kernel a secret without a provisioner of our own, and
  it survives restarts (jupyter_client relaunches with the same arguments), as the kernel id does.
  The token's *owner* is the Jupyter user of the request that started the kernel
  (jupyter_server's ``CallContext`` carries that handler), else the account running the server;
* ``remove_kernel`` (shutdown, death, culling all end there): the token is revoked;
* ``interrupt_kernel``: the kernel's bots are told to leave (the token stays valid), so the
  notebook's Stop button stops what the kernel's bots are doing as well as the cell.

*Shape.* ``cjk_`` + 192 random bits. Only its SHA-256 is kept, in memory: kernels are children of
this process and die with it, so a token means nothing anywhere else. It is never the user's
Jupyter token, and no Jupyter handler accepts it; it is checked only by the kernel-bot session
endpoint (``notebooks/kernel_bots.py``), which exchanges it for a short-lived login-bridge JWT of
a per-kernel bot user (see there for the rights it gets). A token expires after its TTL
(``ConvergenceApp.kernel_token_ttl``) even if the kernel lives on.

*Ending.* Revocation (kernel gone, TTL over) calls the ``on_end`` callback with the grant, so that
whatever the token bought (bot users, their reconnect tokens, live sessions) stops working too.
Interrupts call ``on_interrupt``. Both callbacks run as tasks on the server's loop and are logged
if they fail; a failure never breaks the kernel manager's own call.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from convergence_jupyter.auth.jupyter_users import server_owner

log = logging.getLogger(__name__)

URL_ENV = "CONVERGENCE_URL"
KERNEL_ID_ENV = "CONVERGENCE_KERNEL_ID"
TOKEN_ENV = "CONVERGENCE_KERNEL_TOKEN"  # noqa: S105 - the variable's name, not a secret
TOKEN_PREFIX = "cjk_"  # noqa: S105 - a prefix, not a secret
#: The header the kernel presents its token in (never ``Authorization``: that is Jupyter's).
TOKEN_HEADER = "X-Convergence-Kernel-Token"  # noqa: S105 - a header name

_TOKEN_SHAPE = re.compile(r"cjk_[A-Za-z0-9_-]{32}")


@dataclass(frozen=True, slots=True)
class KernelOwner:
    """The Jupyter user a kernel's bots act for: ``user`` is jupyter_server's ``User`` (None
    when no request started the kernel), ``identity_provider`` the provider that made it."""

    username: str
    display_name: str
    user: Any = None
    identity_provider: Any = None


@dataclass(slots=True)
class KernelGrant:
    """What one kernel's token stands for."""

    kernel_id: str
    owner: KernelOwner
    digest: str
    issued_at: float
    expires_at: float
    #: Set once the token was revoked (kernel gone or TTL over): why.
    ended: str | None = None
    #: Filled by the exchange: the Convergence usernames of this kernel's bots.
    bot_usernames: set[str] = field(default_factory=set)


class KernelTokenRejected(Exception):
    """A kernel token that does not (or no longer) authenticate; the message says why and is
    safe to show to the holder (it names nothing but the token's own state)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


EndCallback = Callable[[KernelGrant, str], Coroutine[Any, Any, None]]


class KernelTokens:
    """The tokens of the kernels this server runs; one instance per server process."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        on_end: EndCallback | None = None,
        on_interrupt: EndCallback | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.on_end = on_end
        self.on_interrupt = on_interrupt
        self._clock = clock
        self._grants: dict[str, KernelGrant] = {}
        self._by_digest: dict[str, str] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._kernel_manager: Any = None

    # -- tokens ---------------------------------------------------------------------------

    def issue(self, kernel_id: str, owner: KernelOwner) -> str:
        """A new token for ``kernel_id`` (replacing any earlier one of that kernel)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        now = self._clock()
        old = self._grants.get(kernel_id)
        if old is not None:
            self._by_digest.pop(old.digest, None)
        grant = KernelGrant(kernel_id, owner, _digest(token), now, now + self.ttl_seconds)
        self._grants[kernel_id] = grant
        self._by_digest[grant.digest] = kernel_id
        self._schedule_expiry(kernel_id)
        return token

    def verify(self, token: str) -> KernelGrant:
        """The grant behind a live token, or :class:`KernelTokenRejected` saying why not.

        Looked up by digest: the attacker does not control the digest's prefix, so the dict
        lookup leaks nothing useful through timing."""
        if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
            raise KernelTokenRejected("not a kernel token")
        kernel_id = self._by_digest.get(_digest(token))
        grant = None if kernel_id is None else self._grants.get(kernel_id)
        if grant is None or kernel_id is None:
            raise KernelTokenRejected("unknown kernel token")
        if grant.ended is not None:
            raise KernelTokenRejected(f"the kernel token is no longer valid: {grant.ended}")
        if self._clock() >= grant.expires_at:
            self._end(kernel_id, "the kernel token has expired")
            raise KernelTokenRejected("the kernel token has expired")
        km = self._kernel_manager
        if km is not None and kernel_id not in km:
            self._end(kernel_id, "the kernel has stopped")
            raise KernelTokenRejected("the kernel token is no longer valid: the kernel has stopped")
        return grant

    def grant(self, kernel_id: str) -> KernelGrant | None:
        return self._grants.get(kernel_id)

    def revoke(self, kernel_id: str, reason: str = "the kernel has stopped") -> None:
        self._end(kernel_id, reason)

    def _schedule_expiry(self, kernel_id: str) -> None:
        old = self._timers.pop(kernel_id, None)
        if old is not None:
            old.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # checked at use instead
        self._timers[kernel_id] = loop.call_later(
            self.ttl_seconds, self._end, kernel_id, "the kernel token has expired"
        )

    def _end(self, kernel_id: str, reason: str) -> None:
        grant = self._grants.get(kernel_id)
        timer = self._timers.pop(kernel_id, None)
        if timer is not None:
            timer.cancel()
        if grant is None or grant.ended is not None:
            return
        grant.ended = reason
        log.info("kernel token of %s revoked: %s", kernel_id, reason)
        self._run(self.on_end, grant, reason)

    def _run(self, callback: EndCallback | None, grant: KernelGrant, reason: str) -> None:
        if callback is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(callback(grant, reason))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("ending a kernel's bots failed", exc_info=task.exception())

    async def close(self) -> None:
        """Revoke every token (server stop) and wait for the clean-ups."""
        for kernel_id in list(self._grants):
            self._end(kernel_id, "the server is stopping")
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- the kernel manager hook ------------------------------------------------------------

    def attach(self, kernel_manager: Any, server_url: Callable[[], str]) -> None:
        """Wrap ``kernel_manager``'s start, removal and interrupt (see the module docstring).

        ``server_url`` gives the URL kernels reach this server at (known once it listens)."""
        self._kernel_manager = kernel_manager
        start = kernel_manager.start_kernel
        remove = kernel_manager.remove_kernel
        interrupt = kernel_manager.interrupt_kernel

        async def start_kernel(*args: Any, **kwargs: Any) -> str:
            kernel_id = kwargs.get("kernel_id")
            if kernel_id is not None and kernel_id in kernel_manager:
                return str(await start(*args, **kwargs))  # an existing kernel: nothing new
            kernel_id = kernel_id or str(uuid.uuid4())
            token = self.issue(kernel_id, current_owner())
            env = dict(kwargs.get("env") or os.environ)
            env[URL_ENV] = server_url()
            env[KERNEL_ID_ENV] = kernel_id
            env[TOKEN_ENV] = token
            kwargs["env"] = env
            kwargs["kernel_id"] = kernel_id
            try:
                return str(await start(*args, **kwargs))
            except BaseException:
                self._end(kernel_id, "the kernel did not start")
                raise

        def remove_kernel(kernel_id: str) -> Any:
            try:
                return remove(kernel_id)
            finally:
                self._end(kernel_id, "the kernel has stopped")

        async def interrupt_kernel(kernel_id: str, *args: Any, **kwargs: Any) -> Any:
            result = await interrupt(kernel_id, *args, **kwargs)
            grant = self._grants.get(kernel_id)
            if grant is not None and grant.ended is None:
                self._run(self.on_interrupt, grant, "the kernel was interrupted")
            return result

        kernel_manager.start_kernel = start_kernel
        kernel_manager.remove_kernel = remove_kernel
        kernel_manager.interrupt_kernel = interrupt_kernel


def current_owner() -> KernelOwner:
    """The Jupyter user of the request being handled (its identity as the login bridge names
    it), or the server's account when no Jupyter request is being handled."""
    from jupyter_server.base.call_context import CallContext

    from convergence_jupyter.auth.jupyter_users import convergence_identity

    handler = CallContext.get(CallContext.JUPYTER_HANDLER)
    user = getattr(handler, "current_user", None) if handler is not None else None
    if user is None or not getattr(user, "username", None):
        owner = server_owner()
        return KernelOwner(owner, owner)
    provider = getattr(handler, "identity_provider", None)
    identity = convergence_identity(user, provider)
    return KernelOwner(
        identity.username, identity.display_name or identity.username, user, provider
    )


# -- bot identities -----------------------------------------------------------------------

#: Every kernel bot's Convergence username starts with this: what other clients (the session
#: list, the labextension, any rc.12 client reading ``user.username``) recognise a bot by.
BOT_USERNAME_PREFIX = "bot:"
_BOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}")


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """What a bot username says: the bot's name (lower case), its kernel (first 8 characters of
    the id) and the username of the Jupyter user it acts for."""

    name: str
    kernel: str
    owner: str


def valid_bot_name(name: object) -> bool:
    return isinstance(name, str) and bool(_BOT_NAME.fullmatch(name))


def bot_username(owner: str, kernel_id: str, name: str) -> str:
    """``bot:<name>:<kernel8>:<owner>``: one user per kernel and bot name, so that ending a
    kernel ends exactly its bots (and no other kernel's bot of the same name)."""
    if not valid_bot_name(name):
        raise ValueError(f"invalid bot name {name!r}")
    slug = re.sub(r"[^a-z0-9_.-]+", "-", name.lower())
    return f"{BOT_USERNAME_PREFIX}{slug}:{kernel_id[:8]}:{owner}"


def parse_bot_username(username: str) -> BotIdentity | None:
    if not username.startswith(BOT_USERNAME_PREFIX):
        return None
    parts = username[len(BOT_USERNAME_PREFIX) :].split(":", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return BotIdentity(*parts)


def bot_display_name(name: str) -> str:
    return f"{name} [bot]"
