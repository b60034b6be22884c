"""``…/api/v1/openapi.json`` (generated from the registry) and the ``…/api/v1/docs`` page.

The page is our own small HTML that renders the document with the Swagger UI assets shipped by
the ``swagger-ui-bundle-v2`` package, served from this server (no CDN). Both are readable
without credentials: they describe the API and hold no data; every operation still needs auth.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from convergence_jupyter.rest.framework import API_PREFIX, RouteTable
from convergence_jupyter.rest.openapi import build_openapi

PAGE_DIR = Path(__file__).with_name("docs_page")
SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)


class OpenApiHandler(JupyterHandler):
    """The OpenAPI 3.1 document, built once per process (the registry is fixed at start)."""

    def initialize(self, routes: RouteTable) -> None:
        self._routes = routes

    @allow_unauthenticated
    def get(self) -> None:
        cache: dict[str, str] = self.settings.setdefault("convergence_openapi", {})
        server_url = url_path_join(self.base_url, API_PREFIX)
        text = cache.get(server_url)
        if text is None:
            text = json.dumps(build_openapi(self._routes, server_url=server_url), indent=1)
            cache[server_url] = text
        self.set_header("Content-Type", "application/json")
        self.finish(text)


class DocsPageHandler(JupyterHandler):
    @allow_unauthenticated
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((PAGE_DIR / "index.html").read_bytes())


class DocsAssetHandler(web.StaticFileHandler):
    """Static files of the page and of Swagger UI (``allow_unauthenticated`` like the page)."""

    @allow_unauthenticated
    def get(self, path: str, include_body: bool = True) -> Any:
        return super().get(path, include_body)


def docs_handlers(
    routes: RouteTable,
) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    """Handlers for the document and the page; mount them before the REST catch-all."""
    return [
        (r"/convergence/api/v1/openapi.json", OpenApiHandler, {"routes": routes}),
        (r"/convergence/api/v1/docs/ui/(.*)", DocsAssetHandler, {"path": str(SWAGGER_UI_DIR)}),
        (r"/convergence/api/v1/docs/page/(.*)", DocsAssetHandler, {"path": str(PAGE_DIR)}),
        (r"/convergence/api/v1/docs", DocsPageHandler, {}),
    ]
