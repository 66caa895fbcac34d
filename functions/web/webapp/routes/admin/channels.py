"""Channels: the brand's feeds, their health at a glance, adding one from a site or profile
URL, editing, pausing, polling now and deleting one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

from chalice import Blueprint, Response

from korpo.feeds import channels
from korpo.feeds import store as feed_store
from korpo.people import teams
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Redirect, Visit
from webapp.routes.admin.common import admin_page

if TYPE_CHECKING:  # poll (and requests, feedparser) loads only when a channel is polled
    from korpo.feeds.poll import FeedOutcome

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

DONE = {
    "added": N_("Channel added. Its posts appear in the news after its first poll."),
    "saved": N_("Channel saved."),
    "paused": N_("Channel paused: nothing is fetched until you resume it."),
    "resumed": N_("Channel resumed: it is polled again from now."),
    "deleted": N_("Channel deleted. Links already shared keep working."),
}

# Why an address or a setting was refused, by the domain's reason (ChannelRefused.reason).
REFUSALS = {
    "required": N_("Enter the address of a site, a profile or a feed."),
    "unsafe": N_("Korpo only reads public http and https addresses."),
    "unreachable": N_("Korpo could not reach this address."),
    "no_feed": N_("Korpo found no feed it can read at this address."),
    "interval": N_("Enter a number of minutes from 5 to 10080 (a week)."),
    "title_too_long": N_("The name must be 200 characters or fewer."),
    "title_invalid": N_("The name must not contain control characters."),
    "audience": N_("Choose teams from the list."),
    "invalid": N_("This channel cannot be saved as it is."),
}
# Reasons whose detail (the address, the error) helps the admin fix it.
_DETAILED = ("unsafe", "unreachable", "no_feed")

# The last error of a failing channel, in words (channels.error_kind).
PROBLEMS = {
    "gone": N_("The feed's address no longer exists (the site answers “not found”)."),
    "forbidden": N_("The site refuses to give Korpo the feed."),
    "slow_down": N_("The site asks Korpo to slow down: it will try again later."),
    "server_error": N_("The site had an error on its side."),
    "http_error": N_("The site gave an answer Korpo cannot use."),
    "timeout": N_("The site took too long to answer."),
    "too_large": N_("The feed is too large to read."),
    "no_host": N_("The site's name does not exist (a typo, or the site is gone)."),
    "refused": N_("The address is not a public one: Korpo does not read it."),
    "unreachable": N_("Korpo could not connect to the site."),
    "not_a_feed": N_("What the address sends is not a feed Korpo can read."),
    "internal": N_("Something went wrong on Korpo's side."),
    "other": N_("The last poll failed."),
}

MAX_FEED_ID_CHARS = 64


def _problems(visit: Visit) -> dict[str, str]:
    return {kind: visit.gettext(words) for kind, words in PROBLEMS.items()}


def _message(visit: Visit, refused: channels.ChannelRefused) -> str:
    text = visit.gettext(REFUSALS.get(refused.reason, REFUSALS["invalid"]))
    return f"{text} ({refused})" if refused.reason in _DETAILED else text


def _messages(visit: Visit, refused: channels.ChannelRefused) -> dict[str, str]:
    """Every refused input of the form, next to its field."""
    return {wrong.field: _message(visit, wrong) for wrong in refused.errors}


def _interval(raw: str) -> int | str:
    """The form's minutes as a number when they are one (the domain checks the range)."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 6 else raw


def _audience(visit: Visit) -> list[str]:
    """The ticked teams: the form sends one `team` field per ticked box (Visit.form keeps
    the first of each name; the body was already read and bounded by then)."""
    raw = (visit.request.raw_body or b"").decode("utf-8", "replace")
    return [v[:64] for v in parse_qs(raw, max_num_fields=50).get("team", []) if v]


def _list(visit: Visit, status: int = 200, errors: dict | None = None,
          form: dict | None = None) -> Response:
    every_team = teams.list_teams()
    names = {t.team_id: t.name for t in every_team}
    rows = [(f, channels.health(f), sorted(names[t] for t in f.audience or () if t in names))
            for f in feed_store.list_feeds()]
    return admin_page(visit, "admin/channels.html", "channels", done=DONE, status=status,
                      channels=rows, problems=_problems(visit), teams=every_team,
                      errors=errors or {}, form=form or {})


@pages.route("/manage/channels", methods=("GET", "POST"))
def channel_list(visit: Visit) -> Response:
    visit.admin()
    if visit.request.method == "GET":
        return _list(visit, form={"interval_minutes": "15"})
    form = {"url": visit.field("url"), "title": visit.field("title"),
            "interval_minutes": visit.field("interval_minutes") or "15",
            "teams": _audience(visit)}
    try:
        feed, _found = channels.add_channel(form["url"], form["title"] or None,
                                            _interval(form["interval_minutes"]), form["teams"])
    except channels.ChannelRefused as refused:
        return _list(visit, 400, _messages(visit, refused), form)
    raise Redirect(f"/manage/channels/{feed.feed_id}?done=added")


def _feed(feed_id: str):  # -> FeedModel
    try:
        if len(feed_id) <= MAX_FEED_ID_CHARS:
            return feed_store.get_feed(feed_id)
    except feed_store.FeedNotFound:
        pass
    raise PageError(404, N_("This channel does not exist (it may have been deleted)."))


@dataclass(frozen=True)
class Polled:
    """What "Poll now" found, as its redirect's query carries it (numbers and a word only:
    a failure's details are the channel's stored health)."""
    result: str  # ok | not_modified | failed
    created: int = 0
    updated: int = 0

    def query(self) -> str:
        return urlencode({"polled": self.result, "created": self.created,
                          "updated": self.updated})

    @classmethod
    def of(cls, outcome: FeedOutcome) -> "Polled":
        result = outcome.result.lower()
        return cls(result if result in ("ok", "not_modified") else "failed", outcome.created,
                   outcome.updated)

    @classmethod
    def from_query(cls, query: dict[str, str]) -> "Polled | None":
        result = query.get("polled")
        if result not in ("ok", "not_modified", "failed"):
            return None
        count = (lambda raw: int(raw) if raw.isdigit() and len(raw) <= 6 else 0)
        return cls(result, count(query.get("created", "")), count(query.get("updated", "")))


def _edit(visit: Visit, feed, status: int = 200, errors: dict | None = None,  # noqa: ANN001
          form: dict | None = None) -> Response:
    form = form or {"title": feed.title or "", "interval_minutes": str(int(
        feed.interval_minutes)), "teams": sorted(feed.audience or ())}
    polled = Polled.from_query(visit.request.query_params or {}) \
        if visit.request.method == "GET" else None
    return admin_page(visit, "admin/channel.html", "channels", done=DONE, status=status,
                      feed=feed, health=channels.health(feed), problems=_problems(visit),
                      teams=teams.list_teams(), errors=errors or {}, form=form, polled=polled)


@pages.route("/manage/channels/{feed_id}", methods=("GET", "POST"))
def channel(visit: Visit, feed_id: str) -> Response:
    visit.admin()
    feed = _feed(feed_id)
    if visit.request.method == "GET":
        return _edit(visit, feed)
    form = {"title": visit.field("title"), "interval_minutes": visit.field("interval_minutes"),
            "teams": _audience(visit)}
    version = visit.field("version")
    try:
        channels.edit_channel(feed_id, version=int(version) if version.isdigit() else -1,
                              title=form["title"], interval_minutes=_interval(
                                  form["interval_minutes"]), audience=form["teams"])
    except channels.ChannelRefused as refused:
        return _edit(visit, feed, 400, _messages(visit, refused), form)
    except channels.ChannelNotFound:
        raise PageError(404, N_("This channel does not exist (it may have been deleted).")
                        ) from None
    except channels.ChannelConflict:
        # Another admin (or a pause) changed it since this form was read: show what it is
        # now, keep nothing of ours silently.
        return _edit(visit, _feed(feed_id), 409, {"title": visit.gettext(N_(
            "Someone changed this channel since you opened it. Check it and save again."))})
    raise Redirect(f"/manage/channels/{feed_id}?done=saved")


@pages.route("/manage/channels/{feed_id}/pause", methods=("POST",))
def pause(visit: Visit, feed_id: str) -> Response:
    return _switch(visit, feed_id, channels.pause_channel, "paused")


@pages.route("/manage/channels/{feed_id}/resume", methods=("POST",))
def resume(visit: Visit, feed_id: str) -> Response:
    return _switch(visit, feed_id, channels.resume_channel, "resumed")


def _switch(visit: Visit, feed_id: str, action, done: str) -> Response:  # noqa: ANN001
    visit.admin()
    _feed(feed_id)
    try:
        action(feed_id)
    except channels.ChannelNotFound:
        raise PageError(404, N_("This channel does not exist (it may have been deleted).")
                        ) from None
    raise Redirect(f"/manage/channels/{feed_id}?done={done}")


@pages.route("/manage/channels/{feed_id}/poll", methods=("POST",))
def poll_now(visit: Visit, feed_id: str) -> Response:
    """Fetches the channel at once (within seconds), then back to its page, which says what
    was found: a reload shows the page again, it never polls again."""
    visit.admin()
    _feed(feed_id)
    try:
        outcome = channels.poll_now(feed_id)
    except channels.ChannelNotFound:
        raise PageError(404, N_("This channel does not exist (it may have been deleted).")
                        ) from None
    raise Redirect(f"/manage/channels/{feed_id}?{Polled.of(outcome).query()}")


@pages.route("/manage/channels/{feed_id}/delete", methods=("GET", "POST"))
def delete(visit: Visit, feed_id: str) -> Response:
    visit.admin()
    feed = _feed(feed_id)
    if visit.request.method == "GET":
        return admin_page(visit, "admin/channel_delete.html", "channels", feed=feed)
    if visit.field("confirm") != "yes":
        return admin_page(visit, "admin/channel_delete.html", "channels", status=400, feed=feed,
                          errors={"confirm": visit.gettext(N_(
                              "Tick the box to confirm you want this channel deleted."))})
    try:
        channels.delete_channel(feed_id)
    except channels.ChannelNotFound:
        pass  # deleted meanwhile: what was asked is done
    raise Redirect("/manage/channels?done=deleted")
