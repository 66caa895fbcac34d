"""HTTP GET of one feed: through the SSRF guard (every connection, every redirect hop),
conditional, bounded in size (after decompression) and time, never raising for the web's
failures (they are a feed's health, not our bug)."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import connection as urllib3_connection
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from korpo.feeds import guard
from korpo.feeds.deadline import register, watching
from korpo.feeds.guard import HostNotFound, UnsafeUrl

USER_AGENT = ("Korpo/0.2 (+https://github.com/korpo; employee-advocacy feed reader; "
              "polls each feed at most every few minutes)")
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, "
          "*/*;q=0.5")
MAX_REDIRECTS = 5
# A Retry-After longer than this is read as "a day": the feed's backoff cap.
MAX_RETRY_AFTER_S = 24 * 3600
_PERMANENT = (301, 308)
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 15.0
# Per-socket timeouts do not bound a server that drips one byte every few seconds: the
# whole fetch (connect, TLS, every redirect hop, headers, body) is cut at this wall-clock
# limit by the watchdog in feeds/deadline.py, which shuts its sockets down.
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
    retry_after_s: float | None = None  # from a 429/503's Retry-After, capped
    # Where the feed now lives when every redirect from the stored URL was permanent (301,
    # 308) and the new place answered: the stored URL is updated to it.
    moved_to: str | None = None
    refused: bool = False  # the SSRF guard refused the URL or an address it resolved to

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None


class _PinnedConnectionMixin:
    """Resolve the host, check every address (guard.resolve), connect to a checked one.

    urllib3 would resolve the name itself inside create_connection; a second lookup could
    answer differently (DNS rebinding). Here the address that was checked is the address
    connected to. TLS is untouched: SNI and certificate checks use the host name.
    """

    def _new_conn(self) -> socket.socket:
        addresses = guard.resolve(self._dns_host, self.port)  # UnsafeUrl, HostNotFound
        last_error: OSError | None = None
        for address in addresses:
            try:
                sock = urllib3_connection.create_connection(
                    (address, self.port), self.timeout, source_address=self.source_address,
                    socket_options=self.socket_options)
                register(sock)  # the fetch's deadline shuts it down (before TLS is even up)
                return sock
            except socket.timeout as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. "
                          f"(connect timeout={self.timeout})") from exc
            except OSError as exc:
                last_error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


class GuardedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _DeadlinePoolMixin:
    """A kept-alive connection taken from the pool is the current fetch's to cut too."""

    def _get_conn(self, timeout: float | None = None):  # noqa: ANN202
        conn = super()._get_conn(timeout)
        register(getattr(conn, "sock", None))
        return conn


class _GuardedHTTPPool(_DeadlinePoolMixin, HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSPool(_DeadlinePoolMixin, HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose every connection goes through the SSRF guard, redirects
    included (requests follows them through the same adapter)."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool,
                                                   "https": _GuardedHTTPSPool}

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # noqa: ANN001, ANN003, ANN201
        # A proxy would connect for us, to addresses we never checked.
        raise UnsafeUrl("feeds are never fetched through a proxy")


def new_session() -> requests.Session:
    """A session with our identity, the SSRF guard on every connection, and one quick retry
    of a failed connection.

    No retry of 5xx answers here: a feed that keeps failing is retried on a later poll, with
    backoff (store.record_failure) and its Retry-After, not by holding a worker.
    """
    session = requests.Session()
    # Environment proxies and .netrc credentials are not for fetching third-party URLs.
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    session.headers.update({"User-Agent": USER_AGENT, "Accept": ACCEPT})
    retry = Retry(total=1, connect=1, read=0, status=0, redirect=0, backoff_factor=0.2,
                  allowed_methods=frozenset({"GET"}), raise_on_status=False)
    adapter = GuardedAdapter(max_retries=retry)
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
          total_timeout_s: float | None = None) -> FetchResult:
    """GET `url`, sending the validators from the last success so an unchanged feed costs a 304.

    Ends within `total_timeout_s` whatever the server does (feeds/deadline.py); a fetch cut
    there is an error saying "too slow", never a truncated body (default: TOTAL_TIMEOUT_S)."""
    if total_timeout_s is None:
        total_timeout_s = TOTAL_TIMEOUT_S
    with watching(total_timeout_s) as cut:
        result = _fetch(url, etag, last_modified, session or thread_session(), max_bytes,
                        cut.at)
    if cut.expired:
        return FetchResult(None, None, None, None, url, error=_describe(FetchTimeout(
            f"too slow: no complete answer within {total_timeout_s:g} s")))
    return result


def _fetch(url: str, etag: str | None, last_modified: str | None, session: requests.Session,
           max_bytes: int, deadline: float) -> FetchResult:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        guard.check_url(url)
        def in_time(response: requests.Response, *args, **kwargs) -> requests.Response:
            # Runs on each answer, redirects included: a chain of slow hops stops here.
            if time.monotonic() > deadline:
                response.close()
                raise FetchTimeout("too slow: redirects took too long")
            return response

        with session.get(url, headers=headers, stream=True, allow_redirects=True,
                         timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                         hooks={"response": in_time}) as response:
            final_url = response.url or url
            status = response.status_code
            if status == 304:
                # Some servers omit the validators on a 304: keep the ones we sent.
                return FetchResult(304, None, response.headers.get("ETag") or etag,
                                   response.headers.get("Last-Modified") or last_modified,
                                   final_url, moved_to=_moved_to(response))
            if not 200 <= status < 300:
                error = f"HTTP {status} {response.reason or ''}".rstrip()
                retry_after = (retry_after_seconds(response.headers.get("Retry-After"))
                               if status in (429, 503) else None)
                return FetchResult(status, None, None, None, final_url, error,
                                   retry_after_s=retry_after)
            body = _read_capped(response, max_bytes, deadline)
            return FetchResult(status, body, response.headers.get("ETag"),
                               response.headers.get("Last-Modified"), final_url,
                               content_type=response.headers.get("Content-Type"),
                               moved_to=_moved_to(response))
    except UnsafeUrl as exc:
        return FetchResult(None, None, None, None, url, error=_describe(exc), refused=True)
    except (FetchError, HostNotFound) as exc:
        return FetchResult(None, None, None, None, url, error=_describe(exc))
    except requests.RequestException as exc:
        # A connect or read timeout (requests reports one in the body as a ConnectionError).
        timed_out = isinstance(exc, requests.Timeout) or any(
            isinstance(arg, (Urllib3Timeout, socket.timeout)) for arg in exc.args)
        return FetchResult(None, None, None, None, url,
                           error=("too slow: " if timed_out else "") + _describe(exc))


def _moved_to(response: requests.Response) -> str | None:
    """The last URL reached through permanent redirects only, from the first request on."""
    moved = None
    hops = [*response.history, response]
    for hop, following in zip(hops, hops[1:]):
        if hop.status_code not in _PERMANENT:
            break
        moved = following.url
    return moved


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now (delta-seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"too large: response declares {declared} bytes, "
                               f"cap is {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    # iter_content decompresses: the cap counts what we would parse, not what crossed the wire.
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"too large: response exceeds {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchTimeout("too slow: response took too long to arrive")
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS - 1] + "…"
