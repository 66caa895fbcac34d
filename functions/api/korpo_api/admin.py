"""Admin routes (the `admins` group): channels, posts, stats, scoring rules, redemptions."""
from __future__ import annotations

from datetime import datetime

from chalice import BadRequestError, Blueprint, NotFoundError, Response

from korpo import settings
from korpo.board import stats
from korpo.content import posts
from korpo.feeds import channels
from korpo.feeds import store as feed_store
from korpo.scoring import store as rules_store
from korpo.scoring.rules import InvalidRules
from korpo.shop import redemptions
from korpo_api.common import admin, json_body, problem

bp = Blueprint(__name__)


def _feed_view(feed) -> dict:  # noqa: ANN001 - a FeedModel
    return {"feed_id": feed.feed_id, "url": feed.url, "title": feed.title,
            "interval_minutes": int(feed.interval_minutes),
            "next_poll_at": feed.next_poll_at.isoformat(),
            "last_success_at": feed.last_success_at.isoformat() if feed.last_success_at else None,
            "last_error": feed.last_error,
            "consecutive_failures": int(feed.consecutive_failures),
            # Health at a glance: never polled yet, answering, or failing (backing off).
            "health": ("new" if feed.last_polled_at is None and not feed.last_success_at
                       else "failing" if feed.consecutive_failures else "ok"),
            "last_polled_at": feed.last_polled_at.isoformat() if feed.last_polled_at else None,
            "last_status": None if feed.last_status is None else int(feed.last_status),
            "site_url": feed.site_url}


@bp.route("/admin/feeds", methods=["GET"])
def list_feeds() -> dict:
    admin(bp.current_request)
    return {"feeds": [_feed_view(f) for f in feed_store.list_feeds()]}


@bp.route("/admin/feeds", methods=["POST"])
def add_feed():
    """A feed, site or profile URL: its feed is discovered and read before it is saved."""
    admin(bp.current_request)
    body = json_body(bp.current_request)
    try:
        feed, found = channels.add_channel(body.get("url"), body.get("title"),
                                           body.get("interval_minutes", 15))
    except channels.ChannelRefused as error:
        raise BadRequestError(str(error)) from None
    return Response(status_code=201, body={**_feed_view(feed), "entries_found": found.entries})


def _post_view(post) -> dict:  # noqa: ANN001 - a PostModel
    return {"post_id": post.post_id, "feed_id": post.feed_id, "title": post.title,
            "url": post.url, "published_at": post.published_at.isoformat(),
            "hidden": bool(post.hidden),
            "hidden_at": post.hidden_at.isoformat() if post.hidden_at else None}


@bp.route("/admin/posts", methods=["GET"])
def admin_list_posts() -> dict:
    """Newest posts, hidden ones included (so they can be shown again)."""
    admin(bp.current_request)
    return {"posts": [_post_view(p) for p in posts.list_posts(limit=100, include_hidden=True)]}


@bp.route("/admin/posts/{post_id}/hide", methods=["POST"])
def hide_post(post_id: str) -> dict:
    """Crisis switch: the post leaves the feed and its share links stop earning."""
    return _switch_hidden(posts.hide_post, post_id)


@bp.route("/admin/posts/{post_id}/unhide", methods=["POST"])
def unhide_post(post_id: str) -> dict:
    return _switch_hidden(posts.unhide_post, post_id)


def _switch_hidden(switch, post_id: str) -> dict:  # noqa: ANN001 - posts.hide_post or unhide_post
    admin(bp.current_request)
    try:
        post, marked = switch(post_id)  # the post as written (hidden, hidden_at)
    except posts.PostNotFound:
        raise NotFoundError("no such post") from None
    return {**_post_view(post), "links_marked": marked}


@bp.route("/admin/stats", methods=["GET"])
def admin_stats() -> dict:
    """Counters of one employee, post, challenge, referrer network or team (`dimension`,
    `key`) per day and in total, from `from` to `to` (brand zone; default: the last 30 days)."""
    admin(bp.current_request)
    cfg = settings.current()
    query = bp.current_request.query_params or {}
    try:
        first, last = stats.days_asked(query.get("from"), query.get("to"),
                                       today=datetime.now(cfg.zone).date())
        return stats.summary(cfg.scores_table, query.get("dimension"), query.get("key"),
                             first, last)
    except stats.StatsQueryError as error:
        raise BadRequestError(str(error)) from None


def _rules_view() -> dict:
    defaults = rules_store.default_rules(settings.current())
    overrides = rules_store.stored_overrides()
    return {"defaults": defaults.as_dict(), "overrides": overrides,
            "effective": defaults.with_overrides(overrides).as_dict(),
            "live_within_seconds": int(rules_store.TTL_SECONDS)}


@bp.route("/admin/rules", methods=["GET"])
def get_rules() -> dict:
    """The scoring rules: the template's defaults, the admin's overrides, what applies."""
    admin(bp.current_request)
    return _rules_view()


@bp.route("/admin/rules", methods=["PUT"])
def put_rules() -> dict:
    """Replace the admin's overrides (fields left out fall back to the template's)."""
    who = admin(bp.current_request)
    try:
        rules_store.save_rules(json_body(bp.current_request), updated_by=who.employee_id)
    except InvalidRules as error:
        raise BadRequestError(str(error)) from None
    return _rules_view()


# ------------------------------------------------------------------ redemptions


@bp.route("/admin/redemptions", methods=["GET"])
def admin_redemptions():
    """The queue: redemptions of a status (default requested), newest first."""
    admin(bp.current_request)
    query = bp.current_request.query_params or {}
    try:
        found = redemptions.redemptions_by_status(query.get("status", "requested"))
    except redemptions.InvalidRequest as error:
        return problem(400, "invalid_status", str(error))
    return {"redemptions": [{**r.as_dict(), "employee_id": r.employee_id} for r in found]}


def _redemption_action(redemption_id: str, action: str):
    who = admin(bp.current_request)
    body = json_body(bp.current_request)
    message = body.get("message")
    try:
        if action == "fulfil":
            done = redemptions.fulfil(redemption_id, message=message)
        else:
            done = redemptions.cancel(redemption_id, by=who.employee_id, message=message)
    except redemptions.RedemptionNotFound:
        return problem(404, "redemption_not_found", "no such redemption")
    except redemptions.InvalidTransition as error:
        return problem(409, "invalid_transition", str(error))
    except redemptions.InvalidRequest as error:
        return problem(400, "invalid_message", str(error))
    except redemptions.TransactionConflict:
        return problem(409, "conflict", "another change to this redemption: try again")
    return {**done.as_dict(), "employee_id": done.employee_id}


@bp.route("/admin/redemptions/{redemption_id}/fulfil", methods=["POST"])
def fulfil_redemption(redemption_id: str):
    return _redemption_action(redemption_id, "fulfil")


@bp.route("/admin/redemptions/{redemption_id}/cancel", methods=["POST"])
def cancel_redemption(redemption_id: str):
    return _redemption_action(redemption_id, "cancel")
