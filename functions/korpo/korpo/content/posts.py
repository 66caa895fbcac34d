"""Posts as employees read them: newest first, hidden ones left out unless asked for; and
an admin hiding a post (a crisis), which also stops its share links from earning."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timezone

from pynamodb.exceptions import DoesNotExist, UpdateError

from korpo.models import LinkModel, PinModel, PostModel
from korpo.models.catalog import POSTS_PK

MAX_LIMIT = 500


def list_posts(limit: int = 50, include_hidden: bool = False) -> list[PostModel]:
    """Newest first: a descending Query on gsi1, whose sort key starts with the publish time."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    # The filter runs after DynamoDB's per-page Limit; PynamoDB keeps paging until `limit`
    # posts are found, so hidden posts cost reads, never missing results.
    visible = None if include_hidden else (
        (PostModel.hidden == False) | PostModel.hidden.does_not_exist())  # noqa: E712
    return list(PostModel.gsi1.query(POSTS_PK, filter_condition=visible,
                                     scan_index_forward=False, limit=limit))


def get_post(post_id: str) -> PostModel | None:
    try:
        return PostModel.get(*PostModel.key(post_id))
    except DoesNotExist:
        return None


class PostNotFound(LookupError):
    pass


def hidden_since(post_ids: Iterable[str]) -> dict[str, datetime]:
    """{post id: when it was hidden} for the hidden ones among `post_ids`: one BatchGetItem
    (per 100 posts), never cached, so a crisis hide stops points at once whatever the
    click path's link cache still says."""
    return award_facts(post_ids)[0]


def award_facts(post_ids: Iterable[str]) -> tuple[dict[str, datetime], dict[str, str]]:
    """What award_points needs of a batch's posts, in one BatchGetItem (per 100 posts):
    ({post id: when it was hidden} for the hidden ones, {post id: its channel (feed id)})."""
    keys = [PostModel.key(p) for p in dict.fromkeys(post_ids)]
    hidden: dict[str, datetime] = {}
    channel: dict[str, str] = {}
    for post in PostModel.batch_get(
            keys, attributes_to_get=["post_id", "feed_id", "hidden", "hidden_at"]):
        if post.hidden and post.hidden_at is not None:
            hidden[post.post_id] = post.hidden_at
        if post.feed_id:
            channel[post.post_id] = post.feed_id
    return hidden, channel


def hide_post(post_id: str, now: datetime | None = None) -> tuple[PostModel, int]:
    """Hide a post: gone from the feed, no new share links (links.get_or_create refuses
    hidden posts), and every existing link of it marked hidden, which track_click answers
    with its 404 page, recording no click, so nothing is earned. Returns (post, links marked).

    Idempotent: hiding again re-marks the links (a link made in the instant before the hide
    is caught the second time)."""
    return _set_hidden(post_id, True, now or datetime.now(timezone.utc))


def unhide_post(post_id: str) -> tuple[PostModel, int]:
    """Show a post again; its links earn again."""
    return _set_hidden(post_id, False, None)


def _set_hidden(post_id: str, hidden: bool, now: datetime | None) -> tuple[PostModel, int]:
    post = get_post(post_id)
    if post is None:
        raise PostNotFound(post_id)
    # The post first: from this write on, no new link can be made for it.
    post.update(actions=[PostModel.hidden.set(hidden),
                         PostModel.hidden_at.set(now) if hidden else PostModel.hidden_at.remove()])
    marked = 0
    for link in LinkModel.gsi1.query(f"LINKS#{post_id}"):
        if bool(link.hidden) == hidden:
            continue
        try:
            link.update(actions=[LinkModel.hidden.set(hidden)],
                        condition=LinkModel.pk.exists())
            marked += 1
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    return post, marked


NEWS_PAGE_MAX = 50
_CURSOR_CHARS = 120
MANUAL_FEED = "manual"  # the feed_id of posts an admin adds by hand (korpo.content.curate)
# Posts one news page may look at beyond what it shows (other teams' channels, pinned ones):
# a page's reads stay bounded whatever the audience rules leave out.
NEWS_EXAMINED_MAX = 300


def _cursor(before: str | None) -> str | None:
    if before is not None and (len(before) > _CURSOR_CHARS or "#" not in before):
        return None  # a cursor we did not make: start from the newest
    return before


def in_news(post: PostModel, now: datetime, hidden_feeds: Collection[str] = ()) -> bool:
    """Whether employees see (and may share) this post: not hidden, not expired, and not of
    a channel kept from them (`hidden_feeds`: deleted ones, other teams')."""
    if post.hidden or (post.expires_at is not None and post.expires_at <= now):
        return False
    return post.feed_id not in hidden_feeds


def pinned_posts(now: datetime, hidden_feeds: Collection[str] = ()) -> list[PostModel]:
    """The pinned posts employees see, the latest pin first: one Query of the few pins and
    one BatchGet of their posts."""
    pins = sorted(PinModel.query("PINS"), key=lambda p: p.pinned_at, reverse=True)
    found = {p.post_id: p for p in PostModel.batch_get(
        [PostModel.key(pin.post_id) for pin in pins])} if pins else {}
    return [found[pin.post_id] for pin in pins
            if pin.post_id in found and in_news(found[pin.post_id], now, hidden_feeds)]


def news_page(limit: int = 20, before: str | None = None, feed_id: str | None = None, *,
              hidden_feeds: Collection[str] = (),
              now: datetime | None = None) -> tuple[list[PostModel], str | None]:
    """A page of the news, newest first, from `before` (the cursor the previous page gave),
    optionally of one channel. Returns (posts, next cursor).

    The first page starts with the pinned posts (which are then left out of the dated
    list). Hidden and expired posts are filtered by DynamoDB; the channels an employee does
    not see (`hidden_feeds`: other teams', deleted ones) here, reading at most
    NEWS_EXAMINED_MAX posts a page: past that, the page ends early with a cursor."""
    if not 1 <= limit <= NEWS_PAGE_MAX:
        raise ValueError(f"limit must be from 1 to {NEWS_PAGE_MAX}")
    now = now or datetime.now(timezone.utc)
    before = _cursor(before)
    pinned = [p for p in pinned_posts(now, hidden_feeds) if not feed_id or p.feed_id == feed_id]
    pinned_ids = {p.post_id for p in pinned}
    condition = ((PostModel.hidden == False) | PostModel.hidden.does_not_exist()) & (  # noqa: E712
        PostModel.expires_at.does_not_exist() | (PostModel.expires_at > now))
    if feed_id:
        condition = condition & (PostModel.feed_id == feed_id)
    found: list[PostModel] = []
    examined = 0
    last_seen = None
    for post in PostModel.gsi1.query(POSTS_PK, PostModel.gsi1sk < before if before else None,
                                     filter_condition=condition, scan_index_forward=False,
                                     page_size=min(limit * 2 + 1, 100)):
        examined += 1
        last_seen = post.gsi1sk
        if post.post_id not in pinned_ids and in_news(post, now, hidden_feeds):
            found.append(post)
            if len(found) > limit:
                break
        if examined >= NEWS_EXAMINED_MAX:
            break
    page = found[:limit]
    if len(found) > limit:
        cursor = page[-1].gsi1sk
    elif examined >= NEWS_EXAMINED_MAX and last_seen:
        cursor = last_seen
    else:
        cursor = None
    return (pinned if before is None else []) + page, cursor


ADMIN_PAGE_MAX = 100


def admin_page(limit: int = 25, before: str | None = None) -> tuple[list[PostModel], str | None]:
    """Every post for the admins, hidden and expired ones too, newest first, a page at a
    time. Returns (posts, next cursor)."""
    if not 1 <= limit <= ADMIN_PAGE_MAX:
        raise ValueError(f"limit must be from 1 to {ADMIN_PAGE_MAX}")
    before = _cursor(before)
    found = list(PostModel.gsi1.query(POSTS_PK, PostModel.gsi1sk < before if before else None,
                                      scan_index_forward=False, limit=limit + 1))
    page = found[:limit]
    return page, (page[-1].gsi1sk if len(found) > limit and page else None)
