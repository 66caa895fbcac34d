"""reset_monthly run twice, late, and during awards (the month's late events awarded between
two runs, or between a run killed mid-freeze and its rerun): once frozen, the archive keeps
the same winners and the same figures, and it is always one snapshot of the board."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from helpers import load_event

from infra.faults import DYNAMODB_WRITES, FAULTS, Fault
from infra.functions import FunctionTimedOut, LambdaContext, load_handler


@pytest.fixture(autouse=True)
def no_fault_left():
    yield
    FAULTS.remove()


@pytest.fixture
def reset(aws):
    return load_handler("ResetMonthlyFunction")


@pytest.fixture
def award(aws):
    """award(employee, n, day): n human clicks of that day through award_points' handler."""
    handler = load_handler("AwardPointsFunction")
    sequence = iter(range(1, 10**6))

    def clicks(employee: str, n: int, day: str = "2026-10-20") -> None:
        records = []
        for _ in range(n):
            seq = next(sequence)
            record = load_event("award_points/click_inserted")["Records"][0]
            image = record["dynamodb"]["NewImage"]
            image["event_id"]["S"] = record["dynamodb"]["Keys"]["event_id"]["S"] = f"ev{seq}"
            image["employee_id"]["S"] = employee
            image["at"]["S"] = f"{day}T10:{seq % 60:02d}:00.000000+0000"
            record["dynamodb"]["SequenceNumber"] = f"{seq:024d}"
            records.append(record)
        assert handler({"Records": records}, LambdaContext("award_points")) == {
            "batchItemFailures": []}
    return clicks


def _freeze(reset, month: str = "2026-10") -> dict:
    return reset({"month": month}, LambdaContext("reset_monthly"))


def _archive(month: str = "2026-10") -> tuple[list, list, dict]:
    """(by rank, by employee, the month's state figures)."""
    from korpo.board import monthly
    from korpo.models import ArchiveEntryModel

    members = sorted((i.employee_id, int(i.rank), int(i.score)) for i in ArchiveEntryModel.query(
        f"ARCHIVE#{month}", ArchiveEntryModel.sk.startswith("EMP#")))
    state = monthly.month_state(month)
    figures = {"participants": state.participants, "total_points": state.total_points,
               "winners": [(w.employee_id, w.rank, w.score) for w in state.winners],
               "frozen_at": state.frozen_at}
    return [(s.rank, s.employee_id, s.score) for s in monthly.archived(month)], members, figures


def test_twice_late_and_with_awards_between_the_archive_stays(reset, award, monkeypatch):
    award("emp-a", 3)
    award("emp-b", 2)
    award("emp-c", 1)
    late = datetime(2026, 11, 4, 9, 30, tzinfo=timezone.utc)  # days after the 1st
    monkeypatch.setattr(__import__("sys").modules["korpo_fn_reset_monthly"], "utc_now",
                        lambda: late)
    first = reset(load_event("reset_monthly/scheduled"), LambdaContext("reset_monthly"))
    assert first["month"] == "2026-10" and first["already_frozen"] is False
    frozen = _archive()
    assert [w[1] for w in frozen[0]] == ["emp-a", "emp-b", "emp-c"]

    award("emp-c", 5)  # late October events: the live board moves, the archive must not
    again = reset(load_event("reset_monthly/scheduled"), LambdaContext("reset_monthly"))
    assert again["already_frozen"] is True and again["winners"] == first["winners"]
    assert _freeze(reset)["winners"] == first["winners"]
    assert _archive() == frozen


@pytest.mark.parametrize("killed_after", [1, 2, 3])
def test_a_freeze_killed_midway_then_awards_then_the_rerun_archive_one_snapshot(
        reset, award, killed_after):
    from korpo.board import standings

    for employee, clicks in (("emp-a", 3), ("emp-b", 2), ("emp-c", 1)):
        award(employee, clicks)
    with FAULTS.active(Fault(DYNAMODB_WRITES, function="ResetMonthlyFunction",
                             kill_after=killed_after)) as (fault,):
        try:
            _freeze(reset)
        except FunctionTimedOut:
            pass
        except BaseException as error:  # Killed: the handler died there
            assert type(error).__name__ == "Killed"
    award("emp-c", 5)  # awarded between the killed run and its rerun
    award("emp-d", 1)
    rerun = _freeze(reset)
    by_rank, members, figures = _archive()
    if fault.fired and not rerun["already_frozen"]:
        # The rerun's snapshot, whole, and nothing left of the killed run's.
        live = [(s.rank, s.employee_id, s.score) for s in standings.all_standings("2026-10")]
        assert by_rank == live
    assert sorted((e, r, s) for r, e, s in by_rank) == members  # the two views agree
    assert figures["participants"] == len(by_rank)
    assert figures["total_points"] == sum(s for _, _, s in by_rank)
    assert figures["winners"] == [(e, r, s) for r, e, s in by_rank if r <= 3]
    award("emp-a", 9)
    assert _freeze(reset)["already_frozen"] is True
    assert _archive() == (by_rank, members, figures)
