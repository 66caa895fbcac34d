"""Schedule expressions fire when EventBridge Scheduler would fire them."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from infra.resources import Schedule
from infra.scheduler import Expression, Scheduler, aws_cron_to_croniter, schedule_event
from infra.template import function_events, load_template

UTC = timezone.utc


@pytest.mark.parametrize("aws, expected", [
    ("5 0 1 * ? *", ("5 0 1 * *", "*")),
    ("0 10 ? * 2-6 *", ("0 10 * * 1-5", "*")),  # AWS counts Sunday as 1
    ("0 10 ? * MON-FRI *", ("0 10 * * MON-FRI", "*")),
    ("0 9 ? * 1,7 *", ("0 9 * * 0,6", "*")),
    ("0 8 ? * 2#1 *", ("0 8 * * 1#1", "*")),  # first Monday
    ("0 18 ? * 6L 2027", ("0 18 * * L5", "2027")),  # last Friday
    ("0/15 * * * ? *", ("0/15 * * * *", "*")),
    ("0 12 L * ? *", ("0 12 L * *", "*")),
])
def test_aws_cron_becomes_croniter(aws, expected):
    assert aws_cron_to_croniter(aws) == expected


@pytest.mark.parametrize("bad", ["5 0 1 * ?", "0 12 15W * ? *"])
def test_unsupported_cron_is_refused(bad):
    with pytest.raises(ValueError):
        aws_cron_to_croniter(bad)


def test_the_monthly_reset_fires_at_0005_brand_time_on_the_first():
    expression = Expression("cron(5 0 1 * ? *)", "Europe/Paris")
    # October ends in winter time (UTC+1): 00:05 in Paris is 23:05 UTC the day before.
    assert expression.next_after(datetime(2026, 10, 15, tzinfo=UTC)) == datetime(
        2026, 10, 31, 23, 5, tzinfo=UTC)
    # In summer time (UTC+2) it is 22:05 UTC.
    assert expression.next_after(datetime(2026, 6, 15, tzinfo=UTC)) == datetime(
        2026, 6, 30, 22, 5, tzinfo=UTC)
    # Strictly after: at the fire time itself, the next one is a month later.
    assert expression.next_after(datetime(2026, 10, 31, 23, 5, tzinfo=UTC)) == datetime(
        2026, 11, 30, 23, 5, tzinfo=UTC)


def test_cron_with_a_year_and_weekdays():
    assert Expression("cron(0 12 1 1 ? 2030)").next_after(
        datetime(2026, 10, 15, tzinfo=UTC)) == datetime(2030, 1, 1, 12, tzinfo=UTC)
    # Mon-Fri at 10:00 UTC; 2026-10-17 is a Saturday.
    assert Expression("cron(0 10 ? * 2-6 *)").next_after(
        datetime(2026, 10, 17, 11, tzinfo=UTC)) == datetime(2026, 10, 19, 10, tzinfo=UTC)


def test_rate_counts_from_the_start():
    started = datetime(2026, 10, 15, 8, 0, tzinfo=UTC)
    rate = Expression("rate(15 minutes)")
    assert rate.next_after(started, started=started) == datetime(2026, 10, 15, 8, 15, tzinfo=UTC)
    assert rate.next_after(datetime(2026, 10, 15, 8, 15, tzinfo=UTC), started=started) == (
        datetime(2026, 10, 15, 8, 30, tzinfo=UTC))
    assert Expression("rate(1 hour)").next_after(started, started=started).hour == 9
    assert Expression("rate(2 days)").next_after(started, started=started).day == 17


def test_at_fires_once_in_its_zone():
    at = Expression("at(2026-12-01T10:00:00)", "Europe/Paris")
    assert at.next_after(datetime(2026, 11, 1, tzinfo=UTC)) == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert at.next_after(datetime(2026, 12, 2, tzinfo=UTC)) is None


def test_every_schedule_of_the_template_parses():
    for _fn, _event, props in function_events(load_template(), "ScheduleV2"):
        expression = Expression(props["ScheduleExpression"], "UTC")
        assert expression.next_after(datetime(2026, 1, 1, tzinfo=UTC)) is not None


def test_the_scheduler_fires_due_schedules_with_their_input():
    now = [datetime(2026, 10, 31, 23, 0, tzinfo=UTC)]
    calls = []
    scheduler = Scheduler(
        [Schedule("poll", "PollFeedsFunction", "rate(15 minutes)", "UTC", '{"source": "schedule"}'),
         Schedule("reset", "ResetMonthlyFunction", "cron(5 0 1 * ? *)", "Europe/Paris", None),
         Schedule("off", "ApiFunction", "rate(1 minute)", "UTC", None, state="DISABLED")],
        invoke=lambda fn, event: calls.append((fn, event)), clock=lambda: now[0],
        log=lambda _msg: None)
    assert [e.name for e in scheduler.due(now[0])] == []
    now[0] = datetime(2026, 10, 31, 23, 6, tzinfo=UTC)
    assert [e.name for e in scheduler.due(now[0])] == ["reset"]
    now[0] = datetime(2026, 10, 31, 23, 15, tzinfo=UTC)
    assert [e.name for e in scheduler.due(now[0])] == ["poll"]
    assert scheduler.due(now[0]) == []
    assert schedule_event('{"source": "schedule"}') == {"source": "schedule"}
    assert schedule_event(None) == {}


def test_the_scheduler_thread_invokes_and_stops():
    import threading

    fired = threading.Event()
    start = datetime.now(UTC)
    scheduler = Scheduler([Schedule("tick", "PollFeedsFunction", "rate(1 minute)", "UTC",
                                    '{"n": 1}')],
                          invoke=lambda fn, event: fired.set(),
                          clock=lambda: start if not fired.is_set() else datetime.now(UTC),
                          log=lambda _msg: None)
    scheduler.entries[0].next_at = start  # due now
    scheduler.start()
    assert fired.wait(5)
    scheduler.stop()
