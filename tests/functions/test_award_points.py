from __future__ import annotations

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
    from korpo.models import BoardEntryModel, LedgerModel
    from korpo.wallet import balance_of

    ledger = list(LedgerModel.query(f"EMP#{employee}", LedgerModel.sk.startswith("LEDGER#")))
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


def test_awards_survive_a_failure_between_batches(handler, monkeypatch):
    """A batch retried after a crash part-way gives the same totals as one clean pass."""
    from korpo.scoring import award as award_module

    records = [_click_record(f"c{i}", "emp-5", "2026-11-22T10:00:00.000000+0000", i)
               for i in range(4)]
    real = award_module.award
    calls = {"n": 0}

    def flaky(event, rules, zone):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("injected crash")
        return real(event, rules, zone)

    module = load_module("functions/award_points")
    monkeypatch.setattr(module, "award", flaky)
    first = handler({"Records": records}, LambdaContext("award_points"))
    assert len(first["batchItemFailures"]) == 1
    monkeypatch.setattr(module, "award", real)
    handler({"Records": records}, LambdaContext("award_points"))
    assert _totals("emp-5", "2026-11") == (4, 40, 40)
