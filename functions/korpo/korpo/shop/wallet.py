"""An employee's lifetime balance: what the shop spends. Never reset by the monthly board."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from korpo.models import BalanceModel


def balance_of(employee_id: str) -> int:
    try:
        return int(BalanceModel.get(*BalanceModel.key(employee_id)).points)
    except DoesNotExist:
        return 0
