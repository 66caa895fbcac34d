"""The brand's scoring rules, as plain values (no storage, no AWS).

Rules are data: defaults come from the template's Parameters (settings), an admin's edits are
stored in the Catalog (`RULES`/`CURRENT`, see korpo.scoring.store) and win over the defaults.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Mapping

# The "kinds" rules speak of: a human click, a share intent, a conversion of one type
# ("conversion:signup"), or any conversion ("conversion:*").
CLICK = "click"
SHARE_INTENT = "share_intent"
CONVERSION = "conversion"
EMPLOYEE_SIGNUP = "employee_signup"  # the employee's own first sign-up (a bonus, once)
# The classes of click that prove no person followed the link (korpo.tracking.agents): a
# conversion tied to one earns nothing, and is counted apart (`unpaid_conversions`).
UNPAID_CLICKS = ("bot", "unverified")


@dataclass(frozen=True)
class ScoredEvent:
    """What award_points needs to know of a raw event, whatever its source."""
    event_id: str
    type: str
    klass: str
    employee_id: str
    at: datetime
    post_id: str | None = None
    challenge_id: str | None = None
    network: str | None = None
    referrer: str | None = None
    visitor_key: str | None = None
    conversion_type: str | None = None
    trust: str | None = None
    earns: bool | None = None  # set by the writer when it decides (pixel conversions)
    upgrades: str | None = None  # a signed conversion paying for a pixel one: its event id
    # A conversion: when its click happened. The challenge the link was shared for pays it if
    # it ran at the click, even when the conversion (a hire) comes weeks after its end.
    click_at: datetime | None = None

    @property
    def challenge_time(self) -> datetime:
        """The instant that decides which challenge (and which of its terms) applies."""
        return self.click_at or self.at


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    starts_at: datetime
    ends_at: datetime
    multiplier: float = 1.0
    bonus: int = 0
    # A challenge with a post or a destination of its own pays only the events of links
    # shared for it; one without (older ones, the demo's) boosts every event while it runs.
    applies_to_all: bool = True
    # Terms an admin replaced while it ran, each (until, multiplier, bonus): an edit applies
    # from then on, so a replayed or late event is paid by the terms of its own time.
    earlier_terms: tuple[tuple[datetime, float, int], ...] = ()

    def active_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def terms_at(self, at: datetime) -> tuple[float, int]:
        """(multiplier, bonus) in force at that instant."""
        for until, multiplier, bonus in sorted(self.earlier_terms):
            if at < until:
                return multiplier, bonus
        return self.multiplier, self.bonus


@dataclass(frozen=True)
class Rules:
    points_per_click: int = 10
    points_per_share_intent: int = 0
    points_per_conversion: Mapping[str, int] = field(default_factory=lambda: {"*": 0})
    signup_bonus: int = 0
    daily_cap_per_employee: int = 0  # 0: no cap
    daily_cap_per_type: Mapping[str, int] = field(default_factory=dict)  # kind -> cap, 0: none
    pixel_conversions_earn: bool = True

    def as_dict(self) -> dict[str, object]:
        return {name: dict(value) if isinstance(value, Mapping) else value
                for name, value in vars(self).items()}

    def with_overrides(self, stored: Mapping[str, object] | None) -> Rules:
        """The defaults with an admin's stored values on top (unknown keys ignored)."""
        if not stored:
            return self
        known = {k: v for k, v in stored.items() if k in self.__dataclass_fields__}
        return replace(self, **known)


@dataclass(frozen=True)
class Award:
    points: int
    rule: str


def kind_of(event: ScoredEvent) -> str:
    """The cap family of an event: click, share_intent, conversion, employee_signup."""
    return event.type


def base_award(event: ScoredEvent, rules: Rules) -> Award | None:
    """Points before challenges and caps, or None. Only a human's first click earns: bots,
    repeats and the sharer's own clicks are kept for stats but pay nothing."""
    if event.type == CLICK:
        if event.klass == "human" and rules.points_per_click > 0:
            return Award(rules.points_per_click, "human_click")
        return None
    if event.type == SHARE_INTENT:
        return Award(rules.points_per_share_intent, "share_intent") if (
            rules.points_per_share_intent > 0) else None
    if event.type == CONVERSION:
        if event.earns is False or is_unpaid_conversion(event):
            return None
        if event.trust == "pixel" and not rules.pixel_conversions_earn:
            return None
        kind = event.conversion_type or "*"
        table = rules.points_per_conversion
        points = table.get(kind, table.get("*", 0))
        return Award(int(points), f"conversion:{kind}") if points > 0 else None
    if event.type == EMPLOYEE_SIGNUP:
        return Award(rules.signup_bonus, "signup_bonus") if rules.signup_bonus > 0 else None
    return None


def is_unpaid_conversion(event: ScoredEvent) -> bool:
    """A conversion through a click that proved no person (a bot's, or one neither proven
    nor denied): a script that follows a link can report a conversion too."""
    return event.type == CONVERSION and event.klass in UNPAID_CLICKS


def challenge_for(event: ScoredEvent, challenges: list[Challenge]) -> Challenge | None:
    """The challenge that applies: the one the event names, if it ran at the event's time
    (a conversion's: its click's); else, of those running then that apply to every event,
    the most generous one."""
    at = event.challenge_time
    running = [c for c in challenges if c.active_at(at)]
    if event.challenge_id:
        named = [c for c in running if c.challenge_id == event.challenge_id]
        if named:
            return named[0]
    running = [c for c in running if c.applies_to_all]
    if not running:
        return None
    return max(running, key=lambda c: (*c.terms_at(at), c.challenge_id))


def award_for(event: ScoredEvent, rules: Rules,
              challenges: list[Challenge] | None = None) -> Award | None:
    """Points an event earns before daily caps (base, then the challenge's multiplier and
    bonus), or None."""
    base = base_award(event, rules)
    if base is None:
        return None
    challenge = challenge_for(event, challenges or [])
    multiplier, bonus = challenge.terms_at(event.challenge_time) if challenge else (1, 0)
    if challenge is None or (multiplier == 1 and not bonus):
        return base
    points = int(round(base.points * multiplier)) + int(bonus)
    return Award(points, f"{base.rule}+challenge:{challenge.challenge_id}")


def apply_caps(award: Award, kind: str, rules: Rules, earned_today: int,
               earned_today_kind: int) -> Award | None:
    """Cut an award to what is left under the day's caps (per employee, per kind). Partial
    awards keep the day's total equal to min(sum, cap) whatever the batching."""
    room = award.points
    if rules.daily_cap_per_employee > 0:
        room = min(room, rules.daily_cap_per_employee - earned_today)
    cap = rules.daily_cap_per_type.get(kind, 0)
    if cap > 0:
        room = min(room, cap - earned_today_kind)
    if room <= 0:
        return None
    if room < award.points:
        return Award(room, f"{award.rule}+capped")
    return award


def parse_points_table(raw: str) -> dict[str, int]:
    """"signup=50,lead=100,*=20" -> {"signup": 50, "lead": 100, "*": 20} (template form)."""
    table: dict[str, int] = {}
    for part in raw.split(","):
        if "=" not in part:
            continue
        key, value = part.split("=", 1)
        if key.strip():
            table[key.strip()] = int(value.strip())
    return table


class InvalidRules(ValueError):
    """An admin's rules that would not score as meant (the message says which field)."""


MAX_POINTS = 100_000
_AMOUNTS = ("points_per_click", "points_per_share_intent", "signup_bonus",
            "daily_cap_per_employee")
_TABLES = ("points_per_conversion", "daily_cap_per_type")
_CAP_KINDS = (CLICK, SHARE_INTENT, CONVERSION, EMPLOYEE_SIGNUP)
_CONVERSION_TYPE = re.compile(r"^(\*|[a-z][a-z0-9_-]{0,31})$")  # as conversions.validate


def checked_overrides(raw: object) -> dict[str, object]:
    """An admin's overrides, checked field by field before they are stored: award_points
    applies them to every event, so a wrong type must be refused here, not met there."""
    if not isinstance(raw, Mapping):
        raise InvalidRules("rules must be a JSON object")
    unknown = sorted(set(raw) - set(Rules.__dataclass_fields__))
    if unknown:
        raise InvalidRules(f"unknown rule fields: {', '.join(map(str, unknown))}")
    out: dict[str, object] = {}
    for name, value in raw.items():
        if name in _AMOUNTS:
            out[name] = _amount(name, value)
        elif name in _TABLES:
            if not isinstance(value, Mapping) or len(value) > 50:
                raise InvalidRules(f"{name} must be an object of at most 50 entries")
            keys_ok = (_CONVERSION_TYPE.match if name == "points_per_conversion"
                       else _CAP_KINDS.__contains__)
            table = {}
            for key, amount in value.items():
                if not isinstance(key, str) or not keys_ok(key):
                    allowed = ("a conversion type or *" if name == "points_per_conversion"
                               else ", ".join(_CAP_KINDS))
                    raise InvalidRules(f"{name}: {key!r} is not {allowed}")
                table[key] = _amount(f"{name}.{key}", amount)
            out[name] = table
        elif not isinstance(value, bool):  # pixel_conversions_earn
            raise InvalidRules(f"{name} must be true or false")
        else:
            out[name] = value
    return out


def _amount(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_POINTS:
        raise InvalidRules(f"{name} must be a whole number from 0 to {MAX_POINTS}")
    return value


def table_from_text(raw: str, name: str) -> dict[str, int]:
    """"signup=50, lead=100, *=20" as an admin types it (the template's form) -> a table;
    InvalidRules unless every part is key=whole number. Keys are checked by
    checked_overrides."""
    table: dict[str, int] = {}
    for part in raw.split(","):
        if not part.strip():
            continue
        key, sep, amount = part.partition("=")
        key, amount = key.strip(), amount.strip()
        if not sep or not key or not re.fullmatch(r"[0-9]{1,7}", amount):
            raise InvalidRules(f"{name}: {part.strip()!r} is not key=points")
        table[key] = int(amount)
    return table


def table_as_text(table: Mapping[str, int]) -> str:
    return ", ".join(f"{key}={amount}" for key, amount in table.items())
