"""Reading the stats counters award_points keeps (never the raw events).

One item per day (brand zone) x dimension value: `STATS#{dimension}#{value}` / `DAY#{day}`,
dimension one of employee, post, challenge, network (the visitor's referrer network for a
click, the network shared to for a share intent), team, channel (the post's feed) and all
(value "all": the whole programme).
Counters (`c`): human_clicks, unverified_clicks (neither proven a person nor named a bot:
never paid, never reach), bot_clicks, repeat_clicks, self_clicks, share_intents,
conversions, conversions:{type}, unpaid_conversions (conversions through a bot's or an
unverified click: never paid, in neither conversions nor conversions:{type}),
conversion_upgrades, employee_signup, points (and points:{kind} on the employee's
item, for the daily caps); unique_visitors is estimated from the item's HyperLogLog
registers. Every item but the employee's also holds `x`: {dimension: {value: {h, s, c, p}}},
the day's human clicks, share intents, conversions and points by the events' other
dimensions (korpo.board.dashboard reads a period from them).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from korpo import aws
from korpo.board import hll

DIMENSIONS = ("employee", "post", "challenge", "network", "team", "channel", "all")
DEFAULT_DAYS = 30
MAX_DAYS = 366
_MAX_KEY_CHARS = 128


class StatsQueryError(ValueError):
    """A stats question that cannot be answered as asked (the message says why)."""


def registers_of(item: dict[str, Any]) -> bytes | None:
    registers = item.get("hll")  # a Binary of boto3's, or bytes
    return bytes(getattr(registers, "value", registers)) if registers else None


def _view(item: dict[str, Any]) -> dict[str, Any]:
    counters = {k: int(v) for k, v in (item.get("c") or {}).items()}
    counters["unique_visitors"] = hll.estimate(registers_of(item))
    return {"day": item["sk"][4:], "dimension": item.get("dim"), "key": item.get("key"),
            **counters}


def day_range(scores_table: str, dimension: str, value: str, first_day: str,
              last_day: str) -> list[dict[str, Any]]:
    """One Query: the counters of one post (team, …) for each day of a range that has any."""
    return [_view(item) for item in _items(scores_table, dimension, value, first_day, last_day)]


def _items(scores_table: str, dimension: str, value: str, first_day: str,
           last_day: str) -> list[dict[str, Any]]:
    if dimension not in DIMENSIONS:
        raise StatsQueryError(f"dimension must be one of {', '.join(DIMENSIONS)}")
    return query_between(scores_table, f"STATS#{dimension}#{value}", f"DAY#{first_day}",
                         f"DAY#{last_day}")


def query_between(table: str, pk: str, first: str, last: str) -> list[dict[str, Any]]:
    """Every item of a partition whose sort key is between two, in order (a Query, paged)."""
    dynamodb = aws.client("dynamodb")
    args: dict[str, Any] = {
        "TableName": table, "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":a": {"S": first},
                                      ":b": {"S": last}}}
    out = []
    while True:
        page = dynamodb.query(**args)
        out += [aws.from_ddb(raw) for raw in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return out
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def day(scores_table: str, dimension: str, value: str, on: str) -> dict[str, Any] | None:
    found = day_range(scores_table, dimension, value, on, on)
    return found[0] if found else None


def days_asked(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The days of a question, both ends included (YYYY-MM-DD, brand zone): by default the
    DEFAULT_DAYS ending today; at most MAX_DAYS."""
    try:
        last_day = date.fromisoformat(last) if last else today
        first_day = (date.fromisoformat(first) if first
                     else last_day - timedelta(days=DEFAULT_DAYS - 1))
    except ValueError:
        raise StatsQueryError("from and to must be dates such as 2026-11-01") from None
    if first_day > last_day:
        raise StatsQueryError("from must not be after to")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise StatsQueryError(f"at most {MAX_DAYS} days at a time")
    return first_day, last_day


def summary(scores_table: str, dimension: str | None, value: str | None, first_day: date,
            last_day: date) -> dict[str, Any]:
    """An admin's view of one employee, post, challenge, referrer network or team: each day
    of the range that has counters, and the range's totals. Unique visitors over the range
    merge the days' HyperLogLog registers (a visitor's key changes daily, so a visitor on
    two days counts twice, as in each day's figure)."""
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_KEY_CHARS:
        raise StatsQueryError("key must be the id of what dimension names "
                              f"(1 to {_MAX_KEY_CHARS} characters)")
    items = _items(scores_table, dimension or "", value.strip(), first_day.isoformat(),
                   last_day.isoformat())
    totals: dict[str, int] = {}
    for item in items:
        for name, count in (item.get("c") or {}).items():
            totals[name] = totals.get(name, 0) + int(count)
    # points:{kind} are the daily caps' bookkeeping, not an admin's figure
    totals = {k: v for k, v in sorted(totals.items()) if not k.startswith("points:")}
    registers = hll.union([r for r in map(registers_of, items) if r])
    totals["unique_visitors"] = hll.estimate(registers if any(registers) else None)
    return {"dimension": dimension, "key": value.strip(), "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "days": [_view(item) for item in items], "totals": totals}
