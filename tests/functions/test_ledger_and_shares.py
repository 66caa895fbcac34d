"""The ledger in plain words (award_points' entries read back with titles), share intents
(one event per link and day), and what a deleted account earns (nothing)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from helpers import body_of, claims_for, make_post

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
BOB = claims_for("emp-bob", "bob@example.com")


def _award(events, rules=None, **context):
    from korpo import settings
    from korpo.scoring import award
    from korpo.scoring.rules import Rules

    cfg = settings.current()
    ctx = award.Context(rules=rules or Rules(points_per_click=10, points_per_share_intent=2,
                                             points_per_conversion={"signup": 50},
                                             daily_cap_per_type={"click": 20}),
                        zone=cfg.zone, scores_table=cfg.scores_table, **context)
    return award.process(events, ctx)


def _event(event_id: str, type_: str = "click", minutes: int = 0, **fields):
    from korpo.scoring.rules import ScoredEvent

    return ScoredEvent(event_id=event_id, type=type_, klass=fields.pop("klass", "human"),
                       employee_id=fields.pop("employee_id", "emp-bob"),
                       at=T0 + timedelta(minutes=minutes), **fields)


def test_ledger_lines_say_why_newest_first(aws):
    from korpo.models import ChallengeModel
    from korpo.scoring.award import ledger_entries
    from korpo.scoring.ledger import lines_of
    from korpo.scoring.rules import Challenge

    make_post("post-1")
    ChallengeModel.create("launch", "Launch week", T0, T0 + timedelta(days=7)).save()
    challenges = [Challenge("launch", T0 + timedelta(minutes=30), T0 + timedelta(days=7), 2)]
    _award([_event("c1", post_id="post-1", network="linkedin"),
            _event("c2", minutes=1, post_id="post-1", network="linkedin"),
            _event("c3", minutes=2, post_id="post-1", network="linkedin"),  # over the cap
            _event("s1", "share_intent", minutes=3, post_id="post-1", network="whatsapp"),
            _event("v1", "conversion", minutes=40, post_id="post-1", network="linkedin",
                   conversion_type="signup", challenge_id="launch", trust="signed")],
           challenges=challenges)
    lines = lines_of("emp-bob")
    assert [(l.event_id, l.points, l.kind, l.reason, l.capped) for l in lines] == [
        ("v1", 100, "conversion", "conversion", False),
        ("s1", 2, "share_intent", "share_intent", False),
        ("c3", 0, "click", "capped", True),
        ("c2", 10, "click", "visitor_click", False),
        ("c1", 10, "click", "visitor_click", False)]
    conversion, share = lines[0], lines[1]
    assert (conversion.conversion_type, conversion.challenge_id, conversion.challenge_title,
            conversion.post_title) == ("signup", "launch", "Launch week", "Title post-1")
    assert (share.network, share.post_id) == ("whatsapp", "post-1")
    # Paging back from the last line seen; capped entries stay out of the sums' readers.
    assert [l.event_id for l in lines_of("emp-bob", limit=2, before=lines[1].at)] == [
        "c3", "c2"]
    assert "c3" not in {e["event_id"] for e in ledger_entries(aws.scores_table, "emp-bob")}


def test_a_deleted_accounts_events_earn_nothing(aws):
    from korpo.shop.wallet import balance_of

    outcome = _award([_event("c1", employee_id="emp-gone")],
                     is_deleted=lambda employee_id: employee_id == "emp-gone")
    assert outcome.counted == {"c1"} and balance_of("emp-gone") == 0


def test_share_intents_make_the_link_and_one_event_a_day(aws):
    import boto3

    from korpo.tracking.share_intents import record_share_intent

    make_post("post-1")
    first = record_share_intent("emp-bob", "post-1", "whatsapp", at=T0)
    again = record_share_intent("emp-bob", "post-1", "whatsapp", at=T0 + timedelta(hours=2))
    tomorrow = record_share_intent("emp-bob", "post-1", "whatsapp", at=T0 + timedelta(days=1))
    qr = record_share_intent("emp-bob", "post-1", "qr", at=T0)
    assert first == again == tomorrow and qr.code != first.code
    events = boto3.client("dynamodb").scan(TableName=aws.events_table)["Items"]
    intents = [e for e in events if e["type"]["S"] == "share_intent"]
    assert len(intents) == 3
    assert {e["network"]["S"] for e in intents} == {"whatsapp", "qr"}


def test_share_intent_route(api):
    make_post("post-1")
    made = api("api/record_share_intent", claims=BOB, path_params={"post_id": "post-1"},
               body={"network": "native"})
    assert made["statusCode"] == 201 and body_of(made)["network"] == "native"
    assert body_of(api("api/share_post", claims=BOB, path_params={"post_id": "post-1"},
                       body={"network": "native"}))["code"] == body_of(made)["code"]
    for body, status in (({"network": "myspace"}, 400), ({"network": 3}, 400)):
        answer = api("api/record_share_intent", claims=BOB,
                     path_params={"post_id": "post-1"}, body=body)
        assert answer["statusCode"] == status
    assert api("api/record_share_intent", claims=BOB, path_params={"post_id": "nope"},
               body={"network": "x"})["statusCode"] == 404


def test_ledger_route_pages_and_refuses_bad_queries(api):
    make_post("post-1")
    _award([_event(f"c{i}", minutes=i, post_id="post-1", network="x") for i in range(2)])
    page = body_of(api("api/my_ledger", claims=BOB, query={"limit": "1"}))
    assert [l["event_id"] for l in page["lines"]] == ["c1"] and page["balance"] == 20
    older = body_of(api("api/my_ledger", claims=BOB,
                        query={"limit": "1", "before": page["next_before"]}))
    assert [l["event_id"] for l in older["lines"]] == ["c0"]
    for query in ({"limit": "0"}, {"limit": "lots"}, {"before": "yesterday"},
                  {"before": "2026-11-22T10:00:00"}):
        answer = api("api/my_ledger", claims=BOB, query=query)
        assert answer["statusCode"] == 400, query


def test_the_export_reads_the_whole_ledger_not_a_page(aws):
    from korpo.people.privacy import export_data
    from korpo.scoring.ledger import MAX_LIMIT
    from korpo.scoring.rules import Rules

    _award([_event(f"c{i:03d}", minutes=i) for i in range(MAX_LIMIT + 5)],
           rules=Rules(points_per_click=1))
    assert len(export_data("emp-bob")["ledger"]) == MAX_LIMIT + 5
