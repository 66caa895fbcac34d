"""The shop: rewards, redeeming one (balance, stock and limit in one transaction), my
redemptions."""
from __future__ import annotations

import secrets

from chalice import Blueprint, Response

from korpo.shop import offers, redemptions, rewards
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Redirect, Visit, page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

# Why a redemption was refused, in words, by the domain's error.
REFUSALS = {
    redemptions.OutOfStock: N_("This reward is out of stock."),
    redemptions.InsufficientBalance: N_("You do not have enough %(points)s for this reward "
                                        "yet."),
    redemptions.LimitReached: N_("You have already redeemed this reward as many times as "
                                 "allowed."),
    redemptions.PriceChanged: N_("The price of this reward has just changed. Check it and "
                                 "try again."),
    redemptions.TransactionConflict: N_("Many people are redeeming right now. Please try "
                                        "again."),
    rewards.RewardRetired: N_("This reward is no longer offered."),
}


def _found(reward_id: str) -> rewards.Reward:
    try:
        reward = rewards.get_reward(reward_id) if len(reward_id) <= 100 else None
    except rewards.RewardNotFound:
        reward = None
    if reward is None or reward.retired:
        raise PageError(404, N_("This reward does not exist or is no longer offered."))
    return reward


@pages.route("/shop")
def shop(visit: Visit) -> Response:
    """Each reward with what the employee can do about it: redeem it, or why not (the limit
    reached, out of stock, how many points are missing)."""
    who = visit.employee()
    balance, offered = offers.shop_for(who.employee_id)
    return page(visit, "shop.html", active="shop", offers=offered, balance=balance)


@pages.route("/shop/{reward_id}", methods=("GET", "POST"))
def redeem(visit: Visit, reward_id: str) -> Response:
    """A check page (what it costs, what is left after), then one tap to redeem. The form
    carries a token of its own: sent twice, it redeems once."""
    who = visit.employee()
    reward = _found(reward_id)
    error = None
    if visit.request.method == "POST":
        try:
            done = redemptions.redeem(who.employee_id, reward.reward_id,
                                      request_id=visit.field("request_id") or None,
                                      base_url=visit.base_url)
        except tuple(REFUSALS) as refused:
            error = REFUSALS[type(refused)]
        except redemptions.InvalidRequest:
            error = N_("This form has expired. Please try again.")
        else:
            raise Redirect(f"/shop/redemptions?done={done.redemption_id}")
    balance, offered = offers.offer_for(who.employee_id, reward)
    return page(visit, "redeem.html", status=409 if error else 200, active="shop",
                reward=reward, offer=offered, balance=balance,
                request_id=secrets.token_urlsafe(18),
                refusal=visit.gettext(error, points=visit.settings.points_name) if error
                else None)


@pages.route("/shop/redemptions")
def my_redemptions(visit: Visit) -> Response:
    who = visit.employee()
    done = (visit.request.query_params or {}).get("done")
    mine = redemptions.redemptions_of(who.employee_id)
    return page(visit, "redemptions.html", active="shop", redemptions=mine,
                done=next((r for r in mine if r.redemption_id == done), None))
