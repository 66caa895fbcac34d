"""Reading the stats counters award_points keeps (never the raw events).

One item per day (brand zone) x dimension value: `STATS#{dimension}#{value}` / `DAY#{day}`,
dimension one of employee, post, challenge, network (the visitor's referrer network), team.
Counters: human_clicks, bot_clicks, repeat_clicks, self_clicks, share_intents, conversions,
conversions:{type}, points (and points:{kind} on the employee's item, for the daily caps);
unique_visitors is estimated from the item's HyperLogLog registers.
"""
from __future__ import annotations

from typing import Any

from korpo import aws
from korpo.scoring import hll

DIMENSIONS = ("employee", "post", "challenge", "network", "team")


def _view(item: dict[str, Any]) -> dict[str, Any]:
    counters = {k: int(v) for k, v in (item.get("c") or {}).items()}
    registers = item.get("hll")
    counters["unique_visitors"] = hll.estimate(
        bytes(getattr(registers, "value", registers)) if registers else None)
    return {"day": item["sk"][4:], "dimension": item.get("dim"), "key": item.get("key"),
            **counters}


def day_range(scores_table: str, dimension: str, value: str, first_day: str,
              last_day: str) -> list[dict[str, Any]]:
    """One Query: the counters of one post (team, …) for each day of a range that has any."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {DIMENSIONS}")
    dynamodb = aws.client("dynamodb")
    args: dict[str, Any] = {
        "TableName": scores_table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":pk": {"S": f"STATS#{dimension}#{value}"},
                                      ":a": {"S": f"DAY#{first_day}"},
                                      ":b": {"S": f"DAY#{last_day}"}}}
    out = []
    while True:
        page = dynamodb.query(**args)
        out += [_view(aws.from_ddb(raw)) for raw in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return out
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def day(scores_table: str, dimension: str, value: str, on: str) -> dict[str, Any] | None:
    found = day_range(scores_table, dimension, value, on, on)
    return found[0] if found else None
