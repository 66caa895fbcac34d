"""What an admin does to a channel: add it (discover, check it parses, save it due at once),
edit its title, interval and audience, pause, resume, delete, poll it now; and its health in
a word.

Every edit bumps the feed's version; the poller's health write is conditioned on it
(store._write_back), so an edit made during a poll is never overwritten. The edit form carries
the version it was read with: a second admin's change in between is a ChannelConflict, not a
silent overwrite.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from korpo import texts
from korpo.fields import FieldError, check_all
from korpo.feeds import store
from korpo.models import FeedModel
from korpo.models.base import sort_time as iso
from korpo.people import teams

if TYPE_CHECKING:  # the fetching half (requests, feedparser) loads only to add or poll:
    # employees' news reads this module's audience rules on every cold start.
    from korpo.feeds.discover import Discovered
    from korpo.feeds.poll import FeedOutcome

__all__ = ["ChannelConflict", "ChannelNotFound", "ChannelRefused", "Health", "add_channel",
           "delete_channel", "edit_channel", "health", "pause_channel", "poll_now",
           "resume_channel", "hidden_feed_ids"]

MAX_TITLE_CHARS = 200
MAX_AUDIENCE_TEAMS = 50
# "Poll now" answers a page: its fetch is cut well before the web function's timeout
# (template.yaml), whose rest is for the parse (bounded by feeds/limits.py) and the writes.
POLL_NOW_FETCH_S = 8.0


class ChannelRefused(FieldError):
    """The URL cannot become a feed: refused (SSRF guard, scheme), unreachable, not a feed,
    or invalid settings. The message is for the admin; `reason` is a stable code a page
    turns into a translated phrase, and `field` says which input it is about (`errors`:
    every refused input of the form)."""

    def __init__(self, message: str, reason: str = "invalid", field: str = "url") -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


class ChannelNotFound(LookupError):
    pass


class ChannelConflict(Exception):
    """The channel changed since the form was read (another admin): nothing was written."""


def clean_title(title: object) -> str | None:
    if title is None:
        return None
    try:
        return texts.clean(title, MAX_TITLE_CHARS)
    except texts.TextRefused as refused:
        if refused.reason == "too_long":
            raise ChannelRefused(f"title must be at most {MAX_TITLE_CHARS} characters",
                                 "title_too_long", "title") from None
        raise ChannelRefused("title must be text without control characters",
                             "title_invalid", "title") from None


def clean_interval(interval_minutes: object) -> int:
    try:
        return store.check_interval(interval_minutes)
    except store.InvalidFeed as exc:
        raise ChannelRefused(str(exc), "interval", "interval_minutes") from None


def clean_audience(team_ids: Iterable[str] | None) -> set[str] | None:
    """The teams that see the channel; None (everyone) for no team. Each must exist."""
    chosen = {t for t in (team_ids or ()) if t}
    if len(chosen) > MAX_AUDIENCE_TEAMS:
        raise ChannelRefused("too many teams", "audience", "audience")
    for team_id in chosen:
        if teams.get_team(team_id) is None:
            raise ChannelRefused(f"no team with id {team_id!r}", "audience", "audience")
    return chosen or None


def _required_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ChannelRefused("url is required: a feed, a site or a profile URL", "required")
    return url


def add_channel(url: object, title: object = None, interval_minutes: object = 15,
                audience: Iterable[str] | None = None) -> tuple[FeedModel, Discovered]:
    # Every setting is checked (each wrong one named) before any network I/O.
    url, title, interval, chosen = check_all(
        lambda: _required_url(url), lambda: clean_title(title),
        lambda: clean_interval(interval_minutes), lambda: clean_audience(audience),
        error=ChannelRefused)
    from korpo.feeds.discover import DiscoveryError, FeedUnreachable, find_feed
    from korpo.feeds.guard import UnsafeUrl

    try:
        found = find_feed(url.strip())
        feed = store.add_feed(found.feed_url, title=title or found.title,
                              interval_minutes=interval, site_url=found.site_url,
                              audience=chosen)
    except UnsafeUrl as exc:
        raise ChannelRefused(f"refused: {exc}", "unsafe") from None
    except FeedUnreachable as exc:
        raise ChannelRefused(str(exc), "unreachable") from None
    except (DiscoveryError, store.InvalidFeed) as exc:
        raise ChannelRefused(str(exc), "no_feed") from None
    return feed, found


def _get(feed_id: str) -> FeedModel:
    try:
        return store.get_feed(feed_id)
    except store.FeedNotFound:
        raise ChannelNotFound(feed_id) from None


def edit_channel(feed_id: str, *, version: int, title: object, interval_minutes: object,
                 audience: Iterable[str] | None, now: datetime | None = None) -> FeedModel:
    """Save an admin's title, interval and audience, if the channel is still at `version`.

    A shorter or longer interval takes effect from the last poll (never in the past), unless
    the channel is paused or backing off after failures: those keep their schedule."""
    title, interval, chosen = check_all(
        lambda: clean_title(title), lambda: clean_interval(interval_minutes),
        lambda: clean_audience(audience), error=ChannelRefused)
    now = now or datetime.now(timezone.utc)
    feed = _get(feed_id)
    if int(feed.version or 0) != version:
        raise ChannelConflict(feed_id)
    actions = [store.set_or_remove(FeedModel.title, title),
               FeedModel.interval_minutes.set(interval),
               store.set_or_remove(FeedModel.audience, chosen),
               FeedModel.version.set(version + 1)]
    if interval != int(feed.interval_minutes) and not feed.paused \
            and not feed.consecutive_failures:
        next_poll = max(now, (feed.last_polled_at or now) + timedelta(minutes=interval))
        actions += [FeedModel.next_poll_at.set(next_poll),
                    FeedModel.gsi1sk.set(f"{iso(next_poll)}#{feed_id}")]
    if not store.update_feed(feed, actions, store.same_version(version)):
        _get(feed_id)  # ChannelNotFound when it was deleted meanwhile
        raise ChannelConflict(feed_id)
    return _get(feed_id)


def pause_channel(feed_id: str) -> FeedModel:
    """Never due while paused: its posts stay in the news, nothing is fetched."""
    feed = _get(feed_id)
    _switch(feed, [FeedModel.paused.set(True),
                   FeedModel.gsi1sk.set(store.paused_sort_key(feed_id))])
    return _get(feed_id)


def resume_channel(feed_id: str, now: datetime | None = None) -> FeedModel:
    """Due at once again."""
    now = now or datetime.now(timezone.utc)
    feed = _get(feed_id)
    _switch(feed, [FeedModel.paused.set(False), FeedModel.next_poll_at.set(now),
                   FeedModel.gsi1sk.set(f"{iso(now)}#{feed_id}")])
    return _get(feed_id)


def _switch(feed: FeedModel, actions: list) -> None:
    # No version from a form here (pausing twice is pausing), but the version still moves:
    # a poll in flight must not put the old schedule back.
    if not store.update_feed(feed, actions + [FeedModel.version.add(1)], None):
        raise ChannelNotFound(feed.feed_id)


def delete_channel(feed_id: str) -> None:
    """The channel goes; nothing more is fetched. Its posts stay stored but leave the news
    (its id joins store.gone_feed_ids) and no new share link is made for them; links already
    shared keep redirecting and earning (docs/decisions.md). Adding the same feed again
    brings its posts back (the same ids)."""
    if not store.delete_feed(feed_id):
        raise ChannelNotFound(feed_id)


def poll_now(feed_id: str) -> FeedOutcome:
    """Fetch the channel at once (paused or not), bounded in time; what it found."""
    from korpo.feeds import poll

    try:
        report = poll.poll_feed_id(feed_id, force=True, fetch_timeout_s=POLL_NOW_FETCH_S)
    except store.FeedNotFound:
        raise ChannelNotFound(feed_id) from None
    return report.outcomes[0]


# ---------------------------------------------------------------- health

OK, NEW, FAILING, PAUSED = "ok", "new", "failing", "paused"


@dataclass(frozen=True)
class Health:
    state: str  # OK | NEW (never polled) | FAILING (backing off) | PAUSED
    problem: str | None  # what the last error was, as a code a page words (error_kind)
    last_error: str | None  # the poller's own words, for the curious
    failures: int
    last_success_at: datetime | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None  # None while paused


def health(feed: FeedModel) -> Health:
    failures = int(feed.consecutive_failures or 0)
    if feed.paused:
        state = PAUSED
    elif feed.last_polled_at is None and not feed.last_success_at:
        state = NEW
    else:
        state = FAILING if failures else OK
    problem = error_kind(feed.last_error, feed.last_status) if failures else None
    return Health(state, problem, feed.last_error if failures else None, failures,
                  feed.last_success_at, feed.last_polled_at,
                  None if feed.paused else feed.next_poll_at)


def error_kind(error: str | None, status: int | None) -> str:
    """The poller's error in one of a few kinds an admin can act on."""
    text = (error or "").lower()
    if status in (404, 410):
        return "gone"
    if status in (401, 403):
        return "forbidden"
    if status == 429:
        return "slow_down"
    if status is not None and status >= 500:
        return "server_error"
    if status is not None and status >= 300:
        return "http_error"
    if "too slow" in text or "timeout" in text:
        return "timeout"
    if "too large" in text:
        return "too_large"
    if "hostnotfound" in text or "cannot resolve" in text:
        return "no_host"
    if "forbiddenaddress" in text or "unsafeurl" in text or "refused" in text:
        return "refused"
    if "connection" in text or "ssl" in text:
        return "unreachable"
    if text.startswith("internal error"):
        return "internal"
    if "error" in text or "parse" in text or "feed" in text:
        return "not_a_feed"
    return "other"


def hidden_feed_ids(feeds: Iterable[FeedModel], team_id: str | None) -> set[str]:
    """The channels whose posts an employee of `team_id` does not see: deleted ones, and
    those whose audience leaves their team out (paused ones are seen: pausing stops
    fetching, not showing). Posts of any other feed id are shown."""
    return store.gone_feed_ids() | {f.feed_id for f in feeds
                                    if f.audience and not (team_id and team_id in f.audience)}
