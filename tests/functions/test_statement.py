"""The statement of an employee's points (korpo.shop.statement) against moto: every movement
of the balance is a line in words (awards, the welcome bonus, redemptions, refunds, admins'
corrections), and the lines always sum to the balance; the points page and GET /me/ledger
show them."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from helpers import body_of, claims_for
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from web_pages import ME, page_event, signed_in, text_of

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
OPS = st.lists(st.tuples(
    st.sampled_from(["click", "bonus", "replay", "redeem", "cancel", "fulfil", "correct"]),
    st.integers(min_value=-40, max_value=40)), max_size=25)


@pytest.fixture
def shop(aws):
    from korpo.shop.rewards import create_reward

    create_reward("mug", "Mug", 10, stock=3)
    create_reward("cap", "Cap", 25, per_employee_limit=1)
    return aws


def _award(employee_id: str, event_id: str, kind: str, at: datetime) -> None:
    """An event as award_points pays it: its ledger entry and the balance's ADD in one go."""
    from korpo import settings
    from korpo.scoring import award
    from korpo.scoring.rules import Rules, ScoredEvent

    cfg = settings.current()
    event = ScoredEvent(event_id=event_id, type=kind, klass="human", employee_id=employee_id,
                        at=at, post_id="post-1" if kind == "click" else None,
                        network="linkedin" if kind == "click" else None)
    outcome = award.process([event], award.Context(
        rules=Rules(points_per_click=10, signup_bonus=30), zone=ZoneInfo("Europe/Paris"),
        scores_table=cfg.scores_table))
    assert not outcome.failed


def _run(employee_id: str, ops: list[tuple[str, int]]) -> None:
    from korpo.shop import redemptions, statement

    made: list[str] = []
    paid: list[str] = []
    for step, (op, n) in enumerate(ops):
        at = T0 + timedelta(minutes=step)
        try:
            if op in ("click", "bonus"):
                event_id = f"{employee_id}-e{step}"
                _award(employee_id, event_id, "click" if op == "click" else "employee_signup",
                       at)
                paid.append(event_id)
            elif op == "replay" and paid:  # the stream delivers again: paid once
                _award(employee_id, paid[abs(n) % len(paid)], "click", at)
            elif op == "redeem":
                made.append(redemptions.redeem(employee_id, "mug" if n % 2 else "cap", now=at,
                                               notify=False).redemption_id)
            elif op == "cancel" and made:
                redemptions.cancel(made[abs(n) % len(made)], by="admin", now=at, notify=False)
            elif op == "fulfil" and made:
                redemptions.fulfil(made[abs(n) % len(made)], now=at, notify=False)
            elif op == "correct" and n:
                statement.correct(employee_id, n, f"correction {step}", by="admin", now=at)
        except (redemptions.InsufficientBalance, redemptions.OutOfStock,
                redemptions.LimitReached, redemptions.InvalidTransition,
                statement.InvalidCorrection):
            pass


@hsettings(max_examples=30, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_the_lines_always_sum_to_the_balance(shop, ops):
    """Whatever happens (awards, bonuses, replays, redemptions refused or made, cancels,
    fulfilments, corrections up or down): the statement's lines sum to the balance, each says
    what it is, and its pages, read back by `before`, are the whole statement."""
    from korpo.shop.statement import movements
    from korpo.shop.wallet import balance_of

    employee_id = f"emp-{uuid.uuid4().hex[:8]}"  # the tables outlive an example
    _run(employee_id, ops)
    every = movements(employee_id, limit=1000)
    assert sum(m.points for m in every) == balance_of(employee_id) >= 0
    for move in every:
        assert move.kind in ("award", "redemption", "refund", "correction")
        if move.kind == "award":
            assert move.line is not None and move.line.reason in (
                "visitor_click", "signup_bonus")
        elif move.kind == "correction":
            assert move.note
        else:
            assert move.reward_title in ("Mug", "Cap") and move.redemption_id
    paged, before = [], None
    while True:
        page = movements(employee_id, limit=4, before=before)
        paged += page
        if len(page) < 4:
            break
        before = page[-1].at
    assert paged == every


def test_a_redemption_and_its_refund_are_lines_of_their_own(shop):
    """The issue: the ledger showed +20 and the balance said 10 (the redemption's −10 was
    missing)."""
    from korpo.shop import redemptions
    from korpo.shop.statement import movements
    from korpo.shop.wallet import balance_of

    _award("emp-1", "e1", "click", T0)
    _award("emp-1", "e2", "click", T0 + timedelta(minutes=1))
    made = redemptions.redeem("emp-1", "mug", now=T0 + timedelta(minutes=2), notify=False)
    assert [(m.kind, m.points) for m in movements("emp-1")] == [
        ("redemption", -10), ("award", 10), ("award", 10)]
    assert balance_of("emp-1") == 10
    redemptions.cancel(made.redemption_id, by="admin", now=T0 + timedelta(minutes=3),
                       notify=False)
    assert [(m.kind, m.points) for m in movements("emp-1")][:2] == [("refund", 10),
                                                                    ("redemption", -10)]
    assert balance_of("emp-1") == 20


def test_a_correction_is_checked_made_once_and_never_empties_below_zero(shop):
    from korpo.shop import statement
    from korpo.shop.wallet import balance_of

    for points, note, field in ((0, "why", "points"), (True, "why", "points"),
                                ("5", "why", "points"), (2_000_000, "why", "points"),
                                (5, "", "note"), (5, " " * 3, "note"), (5, "x" * 301, "note"),
                                (-5, "too much", "balance")):
        with pytest.raises(statement.InvalidCorrection) as refused:
            statement.correct("emp-2", points, note, by="admin")
        assert refused.value.field == field
    for _ in range(2):
        statement.correct("emp-2", 25, "Meetup talk", by="admin", request_id="form-token-1")
    assert balance_of("emp-2") == 25
    assert [(m.kind, m.points, m.note) for m in statement.movements("emp-2")] == [
        ("correction", 25, "Meetup talk")]


def test_the_console_corrects_a_balance_after_a_dry_run(shop):
    from infra.functions import LambdaContext, load_handler
    from helpers import load_event
    from korpo.shop.wallet import balance_of

    handler = load_handler("AwardPointsFunction")
    event = load_event("award_points/correct_balance")
    employee_id = event["correct_balance"]["employee_id"]
    dry = handler(event, LambdaContext("award_points"))
    assert (dry["balance_before"], dry["balance_after"], dry["dry_run"]) == (0, 50, True)
    assert balance_of(employee_id) == 0
    for _ in range(2):  # the same request_id: once
        done = handler({**event, "dry_run": False}, LambdaContext("award_points"))
    assert done["balance_after"] == balance_of(employee_id) == 50


def test_the_points_page_and_the_api_show_every_movement(shop, web, api):
    from korpo.shop import redemptions, statement

    _award(ME, "e1", "click", T0)
    _award(ME, "e2", "click", T0 + timedelta(minutes=1))
    redemptions.redeem(ME, "mug", now=T0 + timedelta(minutes=2), notify=False)
    statement.correct(ME, -5, "A click of your own, counted by mistake", by="admin",
                      now=T0 + timedelta(minutes=3))
    page = web(page_event("/points", headers=signed_in()))["body"]  # in French
    body = text_of(page)
    assert "Votre solde : 5 korpos" in body
    assert "-10 Vous avez échangé « Mug »" in body
    assert "-5 Correction par un administrateur : A click of your own" in body
    assert body.count("+10 Un visiteur a ouvert votre lien LinkedIn") == 2
    answer = body_of(api("api/my_ledger", claims=claims_for(ME, "ann.lee@example.com")))
    assert answer["balance"] == sum(line["points"] for line in answer["lines"]) == 5
    assert [line["kind"] for line in answer["lines"]] == ["correction", "redemption", "click",
                                                          "click"]
    assert answer["lines"][1]["reward_title"] == "Mug"
