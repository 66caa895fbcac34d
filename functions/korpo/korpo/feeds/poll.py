"""Picks the feeds that are due and runs fetch -> parse -> store for each, concurrently.

A feed is the unit of failure: whatever goes wrong with one (the site, its XML, a bug of
ours it triggers) is recorded on that feed, and the others are polled as if nothing happened.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from korpo.feeds import store
from korpo.feeds import fetch as fetch_module
from korpo.feeds import limits
from korpo.feeds.fetch import FetchResult, fetch
from korpo.feeds.parse import FeedParseError, ParsedFeed, parse_feed
from korpo.models import FeedModel, PostModel

logger = logging.getLogger(__name__)

# rate(15 minutes) fires a few seconds early or late: without this slack a feed due at
# 12:15:00.3 and a run at 12:15:00.1 would wait for the 12:30 run.
DUE_GRACE = timedelta(minutes=1)

OK, NOT_MODIFIED, FAILED, SKIPPED = "ok", "not_modified", "failed", "skipped"


@dataclass(frozen=True)
class FeedOutcome:
    feed_id: str
    url: str
    result: str  # OK | NOT_MODIFIED | FAILED | SKIPPED (not polled: not due, or out of time)
    http_status: int | None = None
    created: int = 0
    updated: int = 0
    error: str | None = None


@dataclass(frozen=True)
class PollReport:
    started_at: datetime
    elapsed_ms: int
    outcomes: list[FeedOutcome] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def created(self) -> int:
        return sum(o.created for o in self.outcomes)

    @property
    def updated(self) -> int:
        return sum(o.updated for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary: counts first, then one line per feed."""
        return {
            "started_at": store.iso(self.started_at),
            "elapsed_ms": self.elapsed_ms,
            "feeds": len(self.outcomes),
            "ok": self.count(OK),
            "not_modified": self.count(NOT_MODIFIED),
            "failed": self.count(FAILED),
            "skipped": self.count(SKIPPED),
            "posts_created": self.created,
            "posts_updated": self.updated,
            "outcomes": [asdict(o) for o in self.outcomes],
        }


# Feeds fetched at once (the template's KORPO_FEEDS_CONCURRENCY). Sized by CPU: a feed costs
# about 10 ms of one core (fetch, parse, DynamoDB client), all under one GIL, and 20 fetches
# waiting 200 ms each keep one core busy; 32 only queue on the GIL (bench: poll_feeds.*,
# docs/decisions.md). Memory is bounded too: each fetch may buffer up to fetch.MAX_BYTES
# (20 x 5 MB = 100 MB at worst), and big bodies are parsed one at a time.
DEFAULT_CONCURRENCY = 20
BIG_BODY_BYTES = 512 * 1024
_big_parse = threading.Lock()
# A big body waits at most this long for its turn to parse; then it is "too slow" (and tried
# again at its next poll) rather than holding its worker past the run's margin.
BIG_PARSE_WAIT_S = 10.0
MAX_FEEDS_PER_RUN = 2000
WRITES_S = 10.0  # a feed's DynamoDB writes, generously (botocore retries included)


def feed_worst_case_s() -> float:
    """The longest a feed started in time can take: the fetch (cut by its deadline), its
    turn for a big parse, the parse (cut by limits.py), and its writes. The handler stops
    starting feeds this long before the function's timeout, so every run ends in time and
    records every feed it started."""
    return fetch_module.TOTAL_TIMEOUT_S + BIG_PARSE_WAIT_S + limits.PARSE_WALL_S + WRITES_S


def poll_due(now: datetime | None = None, force: bool = False,
             max_workers: int = DEFAULT_CONCURRENCY, limit: int = MAX_FEEDS_PER_RUN,
             budget_s: float | None = None) -> PollReport:
    """Poll the feeds that are due (every feed with `force`), at most `limit` of them,
    soonest due first.

    Nothing is lost when there is more to do than one run can: feeds past `limit`, and
    feeds not started when `budget_s` runs out, keep their next_poll_at, so they are still
    due (and first in line) at the next run.
    """
    now = now or datetime.now(timezone.utc)
    # A paused feed is never due (its sort key is after every instant); "all" skips it too.
    feeds = ([f for f in store.list_feeds(limit) if not f.paused] if force
             else store.due_feeds(now + DUE_GRACE, limit))
    if len(feeds) >= limit:
        logger.warning("more feeds due than one run takes: the rest stay due",
                       extra={"limit": limit})
    return _poll(feeds, now, max_workers, budget_s)


def poll_feed_id(feed_id: str, force: bool = True, now: datetime | None = None,
                 fetch_timeout_s: float | None = None) -> PollReport:
    """Poll one feed now (or only if due, without `force`), paused or not when forced: an
    admin asked for this one. `fetch_timeout_s` bounds its fetch (default: fetch's own).
    Raises store.FeedNotFound."""
    now = now or datetime.now(timezone.utc)
    feed = store.get_feed(feed_id)
    if not force and (feed.paused or feed.next_poll_at > now + DUE_GRACE):
        why = "paused" if feed.paused else f"not due until {store.iso(feed.next_poll_at)}"
        return PollReport(now, 0, [FeedOutcome(feed.feed_id, feed.url, SKIPPED, error=why)])
    started = time.monotonic()
    outcome = poll_feed(feed, now, fetch_timeout_s=fetch_timeout_s)
    return PollReport(now, int((time.monotonic() - started) * 1000), [outcome])


def poll_feed(feed: FeedModel, now: datetime, fetch_slot: AbstractContextManager = nullcontext(),
              deadline: float | None = None,
              fetch_timeout_s: float | None = None) -> FeedOutcome:
    """Fetch, parse and store one feed, and record its health. Never raises.

    `fetch_slot` is held while the feed is fetched and parsed, and released before its
    DynamoDB writes: the run's bound on fetches in flight (and on bodies in memory) is not
    spent waiting on DynamoDB. A feed that gets its slot after `deadline` is not polled.
    """
    try:
        with fetch_slot:
            if deadline is not None and time.monotonic() >= deadline:
                return FeedOutcome(feed.feed_id, feed.url, SKIPPED,
                                   error="out of time: still due")
            result = fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified,
                           total_timeout_s=fetch_timeout_s)
            parsed = _parse(result) if result.ok else None
        if result.not_modified:
            store.record_success(feed, now, etag=result.etag, last_modified=result.last_modified,
                                 status=result.status, moved_to=result.moved_to)
            return FeedOutcome(feed.feed_id, feed.url, NOT_MODIFIED, result.status)
        if not result.ok:
            return _failed(feed, now, result.error or "no body", result.status,
                           result.retry_after_s)
        if isinstance(parsed, FeedParseError):
            return _failed(feed, now, f"{type(parsed).__name__}: {parsed}", result.status)
        created, updated = store.upsert_posts(feed, parsed.entries, now)
        store.record_success(feed, now, etag=result.etag, last_modified=result.last_modified,
                             title=parsed.title, status=result.status, moved_to=result.moved_to)
        return FeedOutcome(feed.feed_id, feed.url, OK, result.status, created, updated)
    except Exception as exc:  # noqa: BLE001 - the unit of failure is one feed, see module doc
        logger.exception("feed poll crashed", extra={"feed_id": feed.feed_id})
        return _failed(feed, now, f"internal error: {type(exc).__name__}: {exc}", None)


class ParseQueueTimeout(FeedParseError):
    pass


def _parse(result: FetchResult) -> ParsedFeed | FeedParseError:
    body = result.body or b""
    try:
        if len(body) <= BIG_BODY_BYTES:
            return parse_feed(body, base_url=result.final_url, content_type=result.content_type)
        if not _big_parse.acquire(timeout=BIG_PARSE_WAIT_S):
            raise ParseQueueTimeout(f"too slow: waited {BIG_PARSE_WAIT_S:g} s for a turn to "
                                    "parse a big body")
        try:
            return parse_feed(body, base_url=result.final_url, content_type=result.content_type)
        finally:
            _big_parse.release()
    except FeedParseError as exc:
        return exc


def _failed(feed: FeedModel, now: datetime, error: str, status: int | None,
            retry_after_s: float | None = None) -> FeedOutcome:
    logger.warning("feed failed", extra={"feed_id": feed.feed_id, "url": feed.url,
                                         "error": error})
    try:
        store.record_failure(feed, now, error, status=status, retry_after_s=retry_after_s)
    except Exception:  # noqa: BLE001 - e.g. throttled: the feed simply stays due
        logger.exception("could not record feed failure", extra={"feed_id": feed.feed_id})
    return FeedOutcome(feed.feed_id, feed.url, FAILED, status, error=error)


def _poll(feeds: list[FeedModel], now: datetime, max_workers: int,
          budget_s: float | None) -> PollReport:
    started = time.monotonic()
    deadline = None if budget_s is None else started + budget_s
    fetches = max(1, min(max_workers, len(feeds)))

    if not feeds:
        outcomes: list[FeedOutcome] = []
    else:
        # PynamoDB makes its botocore client lazily, unlocked: made here once, not by every
        # pool thread racing at a cold start (~80 ms of CPU and ~8 MB each).
        for model in (FeedModel, PostModel):
            model._get_connection().connection.client  # noqa: B018 - warm the lazy client
        # Threads, not processes: the work is waiting on sockets (and Lambda has no /dev/shm
        # for multiprocessing). `max_workers` fetches at once, so 500 feeds do not open 500
        # connections; twice as many threads, so that while some feeds wait on DynamoDB
        # others keep every fetch slot busy.
        slots = threading.BoundedSemaphore(fetches)
        with ThreadPoolExecutor(max_workers=min(2 * fetches, len(feeds)),
                                thread_name_prefix="poll") as pool:
            outcomes = list(pool.map(lambda feed: poll_feed(feed, now, slots, deadline),
                                     feeds))
    return PollReport(now, int((time.monotonic() - started) * 1000), outcomes)
