"""Hostile feeds, generated (never downloaded): what a feed server can do to a poller.

Each Hostile names a route of tests/feed_server.py and what poll_feeds must record for it:
"ok" (a legitimate feed with an absurd field, read with the field cut) or "failed" with a
reason that says what happened. Used by tests/functions/test_poll_hostile.py and by the
bench (bench/poll_hostile.py), which polls them in one run with ordinary feeds.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache

LINK = "https://brand.example.com/"


@dataclass(frozen=True)
class Hostile:
    name: str
    route: dict  # FeedServer.serve keyword arguments (body, headers, drip_s, …)
    result: str  # "ok" or "failed"
    reason: str = ""  # a fragment of the recorded error, for "failed"
    posts: int | None = None  # for "ok": posts stored


def rss(items: str, head: str = "", extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{head}<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Hostile</title>'
            f"<link>{LINK}</link>{items}</channel></rss>{extra}").encode()


def item(n: int, inner: str = "") -> str:
    return (f"<item><title>Post {n}</title><link>{LINK}{n}</link><guid>g{n}</guid>"
            f"{inner}</item>")


def ordinary_feed(index: int, entries: int = 3) -> bytes:
    return rss("".join(item(n, f"<description>Post {n} of feed {index}.</description>")
                       .replace(f"<guid>g{n}</guid>", f"<guid>f{index}-{n}</guid>")
                       for n in range(entries)))


def _billion_laughs() -> bytes:
    entities = '<!ENTITY a "lollollollollollollollollol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    return rss(item(1, "<description>&i;</description>"), head=f"<!DOCTYPE rss [{entities}]>")


def _internal_entity(broken: bool = False) -> bytes:
    # ~118 KB on the wire, ~2 GB once expanded: one 50 KB entity used 40,000 times... here
    # 13,000 times (650 MB), enough to show it is never expanded.
    big = "x" * 50_000
    return rss(item(1, "<description>" + "&big;" * 13_000 + "</description>"),
               head=f'<!DOCTYPE rss [<!ENTITY big "{big}">]>', extra="&nbsp;" if broken else "")


@lru_cache(maxsize=1)
def _gzip_bomb() -> bytes:
    return gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024), compresslevel=9)


def hostile_set(base_path: str = "/hostile") -> list[Hostile]:
    """The set, each route under `base_path`. Redirect targets are relative to the server."""
    long = "a" * 250_000
    p = base_path
    return [
        Hostile("long_author", {"body": rss(item(1, f"<author>{long}</author>"))}, "ok", posts=1),
        Hostile("long_author_loose", {"body": rss(item(1, f"<dc:creator>{long}</dc:creator>"),
                                                  extra="&nbsp;")}, "ok", posts=1),
        Hostile("email_like_author", {"body": rss(item(1, "<managingEditor>"
                                                       + "a.b@c.d " * 40_000
                                                       + "</managingEditor>"))}, "ok", posts=1),
        Hostile("long_title", {"body": rss(item(1).replace("Post 1", "T" * 1_000_000))},
                "ok", posts=1),
        Hostile("long_link", {"body": rss(item(1).replace(f"{LINK}1", LINK + "x" * 1_000_000)
                                          + item(2))}, "ok", posts=1),
        Hostile("internal_entity", {"body": _internal_entity()}, "failed", "too complex to parse"),
        Hostile("internal_entity_loose", {"body": _internal_entity(broken=True)}, "failed",
                "too complex to parse"),
        Hostile("billion_laughs", {"body": _billion_laughs()}, "failed", "too complex to parse"),
        Hostile("deep_nesting", {"body": rss(item(1, "<x>" * 100_000 + "</x>" * 100_000))},
                "failed", "too complex to parse"),
        Hostile("deep_nesting_loose", {"body": rss(item(1, "<x>" * 200_000))}, "failed",
                "too complex to parse"),
        Hostile("many_attributes", {"body": rss(item(1, "<category " + " ".join(
            f'a{i}="v"' for i in range(50_000)) + ">c</category>"))}, "failed",
            "too complex to parse"),
        Hostile("deep_json", {"body": b'{"version": "https://jsonfeed.org/version/1.1", '
                                      b'"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                              "content_type": "application/feed+json"}, "failed",
                "too complex to parse"),
        Hostile("many_entries", {"body": rss("".join(item(n) for n in range(30_000)))}, "ok",
                posts=100),
        Hostile("many_json_items", {"body": json.dumps({
            "version": "https://jsonfeed.org/version/1.1", "title": "t",
            "items": [{"id": str(n), "url": f"{LINK}{n}"} for n in range(30_000)]}).encode(),
            "content_type": "application/feed+json"}, "ok", posts=100),
        Hostile("slow_drip", {"body": rss(item(1)), "drip_s": 0.5}, "failed", "too slow"),
        Hostile("slow_drip_headers", {"body": rss(item(1)), "drip_s": 0.5,
                                      "drip_headers": True}, "failed", "too slow"),
        Hostile("hang_after_headers", {"body": rss(item(1)), "delay_s": 600}, "failed",
                "too slow"),
        Hostile("gzip_bomb", {"body": _gzip_bomb(), "headers": {"Content-Encoding": "gzip"}},
                "failed", "too large"),
        Hostile("too_large", {"body": rss(item(1, "<description>" + "w " * 3_000_000
                                               + "</description>"))}, "failed", "too large"),
        Hostile("redirect_loop", {"body": b"", "redirect_to": f"{p}/redirect_loop.xml",
                                  "redirect_status": 302}, "failed", "redirect"),
    ]
