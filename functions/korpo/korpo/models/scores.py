"""The Scores table: what points became. Written by award_points and reset_monthly; the
shop moves the balance (a redemption, a refund, an admin's correction: korpo.shop).

Key schema (pk, sk); sparse GSI by_score (board, score) holds only board entries.

Access patterns
- Ledger of an employee:       Query pk=EMP#{employee}, sk begins_with LEDGER# (time order;
                               one bucket item per 10 s of UTC event time, entries inside; a month is a
                               BETWEEN on the minutes)
- Points of a period (digest):  Query pk=EMP#{employee}, sk BETWEEN LEDGER#{start} AND
                               LEDGER#{end} (korpo.scoring.ledger.points_between)
- Has this event been counted: `deferred` (or, before issue 21, `seen`) of its 10 s ledger
                               bucket; award_points writes each employee's changes in one
                               transaction conditioned on the versions it read (korpo.scoring.award:
                               exactly once)
- Are its shared stats counted: `ids` of GetItem pk=SHARED#{UTC second}, sk=COUNTED (written with
                               the batch's shared day stats, in their own transaction)
- Lifetime balance:            GetItem pk=EMP#{employee}, sk=BALANCE
- An admin's corrections of it: Query pk=EMP#{employee}, sk begins_with CORRECTION# (a
                               handful; written with the balance's ADD in one transaction)
- Employee's monthly total:    GetItem pk=BOARD#{month}, sk=EMP#{employee}
- Top N of a month:            Query by_score board={month}, descending, Limit N
- Rank of an employee:         GetItem the board entry, then Query pk=RANK#{month},
                               sk >= B#{own bucket} (score-bucket counters, korpo.board.standings)
- Stats of a day:              GetItem pk=STATS#{dimension}#{value}, sk=DAY#{YYYY-MM-DD};
                               a range of days: Query sk BETWEEN (korpo.board.stats); the
                               dashboard of a period: the same Query on STATS#all#all or the
                               filter's item, whose `x` breaks each day down (korpo.board.dashboard)
- Active in a month:           GetItem pk=EMP#{employee}, sk=ACTIVE#{month} (award_points)
- Adoption of months:          Query pk=STATS#adoption, sk <= MONTH#{month}
- The shop's days (redeemed):  Query pk=STATS#redemptions, sk BETWEEN DAY#… (ADDs by the shop)
- Archived standings:          Query pk=ARCHIVE#{month}, sk begins_with RANK# (rank order)
- An employee's archived rank: GetItem pk=ARCHIVE#{month}, sk=EMP#{employee}
- Month state (frozen when):   GetItem pk=MONTH#{month}, sk=STATE
"""
from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
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
    """One employee's ledger for 10 seconds of UTC event time, written by award_points only
    (korpo.scoring.award): `entries` maps each awarded event id to {type, points, rule,
    month, at} (who, what, why, which event, which rule); `deferred` holds the ids of every event
    of those 10 s already counted, awarded or not (the exactly-once guard; the shared day stats
    are counted after, under a guard of their own), `seen` those counted before issue 21 (the
    shared stats with them); `v` the version the next writer conditions on."""

    class Meta(ScoresItem.Meta):
        abstract = False

    employee_id = UnicodeAttribute()
    seen = UnicodeSetAttribute(null=True)
    deferred = UnicodeSetAttribute(null=True)
    entries = MapAttribute(default=dict)
    v = NumberAttribute(default=0)

    @staticmethod
    def key(employee_id: str, minute: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", f"LEDGER#{minute}"


class BalanceModel(ScoresItem):
    class Meta(ScoresItem.Meta):
        abstract = False

    points = NumberAttribute(default=0)

    @staticmethod
    def key(employee_id: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", "BALANCE"


class CorrectionModel(ScoresItem):
    """An admin's correction of an employee's balance (points added or taken back, and why),
    written in the transaction that moves the balance (korpo.shop.statement.correct): the
    statement of the points shows it as a line, so the lines still sum to the balance."""

    class Meta(ScoresItem.Meta):
        abstract = False

    employee_id = UnicodeAttribute()
    points = NumberAttribute()
    note = UnicodeAttribute()
    by = UnicodeAttribute()  # the admin's employee id, or "console"
    at = UTCDateTimeAttribute()

    @staticmethod
    def key(employee_id: str, token: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", f"CORRECTION#{token}"


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
    announced_at = UTCDateTimeAttribute(null=True)  # winners' email sent (or logged)
    participants = NumberAttribute(default=0)
    total_points = NumberAttribute(default=0)
    winners = ListAttribute(of=Winner, default=list)

    @staticmethod
    def key(month: str) -> tuple[str, str]:
        return f"MONTH#{month}", "STATE"
