"""Feed HTML is written by others and shown inside our app: keep a small allow-list of
formatting tags, and only http(s) links (no scripts, event handlers or javascript: URLs)."""
from __future__ import annotations

import html
from urllib.parse import urlsplit

import nh3

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "em", "figcaption", "figure", "h2", "h3",
    "h4", "i", "img", "li", "ol", "p", "pre", "strong", "ul",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}
URL_SCHEMES = frozenset({"http", "https"})
# A share destination or an image source, not a document: a feed's 1 MB "link" would make
# a post item past DynamoDB's 400 KB and a share link nobody can open.
MAX_URL_CHARS = 2048

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    # A relative URL would resolve against our app, not the brand's site; parse resolves the
    # ones it can against the feed's URL first.
    url_relative="deny",
    # Employees' clicks on a summary link should not pass on our app's URL or lend it rank.
    link_rel="noopener noreferrer nofollow",
)
_text_only = nh3.Cleaner(tags=set())


def clean_html(fragment: str | None) -> str | None:
    """Safe HTML to show as-is, or None when nothing visible is left."""
    if not fragment:
        return None
    cleaned = _cleaner.clean(fragment).strip()
    return cleaned or None


def plain_text(fragment: str | None) -> str:
    """Text with tags dropped (script and style contents too), entities decoded and
    whitespace collapsed: for titles and authors, which are shown as text, never as HTML."""
    if not fragment:
        return ""
    return " ".join(html.unescape(_text_only.clean(fragment)).split())


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with a host, else None: such URLs become share
    destinations and image sources, so javascript:, data: and relative ones are refused."""
    if not url or len(url) > 2 * MAX_URL_CHARS:
        return None
    # Feeds in the wild carry unencoded spaces; a browser would encode them the same way.
    url = url.strip().replace(" ", "%20")
    if len(url) > MAX_URL_CHARS or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in URL_SCHEMES or not parts.hostname:
        return None
    return url
