"""Rewards the shop offers: gift cards, company rewards, charity donations."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from korpo.models import RewardModel

KINDS = ("gift_card", "company", "charity")


class RewardNotFound(LookupError):
    pass


class RewardRetired(LookupError):
    pass


@dataclass(frozen=True)
class Reward:
    reward_id: str
    title: str
    description: str | None
    kind: str  # gift_card | company | charity
    cost: int
    stock: int | None  # None: unlimited
    per_employee_limit: int | None  # None: no limit
    retired: bool

    @classmethod
    def from_model(cls, item: RewardModel) -> Reward:
        return cls(reward_id=item.reward_id, title=item.title, description=item.description,
                   kind=item.kind or "company", cost=int(item.cost),
                   stock=None if item.stock is None else int(item.stock),
                   per_employee_limit=(None if item.per_employee_limit is None
                                       else int(item.per_employee_limit)),
                   retired=bool(item.retired))

    def as_dict(self) -> dict[str, Any]:
        return {"reward_id": self.reward_id, "title": self.title,
                "description": self.description, "kind": self.kind, "cost": self.cost,
                "stock": self.stock, "per_employee_limit": self.per_employee_limit,
                "retired": self.retired}


def list_rewards(include_retired: bool = False) -> list[Reward]:
    """Cheapest first (one Query of gsi1 REWARDS)."""
    rewards = [Reward.from_model(r) for r in RewardModel.gsi1.query("REWARDS")]
    return [r for r in rewards if include_retired or not r.retired]


def get_reward(reward_id: str, consistent: bool = False) -> Reward:
    """RewardNotFound when there is none (retired ones are returned: the caller decides)."""
    if not isinstance(reward_id, str) or not 0 < len(reward_id) <= 128:
        raise RewardNotFound(reward_id)
    try:
        return Reward.from_model(RewardModel.get(*RewardModel.key(reward_id),
                                                 consistent_read=consistent))
    except DoesNotExist:
        raise RewardNotFound(reward_id) from None


def create_reward(reward_id: str, title: str, cost: int, *, description: str | None = None,
                  kind: str = "company", stock: int | None = None,
                  per_employee_limit: int | None = None) -> Reward:
    """A reward (the demo seed and, later, the admins' page)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    item = RewardModel.create(reward_id, title, cost, description=description, kind=kind,
                              stock=stock, per_employee_limit=per_employee_limit)
    item.save()
    return Reward.from_model(item)
