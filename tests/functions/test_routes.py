"""Greedy gateway routes, real routes in the apps: every page and API route reaches its function
through the template's few routes, with the right authorizer; a path nothing serves gets the
web app's own page (or the API's JSON), never API Gateway's `{"message":"Not Found"}`."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import chalice_routes
from helpers import app_routes, claims_for, http_event
from infra.functions import LambdaContext, load_handler, load_module
from infra.gateway import find_route, http_routes
from infra.template import function_events, load_template
from web_pages import headers_of, page_event, signed_in

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()
ROUTES = http_routes(TEMPLATE)


def _concrete(path: str) -> str:
    return re.sub(r"{\w+}", "x-1", path)


@pytest.mark.parametrize("method,path", app_routes("functions/web"))
def test_every_page_reaches_the_web_function_without_a_jwt(method, path):
    route, _params = find_route(ROUTES, method, _concrete(path))
    assert (route.function, route.authorizer) == ("WebFunction", None), (method, path)


@pytest.mark.parametrize("method,path", app_routes("functions/api"))
def test_every_api_route_reaches_the_api_function_behind_the_jwt_authorizer(method, path):
    route, _params = find_route(ROUTES, method, _concrete(path))
    assert (route.function, route.authorizer) == ("ApiFunction", "CognitoJwt"), (method, path)


def test_each_function_has_a_few_gateway_routes_however_many_routes_it_serves():
    per_function: dict[str, int] = {}
    for function, _name, _props in function_events(TEMPLATE, "HttpApi"):
        per_function[function] = per_function.get(function, 0) + 1
    assert per_function["WebFunction"] == 1  # $default
    assert per_function["ApiFunction"] <= 12 < len(app_routes("functions/api"))
    assert len(app_routes("functions/web")) > 80


CONSOLE_EVENTS = sorted(p for folder in ("api", "web", "track_click")
                        for p in (ROOT / "events" / folder).glob("*.json"))


@pytest.mark.parametrize("path", CONSOLE_EVENTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_console_event_is_what_the_gateway_sends_and_reaches_a_route(path):
    event = json.loads(path.read_text())
    if "triggerSource" in event or "source" in event:
        pytest.skip("not an HTTP event (a Cognito trigger, a schedule's)")
    if event.get("version") == "2.0":
        pytest.skip("a function URL's request, no gateway's: test_track_click_function_url.py")
    function = {"api": "ApiFunction", "web": "WebFunction",
                "track_click": "TrackClickFunction"}[path.parent.name]
    route, params = find_route(ROUTES, event["httpMethod"], event["path"])
    assert route.function == function
    resource = event["path"] if route.is_default else route.path
    assert event["resource"] == event["requestContext"]["resourcePath"] == resource
    assert (event["pathParameters"] or {}) == params
    if function != "TrackClickFunction":  # the edge's routes are the gateway's own
        app = load_module(f"functions/{path.parent.name}").app
        resolved = chalice_routes.resolve(chalice_routes.Router.of(app), event)
        assert resolved["resource"] != chalice_routes.FALLBACK, path.name


# ------------------------------------------------------------------ the router


def _router(*paths: str, methods: tuple[str, ...] = ("GET",)) -> chalice_routes.Router:
    return chalice_routes.Router(paths, {p: methods for p in paths})


def test_literal_segments_win_over_parameters_from_the_left():
    router = _router("/manage/posts/{post_id}", "/manage/posts/new", "/{a}/posts/new")
    assert router.match("/manage/posts/new").path == "/manage/posts/new"
    found = router.match("/manage/posts/p-9")
    assert (found.path, found.params) == ("/manage/posts/{post_id}", {"post_id": "p-9"})
    assert router.match("/other/posts/new").params == {"a": "other"}


def test_paths_no_route_has_are_not_matched():
    router = _router("/", "/news", "/news/{post_id}")
    assert router.match("/").path == "/"
    for path in ("/news/", "//news", "/news//x", "/newz", "/news/a/b", "", "news",
                 "/" + "/a" * 200):
        assert router.match(path) is None, path


def test_parameters_are_percent_decoded_and_bad_utf8_is_no_match():
    router = _router("/news/{post_id}")
    assert router.match("/news/caf%C3%A9%20x").params == {"post_id": "café x"}
    event = page_event("/news/{post_id}", params={"post_id": "%ff%fe"})
    assert chalice_routes.resolve(router, event)["requestContext"]["resourcePath"] == \
        chalice_routes.FALLBACK


def test_resolve_sets_the_route_head_is_get_and_a_wrong_method_falls_back():
    router = _router("/news/{post_id}", methods=("GET",))
    event = page_event("/news/{post_id}", params={"post_id": "p1"})
    event["resource"] = event["requestContext"]["resourcePath"] = "$default"
    event["pathParameters"] = None
    found = chalice_routes.resolve(router, event)
    assert (found["resource"], found["requestContext"]["resourcePath"]) == (
        "/news/{post_id}", "/news/{post_id}")
    assert found["pathParameters"] == {"post_id": "p1"}
    assert event["resource"] == "$default"  # the caller's event is left as it was

    event["httpMethod"] = event["requestContext"]["httpMethod"] = "HEAD"
    assert chalice_routes.resolve(router, event)["requestContext"]["httpMethod"] == "GET"
    event["httpMethod"] = event["requestContext"]["httpMethod"] = "DELETE"
    assert chalice_routes.resolve(router, event)["resource"] == chalice_routes.FALLBACK
    assert chalice_routes.allowed_methods(router, "/news/p1") == ["GET"]
    assert chalice_routes.allowed_methods(router, "/nothing") == []


# ------------------------------------------------------------------ what people see


def _through_default(path: str, method: str = "GET", headers: dict | None = None) -> dict:
    """A request as the gateway's $default route hands it to the web function."""
    event = page_event(path, method=method, headers=headers)
    event["resource"] = event["requestContext"]["resourcePath"] = path
    event["requestContext"]["resourceId"] = "$default"
    return event


@pytest.mark.parametrize("path", ["/newz", "/shop/redemptions/xyz", "/manage/nothing/here",
                                  "/wp-login.php", "/news/", "/%ff"])
def test_a_path_no_page_serves_gets_the_web_apps_404_page(web, path):
    answer = web(_through_default(path, headers={"accept-language": "fr-FR,fr;q=0.9"}))
    headers = headers_of(answer)
    assert answer["statusCode"] == 404
    assert headers["content-type"].startswith("text/html")
    assert "Page introuvable" in answer["body"] and 'lang="fr"' in answer["body"]
    assert "Il n’y a pas de page à cette adresse" in answer["body"]
    assert "Not Found" not in answer["body"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_the_404_page_speaks_english_to_an_english_browser_and_signed_in_employees(web):
    answer = web(_through_default("/newz", headers={**signed_in(), "accept-language": "en"}))
    assert answer["statusCode"] == 404 and "Page not found" in answer["body"]
    assert 'lang="en"' in answer["body"]


def test_a_page_asked_with_another_method_gets_405_with_allow(web):
    answer = web(_through_default("/leaderboard", method="DELETE"))
    assert answer["statusCode"] == 405
    assert headers_of(answer)["allow"] == "GET"
    posted = web(_through_default("/news", method="POST",
                                  headers={"content-type": "application/json"}))
    assert posted["statusCode"] == 405 and "text/html" in headers_of(posted)["content-type"]


def test_head_of_a_page_is_answered_like_get(web):
    answer = web(_through_default("/signin", method="HEAD"))
    assert answer["statusCode"] == 200


def test_a_page_behind_the_default_route_is_served(web):
    answer = web(_through_default("/signin", headers={"accept-language": "en"}))
    assert answer["statusCode"] == 200 and "Sign in" in answer["body"]


def test_the_api_answers_json_for_a_route_it_does_not_have(aws):
    handler = load_handler("ApiFunction")
    for path, method, status in (("/me/nothing", "GET", 404), ("/admin/x/y/z", "GET", 404),
                                 ("/me/profile", "DELETE", 405)):
        event = http_event("api/get_profile", claims=claims_for("e-1", "e@example.com"))
        event.update(path=path, httpMethod=method)
        event["requestContext"].update(path=path, httpMethod=method)
        answer = handler(event, LambdaContext("api"))
        assert answer["statusCode"] == status, (path, answer)
        body = json.loads(answer["body"])
        assert body["code"] == ("not_found" if status == 404 else "method_not_allowed")
        assert answer["headers"]["Content-Type"] == "application/json"
    assert answer["headers"]["Allow"] == "GET, PATCH"
