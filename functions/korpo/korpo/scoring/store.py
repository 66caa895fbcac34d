"""Where award_points gets its rules, challenges and teams: the Catalog, cached in the warm
container for a short time (an admin's edit is live within TTL_SECONDS)."""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from pynamodb.exceptions import DoesNotExist

from korpo import aws
from korpo.models import ChallengeModel, EmployeeModel, RulesModel
from korpo.scoring.rules import Challenge, Rules, checked_overrides, parse_points_table
from korpo.settings import Settings

TTL_SECONDS = 60.0


def default_rules(settings: Settings) -> Rules:
    """The template Parameters' rules."""
    return Rules(points_per_click=settings.points_per_click,
                 points_per_share_intent=settings.points_per_share_intent,
                 points_per_conversion=parse_points_table(settings.conversion_points),
                 signup_bonus=settings.signup_bonus,
                 daily_cap_per_employee=settings.daily_cap_per_employee,
                 daily_cap_per_type=parse_points_table(settings.daily_caps_per_type),
                 pixel_conversions_earn=settings.pixel_conversions_earn)


def stored_overrides() -> dict[str, Any]:
    try:
        item = RulesModel.get(*RulesModel.key())
    except DoesNotExist:
        return {}
    value = json.loads(item.rules or "{}")
    return value if isinstance(value, dict) else {}


def save_rules(overrides: object, updated_by: str | None = None) -> dict[str, Any]:
    """Replace the admin's overrides (InvalidRules when one is wrong); returns what was
    stored. award_points applies them within TTL_SECONDS."""
    checked = checked_overrides(overrides)
    from korpo.months import utc_now

    RulesModel(*RulesModel.key(), rules=json.dumps(checked), updated_at=utc_now(),
               updated_by=updated_by).save()
    return checked


def load_challenges() -> list[Challenge]:
    return [Challenge(c.challenge_id, c.starts_at, c.ends_at, float(c.multiplier or 1),
                      int(c.bonus or 0), applies_to_all=c.share_post_id is None,
                      earlier_terms=tuple((t.until, float(t.multiplier), int(t.bonus))
                                          for t in c.earlier_terms or ()))
            for c in ChallengeModel.gsi1.query("CHALLENGES")]


class Cached:
    """A value reloaded at most every `ttl` seconds."""

    def __init__(self, load: Callable[[], Any], ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load, self._ttl, self._clock = load, ttl, clock
        self._value: Any = None
        self._at = -1e18

    def get(self) -> Any:
        if self._clock() - self._at >= self._ttl:
            self._value, self._at = self._load(), self._clock()
        return self._value

    def clear(self) -> None:
        self._at = -1e18


class Teams:
    """Employee -> team, from the profiles, cached per employee; and whether the account was
    deleted (its tombstone) or deactivated (its ACCESS item, korpo.people.access), both read in
    the same BatchGetItem: award_points pays such an account nothing."""

    def __init__(self, ttl: float = 300.0) -> None:
        self._ttl = ttl
        self._known: dict[str, tuple[float, str | None]] = {}
        self._deleted: set[str] = set()
        self._deactivated: set[str] = set()

    def prefetch(self, employee_ids: list[str]) -> None:
        now = time.monotonic()
        missing = [e for e in dict.fromkeys(employee_ids)
                   if e not in self._known or now - self._known[e][0] >= self._ttl]
        if not missing:
            return
        found: dict[str, str | None] = {}
        deleted: set[str] = set()
        deactivated: set[str] = set()
        for item in _profiles_and_tombstones(missing):
            if item["sk"] == "DELETED":
                deleted.add(item["employee_id"])
            elif item["sk"] == "ACCESS":
                if item.get("deactivated"):
                    deactivated.add(item["employee_id"])
            else:
                found[item["employee_id"]] = item.get("team")
        for employee_id in missing:
            self._known[employee_id] = (now, found.get(employee_id))
        self._deleted = (self._deleted - set(missing)) | deleted
        self._deactivated = (self._deactivated - set(missing)) | deactivated

    def deleted(self, employee_id: str) -> bool:
        if employee_id not in self._known:
            self.prefetch([employee_id])
        return employee_id in self._deleted

    def deactivated(self, employee_id: str) -> bool:
        if employee_id not in self._known:
            self.prefetch([employee_id])
        return employee_id in self._deactivated

    def __call__(self, employee_id: str) -> str | None:
        if employee_id not in self._known:
            self.prefetch([employee_id])
        return self._known[employee_id][1]


def _profiles_and_tombstones(employee_ids: list[str]) -> list[dict[str, Any]]:
    """One BatchGetItem (per 33 employees: 100 keys at most) of `EMP#…` / `PROFILE`,
    `EMP#…` / `DELETED` and `EMP#…` / `ACCESS`."""
    table = EmployeeModel.Meta.table_name
    dynamodb = aws.client("dynamodb")
    out: list[dict[str, Any]] = []
    for start in range(0, len(employee_ids), 33):
        keys = [{"pk": {"S": f"EMP#{e}"}, "sk": {"S": sk}}
                for e in employee_ids[start:start + 33]
                for sk in ("PROFILE", "DELETED", "ACCESS")]
        request: dict[str, Any] | None = {table: {
            "Keys": keys, "ProjectionExpression": "#pk, #sk, #e, #t, #d",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk", "#e": "employee_id",
                                         "#t": "team", "#d": "deactivated"}}}
        while request:
            page = dynamodb.batch_get_item(RequestItems=request)
            out.extend(aws.from_ddb(raw) for raw in page.get("Responses", {}).get(table, []))
            request = page.get("UnprocessedKeys") or None
    return out
