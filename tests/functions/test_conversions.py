"""POST /conversions (signed) and GET /c.gif (pixel), through the track_click handler."""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import load_event
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from test_track_click import CONVERSION_SECRET, _click, app, link  # noqa: F401

from infra.functions import LambdaContext

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _conversion(handler, body, *, secret=CONVERSION_SECRET, timestamp=None,
                content_type="application/json", signature=None):
    from korpo.tracking.conversions import signature as sign

    raw = body if isinstance(body, str) else json.dumps(body)
    ts = str(int(time.time()) if timestamp is None else timestamp)
    event = load_event("track_click/conversion_signed")
    event["headers"].update({"content-type": content_type, "x-korpo-timestamp": ts,
                             "x-korpo-signature": signature or sign(secret, ts, raw.encode())})
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["body"] = raw
    return handler(event, LambdaContext("track_click"))


def _pixel(handler, **query):
    event = load_event("track_click/pixel")
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    return handler(event, LambdaContext("track_click"))


@pytest.fixture
def click_id(app, link):  # noqa: F811
    response = _click(app.handler, link.code)
    return parse_qs(urlsplit(response["headers"]["Location"]).query)["korpo_click"][0]


def _conversions():
    from korpo.models import EventModel

    return [e for e in EventModel.scan() if e.type == "conversion"]


def test_a_signed_conversion_is_recorded_once_and_tied_to_its_click(app, click_id):
    body = {"click_id": click_id, "type": "signup", "value": 49.5, "currency": "EUR",
            "external_id": "order-1"}
    first = _conversion(app.handler, body)
    assert first["statusCode"] == 201, first["body"]
    retry = _conversion(app.handler, body)
    assert retry["statusCode"] == 200
    assert json.loads(retry["body"])["status"] == "duplicate"
    assert json.loads(retry["body"])["conversion_id"] == json.loads(first["body"])[
        "conversion_id"]
    (conversion,) = _conversions()
    assert (conversion.employee_id, conversion.post_id, conversion.click_id) == (
        "emp-1", "p1", click_id)
    assert (conversion.conversion_type, conversion.value, conversion.currency,
            conversion.external_id, conversion.trust, conversion.earns, conversion.klass) == (
        "signup", 49.5, "EUR", "order-1", "signed", True, "human")


@pytest.mark.parametrize("case,status", [
    ("bad_signature", 401), ("wrong_secret", 401), ("stale", 401), ("future", 401),
    ("missing_headers", 401), ("invalid_json", 400), ("not_an_object", 400),
    ("bad_type", 400), ("no_external_id", 400), ("bad_currency", 400), ("bad_value", 400),
    ("unknown_click", 422), ("wrong_content_type", 415), ("too_large", 413),
])
def test_bad_conversions_are_refused_and_nothing_is_written(app, click_id, case, status):
    good = {"click_id": click_id, "type": "lead", "external_id": "lead-7"}
    now = int(time.time())
    kwargs: dict = {}
    body: object = good
    if case == "bad_signature":
        kwargs["signature"] = "sha256=" + "0" * 64
    elif case == "wrong_secret":
        kwargs["secret"] = "another-secret-of-the-right-length-000000"
    elif case == "stale":
        kwargs["timestamp"] = now - 301
    elif case == "future":
        kwargs["timestamp"] = now + 301
    elif case == "invalid_json":
        body = '{"click_id": '
    elif case == "not_an_object":
        body = "[1, 2]"
    elif case == "bad_type":
        body = {**good, "type": "DROP TABLE"}
    elif case == "no_external_id":
        body = {k: v for k, v in good.items() if k != "external_id"}
    elif case == "bad_currency":
        body = {**good, "value": 3, "currency": "euro"}
    elif case == "bad_value":
        body = {**good, "value": "NaN"}
    elif case == "unknown_click":
        body = {**good, "click_id": "0" * 28}
    elif case == "wrong_content_type":
        kwargs["content_type"] = "text/plain"
    elif case == "too_large":
        body = {**good, "padding": "x" * 5000}
    if case == "missing_headers":
        event = load_event("track_click/conversion_signed")
        for name in ("x-korpo-timestamp", "x-korpo-signature"):
            event["headers"].pop(name)
            event["multiValueHeaders"].pop(name)
        event["body"] = json.dumps(good)
        response = app.handler(event, LambdaContext("track_click"))
    else:
        response = _conversion(app.handler, body, **kwargs)
    assert response["statusCode"] == status, response["body"]
    assert _conversions() == []


@pytest.mark.parametrize("content_type", ["*/*", "text/plain", None, "",
                                          "text/plain, application/json", "application/*"])
def test_a_validly_signed_body_that_is_not_declared_json_is_415(app, click_id, content_type):
    good = {"click_id": click_id, "type": "lead", "external_id": "lead-8"}
    raw = json.dumps(good)
    from korpo.tracking.conversions import signature as sign

    ts = str(int(time.time()))
    event = load_event("track_click/conversion_signed")
    event["headers"].update({"x-korpo-timestamp": ts,
                             "x-korpo-signature": sign(CONVERSION_SECRET, ts, raw.encode())})
    event["headers"].pop("content-type")
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["body"] = raw

    response = app.handler(event, LambdaContext("track_click"))

    assert response["statusCode"] == 415, response["body"]
    assert _conversions() == []


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "Application/JSON"])
def test_json_with_parameters_or_any_case_is_json(app, click_id, content_type):
    body = {"click_id": click_id, "type": "lead", "external_id": "lead-9"}
    assert _conversion(app.handler, body, content_type=content_type)["statusCode"] == 201


def test_a_conversion_after_its_click_expired_is_refused(app, click_id):
    from korpo.models import EventModel

    click = EventModel.get(click_id)
    click.update(actions=[EventModel.expires_at.set(int(time.time()) - 1)])
    response = _conversion(app.handler, {"click_id": click_id, "type": "signup",
                                         "external_id": "late-1"})
    assert response["statusCode"] == 422
    assert "expired" in json.loads(response["body"])["message"]


def test_the_console_event_is_refused_as_stale(app):
    response = app.handler(load_event("track_click/conversion_signed"),
                           LambdaContext("track_click"))
    assert response["statusCode"] == 401


def test_the_pixel_records_with_pixel_trust_and_answers_a_gif(app, click_id):
    response = _pixel(app.handler, click_id=click_id, type="signup")
    again = _pixel(app.handler, click_id=click_id, type="signup")
    for answer in (response, again):
        assert answer["statusCode"] == 200 and answer["isBase64Encoded"] is True
        assert answer["headers"]["Content-Type"] == "image/gif"
        assert base64.b64decode(answer["body"]) == GIF
    (conversion,) = _conversions()
    assert (conversion.trust, conversion.earns, conversion.click_id,
            conversion.external_id) == ("pixel", False, click_id, f"pixel:{click_id}:signup")


@pytest.mark.parametrize("query", [{}, {"click_id": "nope", "type": "signup"},
                                   {"click_id": "0" * 28, "type": "signup"},
                                   {"click_id": "0" * 28, "type": "Bad Type"}])
def test_the_pixel_never_leaks_validity(app, click_id, query):
    answer = _pixel(app.handler, **query)
    assert answer["statusCode"] == 200 and base64.b64decode(answer["body"]) == GIF
    assert _conversions() == []


def test_the_pixel_console_event_answers_a_gif(app):
    answer = app.handler(load_event("track_click/pixel"), LambdaContext("track_click"))
    assert answer["statusCode"] == 200 and answer["headers"]["Content-Type"] == "image/gif"


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(external_ids=st.lists(st.sampled_from(["a-1", "a-2", "b-1", "c-9"]), min_size=1,
                             max_size=8),
       trusts=st.lists(st.sampled_from(["signed", "pixel"]), min_size=8, max_size=8))
def test_each_external_id_counts_once_however_often_and_however_reported(
        app, click_id, external_ids, trusts):
    """Dedup, as a property: any sequence of reports -> one conversion per external_id."""
    from korpo.months import utc_now
    from korpo.tracking import conversions

    report_of = {e: conversions.ConversionReport(click_id, "purchase", e) for e in external_ids}
    before = _conversions()
    # What a model of the rule expects: the first report of an external_id is its conversion;
    # a later signed one upgrades it, once, when the first was a pixel (which cannot earn).
    first_trust = {c.external_id: c.trust for c in before if not c.upgrades}
    upgraded = {c.external_id for c in before if c.upgrades}
    for external_id, trust in zip(external_ids, trusts):
        conversions.record(report_of[external_id], trust, trust == "signed", app._store,
                           utc_now())
        if first_trust.setdefault(external_id, trust) == "pixel" and trust == "signed":
            upgraded.add(external_id)
    after = _conversions()
    assert sorted(c.external_id for c in after if not c.upgrades) == sorted(first_trust)
    assert sorted(c.external_id for c in after if c.upgrades) == sorted(upgraded)


def _stream_record(event, seq: int) -> dict:
    record = load_event("award_points/click_inserted")["Records"][0]
    record["dynamodb"]["Keys"] = {"event_id": {"S": event.event_id}}
    record["dynamodb"]["NewImage"] = event.serialize()
    record["dynamodb"]["SequenceNumber"] = f"{seq:024d}"
    return record


def test_a_signed_report_after_a_pixel_that_could_not_earn_pays_it_once(app, click_id,
                                                                          monkeypatch):
    import sys

    from infra.functions import load_handler
    from korpo import settings
    from korpo.board import stats
    from korpo.scoring.award import day_of, ledger_entries
    from korpo.scoring.rules import Rules

    assert settings.current().pixel_conversions_earn is False  # the template's default
    pixel = _pixel(app.handler, click_id=click_id, type="signup", external_id="order-7")
    assert pixel["statusCode"] == 200
    body = {"click_id": click_id, "type": "signup", "external_id": "order-7"}
    signed = _conversion(app.handler, body)
    retry = _conversion(app.handler, body)

    assert signed["statusCode"] == 200
    assert json.loads(signed["body"])["status"] == "upgraded"
    assert json.loads(retry["body"])["status"] == "duplicate"
    assert json.loads(signed["body"])["conversion_id"] == \
        json.loads(retry["body"])["conversion_id"]
    events = sorted(_conversions(), key=lambda e: bool(e.upgrades))
    (pixel_event, upgrade) = events
    assert (pixel_event.trust, pixel_event.earns) == ("pixel", False)
    assert (upgrade.trust, upgrade.earns, upgrade.upgrades) == (
        "signed", True, pixel_event.event_id)

    award = load_handler("AwardPointsFunction")
    monkeypatch.setattr(sys.modules["korpo_fn_award_points"]._rules, "get",
                        lambda: Rules(points_per_conversion={"signup": 50, "*": 5}))
    records = [_stream_record(e, n) for n, e in enumerate(events, start=1)]
    award({"Records": records}, LambdaContext("award_points"))
    award({"Records": records}, LambdaContext("award_points"))  # redelivered: nothing more

    table = settings.current().scores_table
    (entry,) = ledger_entries(table, "emp-1")
    assert (entry["event_id"], entry["rule"], entry["points"]) == (
        upgrade.event_id, "conversion:signup", 50)
    day = stats.day(table, "employee", "emp-1", day_of(upgrade.at, settings.current().zone))
    assert (day["conversions"], day["conversions:signup"], day["conversion_upgrades"]) == \
        (1, 1, 1)
    assert day["points"] == entry["points"]


def test_a_signed_report_after_a_pixel_that_could_earn_is_a_duplicate(app, click_id):
    from korpo.months import utc_now
    from korpo.tracking import conversions

    report = conversions.ConversionReport(click_id, "lead", "lead-3")
    first = conversions.record(report, "pixel", True, app._store, utc_now())
    second = conversions.record(report, "signed", True, app._store, utc_now())

    assert (first.status, second.status) == ("recorded", "duplicate")
    assert len(_conversions()) == 1


def test_a_conversion_carries_its_click_s_challenge(app, aws):
    from datetime import datetime, timedelta, timezone

    from helpers import make_post

    from korpo.models import ChallengeModel
    from korpo.tracking import links

    start = datetime(2026, 11, 20, tzinfo=timezone.utc)
    ChallengeModel.create("launch", "Launch", start, start + timedelta(days=7)).save()
    make_post("p9")
    link = links.get_or_create("emp-9", "p9", "x", challenge_id="launch")
    response = _click(app.handler, link.code)
    click_id = parse_qs(urlsplit(response["headers"]["Location"]).query)["korpo_click"][0]
    answer = _conversion(app.handler, {"click_id": click_id, "type": "application",
                                       "external_id": "cand-1"})
    assert answer["statusCode"] == 201
    (conversion,) = _conversions()
    assert (conversion.challenge_id, conversion.employee_id) == ("launch", "emp-9")


@pytest.mark.parametrize("ua,klass", [
    ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "bot"),
    # a browser's user agent with a script's headers (curl's): neither proven nor denied
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "unverified"),
])
def test_a_conversion_through_an_unpaid_click_earns_nothing_and_is_counted_apart(
        app, link, monkeypatch, ua, klass):  # noqa: F811
    import sys

    from infra.functions import load_handler
    from korpo import settings
    from korpo.board import stats
    from korpo.models import EventModel
    from korpo.scoring.award import day_of, ledger_entries
    from korpo.scoring.rules import Rules

    response = _click(app.handler, link.code, ua=ua, accept="*/*")
    click_id = parse_qs(urlsplit(response["headers"]["Location"]).query)["korpo_click"][0]
    assert EventModel.get(click_id).klass == klass
    signed = _conversion(app.handler, {"click_id": click_id, "type": "signup",
                                       "external_id": f"order-{klass}"})
    assert signed["statusCode"] == 201  # recorded: the brand's report is kept, as evidence
    (event,) = _conversions()
    assert event.klass == klass

    award = load_handler("AwardPointsFunction")
    monkeypatch.setattr(sys.modules["korpo_fn_award_points"]._rules, "get",
                        lambda: Rules(points_per_conversion={"signup": 50, "*": 5}))
    award({"Records": [_stream_record(event, 1)]}, LambdaContext("award_points"))

    table = settings.current().scores_table
    assert ledger_entries(table, "emp-1", include_capped=True) == []
    day = stats.day(table, "all", "all", day_of(event.at, settings.current().zone))
    assert day["unpaid_conversions"] == 1
    assert "conversions" not in day and "conversions:signup" not in day
    assert "points" not in day
