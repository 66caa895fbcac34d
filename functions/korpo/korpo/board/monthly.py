"""Closing a month: freeze its standings into the archive and open the next month.

Safe to run twice and late: the archive keys are derived from the month, rank and employee,
and a month already frozen is reported, not frozen again; a rerun of a freeze stopped midway
removes what the stopped run wrote that its own snapshot does not hold. Events of a frozen month that
arrive late still reach the ledger, the balance and the live board, never the archive
(docs/decisions.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from pynamodb.exceptions import DoesNotExist, PutError

from korpo.board import standings
from korpo.board.standings import Standing
from korpo.mail import Email
from korpo.models import ArchiveEntryModel, MonthStateModel
from korpo.models.scores import Winner
from korpo.months import parse, shift

WINNERS = 3


@dataclass
class FreezeReport:
    month: str
    dry_run: bool
    already_frozen: bool
    frozen_at: datetime | None
    standings: list[Standing] = field(default_factory=list)
    opened_month: str | None = None

    @property
    def winners(self) -> list[Standing]:
        return [s for s in self.standings if s.rank <= WINNERS]

    def summary(self) -> dict:
        return {
            "month": self.month, "dry_run": self.dry_run, "already_frozen": self.already_frozen,
            "frozen_at": self.frozen_at.isoformat() if self.frozen_at else None,
            "participants": len(self.standings),
            "total_points": sum(s.score for s in self.standings),
            "winners": [vars(s) for s in self.winners],
            "opened_month": self.opened_month,
        }


def month_state(month: str) -> MonthStateModel | None:
    try:
        return MonthStateModel.get(*MonthStateModel.key(month), consistent_read=True)
    except DoesNotExist:
        return None


def freeze(month: str, now: datetime, dry_run: bool = False) -> FreezeReport:
    month = parse(month)
    state = month_state(month)
    if state is not None and state.status == "frozen":
        return FreezeReport(month, dry_run, True, state.frozen_at, archived(month),
                            shift(month, 1))
    final = standings.all_standings(month)
    report = FreezeReport(month, dry_run, False, None if dry_run else now, final,
                          shift(month, 1))
    if dry_run:
        return report
    keys = {key: s for s in final
            for key in (ArchiveEntryModel.key(month, s.rank, s.employee_id),
                        ArchiveEntryModel.member_key(month, s.employee_id))}
    # A run stopped midway left part of an older snapshot: the board has moved since (late
    # events), so its rank entries would sit beside these. The archive is one snapshot.
    leftovers = [(i.pk, i.sk) for i in ArchiveEntryModel.query(
        f"ARCHIVE#{month}", attributes_to_get=["pk", "sk"]) if (i.pk, i.sk) not in keys]
    with ArchiveEntryModel.batch_write() as batch:
        for key in leftovers:
            batch.delete(ArchiveEntryModel(*key))
        for key, s in keys.items():
            batch.save(ArchiveEntryModel(*key, month=month, rank=s.rank, score=s.score,
                                         employee_id=s.employee_id))
    # The state is written last: a crash before it leaves the month open and a rerun redoes
    # the same idempotent archive writes.
    MonthStateModel(*MonthStateModel.key(month), month=month, status="frozen", frozen_at=now,
                    participants=len(final), total_points=sum(s.score for s in final),
                    winners=[Winner(employee_id=s.employee_id, rank=s.rank, score=s.score)
                             for s in report.winners]).save()
    _open(shift(month, 1), now)
    return report


def _open(month: str, now: datetime) -> None:
    item = MonthStateModel(*MonthStateModel.key(month), month=month, status="open",
                           opened_at=now)
    try:
        item.save(condition=MonthStateModel.pk.does_not_exist())
    except PutError as error:  # already open (or frozen by a very late rerun): keep it
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def announce(month: str, now: datetime, emails: list[Email],
             send: Callable[[Email], None] | None, dry_run: bool = False) -> dict:
    """Send the winners' announcement of a frozen month once. `announced_at` is written
    after the sends: a crash in between sends again on the rerun (at least once; a missed
    announcement is worse than a repeated one). `send` None: logged only (no sender)."""
    state = month_state(month)
    if dry_run:
        return {"status": "would_send", "recipients": len(emails)}
    if state is None or state.status != "frozen":
        return {"status": "not_frozen"}
    if state.announced_at is not None:
        return {"status": "already_announced", "announced_at": state.announced_at.isoformat()}
    failed = []
    for email in emails:
        if send is None:
            continue
        try:
            send(email)
        except Exception as error:  # noqa: BLE001 - the others still get theirs
            failed.append(f"{email.to}: {type(error).__name__}: {error}")
    if failed:
        return {"status": "failed", "recipients": len(emails), "errors": failed}
    state.update(actions=[MonthStateModel.announced_at.set(now)])
    return {"status": "sent" if send else "logged", "recipients": len(emails)}


def archived(month: str, limit: int | None = None) -> list[Standing]:
    items = ArchiveEntryModel.query(f"ARCHIVE#{month}", ArchiveEntryModel.sk.startswith("RANK#"),
                                    limit=limit)
    return [Standing(int(i.rank), i.employee_id, int(i.score)) for i in items]


def archived_standing(month: str, employee_id: str) -> Standing | None:
    try:
        item = ArchiveEntryModel.get(*ArchiveEntryModel.member_key(month, employee_id))
    except DoesNotExist:
        return None
    return Standing(int(item.rank), employee_id, int(item.score))


@dataclass(frozen=True)
class BoardView:
    """A month's board as an employee reads it: the live board, or the archive once frozen."""
    month: str
    archived: bool
    frozen_at: datetime | None
    top: list[Standing]
    mine: Standing | None


def board_view(month: str, employee_id: str, limit: int = 20) -> BoardView:
    state = month_state(month)
    if state is not None and state.status == "frozen":
        return BoardView(month, True, state.frozen_at, archived(month, limit),
                         archived_standing(month, employee_id))
    return BoardView(month, False, None, standings.top(month, limit),
                     standings.standing_of(month, employee_id))
