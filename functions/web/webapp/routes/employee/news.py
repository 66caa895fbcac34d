"""The news and sharing it: posts newest first, the share sheet, the networks' share pages."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from chalice import Blueprint, Response

from korpo.content import challenges as challenge_rules
from korpo.content import posts
from korpo.feeds import channels as feed_channels
from korpo.feeds import store as feed_store
from korpo.models import ChallengeModel
from korpo.months import utc_now
from korpo.people import profiles
from korpo.tracking import links, share_intents, share_targets
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Redirect, Visit, page
from webapp.session import YEAR, same_token, set_cookie

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

MASTODON_COOKIE = "korpo_mastodon"  # the employee's instance, remembered by this browser only
NEWS_PER_PAGE = 10


def _running_challenges(visit: Visit, now: datetime) -> list[tuple]:
    """Each running challenge with its goal's progress (one Query of its stats each)."""
    return [(c, challenge_rules.progress(c, visit.settings.scores_table, visit.settings.zone,
                                         now))
            for c in challenge_rules.running(now)]


def _challenge(visit: Visit, raw: str | None = None,
               post_id: str | None = None) -> ChallengeModel | None:
    """The running challenge a share is made for (`?challenge=`): its clicks and conversions
    then carry it. Anything else (unknown, over, malformed, or a challenge of another post
    than `post_id`) shares without one."""
    raw = raw if raw is not None else (visit.request.query_params or {}).get("challenge")
    if not raw or len(raw) > 100:
        return None
    try:
        found = ChallengeModel.get(*ChallengeModel.key(raw))
    except ChallengeModel.DoesNotExist:
        return None
    if challenge_rules.status_of(found, utc_now()) != "running":
        return None
    if post_id is not None and found.share_post_id not in (None, post_id):
        return None
    return found


@pages.route("/")
def home(visit: Visit) -> Response:
    raise Redirect("/news" if visit.session else "/signin")


def _channels_shown(visit: Visit) -> tuple[dict[str, str], set[str]]:
    """({feed id: name} of the channels this employee sees, the feed ids kept from them:
    other teams' channels and deleted ones)."""
    profile = profiles.get_profile(visit.employee().employee_id)
    feeds = feed_store.list_feeds()
    hidden = feed_channels.hidden_feed_ids(feeds, profile.team_id if profile else None)
    return {f.feed_id: f.title or f.url for f in feeds if f.feed_id not in hidden}, hidden


@pages.route("/news")
def news(visit: Visit) -> Response:
    visit.employee()
    query = visit.request.query_params or {}
    channels, hidden = _channels_shown(visit)
    channel = query.get("channel") if query.get("channel") in channels else None
    found, cursor = posts.news_page(NEWS_PER_PAGE, before=query.get("before"), feed_id=channel,
                                    hidden_feeds=hidden)
    sharing_for = _challenge(visit)
    if sharing_for is not None and sharing_for.share_post_id:  # nothing to pick: its post
        raise Redirect(f"/news/{quote(sharing_for.share_post_id)}?challenge="
                       f"{quote(sharing_for.challenge_id)}")
    return page(visit, "news.html", active="news", posts=found, next_cursor=cursor,
                channels=channels, channel=channel, sharing_for=sharing_for,
                welcome=query.get("done") == "welcome",
                challenges=[] if query.get("before") or sharing_for
                else _running_challenges(visit, utc_now()))


def _visible_post(visit: Visit, post_id: str):  # -> PostModel
    """The post if this employee's news shows it: not hidden, not expired, of a channel
    they see."""
    post = posts.get_post(post_id) if len(post_id) <= 200 else None
    if post is None or not posts.in_news(post, utc_now(), _channels_shown(visit)[1]):
        raise PageError(404, N_("This post does not exist or is no longer shared."))
    return post


MAX_TEXT_PARAM = 4000  # the share box's words as a query parameter, before they are cleaned


def _share_text(visit: Visit, post, url: str,  # noqa: ANN001
                edited: str | None = None) -> share_targets.ShareText:
    return share_targets.ShareText(post.title, url, visit.disclosure,
                                   suggested=post.share_text, edited=edited)


def _edited(visit: Visit) -> str | None:
    """The employee's own words from the share sheet's box (`text`), if they sent any."""
    raw = (visit.request.query_params or {}).get("text") or visit.field("text")
    return raw[:MAX_TEXT_PARAM] if raw else None


def _link(visit: Visit, post_id: str, network: str, intent: bool = False,
          challenge: ChallengeModel | None = None) -> links.ShareLink:
    """The employee's link of the post for that network (and challenge); with `intent`, the
    share is also recorded (one share-intent event per link and day: korpo.tracking.share_intents)."""
    who = visit.employee().employee_id
    challenge_id = challenge.challenge_id if challenge else None
    try:
        if intent:
            return share_intents.record_share_intent(who, post_id, network,
                                                     challenge_id=challenge_id)
        return links.get_or_create(who, post_id, network, challenge_id=challenge_id)
    except (links.PostNotFound, links.ChallengeNotFound, links.UnsafeDestination):
        raise PageError(404, N_("This post does not exist or is no longer shared.")) from None


@pages.route("/news/{post_id}")
def share_sheet(visit: Visit, post_id: str) -> Response:
    """The share sheet: every network one tap away, the link to copy, the QR code."""
    visit.employee()
    post = _visible_post(visit, post_id)
    import segno  # only this page draws QR codes

    # Its form goes through /share/{target} to the network's page: the CSP's form-action,
    # which holds redirects too, lets it (the Mastodon server: the one this browser keeps).
    instance = visit.cookies.get(MASTODON_COOKIE)
    try:
        mastodon = (f"https://{share_targets.mastodon_instance(instance)}",) if instance else ()
    except share_targets.InvalidInstance:
        mastodon = ()
    visit.form_targets = share_targets.PAGE_ORIGINS + mastodon

    challenge = _challenge(visit, post_id=post_id)
    copy_link = links.share_url(visit.link_base_url, _link(visit, post_id, "copy",
                                                           challenge=challenge).code)
    native_link = links.share_url(visit.link_base_url, _link(visit, post_id, "native",
                                                             challenge=challenge).code)
    qr_link = links.share_url(visit.link_base_url, _link(visit, post_id, "qr",
                                                         challenge=challenge).code)
    qr_svg = segno.make(qr_link, error="m").svg_inline(scale=5, dark="#111", light="#fff",
                                                        title=visit.gettext(N_("The QR code of your link")))
    return page(visit, "share.html", active="news", post=post, copy_link=copy_link,
                native_link=native_link, qr_svg=qr_svg, targets=share_targets.TARGETS,
                words=_share_text(visit, post, copy_link).words(),
                max_words=share_targets.MAX_SUGGESTED_CHARS, disclosure=visit.disclosure,
                mastodon=visit.cookies.get(MASTODON_COOKIE), challenge=challenge)


@pages.route("/news/{post_id}/share/{target}")
def open_target(visit: Visit, post_id: str, target: str) -> Response:
    """Records the share and opens the network's own share page with the tracked link.

    A GET (a plain link, so it works without JavaScript and in a new tab) that changes
    something, hence the session's token in its query: another site cannot make one."""
    who = visit.employee()
    if target not in share_targets.TARGETS:
        raise PageError(404, N_("This network is not one Korpo can share to."))
    if not same_token(who.csrf, (visit.request.query_params or {}).get("t")):
        raise Redirect(f"/news/{post_id}")  # an old or forged link: back to the share sheet
    post = _visible_post(visit, post_id)
    challenge = _challenge(visit, post_id=post_id)
    edited = _edited(visit)
    carried = {"challenge": challenge.challenge_id if challenge else None, "text": edited}
    ask = f"/news/{post_id}/mastodon" + _query(carried)
    instance = visit.cookies.get(MASTODON_COOKIE)
    if target == "mastodon" and not instance:
        raise Redirect(ask)
    url = links.share_url(visit.link_base_url, _link(visit, post_id, target, intent=True,
                                                     challenge=challenge).code)
    try:
        location = share_targets.share_page_url(target, _share_text(visit, post, url, edited),
                                                instance)
    except share_targets.InvalidInstance:
        raise Redirect(ask) from None
    return Response(body="", status_code=303, headers={"Location": location})


@pages.route("/news/{post_id}/mastodon", methods=("GET", "POST"))
def mastodon(visit: Visit, post_id: str) -> Response:
    """Asks for the employee's Mastodon server once; this browser remembers it (a cookie:
    Korpo stores nothing about the employee's own social accounts).

    The form then leads to a page of this site with a link to the server, never straight to
    it: Chromium refuses a form's redirect to another site (the CSP's `form-action 'self'`
    covers every hop of a form's redirects), while a followed link may leave the site."""
    who = visit.employee()
    post = _visible_post(visit, post_id)
    challenge = _challenge(visit, visit.field("challenge") or None, post_id=post_id)
    instance = visit.cookies.get(MASTODON_COOKIE, "")
    if visit.request.method == "GET":
        query = visit.request.query_params or {}
        ready = query.get("saved") == "1" and _valid_instance(instance)
        return page(visit, "mastodon.html", active="news", post=post, errors={},
                    instance=instance, challenge=challenge, ready=ready,
                    text=_edited(visit) or "",
                    open_url=f"/news/{quote(post_id)}/share/mastodon" + _query({
                        "t": who.csrf,
                        "challenge": challenge.challenge_id if challenge else None,
                        "text": _edited(visit)}))
    raw = visit.field("instance")
    try:
        instance = share_targets.mastodon_instance(raw)
    except share_targets.InvalidInstance:
        message = (N_("Enter your Mastodon server, like mastodon.social.") if not raw.strip()
                   else N_("Enter a server name like mastodon.social, without https:// or "
                           "a path."))
        return page(visit, "mastodon.html", status=400, active="news", post=post,
                    errors={"instance": visit.gettext(message)}, instance=raw,
                    challenge=challenge, ready=False, text=_edited(visit) or "")
    visit.set_cookies.append(set_cookie(MASTODON_COOKIE, instance, max_age=YEAR,
                                        secure=visit.https))
    raise Redirect(f"/news/{quote(post_id)}/mastodon" + _query({
        "saved": "1", "challenge": challenge.challenge_id if challenge else None,
        "text": _edited(visit)}))


def _valid_instance(raw: str) -> bool:
    try:
        return bool(raw) and share_targets.mastodon_instance(raw) == raw
    except share_targets.InvalidInstance:
        return False


def _query(values: dict[str, str | None]) -> str:
    """"?a=1&b=2" of the values given (none: "")."""
    given = {name: value for name, value in values.items() if value}
    return "?" + urlencode(given, quote_via=quote) if given else ""


# The share sheet's own ways of sharing, recorded by its script when used (copy, the phone's
# share sheet) or when the QR code is shown big: each has its own link, so its clicks count
# apart anyway; this records the intent, once a day like every target.
SHEET_NETWORKS = ("copy", "native", "qr")


@pages.route("/news/{post_id}/intent", methods=("POST",))
def record_intent(visit: Visit, post_id: str) -> Response:
    visit.employee()
    network = visit.field("network")
    if network not in SHEET_NETWORKS:
        raise PageError(400, N_("This network is not one Korpo can share to."))
    _visible_post(visit, post_id)
    _link(visit, post_id, network, intent=True,
          challenge=_challenge(visit, visit.field("challenge"), post_id=post_id))
    return Response(body="", status_code=204)
