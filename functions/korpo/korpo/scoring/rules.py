"""The brand's scoring rules, as plain values (no storage, no AWS)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ScoredEvent:
    """What award_points needs to know of a raw event, whatever its source."""
    event_id: str
    type: str
    klass: str
    employee_id: str
    at: datetime
    post_id: str | None = None


@dataclass(frozen=True)
class Rules:
    points_per_click: int = 10


@dataclass(frozen=True)
class Award:
    points: int
    rule: str


def award_for(event: ScoredEvent, rules: Rules) -> Award | None:
    """Points an event earns, or None. Only a human's first click earns: bots, repeats and
    the sharer's own clicks are kept for stats but pay nothing."""
    if event.type == "click" and event.klass == "human" and rules.points_per_click > 0:
        return Award(rules.points_per_click, "human_click")
    return None
