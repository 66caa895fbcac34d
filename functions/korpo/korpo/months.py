"""Board months in the brand's time zone ("YYYY-MM")."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class InvalidMonth(ValueError):
    pass


def month_of(at: datetime, zone: ZoneInfo) -> str:
    """The board month an instant belongs to, in the brand's zone (not the server's)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC instant")
    return at.astimezone(zone).strftime("%Y-%m")


def shift(month: str, delta: int) -> str:
    year, mon = (int(p) for p in parse(month).split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_month(now: datetime, zone: ZoneInfo) -> str:
    return shift(month_of(now, zone), -1)


def parse(month: str) -> str:
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise InvalidMonth(f"month must look like 2026-10, got {month!r}")
    return month


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
