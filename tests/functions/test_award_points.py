from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from helpers import load_event

from infra.functions import LambdaContext, load_handler, load_module


@pytest.fixture
def handler(aws):
    return load_handler("AwardPointsFunction")


def _click_record(event_id: str, employee: str, at: str, seq: int, klass: str = "human") -> dict:
    record = load_event("award_points/click_inserted")["Records"][0]
    image = record["dynamodb"]["NewImage"]
    image["event_id"]["S"] = event_id
    image["employee_id"]["S"] = employee
    image["at"]["S"] = at
    image["klass"]["S"] = klass
    record["dynamodb"]["Keys"]["event_id"]["S"] = event_id
    record["dynamodb"]["SequenceNumber"] = f"{seq:024d}"
    return record


def _totals(employee: str, month: str) -> tuple[int, int, int]:
    from korpo import settings
    from korpo.models import BoardEntryModel
    from korpo.scoring.award import ledger_entries
    from korpo.shop.wallet import balance_of

    ledger = ledger_entries(settings.current().scores_table, employee)
    try:
        board = int(BoardEntryModel.get(*BoardEntryModel.key(month, employee)).score)
    except Exception:
        board = 0
    return len(ledger), board, balance_of(employee)


def test_console_event_awards_the_click(handler):
    event = load_event("award_points/click_inserted")
    result = handler(event, LambdaContext("award_points"))
    assert result == {"batchItemFailures": []}
    employee = event["Records"][0]["dynamodb"]["NewImage"]["employee_id"]["S"]
    assert _totals(employee, "2026-11") == (1, 10, 10)


def test_replayed_batch_changes_nothing(handler):
    records = [_click_record(f"e{i}", "emp-1", "2026-11-22T10:00:00.000000+0000", i)
               for i in range(5)]
    handler({"Records": records}, LambdaContext("award_points"))
    handler({"Records": records}, LambdaContext("award_points"))
    handler({"Records": records[2:3]}, LambdaContext("award_points"))
    assert _totals("emp-1", "2026-11") == (5, 50, 50)


def test_month_is_the_brands_not_utc(handler):
    # 23:30 UTC on Oct 31 is already November 1st in Paris (UTC+1 in winter).
    handler({"Records": [_click_record("late", "emp-2", "2026-10-31T23:30:00.000000+0000", 1)]},
            LambdaContext("award_points"))
    assert _totals("emp-2", "2026-11") == (1, 10, 10)
    assert _totals("emp-2", "2026-10")[1] == 0


def test_non_human_clicks_earn_nothing(handler):
    handler({"Records": [_click_record("b1", "emp-3", "2026-11-22T10:00:00.000000+0000", 1,
                                       klass="bot")]}, LambdaContext("award_points"))
    assert _totals("emp-3", "2026-11") == (0, 0, 0)


def test_a_bad_record_is_reported_alone(handler):
    good = _click_record("g1", "emp-4", "2026-11-22T10:00:00.000000+0000", 1)
    bad = _click_record("b1", "emp-4", "not-a-date", 2)
    result = handler({"Records": [good, bad]}, LambdaContext("award_points"))
    assert result == {"batchItemFailures": [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]}
    assert _totals("emp-4", "2026-11") == (1, 10, 10)


def test_awards_survive_a_crash_between_two_employees(handler, monkeypatch):
    """A batch retried after a crash part-way gives the same totals as one clean pass."""
    from korpo.scoring import award as award_module

    records = [_click_record(f"c{i}", f"emp-{5 + i % 2}", "2026-11-22T10:00:00.000000+0000", i)
               for i in range(4)]
    real = award_module._transact
    calls = {"n": 0}

    def crash_on_second(items):
        calls["n"] += 1
        real(items)
        if calls["n"] == 2:
            raise RuntimeError("injected crash after the commit")

    monkeypatch.setattr(award_module, "_transact", crash_on_second)
    first = handler({"Records": records}, LambdaContext("award_points"))
    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [
        records[1]["dynamodb"]["SequenceNumber"], records[3]["dynamodb"]["SequenceNumber"]]
    monkeypatch.setattr(award_module, "_transact", real)
    assert handler({"Records": records}, LambdaContext("award_points")) == {
        "batchItemFailures": []}
    assert _totals("emp-5", "2026-11") == (2, 20, 20)
    assert _totals("emp-6", "2026-11") == (2, 20, 20)


def _image(record: dict, **fields: str) -> dict:
    image = record["dynamodb"]["NewImage"]
    for key, value in fields.items():
        image[key] = {"S": value}
    return record


def test_one_transaction_per_employee_not_per_event(handler):
    from bench.counting import count_calls

    records = [_click_record(f"m{i}", f"emp-{i % 3}", "2026-11-22T10:00:00.000000+0000", i)
               for i in range(30)]
    with count_calls() as calls:
        handler({"Records": records}, LambdaContext("award_points"))
    # One per employee, and one for the day's shared stats items of the whole batch.
    assert calls["TransactWriteItems"] == 3 + 1
    assert [_totals(f"emp-{k}", "2026-11") for k in range(3)] == [(10, 100, 100)] * 3


def test_rules_conversions_share_intents_and_daily_caps(handler, monkeypatch):
    module = __import__("sys").modules["korpo_fn_award_points"]
    from korpo.scoring.rules import Rules

    rules = Rules(points_per_click=10, points_per_share_intent=2,
                  points_per_conversion={"signup": 50, "*": 5}, daily_cap_per_employee=100,
                  daily_cap_per_type={"click": 30})
    monkeypatch.setattr(module._rules, "get", lambda: rules)
    at = "2026-11-22T10:00:00.000000+0000"
    clicks = [_click_record(f"k{i}", "emp-c", at, i) for i in range(3)]
    # Caps hold across batches: the 4th and 5th clicks (a later batch) earn nothing.
    handler({"Records": clicks}, LambdaContext("award_points"))
    more = [_click_record(f"k{i}", "emp-c", at, i) for i in range(3, 5)]
    conversion = _image(_click_record("cv1", "emp-c", at, 10), type="conversion",
                        conversion_type="signup", trust="signed")
    share = _image(_click_record("sh1", "emp-c", at, 11), type="share_intent")
    lead = _image(_click_record("cv2", "emp-c", at, 12), type="conversion",
                  conversion_type="lead")
    big = _image(_click_record("cv3", "emp-c", at, 13), type="conversion",
                 conversion_type="signup")
    handler({"Records": more + [conversion, share, lead, big]}, LambdaContext("award_points"))
    from korpo import settings
    from korpo.scoring.award import ledger_entries

    # Within a batch, events count in (time, event id) order: real ids are time-ordered.
    entries = {e["event_id"]: (e["points"], e["rule"])
               for e in ledger_entries(settings.current().scores_table, "emp-c")}
    assert entries == {"k0": (10, "human_click"), "k1": (10, "human_click"),
                       "k2": (10, "human_click"), "cv1": (50, "conversion:signup"),
                       "cv2": (5, "conversion:lead"), "cv3": (15, "conversion:signup+capped")}
    assert _totals("emp-c", "2026-11") == (6, 100, 100)


def test_pixel_conversions_follow_the_rule(handler, monkeypatch):
    module = __import__("sys").modules["korpo_fn_award_points"]
    from korpo.scoring.rules import Rules

    rules = Rules(points_per_conversion={"*": 20}, pixel_conversions_earn=False)
    monkeypatch.setattr(module._rules, "get", lambda: rules)
    at = "2026-11-22T10:00:00.000000+0000"
    pixel = _image(_click_record("px", "emp-p", at, 1), type="conversion", trust="pixel",
                   conversion_type="purchase")
    signed = _image(_click_record("sg", "emp-p", at, 2), type="conversion", trust="signed",
                    conversion_type="purchase")
    handler({"Records": [pixel, signed]}, LambdaContext("award_points"))
    assert _totals("emp-p", "2026-11") == (1, 20, 20)


def test_challenge_multiplies_by_the_events_time(handler):
    from datetime import datetime, timezone

    from korpo.models import ChallengeModel

    start, end = (datetime(2026, 11, 22, 9, tzinfo=timezone.utc),
                  datetime(2026, 11, 22, 11, tzinfo=timezone.utc))
    ChallengeModel.create("launch", "Launch week", start, end, multiplier=3, bonus=1).save()
    module = __import__("sys").modules["korpo_fn_award_points"]
    module._challenges.clear()
    inside = _click_record("in", "emp-ch", "2026-11-22T10:00:00.000000+0000", 1)
    outside = _click_record("out", "emp-ch", "2026-11-22T12:00:00.000000+0000", 2)
    handler({"Records": [inside, outside]}, LambdaContext("award_points"))
    from korpo import settings
    from korpo.scoring.award import ledger_entries

    entries = {e["event_id"]: (e["points"], e["rule"])
               for e in ledger_entries(settings.current().scores_table, "emp-ch")}
    assert entries == {"in": (31, "human_click+challenge:launch"), "out": (10, "human_click")}
    module._challenges.clear()


def test_stats_counters_count_what_earns_nothing_too(handler):
    from korpo import settings
    from korpo.board import stats

    at = "2026-11-22T10:00:00.000000+0000"
    records = [
        _image(_click_record("s1", "emp-s", at, 1), visitor_key="v1", referrer="linkedin"),
        _image(_click_record("s2", "emp-s", at, 2), visitor_key="v2", referrer="linkedin"),
        _image(_click_record("s3", "emp-s", at, 3, klass="bot"), referrer="linkedin"),
        _image(_click_record("s4", "emp-s", at, 4, klass="repeat"), visitor_key="v1",
               referrer="x"),
        _image(_click_record("s5", "emp-s", at, 5, klass="self"), referrer="x"),
        _image(_click_record("s6", "emp-s", at, 6), type="share_intent"),
        _image(_click_record("s7", "emp-s", at, 7), type="conversion",
               conversion_type="lead"),
        # neither proven a person nor named a bot: counted apart, never paid, never a visitor
        _image(_click_record("s8", "emp-s", at, 8, klass="unverified"), visitor_key="v3",
               referrer="linkedin"),
    ]
    handler({"Records": records}, LambdaContext("award_points"))
    handler({"Records": records}, LambdaContext("award_points"))  # counted once
    table = settings.current().scores_table
    mine = stats.day(table, "employee", "emp-s", "2026-11-22")
    assert {k: mine[k] for k in ("human_clicks", "bot_clicks", "repeat_clicks", "self_clicks",
                                 "unverified_clicks", "share_intents", "conversions",
                                 "conversions:lead", "points", "unique_visitors")} == {
        "human_clicks": 2, "bot_clicks": 1, "repeat_clicks": 1, "self_clicks": 1,
        "unverified_clicks": 1,
        "share_intents": 1, "conversions": 1, "conversions:lead": 1, "points": 20,
        "unique_visitors": 2}
    post = records[0]["dynamodb"]["NewImage"]["post_id"]["S"]
    assert stats.day(table, "post", post, "2026-11-22")["human_clicks"] == 2
    assert stats.day(table, "network", "linkedin", "2026-11-22")["bot_clicks"] == 1
    assert stats.day(table, "network", "linkedin", "2026-11-22")["unverified_clicks"] == 1
    assert stats.day(table, "network", "x", "2026-11-22")["self_clicks"] == 1


def test_poison_record_goes_to_the_failure_queue_and_never_blocks(handler, monkeypatch):
    import boto3

    module = __import__("sys").modules["korpo_fn_award_points"]
    sqs = boto3.client("sqs")
    # The template's name: the IAM proof holds this send to AwardPointsFunction's role.
    url = sqs.create_queue(QueueName="korpo-test-award-failures")["QueueUrl"]
    monkeypatch.setattr(module, "_settings",
                        __import__("dataclasses").replace(module._settings,
                                                          award_failure_queue_url=url))
    good = _click_record("pg", "emp-q", "2026-11-22T10:00:00.000000+0000", 1)
    bad = _click_record("pb", "emp-q", "not-a-date", 2)
    assert handler({"Records": [good, bad]}, LambdaContext("award_points")) == {
        "batchItemFailures": []}
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["poison"]["event_id"] == "pb" and "ValueError" in body["poison"]["error"]
    assert body["poison"]["record"]["dynamodb"]["SequenceNumber"] == bad["dynamodb"][
        "SequenceNumber"]
    assert _totals("emp-q", "2026-11") == (1, 10, 10)


def _store_event(event_id: str, employee: str, at: datetime) -> None:
    from korpo.models import EventModel

    EventModel(event_id, type="click", at=at, employee_id=employee, klass="human",
               post_id="p", expires_at=2000000000).save()


def test_console_replays_event_ids_and_on_failure_messages(handler):
    import boto3

    at = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    for i in range(3):
        _store_event(f"r{i}", "emp-r", at)
    replayed = handler(load_event("award_points/replay_event_ids") | {
        "replay_event_ids": ["r0", "r1", "nope"]}, LambdaContext("award_points"))
    assert replayed["awarded"] == {"r0": 10, "r1": 10} and replayed["missing"] == ["nope"]
    # The stream mapping's on-failure message names a range of the stream: r1 again, r2.
    from korpo import aws as korpo_aws
    from korpo import settings

    streams = korpo_aws.client("dynamodbstreams")
    arn = boto3.client("dynamodb").describe_table(
        TableName=settings.current().events_table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    sequences = [r["dynamodb"]["SequenceNumber"]
                 for r in streams.get_records(ShardIterator=iterator)["Records"]]
    message = load_event("award_points/replay_failure")
    message["DDBStreamBatchInfo"].update(streamArn=arn, shardId=shard,
                                         startSequenceNumber=sequences[1],
                                         endSequenceNumber=sequences[2])
    again = handler(message, LambdaContext("award_points"))
    assert again["awarded"] == {"r2": 10} and again["duplicates"] == ["r1"]
    assert _totals("emp-r", "2026-11") == (3, 30, 30)


def test_console_recompute_dry_run_then_fix(handler):
    from korpo.board import standings
    from korpo.models import BoardEntryModel

    records = [_click_record(f"x{i}", "emp-x", "2026-11-22T10:00:00.000000+0000", i)
               for i in range(3)]
    handler({"Records": records}, LambdaContext("award_points"))
    entry = BoardEntryModel.get(*BoardEntryModel.key("2026-11", "emp-x"))
    entry.update(actions=[BoardEntryModel.score.set(7)])  # a board gone wrong
    event = load_event("award_points/recompute_dry_run")
    event["recompute"] = {"employee_id": "emp-x", "month": "2026-11"}
    dry = handler(event, LambdaContext("award_points"))
    assert dry == {"employee_id": "emp-x", "month": "2026-11", "dry_run": True,
                   "ledger_entries": 3, "ledger_total": 30, "board_score": 7,
                   "difference": 23, "fixed": False}
    fixed = handler(event | {"dry_run": False}, LambdaContext("award_points"))
    assert fixed["fixed"] is True
    assert standings.standing_of("2026-11", "emp-x").score == 30


def test_signup_bonus_is_paid_once_for_a_new_profile(handler, monkeypatch):
    from korpo.models import EventModel
    from korpo.people import employees
    from korpo.scoring.rules import Rules

    module = __import__("sys").modules["korpo_fn_award_points"]
    monkeypatch.setattr(module._rules, "get", lambda: Rules(signup_bonus=100))
    identity = employees.Identity("emp-new", "new@example.com")
    employees.ensure_profile(identity)
    employees.ensure_profile(identity)
    employees.record_signup("emp-new", datetime(2026, 11, 22, tzinfo=timezone.utc))  # again
    raw = EventModel._get_connection().get_item("signup-emp-new")["Item"]
    record = _click_record("x", "x", "2026-11-22T10:00:00.000000+0000", 1)
    record["dynamodb"]["NewImage"] = raw
    handler({"Records": [record]}, LambdaContext("award_points"))
    handler({"Records": [record]}, LambdaContext("award_points"))
    month = raw["at"]["S"][:7]
    assert _totals("emp-new", month) == (1, 100, 100)


def test_a_hidden_posts_clicks_stop_earning_from_the_hide_on(handler):
    """A crisis hide stops points at once, even for clicks a warm track_click served from
    its link cache; clicks made before the hide keep what they earned."""
    from helpers import make_post

    from korpo import settings
    from korpo.board import stats
    from korpo.content import posts

    post_id = load_event("award_points/click_inserted")["Records"][0]["dynamodb"]["NewImage"][
        "post_id"]["S"]
    make_post(post_id)
    posts.hide_post(post_id, now=datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))
    before = _click_record("before", "emp-h", "2026-11-22T09:59:59.000000+0000", 1)
    after = _click_record("after", "emp-h", "2026-11-22T10:00:01.000000+0000", 2)
    result = handler({"Records": [before, after]}, LambdaContext("award_points"))
    assert result == {"batchItemFailures": []}
    assert _totals("emp-h", "2026-11") == (1, 10, 10)
    counters = stats.day(settings.current().scores_table, "post", post_id, "2026-11-22")
    assert counters["human_clicks"] == 2  # still counted for stats

    posts.unhide_post(post_id)
    later = _click_record("later", "emp-h", "2026-11-22T11:00:00.000000+0000", 3)
    handler({"Records": [later]}, LambdaContext("award_points"))
    assert _totals("emp-h", "2026-11") == (2, 20, 20)
