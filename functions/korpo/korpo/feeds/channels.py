"""An admin adds a channel: discover its feed, check it parses, then save it (due at once)."""
from __future__ import annotations

from korpo.feeds import store
from korpo.feeds.discover import DiscoveryError, Discovered, find_feed
from korpo.feeds.guard import UnsafeUrl
from korpo.models import FeedModel

__all__ = ["ChannelRefused", "add_channel"]


class ChannelRefused(ValueError):
    """The URL cannot become a feed: refused (SSRF guard, scheme), unreachable, not a feed,
    or invalid settings. The message is for the admin."""


def add_channel(url: object, title: object = None,
                interval_minutes: object = 15) -> tuple[FeedModel, Discovered]:
    if not isinstance(url, str) or not url.strip():
        raise ChannelRefused("url is required: a feed, a site or a profile URL")
    if title is not None and not isinstance(title, str):
        raise ChannelRefused("title must be a string")
    try:
        store.check_interval(interval_minutes)  # before any network I/O
        found = find_feed(url.strip())
        feed = store.add_feed(found.feed_url, title=title or found.title,
                              interval_minutes=interval_minutes,  # type: ignore[arg-type]
                              site_url=found.site_url)
    except UnsafeUrl as exc:
        raise ChannelRefused(f"refused: {exc}") from None
    except (DiscoveryError, store.InvalidFeed) as exc:
        raise ChannelRefused(str(exc)) from None
    return feed, found
