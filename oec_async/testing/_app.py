"""The aiohttp application: every route under `/api/public/v1`, behind the pipeline middleware."""

from __future__ import annotations

from aiohttp import web

from . import (
    _routes_actions,
    _routes_backups,
    _routes_env_admin,
    _routes_environments,
    _routes_live,
    _routes_org,
    _routes_projects,
    _routes_webhooks,
)
from ._context import CONTEXT, Context
from ._delivery import WebhookDispatcher
from ._middleware import pipeline
from ._state import API_PREFIX

ROUTE_TABLES = (
    _routes_projects.routes,
    _routes_environments.routes,
    _routes_actions.routes,
    _routes_env_admin.routes,
    _routes_live.routes,
    _routes_backups.routes,
    _routes_webhooks.routes,
    _routes_org.routes,
)


def build_app(ctx: Context, dispatcher: WebhookDispatcher) -> web.Application:
    """Return the fake's application serving `ctx`, delivering webhooks through `dispatcher`."""
    app = web.Application(middlewares=[pipeline], client_max_size=2**20)
    app[CONTEXT] = ctx
    app[_routes_webhooks.DISPATCHER] = dispatcher
    for table in ROUTE_TABLES:
        for route in table:
            if isinstance(route, web.RouteDef):
                app.router.add_route(route.method, API_PREFIX + route.path, route.handler)
    return app
