"""The local gateway turns requests into the payload 1.0 events API Gateway sends."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from infra.auth import Unauthorized
from infra.gateway import (
    Gateway, HttpRequest, Route, build_event, find_route, http_routes, response_from_lambda,
)
from infra.template import ROOT, function_events, load_template

WHEN = datetime(2026, 11, 22, 10, 15, 3, tzinfo=timezone.utc)


def request(method="GET", path="/", query="", headers=(), body=b""):
    return HttpRequest(method=method, raw_path=path, query=query,
                       headers=[("Host", "127.0.0.1:3000"), ("User-Agent", "pytest/1"),
                                *headers],
                       body=body, source_ip="127.0.0.1", received_at=WHEN)


def test_every_http_event_of_the_template_is_a_route():
    template = load_template()
    routes = http_routes(template)
    declared = {(p["Method"].upper(), p["Path"]) for _f, _e, p in function_events(
        template, "HttpApi")}
    assert {(r.method, r.path) for r in routes} == declared
    by_key = {r.key: r for r in routes}
    assert by_key["GET /l/{code}"].authorizer is None  # Auth.Authorizer: NONE
    assert by_key["GET /l/{code}"].function == "TrackClickFunction"
    assert by_key["ANY /me"].authorizer == "CognitoJwt"  # the API's DefaultAuthorizer
    assert by_key["ANY /posts/{proxy+}"].function == "ApiFunction"
    assert (by_key["$default"].function, by_key["$default"].authorizer) == ("WebFunction", None)
    assert {r.payload_version for r in routes} == {"1.0"}


def test_the_default_route_takes_what_no_other_route_does():
    routes = [Route("Web", "pages", "ANY", "$default", None),
              Route("Api", "me", "ANY", "/me/{proxy+}", "Jwt"),
              Route("Edge", "link", "GET", "/l/{code}", None)]
    assert find_route(routes, "GET", "/me/profile")[0].function == "Api"
    assert find_route(routes, "GET", "/l/abc")[0].function == "Edge"
    for method, path in (("GET", "/me"), ("POST", "/l/abc"), ("GET", "/newz"), ("PUT", "/")):
        assert find_route(routes, method, path) == (routes[0], {}), (method, path)
    event = build_event(routes[0], {}, request("GET", "/newz", query="a=1"), None, "api1",
                        "123456789012")
    assert (event["resource"], event["requestContext"]["resourcePath"]) == ("/newz", "/newz")
    assert event["requestContext"]["resourceId"] == "$default"
    assert event["pathParameters"] is None


def test_no_route_is_declared_twice():
    """API Gateway refuses a second integration for one route key: a page and an API route
    must never share one (the web app's /leaderboard is not the API's /board)."""
    declared = [f"{p['Method'].upper()} {p['Path']}"
                for _f, _e, p in function_events(load_template(), "HttpApi")]
    assert sorted(k for k in set(declared) if declared.count(k) > 1) == []


def test_matching_prefers_literal_paths_and_checks_the_method():
    routes = [Route("F", "a", "GET", "/posts/{post_id}", None),
              Route("F", "b", "GET", "/posts/latest", None),
              Route("F", "c", "ANY", "/files/{path+}", None),
              Route("F", "d", "POST", "/posts/{post_id}/share", None)]
    assert find_route(routes, "GET", "/posts/latest")[0].event_name == "b"
    assert find_route(routes, "GET", "/posts/abc") == (routes[0], {"post_id": "abc"})
    assert find_route(routes, "POST", "/posts/abc/share")[1] == {"post_id": "abc"}
    assert find_route(routes, "GET", "/posts/abc/share") is None
    assert find_route(routes, "DELETE", "/files/a/b%20c") == (routes[2], {"path": "a/b c"})
    assert find_route(routes, "GET", "/posts") is None
    assert find_route(routes, "GET", "/posts/") is None


def test_event_shape_for_a_jwt_route_with_path_parameters():
    route = Route("ApiFunction", "SharePost", "POST", "/posts/{post_id}/share", "CognitoJwt")
    authorizer = {"claims": {"sub": "u-1", "cognito:groups": "[admins]"}, "scopes": None}
    event = build_event(route, {"post_id": "p1"}, request(
        "POST", "/posts/p1/share", "a=1&a=2&b=",
        [("Content-Type", "application/json"), ("X-Thing", "one"), ("x-thing", "two")],
        b'{"network": "linkedin"}'), authorizer, "abc123", "123456789012",
        request_id="REQ=", port=3000)
    assert event["version"] == "1.0"
    assert event["resource"] == "/posts/{post_id}/share"
    assert event["path"] == "/posts/p1/share"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"post_id": "p1"}
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert event["stageVariables"] is None
    assert event["body"] == '{"network": "linkedin"}' and event["isBase64Encoded"] is False
    headers = event["headers"]
    assert all(k == k.lower() for k in headers)  # HTTP APIs lower-case header names
    assert headers["x-thing"] == "two"
    assert event["multiValueHeaders"]["x-thing"] == ["one", "two"]
    assert headers["host"] == "127.0.0.1:3000" and headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-port"] == "3000" and headers["x-forwarded-proto"] == "http"
    context = event["requestContext"]
    assert context["resourcePath"] == "/posts/{post_id}/share"  # what Chalice routes on
    assert context["resourceId"] == "POST /posts/{post_id}/share"
    assert context["path"] == "/posts/p1/share"
    assert context["httpMethod"] == "POST" and context["stage"] == "$default"
    assert context["authorizer"] == authorizer
    assert context["domainName"] == "127.0.0.1:3000" and context["domainPrefix"] == "127"
    assert context["apiId"] == "abc123" and context["accountId"] == "123456789012"
    assert context["requestId"] == context["extendedRequestId"] == "REQ="
    assert context["requestTime"] == "22/Nov/2026:10:15:03 +0000"
    assert context["requestTimeEpoch"] == int(WHEN.timestamp() * 1000)
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "pytest/1"
    assert context["protocol"] == "HTTP/1.1"
    # Same top-level keys as the console events the functions are tested with.
    with open(ROOT / "events" / "api" / "get_me.json") as handle:
        sample = json.load(handle)
    assert set(event) == set(sample)
    assert set(context) == set(sample["requestContext"])
    assert set(context["identity"]) == set(sample["requestContext"]["identity"])


def test_event_shape_for_a_public_route_without_query_or_body():
    route = Route("TrackClickFunction", "ShareLink", "GET", "/l/{code}", None)
    event = build_event(route, {"code": "abc"}, request("GET", "/l/abc"), None, "a", "1")
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["requestContext"]["authorizer"] == {"claims": None, "scopes": None}
    no_params = build_event(Route("F", "e", "GET", "/me", None), {}, request("GET", "/me"),
                            None, "a", "1")
    assert no_params["pathParameters"] is None


def test_a_binary_body_is_base64_encoded():
    event = build_event(Route("F", "e", "POST", "/x", None), {}, request(
        "POST", "/x", headers=[("Content-Type", "image/png")], body=b"\x89PNG\x00"),
        None, "a", "1")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00"


def test_lambda_responses_are_written_as_api_gateway_writes_them():
    response = response_from_lambda({
        "statusCode": 302, "headers": {"Location": "https://x", "A": "1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "a": ["2"]}, "body": ""})
    assert response.status == 302
    assert ("Location", "https://x") in response.headers
    assert [v for k, v in response.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert [v for k, v in response.headers if k.lower() == "a"] == ["2"]
    binary = response_from_lambda({"statusCode": 200, "isBase64Encoded": True,
                                   "body": base64.b64encode(b"\x00\x01").decode()})
    assert binary.body == b"\x00\x01"
    for bad in (None, "text", {"body": "x"}, {"statusCode": "abc"}):
        broken = response_from_lambda(bad)
        assert (broken.status, broken.body) == (500, b'{"message":"Internal Server Error"}')


class FakeAuthorizer:
    def authorize(self, header, scopes=None):
        if header != "Bearer good":
            raise Unauthorized("bad")
        return {"claims": {"sub": "u-1"}, "scopes": None}


def make_gateway(invoke):
    routes = [Route("ApiFunction", "GetMe", "GET", "/me", "CognitoJwt"),
              Route("TrackClickFunction", "ShareLink", "GET", "/l/{code}", None)]
    return Gateway(routes, {"CognitoJwt": FakeAuthorizer()}, invoke, "api", "1",
                   log=lambda _msg: None)


def test_the_gateway_answers_as_api_gateway():
    seen = []

    def invoke(function, event):
        seen.append((function, event))
        if event["path"] == "/l/boom":
            raise RuntimeError("boom")
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"claims": event["requestContext"]["authorizer"]["claims"]})}

    gateway = make_gateway(invoke)
    missing = gateway.handle(request("GET", "/nope"))
    assert (missing.status, missing.body) == (404, b'{"message":"Not Found"}')
    wrong_method = gateway.handle(request("POST", "/me"))
    assert wrong_method.status == 404
    unauthorized = gateway.handle(request("GET", "/me"))
    assert (unauthorized.status, unauthorized.body) == (401, b'{"message":"Unauthorized"}')
    assert gateway.handle(request("GET", "/me", headers=[("Authorization", "Bearer bad")])
                          ).status == 401
    assert seen == []  # the function never ran
    ok = gateway.handle(request("GET", "/me", headers=[("Authorization", "Bearer good")]))
    assert ok.status == 200 and json.loads(ok.body) == {"claims": {"sub": "u-1"}}
    assert any(k == "apigw-requestid" for k, _ in ok.headers)
    public = gateway.handle(request("GET", "/l/abc"))
    assert public.status == 200 and seen[-1][0] == "TrackClickFunction"
    failed = gateway.handle(request("GET", "/l/boom"))
    assert (failed.status, failed.body) == (500, b'{"message":"Internal Server Error"}')


def test_chalice_routes_the_event():
    """Chalice matches on requestContext.resourcePath and reads the 1.0 fields."""
    from chalice import Chalice

    app = Chalice(app_name="probe")

    @app.route("/posts/{post_id}/share", methods=["POST"])
    def share(post_id):
        r = app.current_request
        return {"post_id": post_id, "body": r.json_body, "q": r.query_params,
                "sub": r.context["authorizer"]["claims"]["sub"],
                "host": r.headers["host"]}

    route = Route("ApiFunction", "SharePost", "POST", "/posts/{post_id}/share", "CognitoJwt")
    event = build_event(route, {"post_id": "p9"}, request(
        "POST", "/posts/p9/share", "x=1", [("Content-Type", "application/json")],
        b'{"network": "linkedin"}'), {"claims": {"sub": "u-1"}, "scopes": None}, "a", "1")
    response = response_from_lambda(app(event, None))
    assert response.status == 200
    assert json.loads(response.body) == {"post_id": "p9", "body": {"network": "linkedin"},
                                         "q": {"x": "1"}, "sub": "u-1",
                                         "host": "127.0.0.1:3000"}


def test_payload_2_0_is_refused_at_startup():
    template = load_template()
    template["Resources"]["ApiFunction"]["Properties"]["Events"]["Me"]["Properties"][
        "PayloadFormatVersion"] = "2.0"
    with pytest.raises(NotImplementedError):
        http_routes(template)


def test_the_gateway_serves_http_on_loopback():
    import requests

    gateway = make_gateway(lambda fn, event: {"statusCode": 201, "headers": {"X-Fn": fn},
                                              "body": event["body"] or ""})
    port = gateway.bind(0)
    gateway.serve_in_background()
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/l/abc", timeout=5)
        assert answer.status_code == 201 and answer.headers["X-Fn"] == "TrackClickFunction"
        assert requests.get(f"http://127.0.0.1:{port}/me", timeout=5).json() == {
            "message": "Unauthorized"}
        assert requests.get(f"http://127.0.0.1:{port}/x", timeout=5).status_code == 404
    finally:
        gateway.stop()


@pytest.mark.parametrize("headers", [
    {"Location": "/\u3002evil.example"},  # what the web app once sent for ?next=/。evil.example
    {"Location": "/ok\r\nSet-Cookie: stolen=1"},
    {"X-Name": "Zo\u00eb"},
])
def test_an_answer_with_a_header_no_gateway_can_send_is_a_500_not_a_dropped_connection(
        headers):
    import requests

    gateway = make_gateway(lambda fn, event: {"statusCode": 302, "headers": headers,
                                              "body": ""})
    assert response_from_lambda({"statusCode": 302, "headers": headers}).status == 500
    port = gateway.bind(0)
    gateway.serve_in_background()
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/l/abc", timeout=5,
                              allow_redirects=False)
        assert answer.status_code == 500
        assert answer.json() == {"message": "Internal Server Error"}
        assert "stolen" not in answer.headers.get("Set-Cookie", "")
    finally:
        gateway.stop()
