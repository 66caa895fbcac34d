"""From what an admin pastes (a feed, a site, a YouTube channel, a Mastodon or Bluesky
profile) to a feed URL that really parses: the check before a feed is saved.

A page names its feeds with <link rel="alternate" type="application/rss+xml" href="...">
(WordPress, Ghost, Medium, YouTube channels, Mastodon and Bluesky profiles all do); the
candidates are fetched in the page's order until one parses. Everything goes through
fetch.fetch, so the SSRF guard and the size and time caps apply here too.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from korpo.feeds.fetch import FetchResult, fetch
from korpo.feeds.guard import UnsafeUrl, check_url
from korpo.feeds.jsonfeed import looks_like_json_feed
from korpo.feeds.parse import FeedParseError, ParsedFeed, parse_feed

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "application/xml", "text/xml")
MAX_CANDIDATES = 3  # the API answers within its timeout: a page listing 40 feeds is not tried in full
# Feed links live in <head>; a page is read up to here at most.
_MAX_HTML_CHARS = 512 * 1024
# The whole discovery (page, then candidates) fits in the API function's timeout.
DISCOVERY_BUDGET_S = 20.0


class DiscoveryError(ValueError):
    """No usable feed at what the admin gave; the message says why, for the admin."""


class FeedUnreachable(DiscoveryError):
    pass


class NoFeedFound(DiscoveryError):
    pass


@dataclass(frozen=True)
class Discovered:
    feed_url: str  # where the feed was read (after redirects)
    title: str | None
    site_url: str | None  # the page it was found on, if the admin gave a page
    entries: int


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.links.append(values["href"])

    handle_startendtag = handle_starttag


def feed_links(html: str, page_url: str) -> list[str]:
    """Absolute http(s) feed URLs a page advertises, in its order, without repeats."""
    parser = _FeedLinks()
    try:
        parser.feed(html[:_MAX_HTML_CHARS])
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; keep what was found
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: list[str] = []
    for href in parser.links:
        url = urljoin(base, href.strip())
        if url.split(":", 1)[0].lower() in ("http", "https") and url not in found:
            found.append(url)
    return found


def find_feed(url: str) -> Discovered:
    """The feed at `url`, or the first feed the page at `url` links to that parses.
    Raises UnsafeUrl (refused address or scheme), FeedUnreachable or NoFeedFound."""
    check_url(url)
    deadline = time.monotonic() + DISCOVERY_BUDGET_S
    page = _get(url, deadline)
    try:
        return _found(url, page, None)
    except FeedParseError as exc:
        unreadable = exc
    if _looks_like_a_feed(page):
        # A feed we cannot read is not a page without feed links: say what was wrong with it.
        raise NoFeedFound(f"{page.final_url} looks like a feed but cannot be read: {unreadable}")
    html = (page.body or b"").decode(_charset(page.content_type), errors="replace")
    candidates = feed_links(html, page.final_url)
    if not candidates:
        raise NoFeedFound(f"{page.final_url} is not a feed and its page links to none "
                          '(no <link rel="alternate" type="application/rss+xml"> or similar)')
    problems: list[str] = []
    for candidate in candidates[:MAX_CANDIDATES]:
        try:
            check_url(candidate)
            return _found(candidate, _get(candidate, deadline), page.moved_to or url)
        except (UnsafeUrl, DiscoveryError, FeedParseError) as exc:
            problems.append(f"{candidate}: {exc}")
    raise NoFeedFound(f"{page.final_url} links to feeds, but none could be read: "
                      + "; ".join(problems))


def _get(url: str, deadline: float) -> FetchResult:
    left = deadline - time.monotonic()
    if left < 1:
        raise FeedUnreachable(f"out of time before reading {url}")
    result = fetch(url, total_timeout_s=left)
    if result.refused:
        raise UnsafeUrl(f"refused {url}: {result.error}")
    if not result.ok:
        raise FeedUnreachable(f"cannot read {url}: {result.error}")
    return result


def _found(requested: str, result: FetchResult, site_url: str | None) -> Discovered:
    """Raises FeedParseError when `result` is not a feed."""
    parsed = parse_feed(result.body or b"", base_url=result.final_url,
                        content_type=result.content_type)
    # The URL asked for, or where it moved for good; never a temporary redirect's target.
    return Discovered(feed_url=result.moved_to or requested, title=parsed.title,
                      site_url=site_url, entries=len(parsed.entries))


def _looks_like_a_feed(page: FetchResult) -> bool:
    body = page.body or b""
    mime = (page.content_type or "").split(";")[0].strip().lower()
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (looks_like_json_feed(body, page.content_type)
            or (mime in FEED_TYPES and mime != "application/xml" and mime != "text/xml")
            or head.startswith((b"<rss", b"<feed", b"<rdf:rdf"))
            or (head.startswith(b"<?xml") and any(tag in head for tag in (b"<rss", b"<feed"))))


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            name = value.strip().strip('"')
            try:
                "".encode(name)
                return name
            except LookupError:
                break
    return "utf-8"
