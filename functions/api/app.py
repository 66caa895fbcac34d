"""api: the HTTP API for employees and admins (routes only; the work is in korpo/).

Authentication is the gateway's: the HttpApi JWT authorizer verifies the Cognito token and
passes its claims in the request context. The gateway's routes are greedy (`/me/{proxy+}`…):
the route is found by the app's own route table (chalice_routes). Routes are split by audience into blueprints
(korpo_api/employee.py, korpo_api/admin.py). The user pool's PreSignUp trigger is a function of
its own (functions/cognito_triggers), so that this one may name the pool.
"""
from __future__ import annotations

from aws_lambda_powertools import Logger
from chalice import Chalice, Response

import chalice_routes

from korpo import settings
from korpo.models import bind_tables
from korpo_api import admin, employee
from korpo_api.common import SECURITY_HEADERS, problem, readable_query

logger = Logger(service="api")
_settings = settings.current()
bind_tables(_settings)

app = Chalice(app_name="korpo-api")
app.register_blueprint(employee.bp)
app.register_blueprint(admin.bp)
router = chalice_routes.Router.of(app)
chalice_routes.answer_with(app, lambda request: SECURITY_HEADERS)


@app.route(chalice_routes.FALLBACK, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                             "OPTIONS"])
def no_such_route():
    """What the gateway sent here that no route serves: 405 with Allow, or 404."""
    path = app.current_request.context.get("path") or "/"
    allowed = chalice_routes.allowed_methods(router, path)
    if allowed:
        return Response(status_code=405, headers={"Allow": ", ".join(allowed),
                                                  "Content-Type": "application/json"},
                        body={"code": "method_not_allowed",
                              "message": f"this route takes {', '.join(allowed)}"})
    return problem(404, "not_found", "no such route")


@app.middleware("http")
def json_content_type(event, get_response):  # noqa: ANN001 - Chalice's middleware signature
    """Every answer names its type (Chalice leaves it to the gateway when a route returns a
    dict or an error): JSON unless the route said otherwise. A query string that is not text
    is refused before any route reads it."""
    if not readable_query(event):
        response = problem(400, "invalid_query", "the query string holds text that is not "
                           "valid: control characters or bytes that are not UTF-8")
    else:
        response = get_response(event)
    if not any(k.lower() == "content-type" for k in response.headers):
        response.headers["Content-Type"] = "application/json"
    return response


def handler(event: dict, context) -> dict:
    return app(chalice_routes.resolve(router, event), context)
