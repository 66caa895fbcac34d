"""What every feed format becomes: Entry values that are safe to store and show, built by one
function (make_entry) so RSS, Atom and JSON Feed follow the same rules: stable key, text-only
titles, sanitised and bounded HTML, http(s) URLs only, aware UTC dates."""
from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import datetime

from korpo.feeds.sanitize import clean_html, plain_text, safe_url

# A feed carrying its whole archive would write thousands of posts on its first poll;
# employees share what is new, and feeds list newest first.
MAX_ENTRIES = 100
# DynamoDB items stop at 400 KB and the app shows a teaser: full articles are cut.
MAX_SUMMARY_CHARS = 10_000
MAX_TITLE_CHARS = 300
# Posts without a title (Mastodon, Bluesky) are titled by the start of their text.
_TITLE_FROM_TEXT_CHARS = 120
_MAX_KEY_CHARS = 1_000  # a key is hashed into the post id; an absurd one is cut first
# Before sanitising: nh3 is fast, but a 5 MB entry is not a teaser.
_MAX_RAW_HTML_CHARS = 200_000


class FeedParseError(ValueError):
    """The body is not a feed we can read (an HTML page, a truncated or garbled document)."""


class FeedTooComplex(FeedParseError):
    """The body is past a parse bound (limits.py): deep, wide, entity-laden or too costly.
    Its message starts with "too complex to parse"."""


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
    home_url: str | None = None  # the site the feed belongs to, when it says


def summary_html(value: str | None, is_plain_text: bool = False) -> str | None:
    """Sanitised HTML of at most about MAX_SUMMARY_CHARS, or None."""
    if not value:
        return None
    value = value[:_MAX_RAW_HTML_CHARS]
    if is_plain_text:
        value = html.escape(value)
    cleaned = clean_html(value)
    if cleaned and len(cleaned) > MAX_SUMMARY_CHARS:
        # Cutting may split a tag; cleaning again closes or drops what was cut.
        cleaned = clean_html(cleaned[:MAX_SUMMARY_CHARS])
    return cleaned


def make_entry(*, entry_id: str | None, link: str | None, fallback_url: str | None = None,
               title: str | None, summary: str | None, author: str | None,
               image_candidates: list[str | None] | None = None,
               published_at: datetime | None) -> Entry | None:
    """One Entry, or None when there is nothing to share (no http(s) destination).

    Key: the entry's id, else its link, else a hash of its title and date (an entry whose
    only URL is an enclosure or an external link). The destination is the link, else
    `fallback_url` (a podcast's enclosure, a JSON Feed item's external_url).
    """
    own_link = safe_url(link)
    url = own_link or safe_url(fallback_url)
    if url is None:
        return None
    text_title = plain_text(title)[:MAX_TITLE_CHARS]
    key = (entry_id or "").strip()[:_MAX_KEY_CHARS] or own_link
    if not key:
        stamp = published_at.isoformat() if published_at else ""
        key = "hash:" + hashlib.sha256(f"{text_title}\x1f{stamp}".encode()).hexdigest()[:32]
    if not text_title:
        text = plain_text(summary)
        text_title = (text[:_TITLE_FROM_TEXT_CHARS].rstrip() + "…"
                      if len(text) > _TITLE_FROM_TEXT_CHARS else text) or url
    return Entry(
        entry_key=key,
        title=text_title,
        summary_html=summary,
        url=url,
        author=plain_text(author)[:MAX_TITLE_CHARS] or None,
        image_url=next((u for u in map(safe_url, image_candidates or []) if u), None),
        published_at=published_at,
    )


def dedupe(entries: list[Entry | None], max_entries: int) -> list[Entry]:
    """Drop the Nones and repeats (the first, newest, copy wins); keep at most max_entries."""
    kept: list[Entry] = []
    seen: set[str] = set()
    for entry in entries:
        if entry is None or entry.entry_key in seen:
            continue
        seen.add(entry.entry_key)
        kept.append(entry)
        if len(kept) >= max_entries:
            break
    return kept
