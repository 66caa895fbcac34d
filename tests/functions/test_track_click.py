from __future__ import annotations

import base64
import hashlib
import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import http_event, make_post

from infra.functions import LambdaContext, load_handler

VISITOR_SECRET = "visitor-secret-for-tests-0123456789abcdef"
CONVERSION_SECRET = "conversion-secret-for-tests-0123456789abcd"
SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
UNFURLERS = (
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/126.0.0.0 Safari/537.36",
)


@pytest.fixture
def app(aws, monkeypatch):
    """The track_click handler module, with the deployment's secrets in (moto's) SSM."""
    from helpers import put_secrets
    from infra.functions import load_module

    monkeypatch.setenv("KORPO_PIXEL_CONVERSIONS_EARN", "false")
    put_secrets(monkeypatch, visitor_hash_secret=VISITOR_SECRET,
                conversion_secret=CONVERSION_SECRET)
    load_handler("TrackClickFunction")
    return load_module("functions/track_click")


@pytest.fixture
def handler(app):
    return app.handler


@pytest.fixture
def link(aws):
    from korpo.tracking import links

    make_post("p1", url="https://blog.example.com/launch?ref=rss#top")
    return links.get_or_create("emp-1", "p1", "linkedin")


def _items(model):
    return list(model.scan())


def _click(handler, code, *, ua=SAFARI, ip="198.51.100.7", method="GET", **headers):
    event = http_event("track_click/follow_link", path_params={"code": code})
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["headers"] = {**{k: v for k, v in event["headers"].items()
                           if k not in ("user-agent", "referer")}, **headers}
    if ua is not None:
        event["headers"]["user-agent"] = ua
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["requestContext"]["identity"]["sourceIp"] = ip
    return handler(event, LambdaContext("track_click"))


def _click_id(response) -> str:
    return parse_qs(urlsplit(response["headers"]["Location"]).query)["korpo_click"][0]


# ------------------------------------------------------------------ redirects and classes

def test_redirects_to_stored_destination_with_tracking_and_writes_one_click(handler, link):
    from korpo.models import EventModel

    response = handler(http_event("track_click/follow_link", path_params={"code": link.code}),
                       LambdaContext("track_click"))

    assert response["statusCode"] == 302
    parts = urlsplit(response["headers"]["Location"])
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https", "blog.example.com", "/launch", "top")
    query = parse_qs(parts.query)
    assert query["ref"] == ["rss"]
    assert (query["utm_source"], query["utm_medium"], query["utm_campaign"]) == (
        ["linkedin"], ["employee_advocacy"], ["korpo"])
    events = _items(EventModel)
    assert len(events) == 1
    click = events[0]
    assert query["korpo_click"] == [click.event_id]
    assert (click.type, click.employee_id, click.post_id, click.code, click.klass) == (
        "click", "emp-1", "p1", link.code, "human")
    assert (click.referrer, click.device, click.browser) == ("linkedin", "desktop", "Safari")
    assert len(click.visitor_key) == 32
    assert click.expires_at > click.at.timestamp()
    # No raw IP, user agent or cookie is stored anywhere in the item.
    raw = json.dumps(click.serialize())
    assert "198.51.100.7" not in raw and "Macintosh" not in raw


def test_same_visitor_same_link_same_day_is_a_repeat(handler, link):
    from korpo.models import EventModel

    first = _click(handler, link.code)
    second = _click(handler, link.code)
    other_visitor = _click(handler, link.code, ip="203.0.113.9")
    assert [r["statusCode"] for r in (first, second, other_visitor)] == [302] * 3
    events = {e.event_id: e for e in _items(EventModel)}
    assert sorted(e.klass for e in events.values()) == ["human", "human", "repeat"]
    # Both of the first visitor's redirects carry the id of their human first click.
    assert _click_id(first) == _click_id(second)
    assert events[_click_id(first)].klass == "human"
    assert events[_click_id(other_visitor)].klass == "human"


def test_a_new_day_is_a_new_first_click(app, link):
    from datetime import datetime, timedelta, timezone

    from korpo.models import EventModel
    from korpo.tracking import agents, clicks

    visit = clicks.Visit(code=link.code, ip="198.51.100.7", user_agent=SAFARI,
                         evidence=agents.NAVIGATE)
    day1 = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
    for now in (day1, day1 + timedelta(hours=1), day1 + timedelta(days=1)):
        clicks.follow(visit, app._links, app._store, app._click_keys(), None, now=now)
    events = sorted(_items(EventModel), key=lambda e: e.at)
    assert [e.klass for e in events] == ["human", "repeat", "human"]
    assert events[0].visitor_key != events[2].visitor_key  # yesterday's key is not today's


@pytest.mark.parametrize("agent", UNFURLERS)
def test_bots_and_unfurlers_are_recorded_as_bots(handler, link, agent):
    from korpo.models import EventModel

    assert _click(handler, link.code, ua=agent)["statusCode"] == 302
    (event,) = _items(EventModel)
    assert (event.klass, event.device) == ("bot", "bot")


@pytest.mark.parametrize("header,value", [("sec-purpose", "prefetch;prerender"),
                                          ("purpose", "prefetch"), ("x-purpose", "preview")])
def test_prefetch_and_prerender_are_not_human(handler, link, header, value):
    from korpo.models import EventModel

    _click(handler, link.code, **{header: value})
    assert [e.klass for e in _items(EventModel)] == ["bot"]


SLACK_DESKTOP = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, "
                 "like Gecko) Slack/4.38.125 Chrome/124.0.0.0 Electron/30.0.0 Safari/537.36 "
                 "Sonic Slack_SSB/4.38.125")


@pytest.mark.parametrize("ua,headers,klass", [
    # a browser's user agent without what its navigation sends: a fetcher, or unprovable
    (SAFARI, {"accept": "*/*", "accept-language": "", "sec-fetch-mode": "",
              "sec-fetch-dest": ""}, "unverified"),
    # Safari before 16.4 sends no Sec-Fetch-*: Accept and Accept-Language prove it
    (SAFARI, {"sec-fetch-mode": "", "sec-fetch-dest": "", "sec-fetch-site": ""}, "human"),
    # Slack's desktop app opens links in its built-in browser: a person
    (SLACK_DESKTOP, {}, "human"),
    # a page fetching the link (fetch(), <img src>): not a followed link
    (SAFARI, {"sec-fetch-mode": "no-cors", "sec-fetch-dest": "image"}, "bot"),
    # Node's fetch with its own headers
    ("node", {"accept": "*/*", "accept-language": "*", "sec-fetch-mode": "cors"}, "bot"),
])
def test_a_click_earns_only_with_a_browser_s_evidence(handler, link, ua, headers, klass):
    from bench.counting import count_calls, writes
    from korpo.models import EventModel

    with count_calls() as calls:
        assert _click(handler, link.code, ua=ua, **headers)["statusCode"] == 302
    assert writes(calls) == 1  # every class is one write
    assert [e.klass for e in _items(EventModel)] == [klass]


def test_the_sharers_own_click_is_self_and_a_forged_cookie_is_not(handler, link):
    from korpo.models import EventModel
    from korpo.tracking import visitors

    own = visitors.self_cookie_value(VISITOR_SECRET, "emp-1")
    _click(handler, link.code, cookie=f"other=1; korpo_emp={own}")
    forged = visitors.self_cookie_value("not-the-secret-" * 3, "emp-1")
    _click(handler, link.code, ip="203.0.113.5", cookie=f"korpo_emp={forged}")
    colleague = visitors.self_cookie_value(VISITOR_SECRET, "emp-2")
    _click(handler, link.code, ip="203.0.113.6", cookie=f"korpo_emp={colleague}")
    assert sorted(e.klass for e in _items(EventModel)) == ["human", "human", "self"]


def test_device_and_referrer_are_recorded(handler, link):
    from korpo.models import EventModel

    _click(handler, link.code, ua=IPHONE, referer="https://t.co/abc")
    _click(handler, link.code, ip="203.0.113.2", ua=IPHONE)
    events = sorted(_items(EventModel), key=lambda e: e.referrer)
    assert [(e.referrer, e.device, e.browser) for e in events] == [
        ("direct", "mobile", "Mobile Safari"), ("x", "mobile", "Mobile Safari")]


# ------------------------------------------------------------------ bad input

def test_unknown_code_is_a_small_404_page_and_writes_nothing(handler):
    from korpo.models import EventModel

    response = handler(http_event("track_click/unknown_code"), LambdaContext("track_click"))
    assert response["statusCode"] == 404
    assert "text/html" in response["headers"]["Content-Type"]
    assert "Traceback" not in response["body"]
    assert _items(EventModel) == []


@pytest.mark.parametrize("accept_language, language, words", [
    ("fr-FR,fr;q=0.9,en;q=0.5", "fr", "Ce lien ne fonctionne pas"),
    ("en-GB,en;q=0.9", "en", "This link does not work"),
    ("de-DE,de;q=0.9", "en", "This link does not work"),  # neither: English
    (None, "en", "This link does not work"),
])
def test_the_pages_of_the_edge_speak_the_visitors_language_on_a_phone(
        handler, monkeypatch, accept_language, language, words):
    import hashlib
    import base64
    import re

    from korpo import settings

    monkeypatch.setenv("KORPO_BRAND_NAME", "Acme <&> Co")
    settings.current.cache_clear()
    headers = {"accept-language": accept_language} if accept_language else {}
    for response in (_click(handler, "zzzzzzzzzz", **headers),
                     _click(handler, "zzzzzzzzzz", **headers, referer="r" * 9000)):
        body = response["body"]
        assert response["headers"]["Content-Language"] == language
        assert f'<html lang="{language}">' in body
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
        assert "<header>Acme &lt;&amp;&gt; Co</header>" in body and "<&>" not in body
        # The one style allowed is the page's own, by its hash: nothing else runs or loads.
        style = re.search(r"<style>(.*?)</style>", body).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in response["headers"]["Content-Security-Policy"]
        assert "<script" not in body
    assert words in _click(handler, "zzzzzzzzzz", **headers)["body"]


@pytest.mark.parametrize("code", ["../../etc", "x" * 300, "Ab3dEf7hJ", "<script>"])
def test_malformed_code_is_404_without_a_lookup(handler, code):
    from bench.counting import count_calls
    from korpo.models import EventModel

    with count_calls() as calls:
        response = _click(handler, code)
    assert response["statusCode"] == 404
    assert sum(calls.values()) == 0
    assert _items(EventModel) == []


def test_a_withdrawn_link_is_404_and_records_nothing(handler, aws):
    from korpo.models import EventModel, LinkModel
    from korpo.tracking import links

    make_post("p2")
    link = links.get_or_create("emp-1", "p2", "x")
    # What hiding its post does to every link of it (posts.hide_post).
    LinkModel.get(*LinkModel.key(link.code)).update(actions=[LinkModel.hidden.set(True)])
    assert _click(handler, link.code)["statusCode"] == 404
    assert _items(EventModel) == []


def test_head_answers_like_get_and_records_nothing(handler, link):
    from korpo.models import EventModel

    head = _click(handler, link.code, method="HEAD")
    assert head["statusCode"] == 302
    query = parse_qs(urlsplit(head["headers"]["Location"]).query)
    assert query["utm_source"] == ["linkedin"] and "korpo_click" not in query
    assert _items(EventModel) == []
    assert _click(handler, "zzzzzzzzzz", method="HEAD")["statusCode"] == 404


@pytest.mark.parametrize("header,size", [("user-agent", 5000), ("referer", 9000),
                                         ("x-padding", 9000)])
def test_giant_headers_are_refused_and_nothing_is_written(handler, link, header, size):
    from korpo.models import EventModel

    headers = {header: "a" * size}
    ua = headers.pop("user-agent", SAFARI)
    assert _click(handler, link.code, ua=ua, **headers)["statusCode"] == 431
    assert _items(EventModel) == []


def test_odd_methods_are_refused(handler, link):
    from korpo.models import EventModel

    assert _click(handler, link.code, method="DELETE")["statusCode"] == 405
    assert _items(EventModel) == []


# ------------------------------------------------------------------ cost per click

def test_one_write_per_click_and_no_read_when_warm(handler, link):
    from bench.counting import count_calls, reads, writes

    _click(handler, link.code, ip="192.0.2.1")  # warms the link cache
    with count_calls() as calls:
        for i in range(5):
            _click(handler, link.code, ip=f"192.0.2.{10 + i}")  # human first clicks
        _click(handler, link.code, ua=UNFURLERS[0])  # a bot
    assert (writes(calls), reads(calls)) == (6, 0)


# ------------------------------------------------------------------ the fallback queue

class _Throttled:
    """A DynamoDB client whose writes are throttled; reads go through."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def put_item(self, **_kwargs):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                     "Message": "slow down"}}, "PutItem")


@pytest.fixture
def queue(app, monkeypatch):
    import boto3

    from korpo.tracking.fallback import FallbackQueue

    url = boto3.client("sqs").create_queue(QueueName="korpo-test-click-fallback")["QueueUrl"]
    fallback = FallbackQueue(lambda: boto3.client("sqs"), url)
    monkeypatch.setattr(app, "_queue", fallback)
    return fallback


def _queued(url):
    import boto3

    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_a_failed_write_still_redirects_and_the_drain_loses_nothing(app, link, queue,
                                                                    monkeypatch):
    from korpo.models import EventModel

    real = app._store._client
    monkeypatch.setattr(app._store, "_client", _Throttled(real))
    first = _click(app.handler, link.code)
    again = _click(app.handler, link.code)
    bot = _click(app.handler, link.code, ua=UNFURLERS[1])
    assert [r["statusCode"] for r in (first, again, bot)] == [302] * 3
    assert _items(EventModel) == [] and _queued(queue.url) == 3

    monkeypatch.setattr(app._store, "_client", real)
    report = app.handler({"source": "drain"}, LambdaContext("track_click"))
    assert report == {"received": 3, "written": 2, "repeat": 1, "duplicate": 0, "failed": 0}
    events = {e.event_id: e for e in _items(EventModel)}
    assert sorted(e.klass for e in events.values()) == ["bot", "human", "repeat"]
    assert events[_click_id(first)].klass == "human"  # the id the visitor was sent with
    assert _queued(queue.url) == 0


def test_draining_twice_writes_once(app, link, queue, monkeypatch):
    from korpo.models import EventModel
    from korpo.tracking import fallback

    real = app._store._client
    monkeypatch.setattr(app._store, "_client", _Throttled(real))
    _click(app.handler, link.code)
    body = queue.client.receive_message(QueueUrl=queue.url)["Messages"][0]["Body"]
    monkeypatch.setattr(app._store, "_client", real)
    # A redelivered message, and a click whose "failed" write had in fact landed.
    assert [fallback.drain_message(body, app._store) for _ in range(3)] == [
        "written", "duplicate", "duplicate"]
    assert len(_items(EventModel)) == 1


def test_when_the_queue_fails_too_the_click_is_logged_and_the_visitor_redirected(
        app, link, monkeypatch, caplog):
    from korpo.tracking.fallback import FallbackQueue

    monkeypatch.setattr(app._store, "_client", _Throttled(app._store._client))
    monkeypatch.setattr(app, "_queue", FallbackQueue(lambda: None, ""))
    with caplog.at_level(logging.ERROR, logger="korpo.tracking.fallback"):
        assert _click(app.handler, link.code)["statusCode"] == 302
    logged = [r.getMessage() for r in caplog.records if "click_not_stored" in r.getMessage()]
    assert logged and "198.51.100.7" not in logged[0]


def test_the_console_drain_event_on_an_empty_queue(app, queue):
    from helpers import load_event

    report = app.handler(load_event("track_click/drain_fallback"), LambdaContext("track_click"))
    assert report["received"] == 0


# ------------------------------------------------------------------ challenge links

def test_a_link_shared_for_a_challenge_tags_its_clicks(handler, aws):
    from datetime import datetime, timedelta, timezone

    from korpo.models import ChallengeModel, EventModel
    from korpo.tracking import links

    start = datetime(2026, 11, 20, tzinfo=timezone.utc)
    ChallengeModel.create("referrals", "Referrals", start, start + timedelta(days=30)).save()
    make_post("jobs")
    plain = links.get_or_create("emp-1", "jobs", "linkedin")
    tagged = links.get_or_create("emp-1", "jobs", "linkedin", challenge_id="referrals")
    assert tagged.code != plain.code and tagged.challenge_id == "referrals"
    assert links.get_or_create("emp-1", "jobs", "linkedin", challenge_id="referrals") == tagged
    with pytest.raises(links.ChallengeNotFound):
        links.get_or_create("emp-1", "jobs", "linkedin", challenge_id="nope")
    _click(handler, tagged.code)
    (click,) = _items(EventModel)
    assert click.challenge_id == "referrals"


UNSAFE_DESTINATIONS = ["javascript:alert(document.cookie)", "JavaScript:alert(1)",
                       "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                       "vbscript:msgbox(1)", " javascript:alert(1)", "//evil.example.com/x",
                       # inside a network, in spellings browsers accept (issue 20): stored
                       # before destinations were parsed as browsers parse them
                       "http://169.254.169.254/latest/meta-data/", "https://127.1/",
                       "http://0x7f.1/", "http://0177.0.0.1/", "http://169.254.43518/",
                       "http://127.0.0.1\\@blog.example.com/", "http://localhost:8080/"]


@pytest.mark.parametrize("destination", UNSAFE_DESTINATIONS)
def test_a_stored_unsafe_destination_is_never_shared(aws, destination):
    from korpo.models import LinkModel
    from korpo.tracking import links

    make_post("bad", url=destination)
    with pytest.raises(links.UnsafeDestination):
        links.get_or_create("emp-1", "bad", "linkedin")
    assert [i.pk for i in LinkModel.scan() if i.sk == "LINK"] == []


def test_a_stored_public_destination_is_followed_as_browsers_read_it(handler, aws):
    from korpo.tracking import links

    make_post("odd", url="HTTPS://Blog.Example.COM/été?ref=rss")
    link = links.get_or_create("emp-1", "odd", "x")
    location = _click(handler, link.code)["headers"]["Location"]
    assert location.startswith("https://blog.example.com/%C3%A9t%C3%A9?ref=rss&utm_source=x")


@pytest.mark.parametrize("destination", UNSAFE_DESTINATIONS)
def test_a_stored_unsafe_destination_is_never_redirected_to(handler, aws, destination):
    from datetime import datetime, timezone

    from korpo.models import EventModel, LinkModel

    # No path stores one today: written by hand, as a bug or an old item could have (before
    # issue 20 a manual post or a challenge could store an address inside a network).
    now = datetime.now(timezone.utc)
    LinkModel(*LinkModel.key("abcdefghij"), code="abcdefghij", employee_id="emp-1",
              post_id="p9", network="x", destination=destination, created_at=now).save()
    for method in ("GET", "HEAD"):
        response = _click(handler, "abcdefghij", method=method)
        assert response["statusCode"] == 404, (method, response["headers"])
        assert destination.strip() not in response["headers"].get("Location", "")
    assert _items(EventModel) == []


def test_a_destination_with_non_ascii_letters_is_redirected_to_in_ascii(handler, aws):
    """A feed links to an address with an accent or an international domain name: the
    Location header carries it as a browser would send it (IDNA host, UTF-8 %-escapes), never
    as raw Unicode a gateway cannot send."""
    from korpo.tracking import links

    make_post("p-idn", url="https://bücher.example/café/été?q=thé#résumé")
    link = links.get_or_create("emp-1", "p-idn", "linkedin")
    for method in ("GET", "HEAD"):
        location = _click(handler, link.code, method=method)["headers"]["Location"]
        assert location.isascii() and " " not in location
        parts = urlsplit(location)
        assert parts.hostname == "xn--bcher-kva.example"
        assert parts.path == "/caf%C3%A9/%C3%A9t%C3%A9"
        assert parse_qs(parts.query)["q"] == ["thé"] and parts.fragment == "r%C3%A9sum%C3%A9"


def test_every_answer_of_the_edge_carries_the_security_headers(app, link):
    """The 302, the 404 page, 431, 405, the GIF, and Chalice's own 415 for a conversion that
    is not JSON: nothing is sniffed, framed or cached, and the pages load nothing."""
    from helpers import load_event

    handler = app.handler
    conversion = load_event("track_click/conversion_signed")
    conversion["headers"]["content-type"] = "text/plain"
    conversion["multiValueHeaders"]["content-type"] = ["text/plain"]
    oversized = load_event("track_click/conversion_signed")
    oversized["body"] = "x" * 5000
    answers = {
        302: _click(handler, link.code),
        404: handler(http_event("track_click/unknown_code"), LambdaContext("track_click")),
        431: _click(handler, link.code, **{"x-padding": "a" * 9000}),
        405: _click(handler, link.code, method="DELETE"),
        415: handler(conversion, LambdaContext("track_click")),
        413: handler(oversized, LambdaContext("track_click")),
        200: handler(load_event("track_click/pixel"), LambdaContext("track_click")),
    }
    for status, answer in answers.items():
        assert answer["statusCode"] == status, (status, answer.get("body"))
        headers = {k.lower(): v for k, v in answer["headers"].items()}
        for name, value in app.SECURITY_HEADERS.items():
            if name not in ("Cache-Control", "Content-Security-Policy"):
                assert headers.get(name.lower()) == value, (status, name, headers)
        # The CSP: every directive of the edge's, whatever else a page allows itself.
        assert _directives(app.SECURITY_HEADERS["Content-Security-Policy"]) <= _directives(
            headers["content-security-policy"]), (status, headers)
        assert headers["cache-control"].startswith("no-store"), status
    for status in (404, 431):  # the edge's own pages: their one style, by its hash
        page = answers[status]["body"]
        style = page.split("<style>")[1].split("</style>")[0]
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        csp = {k.lower(): v for k, v in answers[status]["headers"].items()}[
            "content-security-policy"]
        assert f"style-src 'sha256-{digest}'" in csp and "script" not in csp


def _directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";") if part.strip()}
    assert " style=" not in page  # an attribute would need 'unsafe-inline'
