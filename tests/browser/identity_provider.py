"""Jupyter auth for the browser tests: each configured token is one named user.

jupyter_server's default provider turns its single token into random anonymous users; the tests
need two stable, distinct people on one server, so each browser logs in with its own token.
"""

from __future__ import annotations

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from traitlets import Dict, List, Unicode


class TokenUsersIdentityProvider(IdentityProvider):
    """``user_tokens`` maps a token to a username; the login cookie then keeps that user.

    Any other token (including the server's own, which JupyterLab sends with every API call of
    its pages) identifies nobody, so those calls fall back to the page's login cookie.
    """

    user_tokens = Dict({}, help="token -> username").tag(config=True)

    async def get_user_token(self, handler: web.RequestHandler) -> User | None:
        token = self.get_token(handler)
        username = self.user_tokens.get(token) if token else None
        if username is None:
            return None
        return User(
            username=username,
            name=username,
            display_name=username.title(),
            initials=username[:1].upper(),
            avatar_url=None,
            color=None,
        )


class ReadOnlyUsersAuthorizer(Authorizer):
    """Everything for everyone, except that ``read_only_users`` may not write contents."""

    read_only_users = List(Unicode(), help="usernames that may only read files").tag(config=True)

    def is_authorized(
        self, handler: web.RequestHandler, user: User, action: str, resource: str
    ) -> bool:
        return not (
            user.username in self.read_only_users and resource == "contents" and action == "write"
        )
