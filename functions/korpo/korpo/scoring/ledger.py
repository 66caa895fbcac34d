"""The ledger in plain words: one line per awarded (or capped) event, saying why.

award_points writes each entry with its type, points, rule ("human_click",
"conversion:signup+challenge:launch", "share_intent+capped", "capped:human_click"…), and the
post ("p") and network ("n") it came from. Titles are not stored: they are read here, one
BatchGetItem of the posts and challenges a page of lines names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from korpo import aws, settings
from korpo.models import ChallengeModel, PostModel
from korpo.scoring.award import ledger_sk

MAX_LIMIT = 200
_KINDS = {"employee_signup": "signup_bonus"}
_REASONS = {"human_click": "visitor_click", "share_intent": "share_intent",
            "signup_bonus": "signup_bonus"}


@dataclass(frozen=True)
class LedgerLine:
    """kind: click | share_intent | conversion | signup_bonus. reason: visitor_click,
    share_intent, conversion, signup_bonus, or capped (the daily cap stopped it: 0 points);
    `capped` is also true when the cap cut the points short."""
    event_id: str
    at: datetime
    points: int
    kind: str
    reason: str
    capped: bool
    network: str | None
    post_id: str | None
    post_title: str | None
    challenge_id: str | None
    challenge_title: str | None
    conversion_type: str | None

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in vars(self).items() if k != "at"},
                "at": self.at.isoformat()}


def parse_rule(rule: str) -> tuple[str, str | None, str | None, bool]:
    """(reason, conversion type, challenge id, capped) of a ledger entry's rule."""
    capped = False
    if rule.startswith("capped:"):
        rule, capped = rule[len("capped:"):], True
    base, *extras = rule.split("+")
    challenge_id = None
    for extra in extras:
        if extra.startswith("challenge:"):
            challenge_id = extra[len("challenge:"):]
        elif extra == "capped":
            capped = True
    conversion_type = None
    if base.startswith("conversion:"):
        conversion_type, reason = base[len("conversion:"):], "conversion"
    else:
        reason = _REASONS.get(base, base)
    return reason, conversion_type, challenge_id, capped


def _entries(employee_id: str, limit: int, before: datetime | None,
             table: str) -> list[tuple[str, dict[str, Any]]]:
    """(event id, entry) newest first, reading buckets newest first until `limit` are found."""
    values: dict[str, Any] = {":pk": {"S": f"EMP#{employee_id}"}, ":lo": {"S": "LEDGER#"}}
    if before is not None:
        condition = "pk = :pk AND sk BETWEEN :lo AND :hi"
        values[":hi"] = {"S": ledger_sk(before)}  # the bucket of `before`, filtered below
    else:
        condition = "pk = :pk AND begins_with(sk, :lo)"
    args: dict[str, Any] = {"TableName": table, "KeyConditionExpression": condition,
                            "ExpressionAttributeValues": values, "ScanIndexForward": False,
                            "ProjectionExpression": "entries", "Limit": 25}
    cutoff = before.isoformat() if before else None
    out: list[tuple[str, dict[str, Any]]] = []
    dynamodb = aws.client("dynamodb")
    while len(out) < limit:
        page = dynamodb.query(**args)
        for raw in page.get("Items", []):
            entries = aws.from_ddb(raw).get("entries") or {}
            for event_id, entry in sorted(entries.items(),
                                          key=lambda kv: (kv[1]["at"], kv[0]), reverse=True):
                if cutoff is None or _at(entry["at"]) < before:
                    out.append((event_id, entry))
        if "LastEvaluatedKey" not in page:
            break
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return out[:limit]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _titles(model: Any, ids: set[str], attribute: str) -> dict[str, str]:
    if not ids:
        return {}
    return {getattr(item, attribute): item.title
            for item in model.batch_get([model.key(i) for i in ids])}


def lines_of(employee_id: str, limit: int = 50,
             before: datetime | None = None) -> list[LedgerLine]:
    """The employee's ledger lines, newest first; `before` (an instant, e.g. the last line's
    `at`) pages back in time. A page of the API asks at most MAX_LIMIT; the export all."""
    limit = max(1, int(limit))
    entries = _entries(employee_id, limit, before, settings.current().scores_table)
    parsed = [(event_id, entry, parse_rule(str(entry["rule"]))) for event_id, entry in entries]
    posts = _titles(PostModel, {e["p"] for _, e, _ in parsed if e.get("p")}, "post_id")
    challenges = _titles(ChallengeModel, {r[2] for _, _, r in parsed if r[2]}, "challenge_id")
    lines = []
    for event_id, entry, (reason, conversion_type, challenge_id, capped) in parsed:
        points = int(entry["points"])
        lines.append(LedgerLine(
            event_id=event_id, at=_at(entry["at"]), points=points,
            kind=_KINDS.get(entry["type"], entry["type"]),
            reason="capped" if capped and points == 0 else reason, capped=capped,
            network=entry.get("n"), post_id=entry.get("p"),
            post_title=posts.get(entry.get("p") or ""), challenge_id=challenge_id,
            challenge_title=challenges.get(challenge_id or ""),
            conversion_type=conversion_type))
    return lines


def points_between(employee_id: str, start: datetime, end: datetime) -> int:
    """What the employee earned from `start` (included) to `end` (excluded): one Query of the
    buckets in between (the weekly digest's "your week")."""
    values = {":pk": {"S": f"EMP#{employee_id}"}, ":lo": {"S": ledger_sk(start)},
              ":hi": {"S": ledger_sk(end)}}
    args: dict[str, Any] = {"TableName": settings.current().scores_table,
                            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                            "ExpressionAttributeValues": values,
                            "ProjectionExpression": "entries"}
    dynamodb = aws.client("dynamodb")
    total = 0
    while True:
        page = dynamodb.query(**args)
        for raw in page.get("Items", []):
            for entry in (aws.from_ddb(raw).get("entries") or {}).values():
                if start <= _at(entry["at"]) < end:
                    total += int(entry["points"])
        if "LastEvaluatedKey" not in page:
            return total
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
