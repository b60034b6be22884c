"""The Convergence identity of a Jupyter user: the name the login bridge puts in its JWT.

jupyter_server's own identity providers know no names: a browser that logs in with the token
(or the password) becomes a *generated* user, a random id and "Anonymous <moon>", kept in the
login cookie. The holder of the token is, by default, whoever started the server, so such
users are shown as that account's name with the moon as a tag ("ada (Io)"): sensible, the
same on every reload of that browser, and still telling two browsers apart. Users of any
other identity provider (JupyterHub, a custom one) keep the names it gives them.
"""

from __future__ import annotations

import getpass
import re

from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider, User

from convergence_jupyter.auth.jwt_tokens import JwtIdentity

#: Providers whose users are generated (never named by a person).
_GENERATING_PROVIDERS = (IdentityProvider, PasswordIdentityProvider)
_GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
_ANONYMOUS = "Anonymous "


def server_owner() -> str:
    """The account the server runs as, or a neutral name if the system cannot tell."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "Jupyter user"


def is_generated(user: User, provider: IdentityProvider | None) -> bool:
    return (
        type(provider) in _GENERATING_PROVIDERS
        and bool(_GENERATED_ID.match(user.username))
        and user.name.startswith(_ANONYMOUS)
    )


def convergence_identity(user: User, provider: IdentityProvider | None) -> JwtIdentity:
    """The username (always the Jupyter one) and display name the JWT carries."""
    display = user.display_name or user.name or user.username
    if is_generated(user, provider):
        tag = user.name[len(_ANONYMOUS) :].strip()
        display = f"{server_owner()} ({tag})" if tag else server_owner()
    return JwtIdentity(username=user.username, display_name=display)
