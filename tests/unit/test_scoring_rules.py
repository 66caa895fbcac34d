"""The brand's rules as plain values: kinds, challenges, caps, stored overrides, HLL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from korpo.board import hll
from korpo.scoring.rules import (
    Award,
    Challenge,
    Rules,
    ScoredEvent,
    apply_caps,
    award_for,
    parse_points_table,
)

AT = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)


def _event(**fields) -> ScoredEvent:
    return ScoredEvent(**{"event_id": "e", "type": "click", "klass": "human",
                          "employee_id": "emp", "at": AT, **fields})


def test_points_per_kind():
    rules = Rules(points_per_click=10, points_per_share_intent=3,
                  points_per_conversion={"signup": 50, "*": 5}, signup_bonus=100)
    assert award_for(_event(), rules) == Award(10, "human_click")
    assert award_for(_event(type="share_intent"), rules) == Award(3, "share_intent")
    assert award_for(_event(type="conversion", conversion_type="signup"), rules) == Award(
        50, "conversion:signup")
    assert award_for(_event(type="conversion", conversion_type="demo"), rules) == Award(
        5, "conversion:demo")
    assert award_for(_event(type="conversion", earns=False), rules) is None
    assert award_for(_event(type="employee_signup"), rules) == Award(100, "signup_bonus")


@given(klass=st.sampled_from(["human", "repeat", "self", "bot", "unverified"]),
       trust=st.sampled_from(["signed", "pixel"]), multiplier=st.integers(1, 5),
       bonus=st.integers(0, 50))
def test_a_conversion_through_a_bot_s_or_an_unverified_click_never_earns(klass, trust,
                                                                           multiplier, bonus):
    """Whatever the rules and a running challenge's terms: a script that followed the link
    (a bot's click, or one neither proven nor denied) can report a conversion too."""
    rules = Rules(points_per_conversion={"*": 20})
    launch = Challenge("launch", AT - timedelta(days=1), AT + timedelta(days=1),
                       multiplier=multiplier, bonus=bonus)
    event = _event(type="conversion", klass=klass, trust=trust, conversion_type="signup",
                   challenge_id="launch")
    granted = award_for(event, rules, [launch])
    assert (granted is None) == (klass in ("bot", "unverified"))


def test_named_challenge_wins_else_the_most_generous_running_one():
    running = Challenge("a", AT - timedelta(hours=1), AT + timedelta(hours=1), 2)
    richer = Challenge("b", AT - timedelta(hours=1), AT + timedelta(hours=1), 3)
    over = Challenge("c", AT - timedelta(days=2), AT - timedelta(days=1), 10)
    rules = Rules(points_per_click=10)
    assert award_for(_event(), rules, [running, richer, over]).points == 30
    assert award_for(_event(challenge_id="a"), rules, [running, richer]).points == 20
    assert award_for(_event(challenge_id="c"), rules, [over]) == Award(10, "human_click")


@given(st.lists(st.integers(1, 60), max_size=30), st.integers(0, 200), st.integers(0, 200))
def test_caps_keep_the_day_at_min_of_sum_and_cap(points, cap, kind_cap):
    rules = Rules(daily_cap_per_employee=cap, daily_cap_per_type={"click": kind_cap})
    total = 0
    for p in points:
        granted = apply_caps(Award(p, "r"), "click", rules, total, total)
        total += granted.points if granted else 0
    limits = [c for c in (cap, kind_cap) if c > 0]
    assert total == min([sum(points)] + limits)


def test_stored_overrides_and_the_template_form():
    rules = Rules().with_overrides({"points_per_click": 3, "unknown": 1})
    assert rules.points_per_click == 3
    assert parse_points_table("signup=50, lead=100,*=20") == {"signup": 50, "lead": 100, "*": 20}


def test_hyperloglog_is_idempotent_and_close():
    registers = hll.empty()
    for i in range(2000):
        hll.add(registers, f"v{i}")
        hll.add(registers, f"v{i}")
    assert abs(hll.estimate(registers) - 2000) < 2000 * 0.2
    small = hll.empty()
    for i in range(10):
        hll.add(small, f"x{i}")
    assert hll.estimate(small) == 10
