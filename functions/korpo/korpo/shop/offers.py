"""What the shop offers one employee: each reward with whether they can redeem it now, and if
not, why (the limit reached, out of stock, not enough points and how many are missing), and
how many times they have it. The redeem transaction still decides (korpo.shop.redemptions):
this only keeps the shop from offering what it would refuse.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from korpo import aws, settings
from korpo.shop import wallet
from korpo.shop.redemptions import counter_key
from korpo.shop.rewards import Reward, list_rewards

REDEEMABLE = "redeemable"
LIMIT_REACHED = "limit_reached"
OUT_OF_STOCK = "out_of_stock"
NOT_ENOUGH_POINTS = "not_enough_points"


@dataclass(frozen=True)
class Offer:
    reward: Reward
    state: str  # redeemable | limit_reached | out_of_stock | not_enough_points
    obtained: int  # how many of it the employee has (requested or fulfilled, not cancelled)
    missing: int  # the points still needed (0 unless not_enough_points)

    @property
    def redeemable(self) -> bool:
        return self.state == REDEEMABLE


def offer(reward: Reward, balance: int, obtained: int) -> Offer:
    """The first reason that stops a redemption, in the order the employee can do least
    about: the limit (never again), the stock (maybe later), the points (earn more)."""
    if reward.per_employee_limit is not None and obtained >= reward.per_employee_limit:
        state = LIMIT_REACHED
    elif reward.stock is not None and reward.stock <= 0:
        state = OUT_OF_STOCK
    elif balance < reward.cost:
        state = NOT_ENOUGH_POINTS
    else:
        state = REDEEMABLE
    return Offer(reward, state, obtained,
                 reward.cost - balance if state == NOT_ENOUGH_POINTS else 0)


def obtained_counts(employee_id: str) -> dict[str, int]:
    """How many of each reward the employee has: one consistent Query of their counters
    (`REDEEMED#{reward}`, kept by the redeem and cancel transactions)."""
    pk, prefix = counter_key(employee_id, "")
    args: dict[str, Any] = {
        "TableName": settings.current().catalog_table, "ConsistentRead": True,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
        "ProjectionExpression": "sk, n"}
    counts: dict[str, int] = {}
    dynamodb = aws.client("dynamodb")
    while True:
        page = dynamodb.query(**args)
        for raw in page.get("Items", []):
            item = aws.from_ddb(raw)
            counts[item["sk"][len(prefix):]] = int(item.get("n") or 0)
        if "LastEvaluatedKey" not in page:
            return counts
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def shop_for(employee_id: str) -> tuple[int, list[Offer]]:
    """(the balance, every reward on offer with its state for this employee), cheapest
    first: a Query of the rewards, a GetItem of the balance, a Query of the counters."""
    balance = wallet.balance_of(employee_id)
    counts = obtained_counts(employee_id)
    return balance, [offer(r, balance, counts.get(r.reward_id, 0)) for r in list_rewards()]


def offer_for(employee_id: str, reward: Reward) -> tuple[int, Offer]:
    """(the balance, the reward's offer) for the check page before redeeming it."""
    balance = wallet.balance_of(employee_id)
    return balance, offer(reward, balance, obtained_counts(employee_id).get(reward.reward_id, 0))
