"""Exactly once, as a property: any sequence of stream deliveries (whole-batch retries from the
checkpoint, partial failures, batches of any size from the checkpoint, so bisected ones too,
replays of done records), injected crashes (before or after a transaction commits: an
employee's or the batch's shared day stats') and concurrent duplicates of the same events
(holding one employee's events, or the whole batch's shared stats) gives the same Scores table
(ledger, board, rank buckets, balances, stats counters, the shared day items and their guard,
their breakdowns, caps, activity markers and the months' adoption counters) as one clean
pass; and in that pass a conversion through a bot's or an unverified click pays nothing and
is counted apart."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from korpo.scoring.rules import Challenge, Rules, ScoredEvent

START = datetime(2026, 10, 31, 21, 0, tzinfo=timezone.utc)  # the Oct/Nov boundary in Paris
RULES = Rules(points_per_click=10, points_per_share_intent=3,
              points_per_conversion={"signup": 25, "*": 5}, daily_cap_per_employee=60,
              daily_cap_per_type={"click": 40})
CHALLENGES = [Challenge("launch", START + timedelta(hours=2), START + timedelta(hours=5),
                        multiplier=2, bonus=1)]


@st.composite
def event_lists(draw):
    n = draw(st.integers(1, 14))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["click", "click", "click", "share_intent", "conversion",
                                     "employee_signup"]))
        at = START + timedelta(minutes=draw(st.integers(0, 60 * 8)))
        out.append(ScoredEvent(
            event_id=f"{i:04d}", type=kind,
            klass=draw(st.sampled_from(["human", "human", "bot", "repeat", "self",
                                        "unverified"])),
            employee_id=draw(st.sampled_from(["ann", "bob", "cy"])), at=at,
            post_id=draw(st.sampled_from(["p1", "p2", None])),
            referrer=draw(st.sampled_from(["linkedin", "x", None])),
            visitor_key=draw(st.sampled_from(["v1", "v2", "v3", None])),
            conversion_type=draw(st.sampled_from(["signup", "lead"])) if kind == "conversion"
            else None))
    # The stream carries events in the order they were written: time order.
    out.sort(key=lambda e: (e.at, e.event_id))
    return [ScoredEvent(**{**vars(e), "event_id": f"{k:04d}{e.event_id}"})
            for k, e in enumerate(out)]


def _snapshot(table: str) -> dict:
    import boto3

    from korpo import aws

    items = {}
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table):
        for raw in page["Items"]:
            item = aws.from_ddb(raw)
            item.pop("v", None)  # how many times an item was written is not its content
            if "hll" in item:
                item["hll"] = bytes(item["hll"].value)
            if item["sk"].startswith("B#"):  # zero counters left by moves are no content
                item = {k: v for k, v in item.items() if k in ("pk", "sk") or v != 0}
                if len(item) == 2:
                    continue
            items[(item["pk"], item["sk"])] = item
    return items


def _wipe(table: str) -> None:
    import boto3

    client = boto3.client("dynamodb")
    for page in client.get_paginator("scan").paginate(TableName=table):
        for raw in page["Items"]:
            client.delete_item(TableName=table, Key={"pk": raw["pk"], "sk": raw["sk"]})


@pytest.fixture
def ctx(aws):
    from korpo.scoring.award import Context

    teams = {"ann": "sales", "bob": "sales"}
    return Context(rules=RULES, zone=ZoneInfo("Europe/Paris"), scores_table=aws.scores_table,
                   challenges=CHALLENGES, team_of=teams.get,
                   channel_of={"p1": "blog", "p2": "videos"})


# 25 histories in CI (~30 s); KORPO_PROPERTY_EXAMPLES=500 for a long hunt.
@hsettings(max_examples=int(os.environ.get("KORPO_PROPERTY_EXAMPLES", "25")), deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(events=event_lists(), data=st.data())
def test_any_delivery_history_equals_one_clean_pass(ctx, events, data):
    from korpo.scoring import award

    table = ctx.scores_table
    _wipe(table)
    clean = award.process(events, ctx)
    assert not clean.failed
    expected = _snapshot(table)
    _assert_unpaid_conversions_pay_nothing(events, clean, expected)
    _wipe(table)

    real_transact = award._transact
    crashes = {"left": data.draw(st.integers(0, 4), label="crash budget")}

    def flaky(items):
        if crashes["left"] and data.draw(st.booleans(), label="crash here"):
            crashes["left"] -= 1
            if data.draw(st.booleans(), label="after commit"):
                real_transact(items)  # committed, but the answer is lost
            raise RuntimeError("injected crash")
        real_transact(items)

    concurrent = {"busy": False}

    def interleave(employee_id):
        # A concurrent invocation holding the same employee's events commits first.
        if concurrent["busy"] or not data.draw(st.booleans(), label="concurrent duplicate"):
            return
        concurrent["busy"] = True
        try:
            award.process([e for e in events if e.employee_id == employee_id], ctx)
        finally:
            concurrent["busy"] = False

    def interleave_shared(batch):
        # A concurrent invocation holding some of the same events (a redelivery, a replay)
        # counts them, shared stats included, between this one's read and write.
        if concurrent["busy"] or not data.draw(st.booleans(), label="concurrent shared"):
            return
        concurrent["busy"] = True
        try:
            award.process(batch[:data.draw(st.integers(1, len(batch)), label="held")], ctx)
        finally:
            concurrent["busy"] = False

    award._transact, award._between_read_and_write = flaky, interleave
    award._between_shared_read_and_write = interleave_shared
    try:
        checkpoint = _deliver(events, ctx, data)
    finally:
        award._transact, award._between_read_and_write = real_transact, _no_pause
        award._between_shared_read_and_write = _no_pause
    award.process(events[checkpoint:], ctx)  # whatever is left: the stream goes on
    assert _snapshot(table) == expected


def _assert_unpaid_conversions_pay_nothing(events, outcome, items) -> None:
    """A conversion through a bot's or an unverified click is never paid, never in the
    ledger, and counted once apart (`unpaid_conversions`), never as a conversion."""
    unpaid = {e.event_id for e in events
              if e.type == "conversion" and e.klass in ("bot", "unverified")}
    assert not unpaid & set(outcome.awarded)
    entries = {event_id for item in items.values() for event_id in item.get("entries", {})}
    assert not unpaid & entries
    overall = [item["c"] for (pk, _), item in items.items() if pk == "STATS#all#all"]
    assert sum(int(c.get("unpaid_conversions", 0)) for c in overall) == len(unpaid)
    paid = [e for e in events if e.type == "conversion" and e.event_id not in unpaid]
    assert sum(int(c.get("conversions", 0)) for c in overall) == len(paid)


def _no_pause(employee_id):
    return None


def _deliver(events, ctx, data) -> int:
    """Stream deliveries from the checkpoint; returns where the checkpoint ended."""
    from korpo.scoring import award

    checkpoint = 0
    for _ in range(60):
        if checkpoint >= len(events):
            break
        if checkpoint and data.draw(st.booleans(), label="replay done records"):
            start = data.draw(st.integers(0, checkpoint - 1), label="replay from")
            award.process(events[start:checkpoint], ctx)
        size = data.draw(st.integers(1, len(events) - checkpoint), label="batch size")
        batch = events[checkpoint:checkpoint + size]
        outcome = award.process(batch, ctx)
        failed = [i for i, e in enumerate(batch) if e.event_id in outcome.failed]
        # Lambda checkpoints before the lowest failed record and retries from there.
        checkpoint += min(failed) if failed else len(batch)
    return checkpoint


def _shared_items(table: str) -> dict:
    return {k: v for k, v in _snapshot(table).items()
            if k[0].startswith(("STATS#", "SHARED#")) and not k[0].startswith("STATS#employee#")}


def test_a_lost_shared_write_is_counted_at_the_next_delivery_once(ctx):
    """The employees' transactions commit, the batch's shared stats write fails: the records
    are reported failed, and their redelivery (the ledger finds them done) counts the shared
    stats from the ledger's points, once; a third delivery changes nothing."""
    from korpo.scoring import award

    events = [ScoredEvent(event_id=f"e{i}", type="click", klass="human",
                          employee_id=["ann", "bob"][i % 2], at=START + timedelta(minutes=i),
                          post_id="p1", referrer="linkedin", visitor_key=f"v{i}")
              for i in range(4)]
    table = ctx.scores_table
    _wipe(table)
    assert not award.process(events, ctx).failed
    expected = _shared_items(table)
    assert expected[("STATS#all#all", "DAY#2026-10-31")]["c"]["points"] == 40
    _wipe(table)

    real_transact = award._transact

    def shared_fails(items):
        if any(i["Put"]["Item"]["pk"]["S"].startswith("SHARED#") for i in items if "Put" in i):
            raise RuntimeError("injected crash")
        real_transact(items)

    award._transact = shared_fails
    try:
        first = award.process(events, ctx)
    finally:
        award._transact = real_transact
    assert set(first.failed) == {e.event_id for e in events}
    assert _shared_items(table) == {}
    again = award.process(events, ctx)
    assert not again.failed and again.duplicates == {e.event_id for e in events}
    assert _shared_items(table) == expected
    award.process(events, ctx)
    assert _shared_items(table) == expected


def test_events_counted_before_the_shared_step_existed_are_not_counted_again(ctx):
    """A ledger bucket written before issue 21 holds its ids in `seen`, and that transaction
    counted the shared stats too: a replay of such an event adds nothing anywhere."""
    import boto3

    from korpo.scoring import award

    event = ScoredEvent(event_id="old1", type="click", klass="human", employee_id="ann",
                        at=START, post_id="p1", referrer="linkedin", visitor_key="v1")
    table = ctx.scores_table
    _wipe(table)
    boto3.client("dynamodb").put_item(TableName=table, Item={
        "pk": {"S": "EMP#ann"}, "sk": {"S": award.ledger_sk(START)},
        "employee_id": {"S": "ann"}, "seen": {"SS": ["old1"]}, "entries": {"M": {}},
        "v": {"N": "1"}})
    before = _snapshot(table)
    outcome = award.process([event], ctx)
    assert outcome.duplicates == {"old1"} and not outcome.failed
    assert _snapshot(table) == before
