"""Feed bytes -> entries, with feedparser (RSS 0.9x/1.0/2.0, Atom, and the malformed
variants real feeds are; feedparser 6.0 has no JSON Feed). Everything leaving here is safe
to store and show: HTML sanitised, links and images http(s) only, dates aware UTC."""
from __future__ import annotations

import calendar
import html
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import feedparser

from korpo.feeds.sanitize import clean_html, plain_text, safe_url

# A feed carrying its whole archive would write thousands of posts on its first poll;
# employees share what is new, and feeds list newest first.
MAX_ENTRIES = 100
# DynamoDB items stop at 400 KB and the app shows a teaser: full articles are cut.
MAX_SUMMARY_CHARS = 10_000
_MAX_TITLE_CHARS = 300


class FeedParseError(ValueError):
    """The body is not a feed we can read (an HTML page, a truncated or garbled document)."""


@dataclass(frozen=True)
class Entry:
    entry_key: str  # stable across polls: the post id is derived from it
    title: str
    summary_html: str | None
    url: str
    author: str | None
    image_url: str | None
    published_at: datetime | None  # aware UTC; None when the feed gives no date


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: list[Entry] = field(default_factory=list)


def parse_feed(body: bytes, base_url: str | None = None, content_type: str | None = None,
               max_entries: int = MAX_ENTRIES) -> ParsedFeed:
    """Parse a fetched body. `base_url` (the final URL) resolves the feed's relative links;
    `content_type` (the response's) takes part in feedparser's charset detection."""
    headers = {}
    if base_url:
        headers["content-location"] = base_url
    if content_type:
        headers["content-type"] = content_type
    # BytesIO, never the raw value: feedparser treats bytes or str as a URL or a file path to
    # open when they look like one, and a feed body must not read our disk or the network.
    result = feedparser.parse(io.BytesIO(body), response_headers=headers,
                              sanitize_html=False)  # nh3 sanitises below, with our policy
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in result.entries:
        entry = _entry(raw)
        # Feeds sometimes repeat an item; the first (newest) copy wins.
        if entry is None or entry.entry_key in seen:
            continue
        seen.add(entry.entry_key)
        entries.append(entry)
        if len(entries) >= max_entries:
            break
    # feedparser is lenient on purpose and real feeds need it: a flawed feed that still
    # yields entries is accepted; a flawed one that yields none, or no feed at all, is not.
    reason = result.get("bozo_exception")
    if not entries and (not result.get("version") or (reason and not _benign(reason))):
        raise FeedParseError(f"not a readable feed{f': {reason}' if reason else ''}"[:300])
    title = plain_text(result.feed.get("title"))[:_MAX_TITLE_CHARS] or None
    return ParsedFeed(title=title, entries=entries)


def _benign(reason: Exception) -> bool:
    # Notes about the declared charset or a missing/odd Content-Type: the XML itself is fine.
    return isinstance(reason, (feedparser.CharacterEncodingOverride,
                               feedparser.NonXMLContentType))


def _entry(raw: Any) -> Entry | None:
    url = safe_url(raw.get("link"))
    if url is None:
        return None  # nothing to share: a post needs a destination
    key = (raw.get("id") or "").strip() or url
    title = plain_text(raw.get("title"))[:_MAX_TITLE_CHARS] or url
    return Entry(
        entry_key=key,
        title=title,
        summary_html=_summary(raw),
        url=url,
        author=plain_text(raw.get("author"))[:_MAX_TITLE_CHARS] or None,
        image_url=_image(raw),
        published_at=_published(raw),
    )


def _summary(raw: Any) -> str | None:
    detail = raw.get("summary_detail") or next(iter(raw.get("content") or []), None)
    if not detail or not detail.get("value"):
        return None
    value = detail["value"]
    if detail.get("type") == "text/plain":
        value = html.escape(value)
    cleaned = clean_html(value)
    if cleaned and len(cleaned) > MAX_SUMMARY_CHARS:
        # Cutting may split a tag; cleaning again closes or drops what was cut.
        cleaned = clean_html(cleaned[:MAX_SUMMARY_CHARS])
    return cleaned


def _image(raw: Any) -> str | None:
    candidates = [t.get("url") for t in raw.get("media_thumbnail") or []]
    candidates += [m.get("url") for m in raw.get("media_content") or []
                   if m.get("medium") == "image" or str(m.get("type", "")).startswith("image/")]
    candidates += [link.get("href") for link in raw.get("links") or []
                   if link.get("rel") == "enclosure"
                   and str(link.get("type", "")).startswith("image/")]
    return next((url for url in map(safe_url, candidates) if url), None)


def _published(raw: Any) -> datetime | None:
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    if not parsed:
        return None
    try:
        # feedparser normalises to a UTC struct_time; timegm reads it as UTC (mktime would not).
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
