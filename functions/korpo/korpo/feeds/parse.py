"""Feed bytes -> entries: RSS 0.9x/1.0/2.0 and Atom with feedparser (and the malformed
variants real feeds are), JSON Feed 1.x with jsonfeed (feedparser 6 has none). Everything
leaving here is safe to store and show: HTML sanitised, links and images http(s) only, dates
aware UTC (entry.make_entry)."""
from __future__ import annotations

import calendar
import io
from datetime import datetime, timezone
from typing import Any

import feedparser

from korpo.feeds.entry import (
    MAX_ENTRIES, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, Entry, FeedParseError, ParsedFeed, dedupe,
    make_entry, summary_html,
)
from korpo.feeds import limits
from korpo.feeds.jsonfeed import looks_like_json_feed, parse_json_feed
from korpo.feeds.limits import FeedTooComplex
from korpo.feeds.sanitize import plain_text, safe_url

# Bounds on what one body may cost feedparser (entities, long fields, depth, CPU): see
# limits.py. Installed once, at import.
limits.install()

__all__ = ["MAX_ENTRIES", "MAX_SUMMARY_CHARS", "Entry", "FeedParseError", "FeedTooComplex",
           "ParsedFeed", "parse_feed"]


def parse_feed(body: bytes, base_url: str | None = None, content_type: str | None = None,
               max_entries: int = MAX_ENTRIES) -> ParsedFeed:
    """Parse a fetched body. `base_url` (the final URL) resolves the feed's relative links;
    `content_type` (the response's) takes part in feedparser's charset detection.
    Raises FeedParseError, or FeedTooComplex (its kind) past a bound of limits.py."""
    if looks_like_json_feed(body, content_type):
        return parse_json_feed(body, max_entries)
    headers = {}
    if base_url:
        headers["content-location"] = base_url
    if content_type:
        headers["content-type"] = content_type
    # BytesIO, never the raw value: feedparser treats bytes or str as a URL or a file path to
    # open when they look like one, and a feed body must not read our disk or the network.
    try:
        result = limits.parse(io.BytesIO(body), max_entries, response_headers=headers,
                              sanitize_html=False)  # nh3 sanitises, with our policy
    except RecursionError:  # absurdly deep nesting: not a feed anyone publishes
        raise FeedTooComplex("too complex to parse: nesting too deep") from None
    entries = dedupe((_entry(raw) for raw in result.entries), max_entries)
    # feedparser is lenient on purpose and real feeds need it: a flawed feed that still
    # yields entries is accepted; a flawed one that yields none, or no feed at all, is not.
    reason = result.get("bozo_exception")
    if not entries and (not result.get("version") or (reason and not _benign(reason))):
        raise FeedParseError(f"not a readable feed{f': {reason}' if reason else ''}"[:300])
    title = plain_text(result.feed.get("title"))[:MAX_TITLE_CHARS] or None
    return ParsedFeed(title=title, entries=entries, home_url=safe_url(result.feed.get("link")))


def _benign(reason: Exception) -> bool:
    # Notes about the declared charset or a missing/odd Content-Type: the XML itself is fine.
    return isinstance(reason, (feedparser.CharacterEncodingOverride,
                               feedparser.NonXMLContentType))


def _entry(raw: Any) -> Entry | None:
    return make_entry(
        entry_id=raw.get("id"),
        link=raw.get("link"),
        fallback_url=_enclosure(raw),  # a podcast episode without its own page
        title=raw.get("title"),
        summary=_summary(raw),
        author=raw.get("author"),
        image_candidates=_images(raw),
        published_at=_published(raw),
    )


def _summary(raw: Any) -> str | None:
    # Full content (WordPress, Ghost and Medium put the article in content:encoded) is cut
    # to a teaser anyway; the summary is preferred when both exist.
    detail = raw.get("summary_detail") or next(iter(raw.get("content") or []), None)
    if not detail or not detail.get("value"):
        return None
    return summary_html(detail["value"], is_plain_text=detail.get("type") == "text/plain")


def _enclosure(raw: Any) -> str | None:
    # Audio or video only: an item's image is its picture, not where a share should land.
    return next((link.get("href") for link in raw.get("links") or []
                 if link.get("rel") == "enclosure" and link.get("href")
                 and not str(link.get("type", "")).startswith("image/")), None)


def _images(raw: Any) -> list[str | None]:
    candidates = [t.get("url") for t in raw.get("media_thumbnail") or []]
    candidates += [m.get("url") for m in raw.get("media_content") or []
                   if m.get("medium") == "image" or str(m.get("type", "")).startswith("image/")]
    candidates += [link.get("href") for link in raw.get("links") or []
                   if link.get("rel") == "enclosure"
                   and str(link.get("type", "")).startswith("image/")]
    image = raw.get("image")  # itunes:image of a podcast episode
    if isinstance(image, dict):
        candidates.append(image.get("href"))
    return candidates


def _published(raw: Any) -> datetime | None:
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    if not parsed:
        return None
    try:
        # feedparser normalises to a UTC struct_time; timegm reads it as UTC (mktime would not).
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
