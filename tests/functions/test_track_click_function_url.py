"""The public edge behind its own function URL (`PublicEdge=function-url`): payload 2.0 events,
every path, cookies in a list, answered in the shape a function URL takes. The same handler
answers the HTTP API's 1.0 events (test_track_click.py, test_conversions.py)."""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from helpers import load_event
from test_track_click import CONVERSION_SECRET, VISITOR_SECRET, app, link  # noqa: F401

from infra.functions import LambdaContext


def _request(handler, path, *, method="GET", query=None, headers=None, cookies=None,
             body=None, ip="198.51.100.7"):
    event = load_event("track_click/function_url_follow_link")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["sourceIp"] = ip
    event["rawQueryString"] = urlencode(query or {})
    if query:
        event["queryStringParameters"] = query
    event["headers"].update(headers or {})
    if cookies is not None:
        event["cookies"] = cookies
    if body is not None:
        event["body"] = body
    return handler(event, LambdaContext("track_click"))


def _events(kind):
    from korpo.models import EventModel

    return [e for e in EventModel.scan() if e.type == kind]


def test_a_click_through_the_function_url_redirects_and_records_one_human_click(app, link):
    response = _request(app.handler, f"/l/{link.code}")
    assert response["statusCode"] == 302
    assert "multiValueHeaders" not in response  # a function URL takes none
    location = urlsplit(response["headers"]["Location"])
    assert (location.netloc, location.path) == ("blog.example.com", "/launch")
    (click,) = _events("click")
    assert parse_qs(location.query)["korpo_click"] == [click.event_id]
    assert (click.klass, click.code, click.referrer) == ("human", link.code, "linkedin")
    # The visitor is the request context's source address: the same one again is a repeat.
    _request(app.handler, f"/l/{link.code}")
    _request(app.handler, f"/l/{link.code}", ip="203.0.113.9")
    assert sorted(e.klass for e in _events("click")) == ["human", "human", "repeat"]


def test_the_sharers_cookie_comes_in_the_cookies_list(app, link):
    from korpo.tracking import visitors

    own = visitors.self_cookie_value(VISITOR_SECRET, "emp-1")
    _request(app.handler, f"/l/{link.code}", cookies=["theme=dark", f"korpo_emp={own}"])
    assert [e.klass for e in _events("click")] == ["self"]


def test_head_unknown_codes_and_paths_no_route_serves(app, link):
    head = _request(app.handler, f"/l/{link.code}", method="HEAD")
    assert head["statusCode"] == 302 and _events("click") == []
    for path in ("/l/Zz9zZz9zZz", "/", "/robots.txt", "/l/", "/l/a/b", "/manage"):
        answer = _request(app.handler, path)
        assert answer["statusCode"] == 404, path
        assert "This link does not work" in answer["body"]
    assert _request(app.handler, f"/l/{link.code}", method="DELETE")["statusCode"] == 404
    assert _events("click") == []


def test_the_pixel_and_a_signed_conversion_through_the_function_url(app, link):
    from korpo.tracking.conversions import signature

    click = _request(app.handler, f"/l/{link.code}")
    click_id = parse_qs(urlsplit(click["headers"]["Location"]).query)["korpo_click"][0]
    pixel = _request(app.handler, "/c.gif", query={"click_id": click_id, "type": "lead"})
    assert pixel["statusCode"] == 200 and pixel["headers"]["Content-Type"] == "image/gif"
    assert base64.b64decode(pixel["body"]).startswith(b"GIF89a")
    body = json.dumps({"click_id": click_id, "type": "signup", "external_id": "order-7"})
    ts = str(int(time.time()))
    answer = _request(app.handler, "/conversions", method="POST", body=body, headers={
        "content-type": "application/json", "x-korpo-timestamp": ts,
        "x-korpo-signature": signature(CONVERSION_SECRET, ts, body.encode())})
    assert answer["statusCode"] == 201, answer
    assert json.loads(answer["body"])["status"] == "recorded"
    assert sorted(c.trust for c in _events("conversion")) == ["pixel", "signed"]


def test_the_console_event_is_a_function_url_request(app):
    event = load_event("track_click/function_url_follow_link")
    assert event["version"] == "2.0" and "http" in event["requestContext"]
    answer = app.handler(event, LambdaContext("track_click"))
    assert answer["statusCode"] == 404  # its code is an example: put a real one in rawPath
