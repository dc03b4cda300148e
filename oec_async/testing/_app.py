"""The aiohttp application: every route under `/api/public/v1`, behind the pipeline middleware."""

from __future__ import annotations

from aiohttp import web

from . import _routes_actions, _routes_environments, _routes_projects
from ._context import CONTEXT, Context
from ._middleware import pipeline
from ._state import API_PREFIX

ROUTE_TABLES = (
    _routes_projects.routes,
    _routes_environments.routes,
    _routes_actions.routes,
)


def build_app(ctx: Context) -> web.Application:
    """Return the fake's application serving `ctx`."""
    app = web.Application(middlewares=[pipeline], client_max_size=2**20)
    app[CONTEXT] = ctx
    for table in ROUTE_TABLES:
        for route in table:
            if isinstance(route, web.RouteDef):
                app.router.add_route(route.method, API_PREFIX + route.path, route.handler)
    return app
