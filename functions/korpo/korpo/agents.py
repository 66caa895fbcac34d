"""What a request's headers say about the client: bot or not, device class, browser family,
and which network sent it (from Referer). Pure functions over header values.

Bots and link-preview unfurlers are recognised by `crawlerdetect` (a maintained list of
crawler user agents) plus the unfurlers and headless browsers named below, and by
prefetch/prerender headers (Purpose, Sec-Purpose, X-Purpose, X-Moz). Browser family comes
from `ua-parser` (the uap-core rules); its regexes are compiled lazily, so both libraries
are imported on the first click of a container, not at import (docs/decisions.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping
from urllib.parse import urlsplit

# Unfurlers and automation that some crawler lists miss or that we must never count, matched
# case-insensitively anywhere in the user agent.
_EXTRA_BOTS = re.compile(
    r"slackbot|slack-imgproxy|linkedinbot|facebookexternalhit|facebookcatalog|twitterbot|"
    r"discordbot|whatsapp|telegrambot|googlebot|bingbot|applebot|pinterestbot|redditbot|"
    r"skypeuripreview|mastodon/|cardyb|embedly|iframely|vkshare|"
    r"headlesschrome|phantomjs|puppeteer|playwright|selenium|python-requests|curl/|wget/|"
    r"go-http-client|okhttp|axios|node-fetch|httpclient|java/|libwww|scrapy",
    re.IGNORECASE)
_PREFETCH_HEADERS = ("purpose", "sec-purpose", "x-purpose", "x-moz")
_PREFETCH_VALUES = ("prefetch", "prerender", "preview")
MAX_USER_AGENT = 1024  # longer user agents are refused at the edge (431)

REFERRER_NETWORKS = (
    ("linkedin", ("linkedin.com", "lnkd.in")),
    ("x", ("x.com", "twitter.com", "t.co")),
    ("facebook", ("facebook.com", "fb.com", "fb.me", "messenger.com", "instagram.com")),
    ("mastodon", ("mastodon.social", "mastodon.online", "mstdn.social", "fosstodon.org",
                  "hachyderm.io", "infosec.exchange", "mas.to")),
    ("bluesky", ("bsky.app", "bsky.social")),
    ("email", ("mail.google.com", "outlook.live.com", "outlook.office.com",
               "outlook.office365.com", "mail.yahoo.com", "mail.proton.me", "webmail")),
)

_MOBILE_OS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS",
              "Symbian OS", "Tizen"}
_DESKTOP_OS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian",
               "FreeBSD", "OpenBSD", "NetBSD", "Red Hat", "Gentoo", "Arch Linux", "Solaris"}


@dataclass(frozen=True)
class Agent:
    is_bot: bool
    device: str  # desktop | mobile | tablet | bot | other
    browser: str  # browser family ("Other" when unknown)


def is_prefetch(headers: Mapping[str, str]) -> bool:
    """A speculative load (prefetch, prerender, preview), not a person following the link."""
    for name in _PREFETCH_HEADERS:
        value = (headers.get(name) or "").lower()
        if any(word in value for word in _PREFETCH_VALUES):
            return True
    return False


@lru_cache(maxsize=1)
def _crawler_detector() -> Any:
    from crawlerdetect import CrawlerDetect

    return CrawlerDetect()


@lru_cache(maxsize=1)
def _ua_parser() -> Any:
    # Lazy builtins: each uap-core regex is compiled the first time it is tried, instead of
    # all ~1,000 at start (ua-parser's default costs ~200 ms at the first parse).
    from ua_parser import BasicResolver, Domain, Parser, load_lazy_builtins
    from ua_parser.caching import CachingResolver, S3Fifo

    parser = Parser(CachingResolver(BasicResolver(load_lazy_builtins()), S3Fifo(2000)))
    return parser, Domain.USER_AGENT | Domain.OS


def bot_name(user_agent: str) -> str | None:
    """The bot's name as found in its user agent, or None for a browser."""
    if not user_agent.strip():
        return "no user agent"  # browsers always send one; scripts often don't
    found = _EXTRA_BOTS.search(user_agent)
    if found:
        return found.group(0).rstrip("/")
    detector = _crawler_detector()
    if detector.is_crawler(user_agent):
        return detector.get_matches() or "crawler"
    return None


def is_bot_agent(user_agent: str) -> bool:
    return bot_name(user_agent) is not None


@lru_cache(maxsize=4096)
def describe(user_agent: str) -> Agent:
    """Bot or not, device class and browser family of a user agent (cached: a viral link is
    followed from the same few browsers). For a bot, `browser` is the bot's name."""
    bot = bot_name(user_agent)
    if bot is not None:
        return Agent(True, "bot", bot[:64])
    parser, domains = _ua_parser()
    result = parser(user_agent, domains)
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    return Agent(False, _device_class(user_agent, os_family), browser)


def _device_class(user_agent: str, os_family: str) -> str:
    ua = user_agent.lower()
    if "ipad" in ua or "tablet" in ua or "kindle" in ua or "silk/" in ua or (
            os_family == "Android" and "mobile" not in ua):
        return "tablet"
    if os_family in _MOBILE_OS or "mobi" in ua:
        return "mobile"
    if os_family in _DESKTOP_OS:
        return "desktop"
    return "other"


def referrer_network(referer: str | None) -> str:
    """linkedin | x | facebook | mastodon | bluesky | email | direct | other, from Referer.

    No Referer (an app, an email client, a typed URL, Referrer-Policy: no-referrer) is
    "direct"; an `android-app://com.linkedin.android` referrer counts for its network.
    """
    if not referer or not referer.strip():
        return "direct"
    try:
        host = (urlsplit(referer.strip()).hostname or "").lower()
    except ValueError:
        return "other"
    if referer.startswith("android-app://"):
        host = ".".join(reversed(host.split(".")))  # com.linkedin.android -> android.linkedin.com
    for network, domains in REFERRER_NETWORKS:
        for domain in domains:
            if host == domain or host.endswith("." + domain) or (
                    domain == "webmail" and domain in host):
                return network
    if host.startswith(("mail.", "webmail.")):
        return "email"
    return "other"
