"""Rewards the shop offers: gift cards, company rewards, charity donations; what admins change.

A reward's stock only moves by ADD (a redemption takes one, a cancel or a restock puts some
back), never by a plain write: an admin's edit never races the redeem transaction's count.
Its cost may change: a redemption checks the cost it showed (shop.redemptions.PriceChanged).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from korpo import texts
from korpo.fields import FieldError, check_all
from korpo.ids import stable_id
from korpo.models import RewardModel

KINDS = ("gift_card", "company", "charity")
MAX_TITLE = 120
MAX_DESCRIPTION = 1000
MAX_COST = 10_000_000
MAX_STOCK = 1_000_000
MAX_LIMIT = 1000


class InvalidReward(FieldError):
    """A field an admin must correct: `field` names it, `problem` says what is wrong
    (`errors`: every wrong field of the form)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem  # "required", "too_long", "not_a_whole_number", "out_of_range"…


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
    """A reward, as given (the demo seed; admins go through `add_reward`, which checks)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    item = RewardModel.create(reward_id, title, cost, description=description, kind=kind,
                              stock=stock, per_employee_limit=per_employee_limit)
    item.save()
    return Reward.from_model(item)


# ------------------------------------------------------------------ what admins change


def _text(fields: dict[str, Any], name: str, limit: int, required: bool,
          lines: bool = False) -> str | None:
    try:
        return texts.clean(fields.get(name), limit, lines=lines, required=required)
    except texts.TextRefused as refused:
        raise InvalidReward(name, refused.reason) from None


def _whole(fields: dict[str, Any], name: str, low: int, high: int,
           required: bool) -> int | None:
    value = fields.get(name)
    if isinstance(value, str):
        value = value.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if value in (None, ""):
        if required:
            raise InvalidReward(name, "required")
        return None
    if isinstance(value, bool):
        raise InvalidReward(name, "not_a_whole_number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidReward(name, "not_a_whole_number") from None
    if not low <= number <= high:
        raise InvalidReward(name, "out_of_range")
    return number


def _kind(fields: dict[str, Any]) -> str:
    kind = fields.get("kind") or "company"
    if kind not in KINDS:
        raise InvalidReward("kind", "unknown")
    return kind


def clean_fields(fields: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """The fields of a reward checked, in the form's order (InvalidReward names every wrong
    one). `stock` only on a new reward (empty: unlimited); later it moves by `restock`."""
    names = ["title", "description", "kind", "cost", "per_employee_limit"] + (
        ["stock"] if new else [])
    values = check_all(
        lambda: _text(fields, "title", MAX_TITLE, True),
        lambda: _text(fields, "description", MAX_DESCRIPTION, False, lines=True),
        lambda: _kind(fields),
        lambda: _whole(fields, "cost", 1, MAX_COST, True),
        lambda: _whole(fields, "per_employee_limit", 1, MAX_LIMIT, False),
        *([lambda: _whole(fields, "stock", 0, MAX_STOCK, False)] if new else []),
        error=InvalidReward)
    return dict(zip(names, values))


def add_reward(fields: dict[str, Any], request_id: str | None = None) -> Reward:
    """A new reward from an admin's form (InvalidReward names every wrong field). With a
    `request_id` (the form's token) its id derives from it: the same form sent again (Back,
    then send) returns the reward it made the first time, and makes no other."""
    clean = clean_fields(fields, new=True)
    reward_id = (stable_id("reward", request_id)[:12] if request_id
                 else secrets.token_hex(6))
    item = RewardModel.create(reward_id, clean.pop("title"), clean.pop("cost"), **clean)
    try:
        item.save(condition=RewardModel.pk.does_not_exist())
    except PutError as error:
        if request_id is None or error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return get_reward(reward_id, consistent=True)
    return Reward.from_model(item)


def edit_reward(reward_id: str, fields: dict[str, Any]) -> Reward:
    """Title, description, kind, cost and per-person limit; the stock is left alone."""
    clean = clean_fields(fields, new=False)
    get_reward(reward_id)  # RewardNotFound first
    attributes = {"title": RewardModel.title, "description": RewardModel.description,
                  "kind": RewardModel.kind, "cost": RewardModel.cost,
                  "per_employee_limit": RewardModel.per_employee_limit}
    actions = [attributes[n].remove() if v is None else attributes[n].set(v)
               for n, v in clean.items()]
    actions.append(RewardModel.gsi1sk.set(f"{clean['cost']:010d}#{reward_id}"))  # by price
    return _update(reward_id, actions)


def restock(reward_id: str, more: object) -> Reward:
    """Adds to a limited stock (ADD: a redemption at the same instant is never lost), never
    past MAX_STOCK, the most the reward's form takes ("over_limit": nothing added)."""
    count = _whole({"more": more}, "more", 1, MAX_STOCK, True)
    current = get_reward(reward_id).stock
    if current is None:
        raise InvalidReward("more", "unlimited")
    if current + count > MAX_STOCK:
        raise InvalidReward("more", "over_limit")
    # Conditioned on the stock at write time, not on the one just read: a cancel's refund
    # landing in between cannot push it over either.
    room = RewardModel.stock.exists() & (RewardModel.stock <= MAX_STOCK - count)
    try:
        return _update(reward_id, [RewardModel.stock.add(count)], room)
    except RewardNotFound:
        get_reward(reward_id)  # RewardNotFound again if it is really gone
        raise InvalidReward("more", "over_limit") from None


def set_retired(reward_id: str, retired: bool) -> Reward:
    """Retired: no longer offered (its redemptions stay, requested ones can still be
    fulfilled or cancelled); offered again with False."""
    get_reward(reward_id)
    return _update(reward_id, [RewardModel.retired.set(retired)])


def _update(reward_id: str, actions: list, condition: Any = None) -> Reward:
    item = RewardModel(*RewardModel.key(reward_id))
    exists = RewardModel.pk.exists()
    try:
        item.update(actions=actions, condition=exists if condition is None else exists & condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise RewardNotFound(reward_id) from None
        raise
    return Reward.from_model(item)
