"""shop figures: the DynamoDB units of one redemption (and of its cancel), in-process moto,
units computed from item sizes as DynamoDB bills them (bench/capacity.py)."""
from __future__ import annotations

from bench.capacity import metered
from bench.harness import Figure, moto_account

REDEMPTIONS = 5  # averaged: the counter and balance items exist after the first


def run() -> list[Figure]:
    with moto_account():
        from korpo.models import BalanceModel
        from korpo.shop import redemptions
        from korpo.shop.rewards import create_reward

        create_reward("gift-card-25", "€25 gift card", 100, kind="gift_card", stock=100,
                      per_employee_limit=REDEMPTIONS + 1,
                      description="For the bookshop around the corner.")
        employee = "7f3e2c1a-1111-4a2b-9c3d-0123456789ab"  # a Cognito sub's length
        BalanceModel(*BalanceModel.key(employee)).update(
            actions=[BalanceModel.points.add(100 * REDEMPTIONS)])
        made, writes, reads = [], 0.0, 0.0
        for i in range(REDEMPTIONS):
            with metered() as units:
                made.append(redemptions.redeem(employee, "gift-card-25", notify=False,
                                               request_id=f"bench-form-{i:04d}"))
            writes, reads = writes + units.write, reads + units.read
        with metered() as cancel:
            redemptions.cancel(made[0].redemption_id, by="bench-admin")
    return [
        Figure("shop.redeem_write_units", writes / REDEMPTIONS, "WCU",
               "<= 10 (5 transactional items under 1 KB)"),
        Figure("shop.redeem_read_units", reads / REDEMPTIONS, "RCU",
               "reward + form token + the redemption read back, consistent"),
        Figure("shop.cancel_write_units", cancel.write, "WCU", "<= 10"),
    ]
