"""``POST {base_url}convergence/api/v1/login-bridge/token``: a Convergence JWT for the Jupyter user.

Protected by jupyter_server's authentication, authorization (``read`` on the ``convergence``
resource) and XSRF rules, so only the logged-in user's own pages (or holders of the Jupyter
token) can obtain a token; the response is marked uncacheable.
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from convergence_jupyter.auth.jupyter_users import convergence_identity
from convergence_jupyter.auth.login_bridge import LoginBridge

AUTH_RESOURCE = "convergence"


class LoginBridgeTokenHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    def initialize(self, bridge: LoginBridge, realtime_path: str) -> None:
        self._bridge = bridge
        self._realtime_path = realtime_path

    @web.authenticated
    @authorized(action="read", resource=AUTH_RESOURCE)
    async def post(self) -> None:
        identity = convergence_identity(self.current_user, self.identity_provider)
        token, expires = await self._bridge.issue(identity)
        scheme = "wss" if self.request.protocol == "https" else "ws"
        self.set_header("Cache-Control", "no-store")
        self.finish(
            json.dumps(
                {
                    "jwt": token,
                    "expiresAt": expires.isoformat(),
                    "username": identity.username,
                    "realtimeUrl": f"{scheme}://{self.request.host}{self._realtime_path}",
                }
            )
        )
