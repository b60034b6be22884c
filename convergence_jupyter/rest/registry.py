"""The single list of REST routers: served by the handler, described by OpenAPI, offered by the
CLI. Add a resource family with one line (its module exports ``router``)."""

from __future__ import annotations

from convergence_jupyter.rest import (
    activities,
    api_keys,
    chats,
    collections,
    domains,
    groups,
    jwt_keys,
    links,
    models,
    path_permissions,
    server,
    sessions,
    users,
    webhooks,
    workspaces,
)
from convergence_jupyter.rest.framework import Router

ROUTERS: list[Router] = [
    server.router,
    api_keys.router,
    domains.router,
    users.router,
    groups.router,
    sessions.router,
    jwt_keys.router,
    collections.router,
    models.router,
    path_permissions.router,
    links.router,
    chats.router,
    activities.router,
    webhooks.router,
    workspaces.router,
]

__all__ = ["ROUTERS"]
