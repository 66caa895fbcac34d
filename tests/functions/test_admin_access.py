"""Who may do what, generated from the apps' route tables, so a route added later is in the
matrix without anyone remembering to add it:

- every admin page (/manage…, the web function) × a stranger, an employee, an admin:
  the sign-in page (303), 403, and an answer that is neither (the page, its form's errors, a
  redirect after the change, or 404 for an id that does not exist);
- every admin route of the JSON API (/admin…): the gateway's JWT authorizer guards it (401
  without a token), an employee's token gets 403, an admin's gets through;
- no employee route names another employee: nobody reads another's e-mail or ledger.
"""
from __future__ import annotations

import re

from urllib.parse import parse_qs, urlsplit

import pytest

from helpers import app_routes, claims_for, http_event
from infra.functions import LambdaContext, load_handler
from infra.gateway import find_route, http_routes
from infra.template import load_template
from web_pages import as_admin, form, headers_of, page_event, signed_in

TEMPLATE = load_template()
ADMIN_PAGES = app_routes("functions/web", "/manage")
ADMIN_API = app_routes("functions/api", "/admin")
EMPLOYEE_API = [r for r in app_routes("functions/api") if not r[1].startswith("/admin")]


def _params(path: str) -> dict[str, str]:
    return {name: "no-such-thing" for name in re.findall(r"{(\w+)}", path)}


def _page(method: str, path: str, who: dict | None) -> dict:
    headers = {**(who or {}), "accept-language": "en"}
    if method == "POST":
        return form(path, {}, params=_params(path) or None, who=headers)
    return page_event(path, method=method, params=_params(path) or None, headers=headers)


def test_the_matrix_has_the_admin_routes():
    assert ("GET", "/manage") in ADMIN_PAGES and len(ADMIN_API) >= 10
    assert {("POST", "/manage/employees/invite"),
            ("POST", "/manage/employees/newcomers/{newcomer_id}/resend"),
            ("POST", "/manage/employees/newcomers/{newcomer_id}/withdraw")} <= set(ADMIN_PAGES)


@pytest.mark.parametrize("method,path", ADMIN_PAGES)
def test_an_admin_page_is_for_admins_only(web, method, path):
    stranger = web(_page(method, path, None))
    assert stranger["statusCode"] == 303
    assert headers_of(stranger)["location"].startswith("/signin?next=")

    employee = web(_page(method, path, signed_in()))
    assert employee["statusCode"] == 403, employee["body"][:300]
    assert "administrat" in employee["body"]  # administrators, administrateurs (FR)

    boss = web(_page(method, path, as_admin()))
    assert boss["statusCode"] in (200, 303, 400, 404, 409, 422), (boss["statusCode"],
                                                                   boss["body"][:500])
    if method == "GET" and not _params(path):
        if boss["statusCode"] == 303:  # a create form gives itself a token first
            location = urlsplit(headers_of(boss)["location"])
            assert location.path == path and "t" in parse_qs(location.query), location
            boss = web(page_event(path, query={"t": parse_qs(location.query)["t"][0]},
                                  headers={**as_admin(), "accept-language": "en"}))
        assert boss["statusCode"] == 200


@pytest.mark.parametrize("method,path", ADMIN_API)
def test_an_admin_api_route_is_for_admins_only(aws, method, path):
    params = _params(path)
    concrete = path
    for key, value in params.items():
        concrete = concrete.replace("{" + key + "}", value)
    # The gateway's route for this path is the API function's, with the JWT authorizer: 401
    # without a valid token before the function runs (tests/infra/test_local_auth.py).
    gateway_route, proxy = find_route(http_routes(TEMPLATE), method, concrete)
    assert (gateway_route.function, gateway_route.authorizer) == ("ApiFunction", "CognitoJwt")

    handler = load_handler("ApiFunction")
    event = http_event("api/admin_list_feeds", claims=claims_for("e-1", "e@example.com"))
    event.update(resource=gateway_route.path, path=concrete, httpMethod=method,
                 pathParameters=proxy or None, body="{}" if method != "GET" else None)
    event["headers"]["content-type"] = "application/json"
    event["requestContext"].update(resourcePath=gateway_route.path, path=concrete,
                                   httpMethod=method)
    assert handler(event, LambdaContext("api"))["statusCode"] == 403

    event["requestContext"]["authorizer"]["claims"] = claims_for("a-1", "a@example.com",
                                                                 admin=True)
    status = handler(event, LambdaContext("api"))["statusCode"]
    assert status not in (401, 403) and status < 500, status


def test_no_employee_route_names_another_employee():
    for _method, path in EMPLOYEE_API:
        assert "{employee" not in path, path


def test_an_employee_never_reads_another_employees_email_or_ledger(web, api):
    """Two employees with profiles, points and a ledger line each: whatever page or route
    one of them opens, the other's e-mail and ledger lines are not in it."""
    from datetime import datetime, timezone

    from korpo import settings
    from korpo.people import employees
    from korpo.scoring import award
    from korpo.scoring.rules import Rules, ScoredEvent
    from web_pages import ME, session_cookie

    other, other_email = "0b0b0b0b-3333-4a2b-9c3d-0123456789ab", "zed.secret@example.com"
    employees.ensure_profile(employees.Identity(ME, "ann.lee@example.com", name="Ann"))
    employees.ensure_profile(employees.Identity(other, other_email, name="Zed"))
    now = datetime.now(timezone.utc)
    cfg = settings.current()
    outcome = award.process(
        [ScoredEvent(f"evt-{who}", "click", "human", who, now, post_id=f"post-{who[:4]}",
                     network="linkedin", referrer="linkedin", visitor_key=f"v-{who}")
         for who in (ME, other)],
        award.Context(rules=Rules(points_per_click=10), zone=cfg.zone,
                      scores_table=cfg.scores_table))
    assert len(outcome.awarded) == 2

    mine = {"cookie": session_cookie(ME), "accept-language": "en"}
    for path in ("/news", "/leaderboard", "/leaderboard/teams", "/points", "/shop",
                 "/shop/redemptions", "/profile", "/profile/export"):
        body = web(page_event(path, headers=mine))["body"]
        assert other_email not in body and f"evt-{other}" not in body, path
    assert "Zed" in web(page_event("/leaderboard", headers=mine))["body"]  # named, not mailed

    claims = claims_for(ME, "ann.lee@example.com")
    for name in ("api/get_board", "api/my_ledger", "api/get_me", "api/get_profile",
                 "api/export_my_data", "api/get_team_board", "api/my_redemptions"):
        answer = api(name, claims=claims)
        assert answer["statusCode"] == 200, (name, answer["body"][:300])
        # The board names others by their opaque id and display name: never an e-mail, never
        # a line of their ledger.
        assert other_email not in answer["body"] and f"evt-{other}" not in answer["body"], name
    assert f"evt-{ME}" in api("api/my_ledger", claims=claims)["body"]
