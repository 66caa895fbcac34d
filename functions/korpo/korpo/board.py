"""The monthly board: top N and one employee's rank, each a Query on the by_score index.

Ties share a rank ("1, 2, 2, 4"): an employee's rank is one plus the number of employees with
a strictly higher score.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pynamodb.exceptions import DoesNotExist

from korpo.models import BoardEntryModel


@dataclass(frozen=True)
class Standing:
    rank: int
    employee_id: str
    score: int


def rank_sorted(scores: Iterable[tuple[str, int]]) -> list[Standing]:
    """Competition ranking of (employee, score) pairs already sorted by score descending."""
    out: list[Standing] = []
    for position, (employee_id, score) in enumerate(scores, start=1):
        rank = out[-1].rank if out and out[-1].score == score else position
        out.append(Standing(rank, employee_id, score))
    return out


def top(month: str, limit: int = 20) -> list[Standing]:
    entries = BoardEntryModel.by_score.query(month, scan_index_forward=False, limit=limit)
    return rank_sorted((e.employee_id, int(e.score)) for e in entries)


def all_standings(month: str) -> list[Standing]:
    """Every entry of a month, for the monthly freeze (paginated, never a Scan)."""
    entries = BoardEntryModel.by_score.query(month, scan_index_forward=False)
    return rank_sorted((e.employee_id, int(e.score)) for e in entries)


def standing_of(month: str, employee_id: str) -> Standing | None:
    try:
        entry = BoardEntryModel.get(*BoardEntryModel.key(month, employee_id))
    except DoesNotExist:
        return None
    score = int(entry.score)
    higher = BoardEntryModel.by_score.count(month, BoardEntryModel.score > score)
    return Standing(higher + 1, employee_id, score)
