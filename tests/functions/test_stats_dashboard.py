"""The dashboard's figures (korpo.board.dashboard) from events awarded through award.process: reach
apart from the clicks that are not reach, shares by network, conversions by type, the rate,
earned media value, breakdowns, the shop's redeemed points, adoption and retention."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from korpo.scoring.rules import Rules, ScoredEvent

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)


def _event(event_id: str, employee: str = "ann", type: str = "click", klass: str = "human",
           at: datetime = DAY, **fields) -> ScoredEvent:
    return ScoredEvent(event_id=event_id, type=type, klass=klass, employee_id=employee, at=at,
                       **fields)


@pytest.fixture
def ctx(aws):
    from korpo.scoring.award import Context

    return Context(rules=Rules(points_per_click=10, points_per_share_intent=1,
                               points_per_conversion={"*": 5}),
                   zone=PARIS, scores_table=aws.scores_table,
                   team_of={"ann": "sales", "bob": "ops"}.get,
                   channel_of={"p1": "blog", "p2": "videos"})


def _award(ctx, events) -> None:
    from korpo.scoring import award

    outcome = award.process(events, ctx)
    assert not outcome.failed, outcome.failed


def _board(ctx):
    from korpo.board import dashboard

    return dashboard.dashboard(ctx.scores_table, date(2026, 11, 1), date(2026, 11, 30),
                               human_click_value=Decimal("0.75"))


def _day_of_events():
    return [
        _event("c1", post_id="p1", referrer="linkedin", visitor_key="v1"),
        _event("c2", employee="bob", post_id="p2", referrer="x", visitor_key="v2"),
        _event("c3", klass="bot", post_id="p1", referrer="linkedin"),
        _event("c4", klass="repeat", post_id="p1", referrer="linkedin", visitor_key="v1"),
        _event("c5", klass="self", post_id="p1", referrer="linkedin"),
        _event("c6", klass="unverified", post_id="p1", referrer="linkedin"),
        _event("s1", type="share_intent", post_id="p1", network="linkedin"),
        _event("s2", type="share_intent", post_id="p1", network="x"),
        _event("s3", employee="bob", type="share_intent", post_id="p2", network="linkedin"),
        _event("k1", type="conversion", post_id="p1", conversion_type="lead"),
    ]


def test_reach_is_human_clicks_only_and_the_rest_is_shown_apart(ctx):
    _award(ctx, _day_of_events())
    board = _board(ctx)
    assert board.reach == 2
    assert board.totals["unique_visitors"] == 2
    assert {k: board.totals[k] for k in ("bot_clicks", "repeat_clicks", "self_clicks",
                                         "unverified_clicks")} == {
        "bot_clicks": 1, "repeat_clicks": 1, "self_clicks": 1, "unverified_clicks": 1}
    assert board.totals["share_intents"] == 3
    assert board.conversions_by_type == {"lead": 1}
    assert board.conversion_rate == Decimal("0.5")
    assert board.earned_media_value == Decimal("1.50")
    assert board.totals["points"] == 2 * 10 + 3 * 1 + 5
    day = next(d for d in board.days if d.day == "2026-11-22")
    assert (day.human_clicks, day.not_reach_clicks, day.share_intents, day.conversions) == (
        2, 4, 3, 1)
    assert len(board.days) == 30  # every day, the quiet ones as zeros (the chart's gaps)


def test_conversions_through_unpaid_clicks_earn_nothing_and_are_counted_apart(ctx):
    _award(ctx, _day_of_events() + [
        _event("k2", type="conversion", klass="bot", post_id="p1", conversion_type="lead"),
        _event("k3", type="conversion", klass="unverified", post_id="p1",
               conversion_type="signup")])
    board = _board(ctx)
    assert board.totals["unpaid_conversions"] == 2
    assert board.totals["conversions"] == 1 and board.conversions_by_type == {"lead": 1}
    assert board.conversion_rate == Decimal("0.5")  # paid conversions per human click
    assert board.totals["points"] == 2 * 10 + 3 * 1 + 5  # the two pay nothing
    empty = _board_of(ctx, date(2026, 10, 1))
    assert empty.totals["unpaid_conversions"] == 0  # shown as 0 on a quiet month


def _board_of(ctx, first):
    from korpo.board import dashboard

    return dashboard.dashboard(ctx.scores_table, first, first + timedelta(days=29))


def test_breakdowns_by_post_network_team_and_channel(ctx):
    _award(ctx, _day_of_events())
    board = _board(ctx)
    posts = {r.key: r for r in board.breakdowns["post"]}
    assert (posts["p1"].human_clicks, posts["p1"].share_intents, posts["p1"].conversions) == (
        1, 2, 1)
    networks = {r.key: (r.human_clicks, r.share_intents) for r in board.breakdowns["network"]}
    assert networks == {"linkedin": (1, 2), "x": (1, 1)}  # shares by network
    teams = {r.key: r.points for r in board.breakdowns["team"]}
    assert teams == {"sales": 10 + 2 + 5, "ops": 10 + 1}
    assert {r.key for r in board.breakdowns["channel"]} == {"blog", "videos"}


def test_a_filter_reads_that_dimension_only(ctx):
    from korpo.board import dashboard

    _award(ctx, _day_of_events())
    team = dashboard.dashboard(ctx.scores_table, date(2026, 11, 1), date(2026, 11, 30),
                               dimension="team", key="ops")
    assert (team.reach, team.totals["share_intents"]) == (1, 1)
    assert "team" not in team.breakdowns and [r.key for r in team.breakdowns["post"]] == ["p2"]
    assert team.redeemed is None and team.adoption == []  # the programme's, shown overall
    channel = dashboard.dashboard(ctx.scores_table, date(2026, 11, 1), date(2026, 11, 30),
                                  dimension="channel", key="blog")
    assert channel.reach == 1 and channel.totals["bot_clicks"] == 1


@pytest.mark.parametrize("dimension,key", [("employee", "ann"), ("nope", "x"), ("post", ""),
                                           ("post", "p" * 129)])
def test_a_bad_filter_is_refused(ctx, dimension, key):
    from korpo.board import dashboard
    from korpo.board.stats import StatsQueryError

    with pytest.raises(StatsQueryError):
        dashboard.dashboard(ctx.scores_table, date(2026, 11, 1), date(2026, 11, 30),
                            dimension=dimension, key=key)


def test_a_period_longer_than_366_days_is_refused(ctx):
    from korpo.board import dashboard
    from korpo.board.stats import StatsQueryError

    with pytest.raises(StatsQueryError):
        dashboard.dashboard(ctx.scores_table, date(2025, 1, 1), date(2026, 1, 2))


def test_adoption_active_and_retention_count_once_in_any_order(ctx):
    """Shares of October and November, the November ones delivered first and every batch
    delivered twice: active and retained count each employee once per month."""
    october, november = datetime(2026, 10, 5, 9, tzinfo=timezone.utc), DAY
    signups = [_event(f"signup-{e}", employee=e, type="employee_signup", at=october)
               for e in ("ann", "bob", "cy")]
    late = [_event("n1", type="share_intent", at=november, network="x"),
            _event("n2", type="share_intent", at=november + timedelta(hours=1), network="x"),
            _event("n3", employee="cy", type="share_intent", at=november, network="x")]
    early = [_event("o1", type="share_intent", at=october, network="x"),
             _event("o2", employee="bob", type="share_intent", at=october, network="x")]
    for batch in (signups, late, early, late, early + late):
        _award(ctx, batch)
    board = _board(ctx)
    months = {m.month: m for m in board.adoption}
    assert (months["2026-10"].active, months["2026-10"].signed_up) == (2, 3)
    assert (months["2026-11"].active, months["2026-11"].retained) == (2, 1)
    assert months["2026-11"].share_active == Decimal("0.6667")
    assert board.retention("2026-11") == Decimal("0.5")  # ann stayed, bob did not
    assert [m.month for m in board.months] == ["2026-11"]


def test_points_redeemed_and_refunded_are_counted_by_the_shop(ctx):
    from korpo.models import BalanceModel
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward

    create_reward("mug", "Mug", 100, kind="company", stock=3)
    BalanceModel(*BalanceModel.key("ann")).update(actions=[BalanceModel.points.add(500)])
    at = datetime(2026, 11, 10, 12, tzinfo=timezone.utc)
    first = redemptions.redeem("ann", "mug", now=at, notify=False, request_id="form-0001")
    redemptions.redeem("ann", "mug", now=at, notify=False, request_id="form-0001")  # again
    redemptions.redeem("ann", "mug", now=at, notify=False, request_id="form-0002")
    redemptions.cancel(first.redemption_id, by="boss", now=at)
    redemptions.cancel(first.redemption_id, by="boss", now=at)  # refunds once
    redeemed = _board(ctx).redeemed
    assert (redeemed.redeemed_points, redeemed.refunded_points, redeemed.net_points) == (
        200, 100, 100)
    assert (redeemed.redemptions, redeemed.cancellations) == (2, 1)


def test_top_employees_is_the_months_board(ctx):
    from korpo.board import dashboard

    _award(ctx, _day_of_events())
    top = dashboard.top_employees("2026-11", 10)
    assert [(s.employee_id, s.score) for s in top] == [("ann", 17), ("bob", 11)]
