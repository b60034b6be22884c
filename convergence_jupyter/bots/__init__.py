"""Kernel bots: code in a notebook's kernel taking part in that notebook as a participant.

Design
------
*Who the bot is.* A kernel started by this Jupyter server carries a kernel-scoped token in its
environment (``auth/kernel_tokens.py``), bound to the kernel id and to the Jupyter user who
started it (its *owner*), with a TTL, ended when the kernel stops; never the user's Jupyter
token. :meth:`NotebookBot.join` trades it at the server (``notebooks/kernel_bots.py``) for a
session on the notebook jupyter_server's session manager lists for this kernel: a
short-lived JWT for the Convergence user ``bot:<name>:<kernel8>:<owner>`` (display name
``"<Name> [bot]"``), which the server granted on that notebook only, and with at most the
owner's rights there (``write`` only if Jupyter lets the owner write the file).

*How others see it.* With the unmodified rc.12 client, as any participant: the username's
``bot:`` prefix (session list, chat, identity) is the server's mark, which a client cannot
fake; the activity state's ``user`` adds ``"bot": {"owner", "kernel"}``, its own colour and
its cursor (``notebooks/CONTRACT.md`` §4). The labextension shows such participants with a
bot marker.

*When it ends.* ``await bot.leave()``; an interrupt of the kernel (the server disconnects the
kernel's bots and revokes their reconnect tokens); the kernel stopping or its token's TTL
passing (the bot users are disabled as well). A bot that misbehaves (malformed operations,
chat floods) meets the server's ordinary per-connection rules, which stop it alone.

*What it builds on.* Only ``convergence_jupyter.client`` (no server code: this runs in the
kernel) and the environment. Widgets (``convergence_jupyter.widgets.bot_control``) follow a
bot through ``status``, ``last_action`` and ``events``.
"""

from .kernel_session import BotError, BotSession, KernelCredentials
from .notebook_bot import BotEvent, Mention, NotebookBot
from .notebook_cells import Cell, CellNotFound

__all__ = [
    "BotError",
    "BotEvent",
    "BotSession",
    "Cell",
    "CellNotFound",
    "KernelCredentials",
    "Mention",
    "NotebookBot",
]
