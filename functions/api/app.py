"""api: the HTTP API for employees and admins (routes only; the work is in korpo/).

Authentication is the gateway's: the HttpApi JWT authorizer verifies the Cognito token and
passes its claims in the request context. The same function answers Cognito's PreSignUp
trigger, which refuses emails outside the allowed domains.
"""
from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger
from chalice import (
    BadRequestError, Chalice, ForbiddenError, NotFoundError, Response, UnprocessableEntityError,
)

from korpo import board, employees, links, monthly, posts, settings, stats, visitors, wallet
from korpo.feeds import channels
from korpo.feeds import store as feed_store
from korpo.scoring import store as rules_store
from korpo.scoring.rules import InvalidRules
from korpo.models import ChallengeModel, RewardModel, bind_tables
from korpo.months import InvalidMonth, month_of, parse, utc_now

logger = Logger(service="api")
_settings = settings.current()
bind_tables(_settings)

app = Chalice(app_name="korpo-api")


def _identity() -> employees.Identity:
    claims = (app.current_request.context.get("authorizer") or {}).get("claims") or {}
    if not claims.get("sub") or not claims.get("email"):
        raise ForbiddenError("a signed-in employee token (id token) is required")
    groups = claims.get("cognito:groups") or ""
    # HTTP API authorizers pass list claims as a string such as "[admins]".
    names = groups if isinstance(groups, list) else groups.strip("[]").replace(",", " ").split()
    return employees.Identity(employee_id=claims["sub"], email=claims["email"],
                              name=claims.get("name"), is_admin="admins" in names)


def _admin() -> employees.Identity:
    identity = _identity()
    if not identity.is_admin:
        raise ForbiddenError("admins only")
    return identity


def _json_body() -> dict:
    body = app.current_request.json_body if app.current_request.raw_body else {}
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    return body


def _base_url() -> str:
    if _settings.public_base_url:
        return _settings.public_base_url
    domain = app.current_request.context.get("domainName") or app.current_request.headers.get(
        "host", "")
    scheme = "http" if domain.startswith(("127.0.0.1", "localhost")) else "https"
    return f"{scheme}://{domain}"


@app.route("/me", methods=["GET"])
def me() -> Response:
    profile = employees.ensure_profile(_identity())
    body = {"employee_id": profile.employee_id, "display_name": profile.display_name,
            "email": profile.email, "balance": wallet.balance_of(profile.employee_id),
            "points_name": _settings.points_name, "brand": _settings.brand_name}
    headers = {}
    if _settings.visitor_secret:
        # The employee's own clicks on their links are "self" clicks (track_click checks
        # this signed cookie; it is sent back on /l/ of this host only).
        headers["Set-Cookie"] = visitors.self_cookie_header(
            _settings.visitor_secret, profile.employee_id,
            secure=not _base_url().startswith("http://"))
    return Response(body=body, headers=headers)


@app.route("/posts", methods=["GET"])
def list_posts() -> dict:
    _identity()
    return {"posts": [{"post_id": p.post_id, "title": p.title, "url": p.url,
                       "summary_html": p.summary_html, "author": p.author,
                       "image_url": p.image_url, "published_at": p.published_at.isoformat()}
                      for p in posts.list_posts(limit=50)]}


@app.route("/posts/{post_id}/share", methods=["POST"])
def share(post_id: str):
    identity = _identity()
    employees.ensure_profile(identity)
    body = _json_body()
    network = body.get("network", "other")
    challenge_id = body.get("challenge_id")  # optional: a link shared for a challenge
    if challenge_id is not None and (not isinstance(challenge_id, str) or not challenge_id):
        raise BadRequestError("challenge_id must be a challenge's id")
    try:
        link = links.get_or_create(identity.employee_id, post_id, network,
                                   challenge_id=challenge_id)
    except links.InvalidNetwork as error:
        raise BadRequestError(str(error)) from None
    except links.PostNotFound:
        raise NotFoundError("no such post") from None
    except links.ChallengeNotFound:
        raise NotFoundError("no such challenge") from None
    except links.UnsafeDestination as error:
        raise UnprocessableEntityError(str(error)) from None
    return {"code": link.code, "url": links.share_url(_base_url(), link.code),
            "network": link.network, "post_id": link.post_id,
            "challenge_id": link.challenge_id}


@app.route("/board", methods=["GET"])
def get_board() -> dict:
    identity = _identity()
    params = app.current_request.query_params or {}
    try:
        month = parse(params["month"]) if "month" in params else month_of(utc_now(),
                                                                          _settings.zone)
        limit = min(max(int(params.get("limit", 20)), 1), 100)
    except (InvalidMonth, ValueError) as error:
        raise BadRequestError(str(error)) from None
    state = monthly.month_state(month)
    archived = state is not None and state.status == "frozen"
    if archived:
        top, mine = monthly.archived(month, limit), monthly.archived_standing(
            month, identity.employee_id)
    else:
        top, mine = board.top(month, limit), board.standing_of(month, identity.employee_id)
    names = employees.display_names([s.employee_id for s in top])
    return {
        "month": month, "archived": archived, "points_name": _settings.points_name,
        "frozen_at": state.frozen_at.isoformat() if archived and state.frozen_at else None,
        "top": [{"rank": s.rank, "employee_id": s.employee_id, "score": s.score,
                 "display_name": names.get(s.employee_id, "Former employee")} for s in top],
        "me": {"rank": mine.rank, "score": mine.score} if mine else None,
    }


@app.route("/rewards", methods=["GET"])
def list_rewards() -> dict:
    _identity()
    return {"rewards": [{"reward_id": r.reward_id, "title": r.title, "cost": int(r.cost),
                         "description": r.description,
                         "stock": None if r.stock is None else int(r.stock)}
                        for r in RewardModel.gsi1.query("REWARDS")]}


@app.route("/challenges", methods=["GET"])
def list_challenges() -> dict:
    _identity()
    return {"challenges": [{"challenge_id": c.challenge_id, "title": c.title,
                            "description": c.description, "multiplier": float(c.multiplier),
                            "starts_at": c.starts_at.isoformat(),
                            "ends_at": c.ends_at.isoformat()}
                           for c in ChallengeModel.gsi1.query("CHALLENGES")]}


def _feed_view(feed) -> dict:
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


@app.route("/admin/feeds", methods=["GET"])
def list_feeds() -> dict:
    _admin()
    return {"feeds": [_feed_view(f) for f in feed_store.list_feeds()]}


@app.route("/admin/feeds", methods=["POST"])
def add_feed():
    """A feed, site or profile URL: its feed is discovered and read before it is saved."""
    _admin()
    body = _json_body()
    try:
        feed, found = channels.add_channel(body.get("url"), body.get("title"),
                                           body.get("interval_minutes", 15))
    except channels.ChannelRefused as error:
        raise BadRequestError(str(error)) from None
    return Response(status_code=201, body={**_feed_view(feed), "entries_found": found.entries})


def _post_view(post) -> dict:
    return {"post_id": post.post_id, "feed_id": post.feed_id, "title": post.title,
            "url": post.url, "published_at": post.published_at.isoformat(),
            "hidden": bool(post.hidden),
            "hidden_at": post.hidden_at.isoformat() if post.hidden_at else None}


@app.route("/admin/posts", methods=["GET"])
def admin_list_posts() -> dict:
    """Newest posts, hidden ones included (so they can be shown again)."""
    _admin()
    return {"posts": [_post_view(p) for p in posts.list_posts(limit=100, include_hidden=True)]}


@app.route("/admin/posts/{post_id}/hide", methods=["POST"])
def hide_post(post_id: str) -> dict:
    """Crisis switch: the post leaves the feed and its share links stop earning."""
    return _switch_hidden(posts.hide_post, post_id)


@app.route("/admin/posts/{post_id}/unhide", methods=["POST"])
def unhide_post(post_id: str) -> dict:
    return _switch_hidden(posts.unhide_post, post_id)


def _switch_hidden(switch, post_id: str) -> dict:  # noqa: ANN001 - posts.hide_post or unhide_post
    _admin()
    try:
        post, marked = switch(post_id)  # the post as written (hidden, hidden_at)
    except posts.PostNotFound:
        raise NotFoundError("no such post") from None
    return {**_post_view(post), "links_marked": marked}


@app.route("/admin/stats", methods=["GET"])
def admin_stats() -> dict:
    """Counters of one employee, post, challenge, referrer network or team (`dimension`,
    `key`) per day and in total, from `from` to `to` (brand zone; default: the last 30 days)."""
    _admin()
    query = app.current_request.query_params or {}
    try:
        first, last = stats.days_asked(query.get("from"), query.get("to"),
                                       today=datetime.now(_settings.zone).date())
        return stats.summary(_settings.scores_table, query.get("dimension"), query.get("key"),
                             first, last)
    except stats.StatsQueryError as error:
        raise BadRequestError(str(error)) from None


def _rules_view() -> dict:
    defaults = rules_store.default_rules(_settings)
    overrides = rules_store.stored_overrides()
    return {"defaults": defaults.as_dict(), "overrides": overrides,
            "effective": defaults.with_overrides(overrides).as_dict(),
            "live_within_seconds": int(rules_store.TTL_SECONDS)}


@app.route("/admin/rules", methods=["GET"])
def get_rules() -> dict:
    """The scoring rules: the template's defaults, the admin's overrides, what applies."""
    _admin()
    return _rules_view()


@app.route("/admin/rules", methods=["PUT"])
def put_rules() -> dict:
    """Replace the admin's overrides (fields left out fall back to the template's)."""
    admin = _admin()
    try:
        rules_store.save_rules(_json_body(), updated_by=admin.employee_id)
    except InvalidRules as error:
        raise BadRequestError(str(error)) from None
    return _rules_view()


def pre_sign_up(event: dict) -> dict:
    """Cognito PreSignUp: refuse addresses outside the brand's work domains."""
    email = (event.get("request", {}).get("userAttributes") or {}).get("email", "")
    try:
        employees.check_signup_email(email, _settings.allowed_email_domains)
    except employees.EmailDomainNotAllowed as error:
        raise Exception(str(error)) from None  # Cognito shows this message to the user
    return event


def handler(event: dict, context) -> dict:
    if isinstance(event, dict) and "triggerSource" in event:
        return pre_sign_up(event)
    return app(event, context)
