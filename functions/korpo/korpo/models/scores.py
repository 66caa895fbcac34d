"""The Scores table: what points became. Written only by award_points and reset_monthly.

Key schema (pk, sk); sparse GSI by_score (board, score) holds only board entries.

Access patterns
- Ledger of an employee:       Query pk=EMP#{employee}, sk begins_with LEDGER#  (time order)
- Has this event been awarded: the ledger key is derived from the event id; the award is one
                               transaction conditioned on that key not existing (exactly once)
- Lifetime balance:            GetItem pk=EMP#{employee}, sk=BALANCE
- Employee's monthly total:    GetItem pk=BOARD#{month}, sk=EMP#{employee}
- Top N of a month:            Query by_score board={month}, descending, Limit N
- Rank of an employee:         Query by_score board={month}, score > mine, Select COUNT
- Archived standings:          Query pk=ARCHIVE#{month}, sk begins_with RANK# (rank order)
- An employee's archived rank: GetItem pk=ARCHIVE#{month}, sk=EMP#{employee}
- Month state (frozen when):   GetItem pk=MONTH#{month}, sk=STATE
"""
from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from korpo.models.base import BaseModel, KorpoMeta


class ScoresItem(BaseModel):
    class Meta(KorpoMeta):
        abstract = True
        table_name = "korpo-scores"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ByScore(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_score"
        projection = AllProjection()

    board = UnicodeAttribute(hash_key=True)
    score = NumberAttribute(range_key=True)


class LedgerModel(ScoresItem):
    class Meta(ScoresItem.Meta):
        abstract = False

    employee_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    points = NumberAttribute()
    rule = UnicodeAttribute()  # which rule produced the points, so every point is explainable
    month = UnicodeAttribute()
    at = UTCDateTimeAttribute()

    @staticmethod
    def key(employee_id: str, event_id: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", f"LEDGER#{event_id}"


class BalanceModel(ScoresItem):
    class Meta(ScoresItem.Meta):
        abstract = False

    points = NumberAttribute(default=0)

    @staticmethod
    def key(employee_id: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", "BALANCE"


class BoardEntryModel(ScoresItem):
    class Meta(ScoresItem.Meta):
        abstract = False

    by_score = ByScore()
    board = UnicodeAttribute()  # the month, "YYYY-MM"
    score = NumberAttribute(default=0)
    employee_id = UnicodeAttribute()

    @staticmethod
    def key(month: str, employee_id: str) -> tuple[str, str]:
        return f"BOARD#{month}", f"EMP#{employee_id}"


class ArchiveEntryModel(ScoresItem):
    """Written twice per employee: by rank (the frozen top N) and by employee (one's rank)."""

    class Meta(ScoresItem.Meta):
        abstract = False

    month = UnicodeAttribute()
    rank = NumberAttribute()
    score = NumberAttribute()
    employee_id = UnicodeAttribute()

    @staticmethod
    def key(month: str, rank: int, employee_id: str) -> tuple[str, str]:
        return f"ARCHIVE#{month}", f"RANK#{rank:06d}#{employee_id}"

    @staticmethod
    def member_key(month: str, employee_id: str) -> tuple[str, str]:
        return f"ARCHIVE#{month}", f"EMP#{employee_id}"


class Winner(MapAttribute):
    employee_id = UnicodeAttribute()
    rank = NumberAttribute()
    score = NumberAttribute()


class MonthStateModel(ScoresItem):
    class Meta(ScoresItem.Meta):
        abstract = False

    month = UnicodeAttribute()
    status = UnicodeAttribute()  # open | frozen
    opened_at = UTCDateTimeAttribute(null=True)
    frozen_at = UTCDateTimeAttribute(null=True)
    participants = NumberAttribute(default=0)
    total_points = NumberAttribute(default=0)
    winners = ListAttribute(of=Winner, default=list)

    @staticmethod
    def key(month: str) -> tuple[str, str]:
        return f"MONTH#{month}", "STATE"
