"""Redeeming rewards: balance, stock and the employee's limit checked and debited in one
DynamoDB transaction; a cancel refunds once.

`redeem` writes, in one TransactWriteItems (all or nothing, serialisable against every other
write of those items, award_points' ADDs to the balance included):
  1. the balance (Scores `EMP#{id}` / `BALANCE`): ADD -cost, condition points >= cost;
  2. the reward (Catalog): exists, not retired, same cost as read; when it has a stock,
     ADD stock -1 conditioned stock > 0 (else a ConditionCheck);
  3. the employee's count of that reward (`EMP#{id}` / `REDEEMED#{reward}`): ADD n 1,
     conditioned n < limit when the reward has a per-employee limit;
  4. the redemption itself, status requested, conditioned on not existing: with a request id
     (a form token) its key derives from it, so a form sent twice redeems once;
  5. the day's shop counters for the stats (`STATS#redemptions` / `DAY#{day}`, brand zone):
     ADD redeemed_points, redemptions; counted once as the transaction applies once.
Which condition failed is read from the CancellationReasons (their order is the items').

A cancel is the mirror transaction (status requested -> cancelled conditioned, balance ADD
+cost, stock +1 when the reward had one, count -1, the day's refunded_points and
cancellations): its condition makes it happen once.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from korpo import aws, settings, texts
from korpo.board.dashboard import redemptions_key
from korpo.ids import stable_id
from korpo.models import RedemptionModel
from korpo.models.base import sort_time
from korpo.months import utc_now
from korpo.shop.rewards import Reward, RewardRetired, get_reward

STATUSES = ("requested", "fulfilled", "cancelled")
MAX_MESSAGE = 1000
_TIME = UTCDateTimeAttribute()  # the text RedemptionModel reads back


class OutOfStock(RuntimeError):
    pass


class InsufficientBalance(RuntimeError):
    pass


class LimitReached(RuntimeError):
    pass


class PriceChanged(RuntimeError):
    """The reward's cost changed between reading it and redeeming: nothing was debited."""


class RedemptionNotFound(LookupError):
    pass


class InvalidTransition(RuntimeError):
    """A fulfilled redemption cannot be cancelled, nor a cancelled one fulfilled."""


class InvalidRequest(ValueError):
    pass


@dataclass(frozen=True)
class Redemption:
    redemption_id: str
    employee_id: str
    reward_id: str
    reward_title: str
    cost: int
    status: str  # requested | fulfilled | cancelled
    requested_at: datetime
    updated_at: datetime
    message: str | None = None

    @classmethod
    def from_model(cls, item: RedemptionModel) -> Redemption:
        return cls(redemption_id=item.redemption_id, employee_id=item.employee_id,
                   reward_id=item.reward_id, reward_title=item.reward_title,
                   cost=int(item.cost), status=item.status, requested_at=item.requested_at,
                   updated_at=item.updated_at, message=item.message)

    def as_dict(self) -> dict[str, Any]:
        return {"redemption_id": self.redemption_id, "reward_id": self.reward_id,
                "reward_title": self.reward_title, "cost": self.cost, "status": self.status,
                "requested_at": self.requested_at.isoformat(),
                "updated_at": self.updated_at.isoformat(), "message": self.message}


# ------------------------------------------------------------------ ids and keys


def _token(employee_id: str, reward_id: str, request_id: str | None) -> str:
    if request_id is None:
        return secrets.token_hex(10)
    return stable_id("redeem", employee_id, reward_id, request_id)[:20]


def redemption_id_of(employee_id: str, token: str) -> str:
    return f"{employee_id}.{token}"


def split_id(redemption_id: str) -> tuple[str, str]:
    """(employee id, token) of a redemption id; RedemptionNotFound when malformed."""
    if not isinstance(redemption_id, str) or len(redemption_id) > 200:
        raise RedemptionNotFound(redemption_id)
    employee_id, _, token = redemption_id.rpartition(".")
    if not employee_id or len(token) != 20 or not all(c in "0123456789abcdef" for c in token):
        raise RedemptionNotFound(redemption_id)
    return employee_id, token


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def counter_key(employee_id: str, reward_id: str) -> tuple[str, str]:
    return f"EMP#{employee_id}", f"REDEEMED#{reward_id}"


# ------------------------------------------------------------------ redeem


def _redeem_items(employee_id: str, reward: Reward, token: str, now: datetime,
                  cfg: settings.Settings) -> list[dict[str, Any]]:
    cost = {"N": str(reward.cost)}
    balance = {"Update": {
        "TableName": cfg.scores_table, "Key": _key(f"EMP#{employee_id}", "BALANCE"),
        "UpdateExpression": "ADD points :debit",
        "ConditionExpression": "points >= :cost",
        "ExpressionAttributeValues": {":debit": {"N": str(-reward.cost)}, ":cost": cost}}}
    reward_condition = ("attribute_exists(pk) AND cost = :cost AND "
                        "(attribute_not_exists(retired) OR retired = :no)")
    reward_values: dict[str, Any] = {":cost": cost, ":no": {"BOOL": False}}
    reward_key = _key(f"REWARD#{reward.reward_id}", "REWARD")
    if reward.stock is not None:
        stock = {"Update": {
            "TableName": cfg.catalog_table, "Key": reward_key,
            "UpdateExpression": "ADD stock :minus_one",
            "ConditionExpression": reward_condition + " AND stock > :zero",
            "ExpressionAttributeValues": {**reward_values, ":minus_one": {"N": "-1"},
                                          ":zero": {"N": "0"}}}}
    else:
        stock = {"ConditionCheck": {
            "TableName": cfg.catalog_table, "Key": reward_key,
            "ConditionExpression": reward_condition + " AND attribute_not_exists(stock)",
            "ExpressionAttributeValues": reward_values}}
    count: dict[str, Any] = {
        "TableName": cfg.catalog_table, "Key": _key(*counter_key(employee_id, reward.reward_id)),
        "UpdateExpression": "ADD n :one SET employee_id = :e, reward_id = :r",
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":e": {"S": employee_id},
                                      ":r": {"S": reward.reward_id}}}
    if reward.per_employee_limit is not None:
        count["ConditionExpression"] = "attribute_not_exists(n) OR n < :limit"
        count["ExpressionAttributeValues"][":limit"] = {"N": str(reward.per_employee_limit)}
    redemption_id = redemption_id_of(employee_id, token)
    item = RedemptionModel(*RedemptionModel.key(employee_id, token),
                           gsi1pk="REDEMPTIONS#requested",
                           gsi1sk=f"{sort_time(now)}#{redemption_id}",
                           redemption_id=redemption_id, employee_id=employee_id,
                           reward_id=reward.reward_id, reward_title=reward.title,
                           cost=reward.cost, stocked=reward.stock is not None,
                           status="requested", requested_at=now, updated_at=now)
    put = {"Put": {"TableName": cfg.catalog_table,
                   "Item": item.serialize(),
                   "ConditionExpression": "attribute_not_exists(pk)"}}
    return [balance, stock, {"Update": count}, put,
            _shop_counters(cfg, now, redeemed_points=reward.cost, redemptions=1)]


def _shop_counters(cfg: settings.Settings, now: datetime, **deltas: int) -> dict[str, Any]:
    """ADDs to the day's shop counters (stats: points redeemed), an item of their own."""
    names = {f"#a{i}": name for i, name in enumerate(deltas)}
    values = {f":d{i}": {"N": str(delta)} for i, delta in enumerate(deltas.values())}
    day = now.astimezone(cfg.zone).strftime("%Y-%m-%d")
    return {"Update": {"TableName": cfg.scores_table, "Key": redemptions_key(day),
                       "UpdateExpression": "ADD " + ", ".join(f"#a{i} :d{i}"
                                                              for i in range(len(deltas))),
                       "ExpressionAttributeNames": names,
                       "ExpressionAttributeValues": values}}


def _transact(items: list[dict[str, Any]]) -> None:
    """Seam for the bench (write units) and tests."""
    aws.client("dynamodb").transact_write_items(TransactItems=items)


def _failed_conditions(error: ClientError) -> list[bool]:
    reasons = error.response.get("CancellationReasons") or []
    return [r.get("Code") == "ConditionalCheckFailed" for r in reasons]


def redeem(employee_id: str, reward_id: str, *, now: datetime | None = None,
           request_id: str | None = None, notify: bool = True,
           user_pool_id: str | None = None, base_url: str | None = None) -> Redemption:
    """Redeem one reward. Raises RewardNotFound, RewardRetired, OutOfStock,
    InsufficientBalance, LimitReached (or PriceChanged when the price moved meanwhile).
    With a request_id (a form token), sending the same request again returns the first
    redemption and debits nothing more. On success the employee and the admins are e-mailed
    (notify=False: not); `base_url`, the web app's address the caller was asked on, lets the
    admins' e-mail link to the redemption's page."""
    if request_id is not None and (not isinstance(request_id, str)
                                   or not 8 <= len(request_id) <= 128):
        raise InvalidRequest("request_id must be 8 to 128 characters")
    cfg = settings.current()
    reward = get_reward(reward_id, consistent=True)
    token = _token(employee_id, reward.reward_id, request_id)
    if request_id is not None:
        done = _get(employee_id, token)
        if done is not None:
            return done
    if reward.retired:
        raise RewardRetired(reward_id)
    now = now or utc_now()
    try:
        _transact(_redeem_items(employee_id, reward, token, now, cfg))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        failed = _failed_conditions(error)
        if len(failed) >= 4 and failed[3]:  # the same request, sent again meanwhile
            existing = _get(employee_id, token)
            if existing is not None:
                return existing
        _raise_reason(failed, employee_id, reward)
    redemption = _get(employee_id, token)
    assert redemption is not None
    if notify:
        from korpo.shop import notify as mail

        mail.redeemed(redemption, user_pool_id=user_pool_id, base_url=base_url)
    return redemption


def _raise_reason(failed: list[bool], employee_id: str, reward: Reward) -> None:
    balance, stock, count, _put = (failed + [False] * 4)[:4]  # the counters have no condition
    if stock:
        now = get_reward(reward.reward_id, consistent=True)  # RewardNotFound if it went
        if now.retired:
            raise RewardRetired(reward.reward_id) from None
        if now.cost != reward.cost:
            raise PriceChanged(reward.reward_id) from None
        raise OutOfStock(reward.reward_id) from None
    if balance:
        raise InsufficientBalance(employee_id) from None
    if count:
        raise LimitReached(reward.reward_id) from None
    # No condition failed: a conflict with a concurrent transaction on the same items.
    raise TransactionConflict(reward.reward_id)


class TransactionConflict(RuntimeError):
    """Another write on the same items at the same moment; nothing was debited: retry."""


def _get(employee_id: str, token: str) -> Redemption | None:
    try:
        return Redemption.from_model(RedemptionModel.get(
            *RedemptionModel.key(employee_id, token), consistent_read=True))
    except DoesNotExist:
        return None


def get_redemption(redemption_id: str) -> Redemption:
    employee_id, token = split_id(redemption_id)
    found = _get(employee_id, token)
    if found is None:
        raise RedemptionNotFound(redemption_id)
    return found


def redemptions_of(employee_id: str) -> list[Redemption]:
    """The employee's redemptions, newest first (one consistent Query of their partition:
    an employee redeems tens of rewards, not thousands)."""
    found = [Redemption.from_model(r) for r in RedemptionModel.query(
        f"EMP#{employee_id}", RedemptionModel.sk.startswith("REDEMPTION#"),
        consistent_read=True)]
    return sorted(found, key=lambda r: (r.requested_at, r.redemption_id), reverse=True)


def redemptions_by_status(status: str = "requested", limit: int = 100) -> list[Redemption]:
    """The admins' queue: redemptions of a status, newest first (Query gsi1)."""
    if status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}")
    return [Redemption.from_model(r) for r in RedemptionModel.gsi1.query(
        f"REDEMPTIONS#{status}", scan_index_forward=False, limit=limit)][:limit]


def _clean_message(message: str | None) -> str | None:
    """The admin's message to the employee (a gift card code, a date): lines of text."""
    try:
        return texts.clean(message, MAX_MESSAGE, lines=True)
    except texts.TextRefused:
        raise InvalidRequest(f"message must be text of at most {MAX_MESSAGE} characters, "
                             "without control characters") from None


def _status_update(cfg: settings.Settings, item: RedemptionModel, status: str, now: datetime,
                   message: str | None, by: str | None) -> dict[str, Any]:
    names = {"#s": "status"}
    values: dict[str, Any] = {":new": {"S": status}, ":requested": {"S": "requested"},
                              ":at": {"S": _TIME.serialize(now)},
                              ":g": {"S": f"REDEMPTIONS#{status}"}}
    sets = ["#s = :new", "updated_at = :at", "gsi1pk = :g"]
    if message is not None:
        sets.append("message = :m")
        values[":m"] = {"S": message}
    if by is not None:
        sets.append("cancelled_by = :by")
        values[":by"] = {"S": by}
    return {"Update": {"TableName": cfg.catalog_table, "Key": _key(item.pk, item.sk),
                       "UpdateExpression": "SET " + ", ".join(sets),
                       "ConditionExpression": "#s = :requested",
                       "ExpressionAttributeNames": names,
                       "ExpressionAttributeValues": values}}


def _model(redemption_id: str) -> RedemptionModel:
    employee_id, token = split_id(redemption_id)
    try:
        return RedemptionModel.get(*RedemptionModel.key(employee_id, token),
                                   consistent_read=True)
    except DoesNotExist:
        raise RedemptionNotFound(redemption_id) from None


def _requested(redemption_id: str, target: str) -> tuple[RedemptionModel, Redemption | None]:
    """The redemption's item, and itself if it already has the `target` status (nothing to
    do); InvalidTransition when it is neither requested nor `target`."""
    item = _model(redemption_id)
    if item.status == target:
        return item, Redemption.from_model(item)
    if item.status != "requested":
        raise InvalidTransition(f"a {item.status} redemption cannot be {target}")
    return item, None


def cancel(redemption_id: str, *, by: str, message: str | None = None,
           now: datetime | None = None, notify: bool = True) -> Redemption:
    """Cancel a requested redemption and refund it, once: the status condition makes a
    second cancel (or one racing it) refund nothing and return the cancelled redemption.
    InvalidTransition for a fulfilled one. The employee is e-mailed by the call that
    cancelled it (notify=False: not)."""
    message = _clean_message(message)
    cfg = settings.current()
    item, done = _requested(redemption_id, "cancelled")
    if done:
        return done
    now = now or utc_now()
    items = [_status_update(cfg, item, "cancelled", now, message, by),
             {"Update": {"TableName": cfg.scores_table,
                         "Key": _key(f"EMP#{item.employee_id}", "BALANCE"),
                         "UpdateExpression": "ADD points :refund",
                         "ExpressionAttributeValues": {":refund": {"N": str(int(item.cost))}}}},
             {"Update": {"TableName": cfg.catalog_table,
                         "Key": _key(*counter_key(item.employee_id, item.reward_id)),
                         "UpdateExpression": "ADD n :minus_one",
                         "ExpressionAttributeValues": {":minus_one": {"N": "-1"}}}}]
    counters = _shop_counters(cfg, now, refunded_points=int(item.cost), cancellations=1)
    if item.stocked:
        items.append({"Update": {"TableName": cfg.catalog_table,
                                 "Key": _key(f"REWARD#{item.reward_id}", "REWARD"),
                                 "UpdateExpression": "ADD stock :one",
                                 "ConditionExpression": "attribute_exists(stock)",
                                 "ExpressionAttributeValues": {":one": {"N": "1"}}}})
    try:
        _transact(items + [counters])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        failed = _failed_conditions(error)
        if failed and failed[0]:  # its status moved meanwhile: say what it is now
            current = Redemption.from_model(_model(redemption_id))
            if current.status == "cancelled":
                return current
            raise InvalidTransition(f"a {current.status} redemption cannot be cancelled"
                                    ) from None
        if len(failed) > 3 and failed[3]:  # the reward lost its stock: refund, keep stock
            _transact(items[:3] + [counters])
        else:
            raise TransactionConflict(redemption_id) from None
    return _tell(Redemption.from_model(_model(redemption_id)), notify)


def _tell(redemption: Redemption, notify: bool) -> Redemption:
    """The employee hears of the decision from the call that made it, once."""
    if notify:
        from korpo.shop import notify as mail

        mail.decided(redemption)
    return redemption


def fulfil(redemption_id: str, *, message: str | None = None,
           now: datetime | None = None, notify: bool = True) -> Redemption:
    """Mark a requested redemption fulfilled (idempotent: fulfilling twice changes nothing);
    InvalidTransition for a cancelled one. The employee is e-mailed the message (a gift card
    code…) by the call that fulfilled it (notify=False: not)."""
    message = _clean_message(message)
    cfg = settings.current()
    item, done = _requested(redemption_id, "fulfilled")
    if done:
        return done
    try:
        _transact([_status_update(cfg, item, "fulfilled", now or utc_now(), message, None)])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        current = Redemption.from_model(_model(redemption_id))
        if current.status != "fulfilled":
            raise InvalidTransition(f"a {current.status} redemption cannot be fulfilled"
                                    ) from None
        return current  # another call fulfilled it (and told the employee)
    return _tell(Redemption.from_model(_model(redemption_id)), notify)
