"""Posts as employees read them: newest first, hidden ones left out unless asked for."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from korpo.models import PostModel

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
