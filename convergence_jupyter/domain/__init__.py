"""What every domain service shares: the session handle, service errors and the per-domain runtime.

Services depend on this package, never on ``realtime``: the websocket layer implements
:class:`~convergence_jupyter.domain.session.SessionHandle` and plugs services in.
"""
