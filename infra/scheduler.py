"""Fire the template's ScheduleV2 events: moto stores schedules but never runs them.

Expressions are EventBridge Scheduler's: rate(n unit), cron(6 fields) in the schedule's
ScheduleExpressionTimezone, and at(yyyy-mm-ddThh:mm:ss). The target receives the schedule's
Input JSON as its event, as Scheduler's Lambda target does.
"""
from __future__ import annotations

import json
import re
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from croniter import croniter

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}
_MAX_YEAR_SEARCH = 1000  # cron occurrences to skip while looking for an allowed year


def _shift_day(value: str) -> str:
    """AWS numbers days 1-7 from Sunday, croniter 0-6 from Sunday; names pass unchanged."""
    return str(int(value) - 1) if value.isdigit() else value


def _croniter_dow(dow: str) -> str:
    if dow in ("?", "*"):
        return "*"
    items = []
    for item in dow.split(","):
        if re.fullmatch(r"\w+L", item):  # 6L, the last Friday: croniter writes L5
            items.append("L" + _shift_day(item[:-1]))
        elif "#" in item:  # 6#3, the third Friday
            day, nth = item.split("#")
            items.append(f"{_shift_day(day)}#{nth}")
        else:
            base, _, step = item.partition("/")
            base = "-".join(_shift_day(d) for d in base.split("-"))
            items.append(f"{base}/{step}" if step else base)
    return ",".join(items)


def aws_cron_to_croniter(fields: str) -> tuple[str, str]:
    """(5-field croniter expression, AWS year field) from AWS's 6 fields.

    AWS: minutes hours day-of-month month day-of-week year, with '?' for "no value" in one
    of the two day fields, 'L' (last), '#' (nth weekday) and W (nearest weekday, which
    croniter lacks).
    """
    parts = fields.split()
    if len(parts) != 6:
        raise ValueError(f"an AWS cron expression has 6 fields, got {len(parts)}: {fields!r}")
    minute, hour, dom, month, dow, year = parts
    if "W" in dom.upper():
        raise ValueError("the W (nearest weekday) cron option is not supported locally")
    dom = "*" if dom == "?" else dom
    return " ".join((minute, hour, dom, month, _croniter_dow(dow.upper()))), year


def _year_allowed(year: int, spec: str) -> bool:
    if spec in ("*", "?"):
        return True
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if part == "*":
            low, high = 1970, 2199
        elif "-" in part:
            low, high = (int(p) for p in part.split("-"))
        else:
            low = high = int(part)
            if step != 1:
                high = 2199
        if low <= year <= high and (year - low) % step == 0:
            return True
    return False


@dataclass(frozen=True)
class Expression:
    """One schedule expression; next_after() gives the next fire time (UTC) or None."""
    text: str
    tz: str = "UTC"

    def next_after(self, after: datetime, started: datetime | None = None) -> datetime | None:
        """The first fire time strictly after `after`; `started` anchors rate schedules."""
        if after.tzinfo is None:
            raise ValueError("naive datetime: pass an aware instant")
        text = self.text.strip()
        zone = ZoneInfo(self.tz or "UTC")
        rate = _RATE.match(text)
        if rate:
            period = timedelta(seconds=int(rate.group(1)) * _UNIT[rate.group(2).rstrip("s")])
            if period <= timedelta(0):
                raise ValueError(f"rate must be positive: {text!r}")
            anchor = started or after
            periods = (after - anchor) // period + 1
            return (anchor + periods * period).astimezone(timezone.utc)
        cron = _CRON.match(text)
        if cron:
            expression, year = aws_cron_to_croniter(cron.group(1))
            # croniter is fed naive wall-clock times: given an aware start it keeps that
            # start's UTC offset across a DST change (00:05 on 1 Nov came out 01:05 CET).
            # Wall-clock fields are what a cron means; the zone then places them in time.
            iterator = croniter(expression, after.astimezone(zone).replace(tzinfo=None))
            for _ in range(_MAX_YEAR_SEARCH):
                local = iterator.get_next(datetime)
                instant = local.replace(tzinfo=zone).astimezone(timezone.utc)
                if instant > after and _year_allowed(local.year, year):
                    return instant
            return None
        at = _AT.match(text)
        if at:
            when = datetime.fromisoformat(at.group(1)).replace(tzinfo=zone)
            return when.astimezone(timezone.utc) if when > after else None
        raise ValueError(f"not an EventBridge Scheduler expression: {text!r}")


def schedule_event(input_json: str | None) -> Any:
    """The event a Lambda target receives: the schedule's Input, parsed; {} without one."""
    return json.loads(input_json) if input_json else {}


@dataclass
class _Entry:
    name: str
    function: str
    expression: Expression
    event_json: str | None
    next_at: datetime | None


class Scheduler:
    """A daemon thread that fires each schedule at its time; stop() ends it at once."""

    def __init__(self, schedules: list[Any], invoke: Callable[[str, Any], Any],
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 log: Callable[[str], None] = print) -> None:
        self._invoke, self._clock, self._log = invoke, clock, log
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        now = clock()
        self.entries = []
        for spec in schedules:
            if getattr(spec, "state", "ENABLED") != "ENABLED":
                continue
            expression = Expression(spec.expression, spec.timezone)
            self.entries.append(_Entry(spec.name, spec.function, expression, spec.input,
                                       expression.next_after(now, started=now)))
        self._started = now

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def due(self, now: datetime) -> list[_Entry]:
        """Entries whose time has come; their next time is advanced."""
        fired = []
        for entry in self.entries:
            if entry.next_at is not None and entry.next_at <= now:
                fired.append(entry)
                entry.next_at = entry.expression.next_after(now, started=self._started)
        return fired

    def _run(self) -> None:
        while not self._stop.is_set():
            now = self._clock()
            for entry in self.due(now):
                self._log(f"[scheduler] {entry.name} -> {entry.function}")
                try:
                    self._invoke(entry.function, schedule_event(entry.event_json))
                except Exception:  # noqa: BLE001 - a failed run is logged, the next one runs
                    self._log(traceback.format_exc())
            upcoming = [e.next_at for e in self.entries if e.next_at is not None]
            wait = (min(upcoming) - self._clock()).total_seconds() if upcoming else 60.0
            self._stop.wait(min(max(wait, 0.05), 60.0))
