from __future__ import annotations

from datetime import datetime, timezone

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
    from korpo import monthly

    _award("a", 30)
    _award("b", 20)
    summary = handler(load_event("reset_monthly/dry_run"), LambdaContext("reset_monthly"))
    assert summary["dry_run"] is True and summary["participants"] == 2
    assert summary["winners"][0] == {"rank": 1, "employee_id": "a", "score": 30}
    assert monthly.archived("2026-10") == []
    assert monthly.month_state("2026-10") is None and monthly.month_state("2026-11") is None


def test_freeze_archives_ranks_with_ties_and_is_idempotent(handler):
    from korpo import monthly
    from korpo.wallet import balance_of

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
    from korpo import monthly

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
