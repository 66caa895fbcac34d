"""Employee routes: the signed-in employee's news, links, board, shop, ledger and profile.

Every answer is JSON; every input is checked and a wrong one is a 4xx saying why
(`{"code", "message"}` for the shop, the profile and the ledger, which a page branches on).
"""
from __future__ import annotations

from datetime import datetime, timezone

from chalice import (
    BadRequestError,
    Blueprint,
    ForbiddenError,
    NotFoundError,
    Response,
    UnprocessableEntityError,
)

from korpo import brand, settings
from korpo.board import monthly
from korpo.content import challenges, posts
from korpo.feeds import channels
from korpo.feeds import store as feed_store
from korpo.months import InvalidMonth, month_of, parse, utc_now
from korpo.people import employees, privacy, profiles, teams
from korpo.scoring import ledger
from korpo.shop import redemptions, rewards, statement, wallet
from korpo.tracking import links, share_intents, visitors
from korpo_api.common import (
    base_url, identity, json_body, link_base_url, problem, user_pool_id,
)

bp = Blueprint(__name__)


def _me() -> employees.Identity:
    who = identity(bp.current_request)
    try:
        employees.ensure_profile(who)
    except employees.AccountDeleted:
        raise ForbiddenError("this account was deleted") from None
    return who


@bp.route("/me", methods=["GET"])
def me() -> Response:
    who = identity(bp.current_request)
    try:
        profile = employees.ensure_profile(who)
    except employees.AccountDeleted:
        raise ForbiddenError("this account was deleted") from None
    cfg = brand.current()
    body = {"employee_id": profile.employee_id, "display_name": profile.display_name,
            "email": profile.email, "balance": wallet.balance_of(profile.employee_id),
            "points_name": cfg.points_name, "brand": cfg.brand_name}
    headers = {}
    if cfg.visitor_secret:
        # The employee's own clicks on their links are "self" clicks (track_click checks
        # this signed cookie; it is sent back on /l/ of this host only).
        headers["Set-Cookie"] = visitors.self_cookie_header(
            cfg.visitor_secret, profile.employee_id,
            secure=not base_url(bp.current_request).startswith("http://"))
    return Response(body=body, headers=headers)


@bp.route("/posts", methods=["GET"])
def list_posts() -> dict:
    """The employee's news as the web app shows it: pinned posts first, no hidden or expired
    post, none of a deleted channel or of a channel meant for other teams."""
    who = identity(bp.current_request)
    profile = profiles.get_profile(who.employee_id)
    hidden = channels.hidden_feed_ids(feed_store.list_feeds(),
                                      profile.team_id if profile else None)
    found, _cursor = posts.news_page(posts.NEWS_PAGE_MAX, hidden_feeds=hidden)
    return {"posts": [{"post_id": p.post_id, "title": p.title, "url": p.url,
                       "summary_html": p.summary_html, "author": p.author,
                       "image_url": p.image_url, "published_at": p.published_at.isoformat()}
                      for p in found]}


def _share(post_id: str, record_intent: bool):
    who = _me()
    body = json_body(bp.current_request)
    network = body.get("network", "other")
    challenge_id = body.get("challenge_id")  # optional: a link shared for a challenge
    if challenge_id is not None and (not isinstance(challenge_id, str) or not challenge_id):
        raise BadRequestError("challenge_id must be a challenge's id")
    if not isinstance(network, str):
        raise BadRequestError(f"network must be one of {', '.join(links.NETWORKS)}")
    try:
        if record_intent:
            link = share_intents.record_share_intent(who.employee_id, post_id, network,
                                                     challenge_id=challenge_id)
        else:
            link = links.get_or_create(who.employee_id, post_id, network,
                                       challenge_id=challenge_id)
    except links.InvalidNetwork as error:
        raise BadRequestError(str(error)) from None
    except links.PostNotFound:
        raise NotFoundError("no such post") from None
    except links.ChallengeNotFound:
        raise NotFoundError("no such challenge") from None
    except links.UnsafeDestination as error:
        raise UnprocessableEntityError(str(error)) from None
    answer = {"code": link.code,
              "url": links.share_url(link_base_url(bp.current_request), link.code),
              "network": link.network, "post_id": link.post_id,
              "challenge_id": link.challenge_id}
    return Response(status_code=201, body=answer) if record_intent else answer


@bp.route("/posts/{post_id}/share", methods=["POST"])
def share(post_id: str):
    """The employee's link for the post and network (the same one every time)."""
    return _share(post_id, record_intent=False)


@bp.route("/posts/{post_id}/share-intents", methods=["POST"])
def share_intent(post_id: str):
    """The employee opened a share target: the link, and the day's share-intent event."""
    return _share(post_id, record_intent=True)


def _month(params: dict) -> str:
    try:
        return parse(params["month"]) if "month" in params else month_of(
            utc_now(), settings.current().zone)
    except InvalidMonth as error:
        raise BadRequestError(str(error)) from None


@bp.route("/board", methods=["GET"])
def get_board() -> dict:
    who = identity(bp.current_request)
    params = bp.current_request.query_params or {}
    month = _month(params)
    try:
        limit = min(max(int(params.get("limit", 20)), 1), 100)
    except ValueError as error:
        raise BadRequestError(str(error)) from None
    view = monthly.board_view(month, who.employee_id, limit)
    names = employees.display_names([s.employee_id for s in view.top], viewer=who.employee_id)
    mine = view.mine
    return {
        "month": month, "archived": view.archived,
        "points_name": brand.current().points_name,
        "frozen_at": view.frozen_at.isoformat() if view.frozen_at else None,
        "top": [{"rank": s.rank, "employee_id": s.employee_id, "score": s.score,
                 "display_name": names.get(s.employee_id, "Former employee")} for s in view.top],
        "me": {"rank": mine.rank, "score": mine.score} if mine else None,
    }


@bp.route("/board/teams", methods=["GET"])
def get_team_board() -> dict:
    identity(bp.current_request)
    month = _month(bp.current_request.query_params or {})
    return {"month": month, "teams": [
        {"rank": s.rank, "team_id": s.team_id, "name": s.name, "score": s.score}
        for s in teams.team_board(month)]}


@bp.route("/teams", methods=["GET"])
def list_teams() -> dict:
    identity(bp.current_request)
    return {"teams": [{"team_id": t.team_id, "name": t.name} for t in teams.list_teams()]}


@bp.route("/challenges", methods=["GET"])
def list_challenges() -> dict:
    """Every challenge; a running one with its goal's progress (one Query of its stats)."""
    identity(bp.current_request)
    now, current = utc_now(), settings.current()
    out = []
    for c in challenges.list_challenges():
        state = challenges.status_of(c, now)
        progress = challenges.progress(c, current.scores_table, current.zone, now) \
            if state == "running" else None
        out.append({"challenge_id": c.challenge_id, "title": c.title,
                    "description": c.description, "multiplier": float(c.multiplier),
                    "bonus": int(c.bonus or 0), "kind": c.kind or "campaign",
                    "status": state, "share_post_id": c.share_post_id,
                    "starts_at": c.starts_at.isoformat(), "ends_at": c.ends_at.isoformat(),
                    "goal": {"counts": c.goal, "conversion_type": c.goal_type,
                             "target": int(c.goal_target)} if c.goal else None,
                    "progress": progress.reached if progress else None})
    return {"challenges": out}


# ------------------------------------------------------------------ shop


@bp.route("/rewards", methods=["GET"])
def list_rewards() -> dict:
    identity(bp.current_request)
    return {"rewards": [r.as_dict() for r in rewards.list_rewards()]}


_SHOP_ERRORS = (
    (rewards.RewardNotFound, 404, "reward_not_found", "no such reward"),
    (rewards.RewardRetired, 409, "reward_retired", "this reward is no longer offered"),
    (redemptions.OutOfStock, 409, "out_of_stock", "this reward is out of stock"),
    (redemptions.InsufficientBalance, 409, "insufficient_balance",
     "your balance is too low for this reward"),
    (redemptions.LimitReached, 409, "limit_reached",
     "you have redeemed this reward as many times as allowed"),
    (redemptions.PriceChanged, 409, "price_changed",
     "the price changed meanwhile; nothing was debited"),
    (redemptions.TransactionConflict, 409, "conflict",
     "another redemption happened at the same moment; nothing was debited: try again"),
    (redemptions.InvalidRequest, 400, "invalid_request_id",
     "request_id must be 8 to 128 characters"),
)


@bp.route("/rewards/{reward_id}/redeem", methods=["POST"])
def redeem(reward_id: str):
    """Redeem a reward: 201 with the redemption; 409 with a code saying which check failed.
    An optional `request_id` (the form's token) makes a resent form redeem once."""
    who = _me()
    request_id = json_body(bp.current_request).get("request_id")
    try:
        done = redemptions.redeem(who.employee_id, reward_id, request_id=request_id,
                                  user_pool_id=user_pool_id(),
                                  base_url=base_url(bp.current_request))
    except tuple(e for e, *_ in _SHOP_ERRORS) as error:
        for kind, status, code, message in _SHOP_ERRORS:
            if isinstance(error, kind):
                return problem(status, code, message)
        raise
    return Response(status_code=201, body={**done.as_dict(),
                                           "balance": wallet.balance_of(who.employee_id)})


@bp.route("/me/redemptions", methods=["GET"])
def my_redemptions() -> dict:
    who = identity(bp.current_request)
    return {"redemptions": [r.as_dict() for r in redemptions.redemptions_of(who.employee_id)]}


@bp.route("/me/ledger", methods=["GET"])
def my_ledger():
    """Every movement of the balance newest first (awards, redemptions, refunds, admins'
    corrections: korpo.shop.statement): `limit` (1-200, default 50), `before` (an ISO
    instant: the last line's `at`, to page back)."""
    who = identity(bp.current_request)
    params = bp.current_request.query_params or {}
    try:
        limit = int(params.get("limit", 50))
        if not 1 <= limit <= ledger.MAX_LIMIT:
            raise ValueError
    except ValueError:
        return problem(400, "invalid_limit", f"limit must be 1 to {ledger.MAX_LIMIT}")
    before = None
    if "before" in params:
        try:
            # A "+" of an offset may arrive as a space when the caller did not encode it.
            before = datetime.fromisoformat(params["before"].replace(" ", "+"))
            if before.tzinfo is None:
                raise ValueError
        except ValueError:
            return problem(400, "invalid_before",
                           "before must be an ISO 8601 instant with its offset")
    balance, lines = statement.statement(who.employee_id, limit, before)
    return {"balance": balance, "points_name": brand.current().points_name,
            "lines": [line.as_dict() for line in lines],
            "next_before": (lines[-1].at.astimezone(timezone.utc).isoformat().replace(
                "+00:00", "Z") if len(lines) == limit else None)}


# ------------------------------------------------------------------ profile and privacy


@bp.route("/me/profile", methods=["GET"])
def get_profile() -> dict:
    who = identity(bp.current_request)
    try:
        return profiles.ensure_profile(who).as_dict()
    except employees.AccountDeleted:
        raise ForbiddenError("this account was deleted") from None


@bp.route("/me/profile", methods=["PATCH"])
def patch_profile():
    """Change some of display_name, team_id, named_on_board, language, weekly_digest; a
    wrong one is a 400 naming the field and a message key."""
    who = _me()
    body = json_body(bp.current_request)
    try:
        return profiles.update_profile(who.employee_id, **body).as_dict()
    except profiles.InvalidProfile as error:
        return problem(400, error.message_key, str(error), field=error.field)
    except profiles.ProfileNotFound:
        return problem(404, "profile_not_found", "no profile")


@bp.route("/me/export", methods=["GET"])
def export() -> Response:
    who = identity(bp.current_request)
    return Response(body=privacy.export_data(who.employee_id), headers={
        "Content-Type": "application/json",
        "Content-Disposition": 'attachment; filename="korpo-my-data.json"'})


@bp.route("/me", methods=["DELETE"])
def delete_me() -> Response:
    """Delete my account: the Cognito user and the profile; the books keep the ledger under
    the opaque id; my links still redirect and earn nothing."""
    who = identity(bp.current_request)
    privacy.delete_account(who.employee_id, username=who.username or who.email,
                           user_pool_id=user_pool_id())
    return Response(status_code=204, body="")
