"""The demo brand's website on 127.0.0.1: its feeds (files in site/feeds) and its pages.

Feeds are files with placeholders filled in when served: {{BASE}} (this server's URL) and
{{rfc822 N}} / {{rfc3339 N}} (N days before the server started, so the demo's posts are
always recent and the same on every poll). Feeds answer conditional GETs (ETag,
Last-Modified, 304) as a real blog does, so poll_feeds' conditional requests are exercised.
Any page under /blog/ or /videos/ exists: it is where a share link lands, and it shows the
tracking parameters the redirect added. The home page (/) advertises the feeds with
<link rel="alternate">, so `POST /admin/feeds {"url": "<site>/"}` discovers them. The careers
page (/careers/) advertises the job board (site/careers/jobs.xml), which the seed leaves out:
an admin adds it by that page's URL to try discovery, "poll now" and a job-referral challenge.
"""
from __future__ import annotations

import hashlib
import html
import re
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SITE = Path(__file__).resolve().parent / "site"
_PLACEHOLDER = re.compile(r"\{\{(BASE|rfc822 (\d+)|rfc3339 (\d+))\}\}")
_CONTENT_TYPES = {"blog.xml": "application/rss+xml; charset=utf-8",
                  "videos.xml": "application/atom+xml; charset=utf-8",
                  "jobs.xml": "application/rss+xml; charset=utf-8"}


def render(text: str, base: str, started: datetime) -> str:
    def fill(match: re.Match[str]) -> str:
        if match.group(1) == "BASE":
            return base
        if match.group(2) is not None:
            return format_datetime(started - timedelta(days=int(match.group(2))))
        when = started - timedelta(days=int(match.group(3)))
        return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return _PLACEHOLDER.sub(fill, text)


class DemoSite:
    """serve_in_background() starts it; url and feed_urls say where it is; stop() ends it."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        # Whole minutes: the feeds' dates do not move between two polls.
        self.started = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.hits: list[str] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def feed_urls(self) -> dict[str, str]:
        """{file name: URL} of every feed in site/feeds."""
        return {p.name: f"{self.url}/feeds/{p.name}"
                for p in sorted((SITE / "feeds").glob("*.xml"))}

    @property
    def careers_url(self) -> str:
        """The careers page: its job board is discovered from it, never seeded."""
        return f"{self.url}/careers/"

    def feed(self, name: str, folder: str = "feeds") -> bytes | None:
        path = SITE / folder / name
        if "/" in name or not path.is_file():
            return None
        return render(path.read_text(encoding="utf-8"), self.url, self.started).encode()

    def serve_in_background(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="demo-site", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)


def _landing_page(path: str, query: str) -> bytes:
    params = "".join(f"<li><code>{html.escape(k)}</code> = <code>{html.escape(v)}</code></li>"
                     for k, v in parse_qsl(query, keep_blank_values=True))
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Korpo Demo</title>"
        "<body style='font-family:sans-serif;margin:3em;max-width:40em'>"
        f"<h1>Korpo Demo</h1><p>You landed on <code>{html.escape(path)}</code>, "
        "the demo brand's page for this post.</p>"
        + (f"<p>The share link added:</p><ul>{params}</ul>" if params else "")
        + "</body></html>").encode()


def _home_page(site: DemoSite) -> bytes:
    """What a brand's home page advertises: its feeds, as <link rel="alternate">."""
    links = "".join(
        f'<link rel="alternate" type="{_CONTENT_TYPES.get(name, "application/xml").split(";")[0]}"'
        f' title="{html.escape(name)}" href="/feeds/{html.escape(name)}">'
        for name in site.feed_urls)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Korpo Demo</title>"
            f"{links}</head><body><h1>Korpo Demo</h1></body></html>").encode()


def _careers_page() -> bytes:
    return (b'<!doctype html><html lang=en><head><meta charset=utf-8><title>Careers</title>'
            b'<link rel="alternate" type="application/rss+xml" title="Open positions" '
            b'href="/careers/jobs.xml"></head><body><h1>Work at Korpo Demo</h1></body></html>')


def _handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "korpo-demo-site"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            parts = urlsplit(self.path)
            site.hits.append(parts.path)
            if parts.path.startswith("/feeds/"):
                return self._feed(parts.path[len("/feeds/"):])
            if parts.path == "/":  # the brand's home page: admins can add it, feeds are discovered
                return self._send(200, "text/html; charset=utf-8", _home_page(site))
            if parts.path == "/careers/jobs.xml":
                return self._feed("jobs.xml", folder="careers")
            if parts.path == "/careers/":
                return self._send(200, "text/html; charset=utf-8", _careers_page())
            if parts.path.startswith(("/blog/", "/videos/", "/careers/")) and parts.path.endswith(
                    (".html", "/")):
                return self._send(200, "text/html; charset=utf-8",
                                  _landing_page(parts.path, parts.query))
            return self._send(404, "text/plain; charset=utf-8", b"not found\n")

        def _feed(self, name: str, folder: str = "feeds") -> None:
            body = site.feed(name, folder)
            if body is None:
                return self._send(404, "text/plain; charset=utf-8", b"no such feed\n")
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = format_datetime(site.started, usegmt=True)
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, None, b"", {"ETag": etag, "Last-Modified": modified})
            return self._send(200, _CONTENT_TYPES.get(name, "application/xml"), body,
                              {"ETag": etag, "Last-Modified": modified})

        def _send(self, status: int, content_type: str | None, body: bytes,
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
