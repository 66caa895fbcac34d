"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), which feedparser 6 does not read.

Only what a post needs is read: id, url/external_url, title, content_html/content_text,
summary, image/banner_image, date_published/date_modified, authors (1.1) or author (1.0),
and attachments (a podcast's audio when the item has no url). Everything goes through
entry.make_entry, so the rules are the RSS/Atom ones.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from korpo.feeds.entry import (
    MAX_ENTRIES, MAX_TITLE_CHARS, FeedParseError, FeedTooComplex, ParsedFeed, dedupe,
    make_entry, summary_html,
)
from korpo.feeds.sanitize import plain_text, safe_url

# The spec says https; many real feeds (and JSON Feed 1.0's own early examples) say http.
VERSION_PREFIXES = ("https://jsonfeed.org/version/1", "http://jsonfeed.org/version/1")
CONTENT_TYPES = ("application/feed+json", "application/json")


def looks_like_json_feed(body: bytes, content_type: str | None = None) -> bool:
    """Cheap sniff: a JSON content type, or a body that starts like a JSON object and names
    the JSON Feed version near its start."""
    mime = (content_type or "").split(";")[0].strip().lower()
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        return False
    return mime in CONTENT_TYPES or b"jsonfeed.org/version/1" in head


def parse_json_feed(body: bytes, max_entries: int = MAX_ENTRIES) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except RecursionError:
        raise FeedTooComplex("too complex to parse: JSON nested too deep") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedParseError(f"not a readable JSON feed: {type(exc).__name__}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).strip().lower(
            ).startswith(VERSION_PREFIXES):
        raise FeedParseError("not a JSON Feed: no https://jsonfeed.org/version/1.x version")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedParseError("not a JSON Feed: items is not a list")
    feed_authors = _authors(document)
    entries = dedupe((_entry(item, feed_authors) for item in items if isinstance(item, dict)),
                     max_entries)
    title = plain_text(_text(document.get("title")))[:MAX_TITLE_CHARS] or None
    return ParsedFeed(title=title, entries=entries,
                      home_url=safe_url(_text(document.get("home_page_url"))))


def _text(value: Any) -> str | None:
    # 1.0 allowed numeric ids; anything else that is not a string is ignored.
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


def _authors(obj: dict[str, Any]) -> str | None:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        authors = [obj.get("author")]  # JSON Feed 1.0
    names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _date(value: Any) -> datetime | None:
    """RFC 3339, as the spec requires; a date without an offset is read as UTC."""
    text = _text(value)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _entry(item: dict[str, Any], feed_authors: str | None):  # noqa: ANN202 - Entry | None
    content_html, content_text = _text(item.get("content_html")), _text(item.get("content_text"))
    summary = (summary_html(content_html) if content_html
               else summary_html(_text(item.get("summary")) or content_text, is_plain_text=True))
    raw_attachments = item.get("attachments")
    attachments = [a for a in raw_attachments if isinstance(a, dict)] if isinstance(
        raw_attachments, list) else []
    return make_entry(
        entry_id=_text(item.get("id")),
        link=_text(item.get("url")),
        fallback_url=_text(item.get("external_url")) or next(
            (_text(a.get("url")) for a in attachments if _text(a.get("url"))), None),
        title=_text(item.get("title")),
        summary=summary,
        author=_authors(item) or feed_authors,
        image_candidates=[_text(item.get("image")), _text(item.get("banner_image"))],
        published_at=_date(item.get("date_published")) or _date(item.get("date_modified")),
    )
