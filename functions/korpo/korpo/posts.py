"""Posts as employees read them: newest first, hidden ones left out unless asked for; and
an admin hiding a post (a crisis), which also stops its share links from earning."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from pynamodb.exceptions import DoesNotExist, UpdateError

from korpo.models import LinkModel, PostModel

POSTS_PK = "POSTS"
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


def news_page(limit: int = 20, before: str | None = None,
              feed_id: str | None = None) -> tuple[list[PostModel], str | None]:
    """A page of the news, newest first, from `before` (the cursor the previous page gave:
    its last post's sort key), optionally of one channel. Returns (posts, next cursor)."""
    if not 1 <= limit <= NEWS_PAGE_MAX:
        raise ValueError(f"limit must be from 1 to {NEWS_PAGE_MAX}")
    if before is not None and (len(before) > _CURSOR_CHARS or "#" not in before):
        before = None  # a cursor we did not make: start from the newest
    condition = (PostModel.hidden == False) | PostModel.hidden.does_not_exist()  # noqa: E712
    if feed_id:
        condition = condition & (PostModel.feed_id == feed_id)
    found = list(PostModel.gsi1.query(
        POSTS_PK, PostModel.gsi1sk < before if before else None, filter_condition=condition,
        scan_index_forward=False, limit=limit + 1))
    more = len(found) > limit
    page = found[:limit]
    return page, (page[-1].gsi1sk if more and page else None)
