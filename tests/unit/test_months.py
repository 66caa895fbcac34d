from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from korpo.months import InvalidMonth, month_of, parse, previous_month, shift


@pytest.mark.parametrize("zone,utc,expected", [
    ("Europe/Paris", datetime(2026, 10, 31, 23, 30), "2026-11"),
    ("Pacific/Honolulu", datetime(2026, 11, 1, 5, 0), "2026-10"),      # UTC-10
    ("Pacific/Auckland", datetime(2026, 10, 31, 11, 30), "2026-11"),   # UTC+13 in summer
    ("UTC", datetime(2026, 10, 31, 23, 59), "2026-10"),
])
def test_month_follows_the_brand_zone(zone, utc, expected):
    assert month_of(utc.replace(tzinfo=timezone.utc), ZoneInfo(zone)) == expected


def test_shift_and_previous_month_cross_years():
    assert shift("2026-01", -1) == "2025-12"
    assert shift("2026-12", 1) == "2027-01"
    now = datetime(2026, 1, 1, 0, 10, tzinfo=timezone.utc)
    assert previous_month(now, ZoneInfo("Europe/Paris")) == "2025-12"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-10", "", None, "2026-10-01"])
def test_parse_refuses_malformed_months(bad):
    with pytest.raises(InvalidMonth):
        parse(bad)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        month_of(datetime(2026, 1, 1), ZoneInfo("UTC"))
