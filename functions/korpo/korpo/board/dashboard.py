"""The admins' stats dashboard of a period: what the programme brought, overall or for one
challenge, team, channel (a post's feed), network or post.

Read from the counters award_points keeps (korpo.scoring.award), never from raw events:
- the chosen item's days (`STATS#{dimension}#{value}` / `DAY#…`): one Query of at most 366
  items, each with its counters, its HyperLogLog of human visitors and `x`, the day broken
  down by the other dimensions (posts, networks, teams, channels, challenges);
- overall only: the shop's days (`STATS#redemptions` / `DAY#…`, written by the redeem and
  cancel transactions) and the adoption months (`STATS#adoption` / `MONTH#…`: signups,
  employees active, retained), one Query each;
- the top employees: a month's board (top N, one Query, or the archive once frozen).
None of these grows with the number of employees (bench: stats.dashboard_read_units_12_months).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from korpo.board import hll
from korpo.board.stats import MAX_DAYS, StatsQueryError, query_between, registers_of
from korpo.months import shift

# What a dashboard can be narrowed to ("all": the whole programme).
FILTERS = ("all", "challenge", "team", "channel", "network", "post")
BREAKDOWNS = ("post", "network", "team", "channel", "challenge")
# Clicks that are never reach: robots and link unfurlers, a visitor's repeat clicks, the
# employee's own, and those neither proven a person nor named a robot.
NOT_REACH = ("bot_clicks", "repeat_clicks", "self_clicks", "unverified_clicks")
REDEMPTIONS_PK = "STATS#redemptions"
ADOPTION_PK = "STATS#adoption"
_MAX_KEY_CHARS = 128


def redemptions_key(day: str) -> dict[str, Any]:
    """The shop's counters of a day (brand zone): only the redeem and cancel transactions
    ADD to it (award_points rewrites its own stats items whole, so it never shares one)."""
    return {"pk": {"S": REDEMPTIONS_PK}, "sk": {"S": f"DAY#{day}"}}


@dataclass(frozen=True)
class Day:
    day: str
    human_clicks: int = 0
    unique_visitors: int = 0
    not_reach_clicks: int = 0
    share_intents: int = 0
    conversions: int = 0
    points: int = 0


@dataclass(frozen=True)
class Row:
    """One post, network, team, channel or challenge over the period."""
    key: str
    human_clicks: int = 0
    share_intents: int = 0
    conversions: int = 0
    points: int = 0


@dataclass(frozen=True)
class Redeemed:
    redeemed_points: int = 0
    refunded_points: int = 0
    redemptions: int = 0
    cancellations: int = 0

    @property
    def net_points(self) -> int:
        return self.redeemed_points - self.refunded_points


@dataclass(frozen=True)
class MonthAdoption:
    month: str
    signed_up: int  # every signup up to the month's end
    signups: int  # in the month
    active: int  # shared at least once in the month
    retained: int  # active in the month and the one before

    @property
    def share_active(self) -> Decimal | None:
        return ratio(self.active, self.signed_up)


@dataclass
class Dashboard:
    dimension: str
    key: str
    first_day: date
    last_day: date
    totals: dict[str, int]
    conversions_by_type: dict[str, int]
    days: list[Day]
    breakdowns: dict[str, list[Row]]
    human_click_value: Decimal
    redeemed: Redeemed | None = None  # overall only: the shop is the programme's
    adoption: list[MonthAdoption] = field(default_factory=list)  # overall only

    @property
    def reach(self) -> int:
        return self.totals.get("human_clicks", 0)

    @property
    def conversion_rate(self) -> Decimal | None:
        """Conversions per human click (those through bots' and unverified clicks, which
        earn nothing, are `unpaid_conversions`: in neither figure)."""
        return ratio(self.totals.get("conversions", 0), self.reach)

    @property
    def earned_media_value(self) -> Decimal:
        return (self.reach * self.human_click_value).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def months(self) -> list[MonthAdoption]:
        """The period's months (`adoption` starts a month earlier, for retention)."""
        return self.adoption[1:]

    def retention(self, month: str) -> Decimal | None:
        """Active in `month` and the month before, of those active the month before."""
        by_month = {m.month: m for m in self.adoption}
        before, now = by_month.get(shift(month, -1)), by_month.get(month)
        if before is None or now is None:
            return None
        return ratio(now.retained, before.active)


def ratio(part: int, whole: int) -> Decimal | None:
    """part / whole to four places; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def check_filter(dimension: str | None, key: str | None) -> tuple[str, str]:
    dimension = dimension or "all"
    if dimension not in FILTERS:
        raise StatsQueryError(f"dimension must be one of {', '.join(FILTERS)}")
    if dimension == "all":
        return "all", "all"
    if not isinstance(key, str) or not key.strip() or len(key) > _MAX_KEY_CHARS:
        raise StatsQueryError("key must be the id of what dimension names "
                              f"(1 to {_MAX_KEY_CHARS} characters)")
    return dimension, key.strip()


def dashboard(scores_table: str, first_day: date, last_day: date, *, dimension: str = "all",
              key: str = "all", human_click_value: Decimal | int = 0) -> Dashboard:
    """The period's figures (both days included, brand zone, at most 366 days)."""
    dimension, key = check_filter(dimension, key)
    if first_day > last_day or (last_day - first_day).days + 1 > MAX_DAYS:
        raise StatsQueryError(f"from must not be after to, and at most {MAX_DAYS} days")
    first, last = first_day.isoformat(), last_day.isoformat()
    items = {item["sk"][4:]: item for item in query_between(
        scores_table, f"STATS#{dimension}#{key}", f"DAY#{first}", f"DAY#{last}")}

    totals: dict[str, int] = {}
    rows: dict[str, dict[str, dict[str, int]]] = {d: {} for d in BREAKDOWNS}
    days = []
    on = first_day
    while on <= last_day:
        item = items.get(on.isoformat()) or {}
        counters = {k: int(v) for k, v in (item.get("c") or {}).items()}
        for name, count in counters.items():
            totals[name] = totals.get(name, 0) + count
        for breakdown, values in (item.get("x") or {}).items():
            for value, row in (values or {}).items():
                into = rows.setdefault(breakdown, {}).setdefault(value, {})
                for name, count in row.items():
                    into[name] = into.get(name, 0) + int(count)
        days.append(Day(on.isoformat(), counters.get("human_clicks", 0),
                        hll.estimate(registers_of(item)),
                        sum(counters.get(n, 0) for n in NOT_REACH),
                        counters.get("share_intents", 0), counters.get("conversions", 0),
                        counters.get("points", 0)))
        on += timedelta(days=1)

    totals = {k: v for k, v in sorted(totals.items()) if not k.startswith("points:")}
    by_type = {k.split(":", 1)[1]: totals.pop(k) for k in list(totals)
               if k.startswith("conversions:")}
    registers = hll.union([r for r in map(registers_of, items.values()) if r])
    totals["unique_visitors"] = hll.estimate(registers if any(registers) else None)
    for name in ("human_clicks", "share_intents", "conversions", "unpaid_conversions",
                 "points", *NOT_REACH):
        totals.setdefault(name, 0)
    out = Dashboard(dimension, key, first_day, last_day, totals,
                    dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))), days,
                    {d: _rows(values) for d, values in rows.items() if d != dimension},
                    Decimal(human_click_value))
    if dimension == "all":
        out.redeemed = _redeemed(scores_table, first, last)
        out.adoption = _adoption(scores_table, first_day, last_day)
    return out


def _rows(values: dict[str, dict[str, int]]) -> list[Row]:
    rows = [Row(value, row.get("h", 0), row.get("s", 0), row.get("c", 0), row.get("p", 0))
            for value, row in values.items()]
    return sorted(rows, key=lambda r: (-r.human_clicks, -r.share_intents, -r.conversions,
                                       -r.points, r.key))


def _redeemed(table: str, first: str, last: str) -> Redeemed:
    sums = {"redeemed_points": 0, "refunded_points": 0, "redemptions": 0, "cancellations": 0}
    for item in query_between(table, REDEMPTIONS_PK, f"DAY#{first}", f"DAY#{last}"):
        for name in sums:
            sums[name] += int(item.get(name, 0))
    return Redeemed(**sums)


def _adoption(table: str, first_day: date, last_day: date) -> list[MonthAdoption]:
    """The period's months; `signed_up` counts every signup up to each month's end, so the
    Query starts at the programme's first month (it grows with months, not employees)."""
    first_month, last_month = first_day.strftime("%Y-%m"), last_day.strftime("%Y-%m")
    # The month before the period's first too: its retention needs its active count.
    months = {item["sk"][6:]: item for item in query_between(table, ADOPTION_PK, "MONTH#0000-00",
                                                      f"MONTH#{last_month}")}
    signed_up = sum(int(item.get("signups", 0)) for m, item in months.items()
                    if m < shift(first_month, -1))
    out = []
    month = shift(first_month, -1)
    while month <= last_month:
        item = months.get(month, {})
        signed_up += int(item.get("signups", 0))
        out.append(MonthAdoption(month, signed_up, int(item.get("signups", 0)),
                                 int(item.get("active", 0)), int(item.get("retained", 0))))
        month = shift(month, 1)
    return out


def top_employees(month: str, limit: int = 10) -> list[Any]:
    """The month's best employees by points (korpo.board.standings.Standing): the archive once the
    month is frozen, else the live board."""
    from korpo.board import monthly, standings

    state = monthly.month_state(month)
    if state is not None and state.status == "frozen":
        return monthly.archived(month, limit)
    return standings.top(month, limit)
