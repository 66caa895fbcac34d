"""track_click end to end over HTTP against the local stack: classified clicks, HEAD, signed
and pixel conversions, and the fallback queue's drain, through the template's routes."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from infra.template import ROOT

BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")


def seeded_stack(**parameters: str):
    """A seeded local stack with these template parameters, stopped after."""
    from infra.local_stack import start

    running = start(port=0, moto_port=0, seed=True, auto=False, background=True, quiet=True,
                    parameters=parameters)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def stack():
    yield from seeded_stack()


@pytest.fixture(scope="module")
def shared(stack):
    """A post, an employee signed in (with the self cookie GET /me set), their share link."""
    from helpers import make_post

    make_post("e2e-post", url=f"{stack.gateway_url}/_local")
    email = stack.demo.logins[1][0]
    auth = {"Authorization": f"Bearer {stack.sign_in(email)['IdToken']}"}
    me = requests.get(f"{stack.gateway_url}/me", headers=auth, timeout=30)
    assert me.status_code == 200, me.text
    set_cookie = me.headers["Set-Cookie"]
    assert "korpo_emp=" in set_cookie and "Path=/l/" in set_cookie and "HttpOnly" in set_cookie
    share = requests.post(f"{stack.gateway_url}/posts/e2e-post/share", headers=auth,
                          json={"network": "linkedin"}, timeout=30)
    assert share.status_code == 200, share.text
    return {"url": share.json()["url"], "cookie": set_cookie.split(";")[0],
            "employee_id": me.json()["employee_id"]}


def _events(stack):
    import boto3

    dynamodb = boto3.client("dynamodb", region_name=stack.resources.region,
                            endpoint_url=stack.moto_url)
    table = stack.resources.tables["EventsTable"]
    return [{k: next(iter(v.values())) for k, v in item.items()}
            for item in dynamodb.scan(TableName=table)["Items"]]


def _visit(url, **headers):
    """A browser following the link: Safari's user agent and navigation headers."""
    from helpers import SAFARI_NAVIGATION

    return requests.get(url, allow_redirects=False, timeout=30,
                        headers={"User-Agent": BROWSER, **SAFARI_NAVIGATION, **headers})


def test_clicks_are_classified_and_head_records_nothing(stack, shared):
    before = len(_events(stack))
    head = requests.head(shared["url"], allow_redirects=False, timeout=30,
                         headers={"User-Agent": BROWSER})
    assert head.status_code == 302 and "korpo_click" not in head.headers["Location"]
    assert len(_events(stack)) == before

    first = _visit(shared["url"], Referer="https://www.linkedin.com/feed/")
    again = _visit(shared["url"])
    bot = _visit(shared["url"], **{"User-Agent": "Slackbot-LinkExpanding 1.0"})
    own = _visit(shared["url"], Cookie=shared["cookie"])
    # Safari's user agent without what its navigation sends (a script, or unprovable)
    unproven = requests.get(shared["url"], allow_redirects=False, timeout=30,
                            headers={"User-Agent": BROWSER, "Accept": "*/*"})
    for answer in (first, again, bot, own, unproven):
        assert answer.status_code == 302, answer.text
    clicks = [e for e in _events(stack) if e["type"] == "click"]
    assert sorted(e["klass"] for e in clicks) == ["bot", "human", "repeat", "self",
                                                  "unverified"]
    human = next(e for e in clicks if e["klass"] == "human")
    assert human["referrer"] == "linkedin" and human["employee_id"] == shared["employee_id"]
    assert all(len(e["visitor_key"]) == 32 for e in clicks)
    assert not any("127.0.0.1" in json.dumps(e) for e in clicks)  # the source IP is nowhere
    assert parse_qs(urlsplit(first.headers["Location"]).query)["korpo_click"] == [
        human["event_id"]]


def test_bad_input_gets_a_clear_4xx(stack, shared):
    g = stack.gateway_url
    assert _visit(f"{g}/l/..%2F..%2Fetc").status_code == 404
    assert _visit(shared["url"], **{"User-Agent": "x" * 5000}).status_code == 431
    assert requests.put(shared["url"], timeout=30).status_code == 404  # no such route
    refused = requests.post(f"{g}/conversions", data="hello", timeout=30,
                            headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415


def test_signed_conversion_once_and_the_pixel(stack, shared):
    from korpo.tracking.conversions import signature

    click = _visit(shared["url"], **{"User-Agent": BROWSER + " e2e-conversion"})
    click_id = parse_qs(urlsplit(click.headers["Location"]).query)["korpo_click"][0]
    body = json.dumps({"click_id": click_id, "type": "signup", "value": 10,
                       "currency": "EUR", "external_id": "e2e-order-1"})
    secret = stack.secret("conversion-secret")  # in moto's SSM, as make deploy made it

    def post(body_text, secret_text=secret):
        ts = str(int(time.time()))
        return requests.post(
            f"{stack.gateway_url}/conversions", data=body_text, timeout=30,
            headers={"Content-Type": "application/json", "X-Korpo-Timestamp": ts,
                     "X-Korpo-Signature": signature(secret_text, ts, body_text.encode())})

    assert post(body).status_code == 201
    assert post(body).json()["status"] == "duplicate"
    assert post(body, "x" * 64).status_code == 401
    pixel = requests.get(f"{stack.gateway_url}/c.gif",
                         params={"click_id": click_id, "type": "lead"}, timeout=30)
    assert pixel.status_code == 200 and pixel.headers["content-type"] == "image/gif"
    assert pixel.content.startswith(b"GIF89a")
    conversions = {e["external_id"]: e for e in _events(stack) if e["type"] == "conversion"}
    assert conversions["e2e-order-1"]["trust"] == "signed"
    assert conversions[f"pixel:{click_id}:lead"]["trust"] == "pixel"
    assert conversions[f"pixel:{click_id}:lead"]["earns"] is False


def test_the_fallback_queue_is_drained_by_the_function(stack, shared):
    """A click queued as track_click queues it when DynamoDB fails, drained on demand (the
    template's schedule does the same every 5 minutes)."""
    import boto3

    from korpo.ids import new_event_id
    from korpo.models import EventModel
    from korpo.tracking import fallback

    assert any(s.endswith("-drain-click-fallback") for s in stack.resources.schedules)
    url = stack.resources.queues["ClickFallbackQueue"]
    sqs = boto3.client("sqs", region_name=stack.resources.region, endpoint_url=stack.moto_url)
    redrive = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    assert "click-fallback-dlq" in redrive["Attributes"]["RedrivePolicy"]
    now = datetime.now(timezone.utc)
    event = EventModel(new_event_id(now.timestamp()), type="click", at=now,
                       employee_id=shared["employee_id"], code="e2equeued", klass="bot",
                       expires_at=int(now.timestamp()) + 3600)
    sqs.send_message(QueueUrl=url, MessageBody=fallback.message_for(event, None))
    sqs.send_message(QueueUrl=url, MessageBody=fallback.message_for(event, None))  # twice
    drain_event = (ROOT / "events" / "track_click" / "drain_fallback.json").read_text()
    report = requests.post(f"{stack.gateway_url}/_local/invoke/TrackClickFunction",
                           data=drain_event, timeout=60)
    assert report.status_code == 200, report.text
    assert report.json()["received"] == 2 and report.json()["written"] == 1
    assert report.json()["duplicate"] == 1
    assert [e for e in _events(stack) if e["event_id"] == event.event_id]


def test_a_link_shared_for_a_challenge_through_the_api(stack, shared):
    email = stack.demo.logins[2][0]
    auth = {"Authorization": f"Bearer {stack.sign_in(email)['IdToken']}"}
    challenge = stack.demo.challenge_ids[0]
    share = requests.post(f"{stack.gateway_url}/posts/e2e-post/share", headers=auth,
                          json={"network": "x", "challenge_id": challenge}, timeout=30)
    assert share.status_code == 200, share.text
    assert share.json()["challenge_id"] == challenge
    unknown = requests.post(f"{stack.gateway_url}/posts/e2e-post/share", headers=auth,
                            json={"network": "x", "challenge_id": "no-such"}, timeout=30)
    assert unknown.status_code == 404
    assert _visit(share.json()["url"], **{"User-Agent": BROWSER + " challenge"}).status_code == 302
    tagged = [e for e in _events(stack) if e.get("code") == share.json()["code"]]
    assert [e["challenge_id"] for e in tagged] == [challenge]
