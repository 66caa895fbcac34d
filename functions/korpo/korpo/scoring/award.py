"""Writing awards exactly once: ledger entry, monthly board and lifetime balance together.

The stream delivers at least once and retries whole batches. Each award is one DynamoDB
transaction whose ledger item is keyed by the event id and conditioned on not existing, so a
replayed event fails the condition and changes nothing, and a crash leaves all three writes
done or none.
"""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from korpo.models.base import transaction_connection
from korpo.models import BalanceModel, BoardEntryModel, LedgerModel
from korpo.months import month_of
from korpo.scoring.rules import Rules, ScoredEvent, award_for


@dataclass(frozen=True)
class Outcome:
    event_id: str
    points: int
    status: str  # awarded | duplicate | nothing


def award(event: ScoredEvent, rules: Rules, zone: ZoneInfo) -> Outcome:
    granted = award_for(event, rules)
    if granted is None:
        return Outcome(event.event_id, 0, "nothing")
    # The month of the event's own time in the brand's zone, not of processing time.
    month = month_of(event.at, zone)
    ledger = LedgerModel(*LedgerModel.key(event.employee_id, event.event_id),
                         employee_id=event.employee_id, event_id=event.event_id,
                         event_type=event.type, points=granted.points, rule=granted.rule,
                         month=month, at=event.at)
    board = BoardEntryModel(*BoardEntryModel.key(month, event.employee_id))
    balance = BalanceModel(*BalanceModel.key(event.employee_id))
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.save(ledger, condition=LedgerModel.pk.does_not_exist())
            tx.update(board, actions=[BoardEntryModel.score.add(granted.points),
                                      BoardEntryModel.board.set(month),
                                      BoardEntryModel.employee_id.set(event.employee_id)])
            tx.update(balance, actions=[BalanceModel.points.add(granted.points)])
    except TransactWriteError as error:
        if _ledger_already_written(error):
            return Outcome(event.event_id, 0, "duplicate")
        raise
    return Outcome(event.event_id, granted.points, "awarded")


def _ledger_already_written(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"
