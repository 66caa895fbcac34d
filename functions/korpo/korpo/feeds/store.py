"""Feeds and their posts in the Catalog table (access patterns: korpo/models/catalog.py).

Writes are shaped for a poller that runs every 15 minutes for years: reads decide, and only
what changed is written (a new post, an edited post, the feed's health)."""
from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from korpo.feeds.entry import Entry
from korpo.feeds.sanitize import safe_url
from korpo.ids import stable_id
from korpo.models import FeedModel, GoneFeedsModel, PostModel
from korpo.models.base import sort_time as iso
from korpo.models.base import transaction_connection
from korpo.models.catalog import POSTS_PK

logger = logging.getLogger(__name__)

FEEDS_PK = "FEEDS"
MAX_BACKOFF = timedelta(hours=24)
_MAX_ERROR_CHARS = 500


class FeedStoreError(Exception):
    pass


class InvalidFeed(FeedStoreError, ValueError):
    """A feed that cannot be added as given (not an http(s) URL, a bad interval)."""


class FeedNotFound(FeedStoreError, LookupError):
    pass


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- feeds

MIN_INTERVAL_MINUTES = 5  # politeness: nobody needs a brand's news faster
MAX_INTERVAL_MINUTES = 7 * 24 * 60


def check_interval(interval_minutes: object) -> int:
    if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, int) \
            or not MIN_INTERVAL_MINUTES <= interval_minutes <= MAX_INTERVAL_MINUTES:
        raise InvalidFeed(f"interval_minutes must be an integer from {MIN_INTERVAL_MINUTES} to "
                          f"{MAX_INTERVAL_MINUTES}, got {interval_minutes!r}")
    return interval_minutes


def add_feed(url: str, title: str | None = None, interval_minutes: int = 15,
             now: datetime | None = None, site_url: str | None = None,
             audience: set[str] | None = None) -> FeedModel:
    """Register a feed, due at once. Adding a URL that is already stored (or that a stored
    feed moved to) returns the stored feed unchanged (its health and schedule are kept).

    No network here: discover.find_feed validates a URL before the api saves it.
    """
    clean_url = safe_url(url) if isinstance(url, str) else None
    if clean_url is None:
        raise InvalidFeed(f"feed URL must be an absolute http(s) URL, got {url!r}")
    check_interval(interval_minutes)
    now = now or _utc_now()
    feed_id = stable_id(clean_url)
    # A feed that moved (permanent redirect) keeps its id and posts under its new URL: adding
    # the new URL must not start a second copy of the same posts.
    moved_here = next((f for f in list_feeds() if f.url == clean_url), None)
    if moved_here is not None:
        return moved_here
    title = (title or "").strip() or None
    pk, sk = FeedModel.key(feed_id)
    feed = FeedModel(pk, sk, feed_id=feed_id, url=clean_url, title=title,
                     interval_minutes=interval_minutes, next_poll_at=now, created_at=now,
                     site_url=safe_url(site_url) if site_url and site_url != clean_url else None,
                     gsi1pk=FEEDS_PK, gsi1sk=f"{iso(now)}#{feed_id}", version=0, paused=False,
                     audience=set(audience) if audience else None)
    try:
        feed.save(condition=FeedModel.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return get_feed(feed_id)
    if feed_id in gone_feed_ids():
        # A channel deleted, then added again: its posts (same ids) are back in the news.
        GoneFeedsModel(*GoneFeedsModel.key()).update(
            actions=[GoneFeedsModel.feed_ids.delete({feed_id})])
    return feed


def gone_feed_ids() -> set[str]:
    """Ids of deleted channels (one GetItem): the news leaves their posts out."""
    try:
        return set(GoneFeedsModel.get(*GoneFeedsModel.key()).feed_ids or ())
    except DoesNotExist:
        return set()


def delete_feed(feed_id: str) -> bool:
    """Delete the feed and note its id among the gone ones, both or neither; False when there
    was no such feed. Its posts are kept (shared links resolve from their own items)."""
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.delete(FeedModel(*FeedModel.key(feed_id)), condition=FeedModel.pk.exists())
            tx.update(GoneFeedsModel(*GoneFeedsModel.key()),
                      actions=[GoneFeedsModel.feed_ids.add({feed_id})])
    except TransactWriteError:
        try:
            get_feed(feed_id)
        except FeedNotFound:
            return False  # the condition failed: nothing to delete
        raise
    return True


def get_feed(feed_id: str) -> FeedModel:
    try:
        return FeedModel.get(*FeedModel.key(feed_id))
    except DoesNotExist:
        raise FeedNotFound(f"no feed with id {feed_id!r}") from None


def list_feeds(limit: int | None = None) -> list[FeedModel]:
    """Every feed, soonest due first (a Query on gsi1: there are tens of feeds, not millions,
    but the Catalog also holds every post and link, which a Scan would read)."""
    return list(FeedModel.gsi1.query(FEEDS_PK, limit=limit))


def due_feeds(now: datetime, limit: int) -> list[FeedModel]:
    """Feeds whose next poll is at or before `now`, soonest first."""
    # "~" sorts after "#" and every id character: a feed due exactly at `now` is included.
    return list(FeedModel.gsi1.query(FEEDS_PK, FeedModel.gsi1sk <= iso(now) + "~",
                                     limit=limit))


def record_success(feed: FeedModel, now: datetime, *, etag: str | None = None,
                   last_modified: str | None = None, title: str | None = None,
                   status: int | None = None, moved_to: str | None = None) -> None:
    """The feed answered (200 or 304): keep its validators, clear its failures, schedule it.
    One write: a 304 costs exactly this."""
    def changes(current: FeedModel) -> dict[str, object]:
        next_poll = now + timedelta(minutes=int(current.interval_minutes))
        found = _schedule(current, next_poll) | {
            "etag": etag or None, "last_modified": last_modified or None, "last_status": status,
            "last_success_at": now, "last_polled_at": now, "last_error": None,
            "consecutive_failures": 0,
        }
        if title and not current.title:  # an admin's title is never overwritten by the feed's
            found["title"] = title
        moved = safe_url(moved_to) if moved_to else None
        if moved and moved != current.url:
            # Permanent redirect: poll the new place directly from now on. The feed id (and so
            # every post id) stays: the posts are not stored a second time.
            found["url"] = moved
        return found
    _write_back(feed, changes)


def record_failure(feed: FeedModel, now: datetime, error: str,
                   rand: Callable[[], float] = random.random, *, status: int | None = None,
                   retry_after_s: float | None = None) -> datetime:
    """The feed failed: back off exponentially so a dead site is not hammered, and never
    sooner than the site's Retry-After. Returns when it will next be polled. Validators are
    kept: the next success may still be a 304."""
    jitter = rand()  # drawn once: a retried write schedules the same instant
    scheduled: list[datetime] = []

    def changes(current: FeedModel) -> dict[str, object]:
        failures = int(current.consecutive_failures or 0) + 1
        next_poll = now + backoff(int(current.interval_minutes), failures, lambda: jitter)
        if retry_after_s:
            next_poll = max(next_poll, now + min(timedelta(seconds=retry_after_s), MAX_BACKOFF))
        scheduled.append(next_poll)
        return _schedule(current, next_poll) | {
            "last_error": error[:_MAX_ERROR_CHARS], "last_polled_at": now,
            "last_status": status, "consecutive_failures": failures,
        }
    _write_back(feed, changes)
    return scheduled[-1]


def paused_sort_key(feed_id: str) -> str:
    """gsi1sk of a paused feed: "~" sorts after every instant, so due_feeds never finds it."""
    return f"~paused#{feed_id}"


def _schedule(feed: FeedModel, next_poll: datetime) -> dict[str, object]:
    if feed.paused:  # polled on an admin's demand: it stays paused, out of the due list
        return {"next_poll_at": next_poll, "gsi1sk": paused_sort_key(feed.feed_id)}
    return {"next_poll_at": next_poll, "gsi1sk": f"{iso(next_poll)}#{feed.feed_id}"}


def same_version(version: int | None) -> Condition:
    """The feed still carries the admins' edit count it was read with (None and 0 alike:
    feeds stored before versions existed have none)."""
    if not version:
        return FeedModel.version.does_not_exist() | (FeedModel.version == 0)
    return FeedModel.version == int(version)


_WRITE_BACK_ATTEMPTS = 3


def _write_back(feed: FeedModel, changes_for: Callable[[FeedModel], dict[str, object]]) -> None:
    """Put the feed's item back as read, with `changes_for(feed)` applied (None removes an
    attribute).

    A whole-item PutItem rather than an UpdateItem of the changed attributes: the same one
    write unit, and less work on both sides (no update expression to build and evaluate,
    nothing sent back). It carries the version condition docs/decisions.md asks of it: an
    admin's edit (title, interval, audience, pause) made while the feed was polled bumps the
    version, the put fails, and the health is applied again to the feed as the admin left it
    (read again, consistently). The pk condition stops a put from resurrecting a feed
    deleted during the poll; `feed` itself is left as read.
    """
    current = feed
    for _ in range(_WRITE_BACK_ATTEMPTS):
        item = FeedModel(**{**current.attribute_values, **changes_for(current)})
        try:
            item.save(condition=FeedModel.pk.exists() & same_version(current.version))
            return
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        try:
            current = FeedModel.get(*FeedModel.key(feed.feed_id), consistent_read=True)
        except DoesNotExist:
            return  # deleted during the poll: nothing to record
    logger.warning("feed health not recorded: edited on every attempt",
                   extra={"feed_id": feed.feed_id})


def backoff(interval_minutes: int, failures: int,
            rand: Callable[[], float] = random.random) -> timedelta:
    """interval x 2^failures, at most 24 h, with "equal jitter" (half fixed, half random) so
    feeds that failed together (one host down) do not all come back in the same minute."""
    ceiling = min(timedelta(minutes=interval_minutes) * 2 ** min(failures, 20), MAX_BACKOFF)
    return max(ceiling / 2 + ceiling / 2 * rand(), timedelta(minutes=interval_minutes))


def set_or_remove(attribute, value):  # noqa: ANN001, ANN202 - PynamoDB's untyped actions
    return attribute.set(value) if value else attribute.remove()


def update_feed(feed: FeedModel, actions: list, condition: Condition | None) -> bool:
    """An admin's change to a feed, on the feed as it is (one UpdateItem, nothing read back);
    False when it was deleted or `condition` failed."""
    exists = FeedModel.pk.exists()
    return _update_in_place(feed, actions, exists & condition if condition is not None
                            else exists)


def _update_in_place(item: FeedModel | PostModel, actions: list, condition: Condition) -> bool:
    """One UpdateItem that asks for nothing back; False when `condition` failed.

    Model.update() asks for the whole item back (ReturnValues ALL_NEW) to refresh a model
    that the poller never reads again: bytes DynamoDB sends and the Lambda parses for
    nothing, on every poll of every feed.
    """
    try:
        type(item)._get_connection().update_item(item.pk, item.sk, actions=actions,
                                                 condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# ---------------------------------------------------------------- posts

def post_id_for(feed_id: str, entry_key: str) -> str:
    return stable_id(feed_id, entry_key)


def content_hash(entry: Entry) -> str:
    published = iso(entry.published_at) if entry.published_at else ""
    parts = (entry.title, entry.summary_html or "", entry.url, entry.author or "",
             entry.image_url or "", published)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


# What upsert_posts reads back of a stored post: enough to decide and to update, not the
# summaries (same read units, a fraction of the bytes to parse).
_DECIDING = ["pk", "sk", "post_id", "content_hash", "published_at"]


def upsert_posts(feed: FeedModel, entries: Iterable[Entry], now: datetime) -> tuple[int, int]:
    """Store new entries once and rewrite edited ones; returns (created, updated).

    One strongly consistent BatchGet decides: an unchanged entry costs a read, never a write.
    New posts go out in BatchWriteItem requests (25 posts each) rather than one conditional
    PutItem each: a first poll of a 20-entry feed stores its posts in 2 requests, not 21. The price, accepted
    in docs/decisions.md: a batch write takes no condition, so two polls of the same feed
    running at the same moment both write a new post (the same content twice, one item).
    """
    by_id = {post_id_for(feed.feed_id, e.entry_key): e for e in entries}
    if not by_id:
        return 0, 0
    keys = [PostModel.key(i) for i in by_id]
    existing = {p.post_id: p for p in PostModel.batch_get(keys, consistent_read=True,
                                                          attributes_to_get=_DECIDING)}
    new_posts: list[PostModel] = []
    updated = 0
    for post_id, entry in by_id.items():
        digest = content_hash(entry)
        post = existing.get(post_id)
        if post is None:
            new_posts.append(_new_post(feed, post_id, entry, digest, now))
        elif post.content_hash != digest:
            updated += _update_post(post, entry, digest, now)
    # PynamoDB resends unprocessed items and raises PutError when they stay unprocessed: the
    # feed then counts as failed, and the next poll's BatchGet finds what is still missing.
    with PostModel.batch_write() as batch:
        for post in new_posts:
            batch.save(post)
    return len(new_posts), updated


def _published(entry: Entry, fallback: datetime, now: datetime) -> datetime:
    # A post dated in the future would sit on top of the feed until that date.
    return min(entry.published_at or fallback, now)


def _new_post(feed: FeedModel, post_id: str, entry: Entry, digest: str,
              now: datetime) -> PostModel:
    published = _published(entry, now, now)
    pk, sk = PostModel.key(post_id)
    return PostModel(pk, sk, post_id=post_id, feed_id=feed.feed_id, title=entry.title,
                     summary_html=entry.summary_html, url=entry.url, author=entry.author,
                     image_url=entry.image_url, published_at=published, first_seen_at=now,
                     content_hash=digest, hidden=False, gsi1pk=POSTS_PK,
                     gsi1sk=f"{iso(published)}#{post_id}")


def _update_post(post: PostModel, entry: Entry, digest: str, now: datetime) -> int:
    published = _published(entry, post.published_at, now)
    # Only the feed's fields: `hidden`, first_seen_at and whatever else the app keeps on a
    # post survive an edit upstream.
    actions = [
        PostModel.title.set(entry.title),
        set_or_remove(PostModel.summary_html, entry.summary_html),
        PostModel.url.set(entry.url),
        set_or_remove(PostModel.author, entry.author),
        set_or_remove(PostModel.image_url, entry.image_url),
        PostModel.published_at.set(published),
        PostModel.gsi1sk.set(f"{iso(published)}#{post.post_id}"),
        PostModel.content_hash.set(digest),
    ]
    # Optimistic: if another poll already applied an edit, do not apply ours on top.
    return int(_update_in_place(post, actions, PostModel.content_hash == post.content_hash))
