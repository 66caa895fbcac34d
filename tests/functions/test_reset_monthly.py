from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from helpers import load_event

from infra.functions import LambdaContext, load_handler


@pytest.fixture
def handler(aws):
    return load_handler("ResetMonthlyFunction")


def _award(employee: str, points: int, month_day: str = "2026-10-15") -> None:
    from korpo.models import BalanceModel, BoardEntryModel

    month = month_day[:7]
    BoardEntryModel(*BoardEntryModel.key(month, employee), board=month, score=points,
                    employee_id=employee).save()
    BalanceModel(*BalanceModel.key(employee), points=points).save()


def test_dry_run_reports_and_writes_nothing(handler):
    from korpo.board import monthly

    _award("a", 30)
    _award("b", 20)
    summary = handler(load_event("reset_monthly/dry_run"), LambdaContext("reset_monthly"))
    assert summary["dry_run"] is True and summary["participants"] == 2
    assert summary["winners"][0] == {"rank": 1, "employee_id": "a", "score": 30}
    assert monthly.archived("2026-10") == []
    assert monthly.month_state("2026-10") is None and monthly.month_state("2026-11") is None


def test_freeze_archives_ranks_with_ties_and_is_idempotent(handler):
    from korpo.board import monthly
    from korpo.shop.wallet import balance_of

    for employee, points in (("a", 30), ("b", 20), ("c", 20), ("d", 5)):
        _award(employee, points)
    first = handler(load_event("reset_monthly/freeze_month"), LambdaContext("reset_monthly"))
    assert first["already_frozen"] is False
    assert [(s.rank, s.employee_id) for s in monthly.archived("2026-10")] == [
        (1, "a"), (2, "b"), (2, "c"), (4, "d")]
    assert monthly.archived_standing("2026-10", "c").rank == 2
    state = monthly.month_state("2026-10")
    assert state.status == "frozen" and state.frozen_at is not None
    assert monthly.month_state("2026-11").status == "open"
    assert balance_of("a") == 30  # lifetime balance is never reset

    second = handler(load_event("reset_monthly/freeze_month"), LambdaContext("reset_monthly"))
    assert second["already_frozen"] is True
    assert second["frozen_at"] == first["frozen_at"]
    assert len(monthly.archived("2026-10")) == 4


def test_scheduled_event_freezes_the_previous_brand_month(handler, monkeypatch):
    from korpo.board import monthly

    module = __import__("sys").modules["korpo_fn_reset_monthly"]
    # 00:05 on Nov 1st in Paris is still Oct 31st in UTC: the month closed is October.
    monkeypatch.setattr(module, "utc_now",
                        lambda: datetime(2026, 10, 31, 23, 5, tzinfo=timezone.utc))
    _award("a", 10)
    summary = handler(load_event("reset_monthly/scheduled"), LambdaContext("reset_monthly"))
    assert summary["month"] == "2026-10"
    assert monthly.month_state("2026-10").status == "frozen"


def test_bad_month_is_refused(handler):
    from korpo.months import InvalidMonth

    with pytest.raises(InvalidMonth):
        handler({"month": "2026-13"}, LambdaContext("reset_monthly"))


def _module():
    return __import__("sys").modules["korpo_fn_reset_monthly"]


def _profile(employee_id: str, email: str, name: str) -> None:
    from korpo.models import EmployeeModel

    EmployeeModel(*EmployeeModel.key(employee_id), employee_id=employee_id, email=email,
                  display_name=name, created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)).save()


def test_winners_and_admins_get_the_announcement_once(handler, monkeypatch):
    from dataclasses import replace

    import boto3
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress="korpo@example.com")
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="employees")["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool, GroupName="admins")
    cognito.admin_create_user(UserPoolId=pool, Username="boss@example.com",
                              UserAttributes=[{"Name": "email", "Value": "boss@example.com"}],
                              MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="boss@example.com",
                                    GroupName="admins")
    monkeypatch.setattr(_module(), "_settings", replace(
        _module()._settings, sender_email="korpo@example.com", user_pool_id=pool))
    for employee, points, name in (("a", 30, "Ann"), ("b", 20, "Bob"), ("c", 10, "Cy"),
                                   ("d", 5, "Di")):
        _award(employee, points)
        _profile(employee, f"{name.lower()}@example.com", name)

    dry = handler(load_event("reset_monthly/dry_run"), LambdaContext("reset_monthly"))
    assert dry["announcement"] == {"status": "would_send", "recipients": 4}
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    assert sent == []

    first = handler(load_event("reset_monthly/freeze_month"), LambdaContext("reset_monthly"))
    assert first["announcement"] == {"status": "sent", "recipients": 4}
    assert sorted(m.destinations["ToAddresses"][0] for m in sent) == [
        "ann@example.com", "bob@example.com", "boss@example.com", "cy@example.com"]
    assert "1. Ann — 30 korpos" in sent[0].body and "Di" not in sent[0].body
    assert _module().monthly.month_state("2026-10").announced_at is not None

    again = handler(load_event("reset_monthly/freeze_month"), LambdaContext("reset_monthly"))
    assert again["already_frozen"] and again["announcement"]["status"] == "already_announced"
    assert len(sent) == 4


def test_each_reader_gets_the_winners_in_their_language(handler, monkeypatch):
    from dataclasses import replace

    from mail_helpers import pool_with_an_admin
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from korpo import brand
    from korpo.people import profiles

    pool, boss_id = pool_with_an_admin()
    monkeypatch.setattr(_module(), "_settings", replace(
        _module()._settings, sender_email="korpo@example.com", user_pool_id=pool))
    brand.save({"language": "fr", "points_name": "étoiles"})  # the brand's: for who chose none
    _award("a", 30)
    _profile("a", "ann@example.com", "Ann")
    profiles.update_profile("a", language="en")
    _award("b", 20)
    _profile("b", "bob@example.com", "Bob")  # none chosen
    _profile(boss_id, "boss@example.com", "Boss")
    profiles.update_profile(boss_id, language="en")

    handler(load_event("reset_monthly/freeze_month"), LambdaContext("reset_monthly"))
    sent = {m.destinations["ToAddresses"][0]: m
            for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages}
    assert sent["ann@example.com"].subject.endswith("the winners of October 2026")
    assert sent["boss@example.com"].subject == sent["ann@example.com"].subject
    assert sent["bob@example.com"].subject.endswith("les gagnants d’octobre 2026")
    assert "2 employés ont gagné 50 étoiles" in sent["bob@example.com"].body
    assert "2 employees earned 50 étoiles" in sent["ann@example.com"].body


def test_late_events_reach_the_live_board_never_the_archive(handler):
    from korpo.board import monthly, standings
    from korpo.board.standings import set_score

    set_score("2026-10", "a", 30)
    set_score("2026-10", "b", 20)
    handler(load_event("reset_monthly/freeze_month"), LambdaContext("reset_monthly"))
    set_score("2026-10", "b", 40)  # an October event that arrived after the freeze
    assert standings.standing_of("2026-10", "b").rank == 1
    assert monthly.archived_standing("2026-10", "b").rank == 2
    assert [(s.employee_id, s.score) for s in monthly.archived("2026-10")] == [
        ("a", 30), ("b", 20)]


@pytest.mark.parametrize("zone, local_first, closed", [
    ("Pacific/Honolulu", datetime(2026, 11, 1, 0, 5), "2026-10"),  # UTC-10, no DST
    ("Pacific/Tongatapu", datetime(2026, 11, 1, 0, 5), "2026-10"),  # UTC+13
    ("Pacific/Auckland", datetime(2026, 10, 1, 0, 5), "2026-09"),  # NZDT +13 since 27 Sep
    ("Pacific/Auckland", datetime(2026, 4, 1, 0, 5), "2026-03"),  # NZDT, ends 5 Apr
    ("Pacific/Auckland", datetime(2026, 5, 1, 0, 5), "2026-04"),  # NZST +12 after 5 Apr
    ("Europe/Paris", datetime(2026, 11, 1, 0, 5), "2026-10"),  # CET, a week after DST ended
    ("Europe/Paris", datetime(2026, 4, 1, 0, 5), "2026-03"),  # CEST since 29 Mar
])
def test_scheduled_reset_closes_the_brands_month_in_any_zone(handler, monkeypatch, zone,
                                                            local_first, closed):
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from korpo.board import monthly
    from korpo.scoring.award import Context, process
    from korpo.scoring.rules import Rules, ScoredEvent

    tz = ZoneInfo(zone)
    fired = local_first.replace(tzinfo=tz).astimezone(timezone.utc)
    monkeypatch.setattr(_module(), "_settings", replace(_module()._settings, time_zone=zone))
    monkeypatch.setattr(_module(), "utc_now", lambda: fired)
    # One minute before midnight local time belongs to the closed month; midnight to the next.
    ctx = Context(rules=Rules(points_per_click=10), zone=tz,
                  scores_table=_module()._settings.scores_table)
    before = ScoredEvent("e-before", "click", "human", "emp", fired - timedelta(minutes=6))
    after = ScoredEvent("e-after", "click", "human", "emp", fired - timedelta(minutes=5))
    assert not process([before, after], ctx).failed
    summary = handler(load_event("reset_monthly/scheduled"), LambdaContext("reset_monthly"))
    assert summary["month"] == closed and summary["total_points"] == 10
    assert monthly.month_state(closed).status == "frozen"
    opened = summary["opened_month"]
    assert monthly.month_state(opened).status == "open"
    from korpo.board import standings

    assert standings.standing_of(opened, "emp").score == 10
