"""The shop's back office: rewards (add, edit, restock, retire) and the redemptions queue
(fulfil with a message or a gift code e-mailed to the employee, or cancel and refund once)."""
from __future__ import annotations

from chalice import Blueprint, Response

from korpo.people import employees
from korpo.shop import redemptions, rewards
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Redirect, Visit
from webapp.routes.admin.common import admin_page, request_id

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

REWARD_FIELDS = ("title", "description", "kind", "cost", "stock", "per_employee_limit")
# What is wrong with a field, by the domain's word for it.
PROBLEMS = {
    ("title", "required"): N_("Enter the reward's title."),
    ("title", "too_long"): N_("The title must be 120 characters or fewer."),
    ("description", "too_long"): N_("The description must be 1,000 characters or fewer."),
    ("kind", "unknown"): N_("Choose the kind of reward."),
    ("cost", "required"): N_("Enter the price in %(points)s."),
    ("cost", "not_a_whole_number"): N_("The price must be a whole number, such as 500."),
    ("cost", "out_of_range"): N_("The price must be between 1 and 10,000,000."),
    ("stock", "not_a_whole_number"): N_("The stock must be a whole number, or empty for "
                                        "unlimited."),
    ("stock", "out_of_range"): N_("The stock must be between 0 and 1,000,000."),
    ("per_employee_limit", "not_a_whole_number"): N_("The limit must be a whole number, or "
                                                     "empty for none."),
    ("per_employee_limit", "out_of_range"): N_("The limit must be between 1 and 1,000."),
    ("more", "required"): N_("Enter how many to add."),
    ("more", "not_a_whole_number"): N_("Enter a whole number, such as 10."),
    ("more", "out_of_range"): N_("Add between 1 and 1,000,000."),
    ("more", "over_limit"): N_("The stock cannot go over 1,000,000: add fewer."),
    ("more", "unlimited"): N_("This reward has no stock limit: there is nothing to add."),
}
DONE = {
    "added": N_("The reward is in the shop."),
    "saved": N_("The reward is saved."),
    "restocked": N_("The stock is updated."),
    "retired": N_("The reward is retired: employees no longer see it."),
    "offered": N_("The reward is back in the shop."),
    "fulfilled": N_("The redemption is fulfilled; the employee has been e-mailed."),
    "cancelled": N_("The redemption is cancelled and the points refunded; the employee has "
                    "been e-mailed."),
}


def _reward(reward_id: str) -> rewards.Reward:
    try:
        return rewards.get_reward(reward_id, consistent=True)
    except rewards.RewardNotFound:
        raise PageError(404, N_("This reward does not exist.")) from None


def _problem(visit: Visit, error: rewards.InvalidReward) -> dict[str, str]:
    """Every wrong field of the form, in its words."""
    return {wrong.field: visit.gettext(PROBLEMS.get((wrong.field, wrong.problem),
                                                    N_("Check this field.")),
                                       points=visit.settings.points_name)
            for wrong in error.errors}


@pages.route("/manage/rewards")
def list_rewards(visit: Visit) -> Response:
    visit.admin()
    return admin_page(visit, "admin/rewards.html", "rewards", done=DONE,
                      rewards=rewards.list_rewards(include_retired=True))


@pages.route("/manage/rewards/new", methods=("GET", "POST"))
def new_reward(visit: Visit) -> Response:
    visit.admin()
    token = request_id(visit)
    values = {name: visit.field(name) for name in REWARD_FIELDS}
    errors: dict[str, str] = {}
    if visit.request.method == "POST":
        try:
            rewards.add_reward(values, request_id=token or None)
        except rewards.InvalidReward as error:
            errors = _problem(visit, error)
        else:
            raise Redirect("/manage/rewards?done=added")
    return admin_page(visit, "admin/reward_form.html", "rewards", status=400 if errors else 200,
                      reward=None, values=values, errors=errors, kinds=rewards.KINDS,
                      request_id=token)


@pages.route("/manage/rewards/{reward_id}", methods=("GET", "POST"))
def edit_reward(visit: Visit, reward_id: str) -> Response:
    visit.admin()
    reward = _reward(reward_id)
    values = {"title": reward.title, "description": reward.description or "",
              "kind": reward.kind, "cost": str(reward.cost),
              "per_employee_limit": "" if reward.per_employee_limit is None
              else str(reward.per_employee_limit), "more": ""}
    errors: dict[str, str] = {}
    if visit.request.method == "POST":
        values.update({name: visit.field(name) for name in REWARD_FIELDS if name != "stock"})
        try:
            rewards.edit_reward(reward.reward_id, values)
        except rewards.InvalidReward as error:
            errors = _problem(visit, error)
        except rewards.RewardNotFound:
            raise PageError(404, N_("This reward does not exist.")) from None
        else:
            raise Redirect("/manage/rewards?done=saved")
    return admin_page(visit, "admin/reward_form.html", "rewards", status=400 if errors else 200,
                      reward=reward, values=values, errors=errors, kinds=rewards.KINDS)


@pages.route("/manage/rewards/{reward_id}/restock", methods=("POST",))
def restock(visit: Visit, reward_id: str) -> Response:
    visit.admin()
    reward = _reward(reward_id)
    try:
        rewards.restock(reward.reward_id, visit.field("more"))
    except rewards.InvalidReward as error:
        values = {"title": reward.title, "description": reward.description or "",
                  "kind": reward.kind, "cost": str(reward.cost), "more": visit.field("more"),
                  "per_employee_limit": "" if reward.per_employee_limit is None
                  else str(reward.per_employee_limit)}
        return admin_page(visit, "admin/reward_form.html", "rewards", status=400,
                          reward=reward, values=values, errors=_problem(visit, error),
                          kinds=rewards.KINDS)
    raise Redirect("/manage/rewards?done=restocked")


@pages.route("/manage/rewards/{reward_id}/retire", methods=("POST",))
def retire(visit: Visit, reward_id: str) -> Response:
    visit.admin()
    offer = visit.field("offer") == "yes"
    rewards.set_retired(_reward(reward_id).reward_id, not offer)
    raise Redirect("/manage/rewards?done=" + ("offered" if offer else "retired"))


# ------------------------------------------------------------------ the redemptions queue


@pages.route("/manage/redemptions")
def queue(visit: Visit) -> Response:
    visit.admin()
    status = (visit.request.query_params or {}).get("status", "requested")
    if status not in redemptions.STATUSES:
        status = "requested"
    found = redemptions.redemptions_by_status(status)
    return admin_page(visit, "admin/redemptions.html", "redemptions", done=DONE,
                      status_shown=status, redemptions=found, statuses=redemptions.STATUSES,
                      people=employees.profiles_of(r.employee_id for r in found))


def _redemption(redemption_id: str) -> redemptions.Redemption:
    try:
        return redemptions.get_redemption(redemption_id)
    except redemptions.RedemptionNotFound:
        raise PageError(404, N_("This redemption does not exist.")) from None


@pages.route("/manage/redemptions/{redemption_id}")
def redemption(visit: Visit, redemption_id: str) -> Response:
    visit.admin()
    found = _redemption(redemption_id)
    return admin_page(visit, "admin/redemption.html", "redemptions", redemption=found,
                      person=employees.profiles_of([found.employee_id]).get(found.employee_id),
                      values={"message": ""}, errors={})


@pages.route("/manage/redemptions/{redemption_id}/fulfil", methods=("POST",))
def fulfil(visit: Visit, redemption_id: str) -> Response:
    return _decide(visit, redemption_id, "fulfil")


@pages.route("/manage/redemptions/{redemption_id}/cancel", methods=("POST",))
def cancel(visit: Visit, redemption_id: str) -> Response:
    return _decide(visit, redemption_id, "cancel")


def _decide(visit: Visit, redemption_id: str, action: str) -> Response:
    """Fulfil or cancel, with a message for the employee (a gift card code, a date…)."""
    who = visit.admin()
    found = _redemption(redemption_id)
    message = visit.field("message")
    problem = None
    try:
        if action == "fulfil":
            redemptions.fulfil(found.redemption_id, message=message)
        else:
            redemptions.cancel(found.redemption_id, by=who.employee_id, message=message)
    except redemptions.InvalidRequest:
        problem = N_("The message must be 1,000 characters or fewer.")
    except redemptions.InvalidTransition:
        problem = (N_("This redemption was cancelled: it cannot be fulfilled.")
                   if action == "fulfil" else
                   N_("This redemption was fulfilled: it cannot be cancelled."))
    except redemptions.TransactionConflict:
        problem = N_("Someone changed this redemption at the same moment. Please try again.")
    if problem:
        return admin_page(visit, "admin/redemption.html", "redemptions", status=409,
                          redemption=_redemption(redemption_id),
                          person=employees.profiles_of([found.employee_id]).get(
                              found.employee_id),
                          values={"message": message},
                          errors={"message": visit.gettext(problem)})
    raise Redirect("/manage/redemptions?done=" + ("fulfilled" if action == "fulfil"
                                                  else "cancelled"))
