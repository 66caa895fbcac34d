"""web: the employees' web app, server-rendered (routes only; the work is in korpo/).

Pages are behind the HTTP API's `$default` route (no JWT authorizer): the session is an
HttpOnly cookie this function signs and checks itself (webapp/session.py). The gateway sends
every path no other function serves here, so the page is found by the app's own route table
(chalice_routes), and a path no page serves gets the 404 page. Routes are grouped by audience:
account pages (auth), the employee's pages (employee/: news and sharing, boards, points,
shop, profile), the admins' pages under /manage (admin/), what every visitor gets (site),
and the programme e-mails' one-click unsubscribe.
"""
from __future__ import annotations

from chalice import Chalice

import chalice_routes

from korpo import settings
from korpo.models import bind_tables
from webapp.pages import default_headers
from webapp.routes import admin, auth, employee, site, unsubscribe

bind_tables(settings.current())

app = Chalice(app_name="korpo-web")
for blueprint in (site.blueprint, auth.blueprint, unsubscribe.blueprint, *employee.BLUEPRINTS,
                  *admin.BLUEPRINTS):
    app.register_blueprint(blueprint)
router = chalice_routes.Router.of(app)
# The security headers on every answer, Chalice's own errors included (a 415, a 500).
chalice_routes.answer_with(app, default_headers)


def handler(event: dict, context) -> dict:
    return app(chalice_routes.resolve(router, event), context)
