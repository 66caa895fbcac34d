"""What a request's headers say about the client: a person's browser, a bot, or neither
proven; device class, browser family, and which network sent it (from Referer). Pure
functions over header values.

A click earns only with positive evidence of a person's browser (docs/decisions.md, "Honest
clicks"), from two independent sources:
- the user agent parses (ua-parser, the uap-core rules) as a known browser or in-app browser
  on a known operating system, in the shape every current browser sends (`Mozilla/5.0 (…`,
  an engine token), and no deny list names it;
- the request carries what a browser's top-level navigation sends and a fetcher usually
  does not: `Accept` naming `text/html` (the Fetch standard's navigation Accept), and at
  least one of `Sec-Fetch-Mode: navigate` or `Accept-Language` (so neither older Safari,
  which lacks Sec-Fetch-*, nor a browser stripped of Accept-Language is refused).
The deny lists are the second net: `crawlerdetect` (a maintained list), the unfurlers,
previewers, AI agents and HTTP clients named below, prefetch/prerender headers (Purpose,
Sec-Purpose, X-Purpose, X-Moz), a subresource or framed fetch (Sec-Fetch-Mode other than
navigate, Sec-Fetch-Dest other than document), and a headless browser's client hints.
Neither proven nor denied is `unverified`: recorded, counted, never paid.

Both libraries are imported on the first click of a container, not at import; user agents
are cut to MAX_USER_AGENT characters before any parsing, and a longer one is a bot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping
from urllib.parse import urlsplit

HUMAN, UNVERIFIED, BOT = "human", "unverified", "bot"

# What the request's headers say (agents.request_evidence).
NAVIGATE = "navigate"  # a browser's top-level navigation
UNPROVEN = "unproven"  # nothing a navigation must carry: a fetcher, or a browser we cannot tell
PREFETCH = "prefetch"  # a speculative load (prefetch, prerender, preview)
SUBRESOURCE = "subresource"  # a fetch, image, script or frame: not a followed link
AUTOMATION = "automation"  # a headless browser's client hints

# The second net: unfurlers, previewers, AI agents and HTTP clients that some crawler lists
# miss or that we must never count, matched case-insensitively anywhere in the user agent.
# Sources of each are in tests/unit/test_agents_evidence.py. Compiled at a container's first
# click (~9 ms), not at import: the click path's init stays as cheap as before.
_EXTRA_BOTS_PATTERN = (
    # link previewers and unfurlers
    r"slackbot|slack-imgproxy|linkedinbot|facebookexternalhit|facebookcatalog|"
    r"meta-external|metainspector|twitterbot|discordbot|whatsapp|telegrambot|googlebot|"
    r"bingbot|applebot|pinterestbot|redditbot|skypeuripreview|mastodon/|cardyb|embedly|"
    r"iframely|vkshare|snap url preview|snapchat(?:bot|/\S+ \(like twitterbot)|"
    r"notionembedder|clickup|valve/steam|steam chat|yahoo(?:linkexpander|! slurp|seeker)|"
    r"ifttt|opengraph|og-?check|"
    r"metatags|imageproxy|image-proxy|googleimageproxy|ggpht|previewbot|preview|unfurl|"
    r"expander|bitlybot|"
    # AI assistants fetching for their user, and coding agents
    r"perplexity|chatgpt|openai|gptbot|claude|anthropic|gemini|google-extended|"
    r"notebooklm|googleagent|googleother|mariner|amazonbot|novaact|manus|devin|mistral|"
    r"cohere|youbot|duckassist|[a-z]-user/|\bcode/1\.|\btrae/|"
    # automation, monitoring, scanners
    r"headlesschrome|phantomjs|puppeteer|playwright|selenium|webdriver|lighthouse|"
    r"splash|synthetic|monitor|checkly|thousandeyes|dotcom-monitor|rigor|catchpoint|"
    r"scan|scraping|archiv|crawl|spider|\bbot\b|[a-z]bot/|"
    r"(?:https?://|\+https?:|www\.|@[a-z0-9-]+\.[a-z]{2,})|"
    # a bare domain standing as a token of its own ("…; example.com)", "+example.io"): not
    # a product's name with its version ("WEB.DE/1.5"), a field's value ("FBCR/Telekom.de")
    # or an app's reverse-DNS id ("jp.co.yahoo.ipn.appli"): a dotted token is not a URL
    # (possessive labels: linear on hostile input)
    r"(?<![\w./-])(?:[a-z0-9-]++\.)++(?:com|net|org|io|ai|fr|de|gy|gov|co)"
    r"(?![\w.-]|/\d)|agent|"
    # monitoring, SEO and audit tools that send a plain browser's user agent plus their name
    r"collapsify|newsai/|silktide|marketgoo|\bdlc/|securityheaders|cookiehub|readable/|"
    r"foregenix|testlocally|sindup|hotjar|watchtowr|criticalcss|"
    # HTTP clients of programming languages and tools
    r"python|aiohttp|httpx|requests|urllib|curl/|wget/|libcurl|go-http-client|okhttp|"
    r"axios|node-fetch|undici|node\.js|\bnode/|deno/|\bbun/|java/|httpclient|"
    r"apache-http|jakarta|php|guzzle|powershell|\bruby\b|faraday|"
    r"libwww|scrapy|postman|insomnia|httpie|dart:io|reqwest|hyper/|"
    r"cfnetwork|dalvik|electron-fetch|got \(|\bky/")
# An engine token after the platform: `WebKit/8612` without "Apple" is what Facebook's iOS
# in-app browser has sent since iOS 14 (the WebKit build, e.g. "… like Mac OS X) WebKit/8614
# (KHTML, like Gecko) …").
_BROWSER_SHAPE_PATTERN = r"^Mozilla/5\.0 \([^)]*\).*?(?:(?:Apple)?WebKit/|Gecko/|Trident/)"
_PREFETCH_HEADERS = ("purpose", "sec-purpose", "x-purpose", "x-moz")
_PREFETCH_VALUES = ("prefetch", "prerender", "preview")
MAX_USER_AGENT = 1024  # longer user agents are refused at the edge (431) and here (bot)

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
    browser: str  # browser family ("Other" when unknown); a bot's name for a bot
    is_browser: bool = False  # a known browser (or in-app browser) on a known OS


@dataclass(frozen=True)
class Verdict:
    klass: str  # human | unverified | bot
    agent: Agent
    evidence: str  # what the request's headers said (NAVIGATE, UNPROVEN, …)


def is_prefetch(headers: Mapping[str, str]) -> bool:
    """A speculative load (prefetch, prerender, preview), not a person following the link."""
    for name in _PREFETCH_HEADERS:
        value = (headers.get(name) or "").lower()
        if any(word in value for word in _PREFETCH_VALUES):
            return True
    return False


def request_evidence(headers: Mapping[str, str]) -> str:
    """What lower-case request headers say: NAVIGATE (a browser's top-level navigation),
    PREFETCH, SUBRESOURCE, AUTOMATION, or UNPROVEN. No single header some real browsers
    omit decides: `Accept` with text/html is what every browser's navigation sends (the
    Fetch standard), then either `Sec-Fetch-Mode: navigate` (Chromium 76+, Firefox 90+,
    Safari 16.4+) or `Accept-Language` (every browser, including older Safari)."""
    if is_prefetch(headers):
        return PREFETCH
    mode = (headers.get("sec-fetch-mode") or "").strip().lower()
    dest = (headers.get("sec-fetch-dest") or "").strip().lower()
    if (mode and mode != "navigate") or (dest and dest != "document"):
        return SUBRESOURCE
    if "headless" in (headers.get("sec-ch-ua") or "").lower():
        return AUTOMATION
    if "text/html" not in (headers.get("accept") or "").lower():
        return UNPROVEN
    if mode == "navigate" or (headers.get("accept-language") or "").strip():
        return NAVIGATE
    return UNPROVEN


def verdict(user_agent: str, evidence: str) -> Verdict:
    """human, unverified or bot (before the self and repeat checks): the one rule of the
    click path, from the user agent and the request's evidence (request_evidence)."""
    agent = describe(user_agent)
    if agent.is_bot or evidence in (PREFETCH, SUBRESOURCE, AUTOMATION):
        return Verdict(BOT, agent, evidence)
    if agent.is_browser and evidence == NAVIGATE:
        return Verdict(HUMAN, agent, evidence)
    return Verdict(UNVERIFIED, agent, evidence)


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


# Real browsers that crawlerdetect's list names: the desktop and mobile apps of Slack and
# Mattermost open links in built-in browsers whose user agent carries the app's name
# (crawlerdetect matches `Slack/`, as it should for Slack's own fetchers). Mattermost's
# desktop app puts its token last since 5.0, and before it in 4.x (Electron's default place:
# "… (KHTML, like Gecko) Mattermost/4.2.3 Chrome/61.0.3163.100 Electron/2.0.12 Safari/537.36").
_APP_BROWSERS_PATTERN = (r"\) AppleWebKit/[\d.]+ \(KHTML, like Gecko\) Slack/[\d.]+ |"
                         r" Slack_SSB/[\d.]+$| Mattermost/[\d.]+(?:-[\w.]+)?$|"
                         r"\) AppleWebKit/[\d.]+ \(KHTML, like Gecko\) Mattermost/[\d.]+"
                         r"(?:-[\w.]+)? Chrome/[\d.]+ Electron/[\d.]+ Safari/[\d.]+$")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(the extra bots, a browser's shape, the app browsers crawlerdetect names)."""
    return (re.compile(_EXTRA_BOTS_PATTERN, re.IGNORECASE), re.compile(_BROWSER_SHAPE_PATTERN),
            re.compile(_APP_BROWSERS_PATTERN))


def bot_name(user_agent: str) -> str | None:
    """The bot's name as found in its user agent, or None when no deny list names it."""
    if not user_agent.strip():
        return "no user agent"  # browsers always send one; scripts often don't
    if len(user_agent) > MAX_USER_AGENT:
        return "oversized user agent"
    if not user_agent.startswith("Mozilla/"):
        return "no browser token"  # every current browser's user agent starts so
    extra_bots, browser_shape, app_browsers = _patterns()
    found = extra_bots.search(user_agent)
    if found:
        return found.group(0).strip().rstrip("/")
    detector = _crawler_detector()
    if detector.is_crawler(user_agent) and not (
            browser_shape.match(user_agent) and app_browsers.search(user_agent)):
        return detector.get_matches() or "crawler"
    return None


def is_bot_agent(user_agent: str) -> bool:
    return bot_name(user_agent) is not None


def describe(user_agent: str) -> Agent:
    """Bot or not, browser or not, device class and browser family of a user agent (cached: a
    viral link is followed from the same few browsers). For a bot, `browser` is its name."""
    return _describe(user_agent[:MAX_USER_AGENT + 1])  # bounded before any regex or cache


@lru_cache(maxsize=4096)
def _describe(user_agent: str) -> Agent:
    bot = bot_name(user_agent)
    if bot is not None:
        return Agent(True, "bot", bot[:64])
    parser, domains = _ua_parser()
    result = parser(user_agent, domains)
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    is_browser = (browser != "Other" and os_family != "Other"
                  and _patterns()[1].match(user_agent) is not None)
    return Agent(False, _device_class(user_agent, os_family), browser, is_browser)


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
