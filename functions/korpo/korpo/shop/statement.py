"""The statement of an employee's points: every movement of the balance, in words, newest
first. Its lines sum to the balance, because each is read from the item written in the very
transaction that moved the balance:

- award      award_points' ledger entries (korpo.scoring.ledger: clicks, share intents,
             conversions, the welcome bonus; an event the daily cap stopped shows with 0);
- redemption the redemption itself (`REDEMPTION#…`, put by the redeem transaction): −cost
             when it was requested;
- refund     the same redemption once cancelled (its status, set by the cancel transaction):
             +cost when it was cancelled (a cancelled redemption never changes again);
- correction an admin's correction (`CORRECTION#…`, put with the balance's ADD: `correct`).

Nothing else moves the balance (award_points ADDs only with its ledger entries; the monthly
board is another item). The redemptions and corrections of one employee are few (tens): each
page reads them with one Query each, beside the ledger's page.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from korpo import aws, settings
from korpo.ids import stable_id
from korpo.models import CorrectionModel
from korpo.months import utc_now
from korpo.scoring.ledger import LedgerLine, lines_of
from korpo.shop.redemptions import redemptions_of
from korpo.shop.wallet import balance_of

MAX_NOTE = 300
MAX_CORRECTION = 1_000_000


@dataclass(frozen=True)
class Movement:
    """One line of the statement. `kind`: award (`line` says what earned it), redemption or
    refund (`reward_title`, `redemption_id`), correction (`note`: the admin's words)."""
    at: datetime
    points: int
    kind: str
    line: LedgerLine | None = None
    reward_title: str | None = None
    redemption_id: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The API's line: an award keeps the ledger's fields; the others name theirs."""
        if self.line is not None:
            return {**self.line.as_dict(), "reward_title": None, "redemption_id": None,
                    "note": None}
        return {"event_id": None, "at": self.at.isoformat(), "points": self.points,
                "kind": self.kind, "reason": self.kind, "capped": False, "network": None,
                "post_id": None, "post_title": None, "challenge_id": None,
                "challenge_title": None, "conversion_type": None,
                "reward_title": self.reward_title, "redemption_id": self.redemption_id,
                "note": self.note}


class InvalidCorrection(ValueError):
    """`field` names what is wrong: points (a whole number, not 0, at most a million either
    way), note (1 to 300 characters), or balance (it would go below 0)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _shop_moves(employee_id: str) -> list[Movement]:
    out = []
    for redemption in redemptions_of(employee_id):
        out.append(Movement(redemption.requested_at, -redemption.cost, "redemption",
                            reward_title=redemption.reward_title,
                            redemption_id=redemption.redemption_id))
        if redemption.status == "cancelled":
            out.append(Movement(redemption.updated_at, redemption.cost, "refund",
                                reward_title=redemption.reward_title,
                                redemption_id=redemption.redemption_id))
    return out


def _corrections(employee_id: str) -> list[Movement]:
    return [Movement(c.at, int(c.points), "correction", note=c.note)
            for c in CorrectionModel.query(f"EMP#{employee_id}",
                                           CorrectionModel.sk.startswith("CORRECTION#"),
                                           consistent_read=True)]


def movements(employee_id: str, limit: int = 50,
              before: datetime | None = None) -> list[Movement]:
    """The employee's lines, newest first; `before` (an instant: the last line's `at`)
    pages back. With no `before` and a limit above the number of lines, they sum to the
    balance (`balance_of`)."""
    limit = max(1, int(limit))
    awards = [Movement(line.at, line.points, "award", line=line)
              for line in lines_of(employee_id, limit, before)]
    others = [m for m in _shop_moves(employee_id) + _corrections(employee_id)
              if before is None or m.at < before]
    merged = sorted(awards + others, key=lambda m: m.at, reverse=True)
    return merged[:limit]


def check_correction(points: object, note: object) -> tuple[int, str]:
    """(points, note) of a correction, checked (InvalidCorrection names the wrong one)."""
    if isinstance(points, bool) or not isinstance(points, int) or points == 0 \
            or abs(points) > MAX_CORRECTION:
        raise InvalidCorrection("points")
    if not isinstance(note, str) or not 0 < len(note.strip()) <= MAX_NOTE:
        raise InvalidCorrection("note")
    return points, note.strip()


def correct(employee_id: str, points: object, note: object, *, by: str,
            request_id: str | None = None, now: datetime | None = None) -> Movement:
    """An admin's correction: `points` added to the balance (negative: taken back, never
    below 0), with `note` saying why; the balance's ADD and the statement's line in one
    transaction. With a `request_id`, sending it again corrects once."""
    points, note = check_correction(points, note)
    cfg = settings.current()
    now = now or utc_now()
    token = (stable_id("correction", employee_id, request_id)[:20] if request_id
             else secrets.token_hex(10))
    item = CorrectionModel(*CorrectionModel.key(employee_id, token),
                           employee_id=employee_id, points=points, note=note, by=by, at=now)
    balance: dict[str, Any] = {
        "TableName": cfg.scores_table,
        "Key": {"pk": {"S": f"EMP#{employee_id}"}, "sk": {"S": "BALANCE"}},
        "UpdateExpression": "ADD points :delta",
        "ExpressionAttributeValues": {":delta": {"N": str(points)}}}
    if points < 0:
        balance["ConditionExpression"] = "points >= :needed"
        balance["ExpressionAttributeValues"][":needed"] = {"N": str(-points)}
    put = {"TableName": cfg.scores_table, "Item": item.serialize(),
           "ConditionExpression": "attribute_not_exists(pk)"}
    try:
        aws.client("dynamodb").transact_write_items(
            TransactItems=[{"Update": balance}, {"Put": put}])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons") or []]
        if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            # The same request, sent again: the correction it made, once.
            return _movement(CorrectionModel.get(item.pk, item.sk, consistent_read=True))
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise InvalidCorrection("balance") from None
        raise
    return _movement(item)


def _movement(item: CorrectionModel) -> Movement:
    return Movement(item.at, int(item.points), "correction", note=item.note)


def statement(employee_id: str, limit: int,
              before: datetime | None = None) -> tuple[int, list[Movement]]:
    """(the balance, a page of lines): what the points page and GET /me/ledger show."""
    return balance_of(employee_id), movements(employee_id, limit, before)
