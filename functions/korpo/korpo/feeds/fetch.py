"""HTTP GET of one feed: conditional, bounded in size and time, never raising for the web's
failures (they are a feed's health, not our bug)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "Korpo/0.1 (+https://github.com/korpo; feed poller)"
ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
          "*/*;q=0.5")
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 15.0
# Per-socket timeouts do not bound a server that drips one byte every few seconds. Checked
# between chunks, so a fetch lasts at most about this plus one READ_TIMEOUT_S.
TOTAL_TIMEOUT_S = 30.0
MAX_BYTES = 5 * 1024 * 1024
_CHUNK = 64 * 1024
_MAX_ERROR_CHARS = 300  # stored on the feed item: keep it readable and small


class FetchError(Exception):
    """A feed could not be fetched; the message becomes the feed's last_error."""


class ResponseTooLarge(FetchError):
    pass


class FetchTimeout(FetchError):
    pass


@dataclass(frozen=True)
class FetchResult:
    status: int | None  # None: no HTTP answer at all (DNS, connection, timeout)
    body: bytes | None  # only for a 2xx answer
    etag: str | None
    last_modified: str | None
    final_url: str  # after redirects: the base for the feed's relative links
    error: str | None = None
    content_type: str | None = None  # part of feedparser's charset detection

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None


def new_session() -> requests.Session:
    """A session with our identity and a small retry for transient failures.

    Retries stay short: a feed that keeps failing is retried on a later poll, with backoff
    (store.record_failure), not by holding a worker here.
    """
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": ACCEPT})
    retry = Retry(total=2, connect=2, read=0, status=1, backoff_factor=0.3,
                  status_forcelist=(502, 503, 504), allowed_methods=frozenset({"GET"}),
                  respect_retry_after_header=False, raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_local = threading.local()


def thread_session() -> requests.Session:
    """One session per worker thread: requests does not promise a Session is thread-safe,
    and a thread's feeds on the same host (several channels of one video site) share its
    connections."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = new_session()
    return session


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          session: requests.Session | None = None, max_bytes: int = MAX_BYTES,
          total_timeout_s: float = TOTAL_TIMEOUT_S) -> FetchResult:
    """GET `url`, sending the validators from the last success so an unchanged feed costs a 304."""
    session = session or thread_session()
    deadline = time.monotonic() + total_timeout_s
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with session.get(url, headers=headers, stream=True, allow_redirects=True,
                         timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) as response:
            final_url = response.url or url
            if response.status_code == 304:
                # Some servers omit the validators on a 304: keep the ones we sent.
                return FetchResult(304, None, response.headers.get("ETag") or etag,
                                   response.headers.get("Last-Modified") or last_modified,
                                   final_url)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
                return FetchResult(response.status_code, None, None, None, final_url, error)
            body = _read_capped(response, max_bytes, deadline)
            return FetchResult(response.status_code, body, response.headers.get("ETag"),
                               response.headers.get("Last-Modified"), final_url,
                               content_type=response.headers.get("Content-Type"))
    except FetchError as exc:
        return FetchResult(None, None, None, None, url, error=_describe(exc))
    except requests.RequestException as exc:
        return FetchResult(None, None, None, None, url, error=_describe(exc))


def _read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"response declares {declared} bytes, cap is {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    # iter_content decompresses: the cap counts what we would parse, not what crossed the wire.
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"response exceeds {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchTimeout("response took too long to arrive")
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS - 1] + "…"
