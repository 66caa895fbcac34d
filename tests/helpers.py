"""Test helpers: the console events of events/ and small builders of domain data."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """events/<name>.json, a fresh copy each time."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))


def http_event(name: str, *, path_params: dict[str, str] | None = None,
               claims: dict[str, Any] | None = None, query: dict[str, str] | None = None,
               body: Any = None) -> dict[str, Any]:
    """An events/ API Gateway (payload 1.0) event, retargeted at other values."""
    event = load_event(name)
    if path_params is not None:
        event["pathParameters"] = path_params
        path = event["resource"]
        for key, value in path_params.items():
            path = path.replace("{" + key + "}", value)
        event["path"] = event["requestContext"]["path"] = path
    if claims is not None:
        event["requestContext"].setdefault("authorizer", {"scopes": None})["claims"] = claims
    if query is not None:
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def claims_for(sub: str, email: str, admin: bool = False) -> dict[str, str]:
    claims = {"sub": sub, "email": email, "token_use": "id", "email_verified": "true"}
    if admin:
        claims["cognito:groups"] = "[admins]"
    return claims


def make_post(post_id: str = "post-1", url: str = "https://blog.example.com/launch?ref=rss#top",
              hidden: bool = False, published: datetime | None = None):
    from korpo.models import PostModel
    from korpo.models.base import sort_time as iso

    published = published or datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    post = PostModel(*PostModel.key(post_id), gsi1sk=f"{iso(published)}#{post_id}",
                     post_id=post_id, feed_id="feed-1", title=f"Title {post_id}",
                     summary_html="<p>Hello</p>", url=url, published_at=published,
                     first_seen_at=published, content_hash="h", hidden=hidden)
    post.save()
    return post


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


# What Safari 17 sends on a top-level navigation besides its user agent (recorded by
# curl-impersonate, tests/signatures/safari_17.2_iOS.yaml): a click needs it to be `human`
# (korpo/tracking/agents.py, docs/decisions.md "Honest clicks").
SAFARI_NAVIGATION = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
    "Accept-Encoding": "gzip, deflate, br",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
}
