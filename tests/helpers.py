"""Test helpers: the console events of events/, small builders of domain data, the local stack."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

EVENTS = Path(__file__).resolve().parent.parent / "events"


def local_stack(**options: Any) -> Iterator[Any]:
    """A seeded local stack for a module's fixture (`yield from local_stack()`), stopped after;
    `auto=False`: no schedules nor stream pump, only what the tests do writes."""
    from infra.local_stack import start

    running = start(port=0, moto_port=0, seed=True, background=True, quiet=True, **options)
    try:
        yield running
    finally:
        running.stop()


def load_event(name: str) -> dict[str, Any]:
    """events/<name>.json, a fresh copy each time."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))


def http_event(name: str, *, path_params: dict[str, str] | None = None,
               claims: dict[str, Any] | None = None, query: dict[str, str] | None = None,
               body: Any = None) -> dict[str, Any]:
    """An events/ API Gateway (payload 1.0) event, retargeted at other values. Path
    parameters are the app's route's (e.g. post_id of /posts/{post_id}/share), whatever
    greedy route of the gateway the event came through."""
    event = load_event(name)
    if path_params is not None:
        route = _route_of(event)
        path = route
        for key, value in path_params.items():
            path = path.replace("{" + key + "}", value)
        event["path"] = event["requestContext"]["path"] = path
        if route == event["resource"]:  # a route of the gateway's own: it passes them
            event["pathParameters"] = path_params
    if claims is not None:
        event["requestContext"].setdefault("authorizer", {"scopes": None})["claims"] = claims
    if query is not None:
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def _route_of(event: dict[str, Any]) -> str:
    """The route template serving the event's path: the gateway's own when it names its
    parameters (the public edge's routes), else the api app's behind a greedy route."""
    import chalice_routes
    from infra.functions import load_module

    if "{" in event["resource"] and "+}" not in event["resource"]:
        return event["resource"]

    router = chalice_routes.Router.of(load_module("functions/api").app)
    found = router.match(event["path"])
    assert found is not None, f"no route of the api serves {event['path']}"
    return found.path


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


def app_routes(code_uri: str, prefix: str = "/") -> list[tuple[str, str]]:
    """(method, path) of every route a Chalice function serves (its fallback left out): the
    app's route table is where routes are declared; the gateway's are greedy."""
    import chalice_routes
    from infra.functions import forget_handlers, load_module

    app = load_module(code_uri).app
    routes = sorted((method, path) for path, entries in app.routes.items() for method in entries
                    if path != chalice_routes.FALLBACK and path.startswith(prefix))
    # Read at collection, outside any test's environment: a handler keeps the settings of
    # its import (a cold start), so the next test imports it afresh, in its own.
    forget_handlers()
    return routes


SECRETS_PATH = "/korpo/korpo-test"


def store_secrets(path: str = SECRETS_PATH, **values: str) -> None:
    """The stack's secrets as `make deploy` leaves them: SecureString parameters in (moto's)
    SSM under `path`, named as korpo.secrets names them (visitor_hash_secret=… for
    visitor-hash-secret)."""
    import boto3

    ssm = boto3.client("ssm")
    for key, value in values.items():
        ssm.put_parameter(Name=f"{path}/{key.replace('_', '-')}", Value=value,
                          Type="SecureString", Overwrite=True)


def put_secrets(monkeypatch: Any, *, path: str = SECRETS_PATH, **values: str) -> None:
    """store_secrets, and KORPO_SECRETS_PATH pointing there as the template sets it: the
    functions read them as deployed. Settings are read afresh."""
    from korpo import settings

    store_secrets(path, **values)
    monkeypatch.setenv("KORPO_SECRETS_PATH", path)
    settings.current.cache_clear()


def with_secrets(base: Any, **values: str) -> Any:
    """`base` (a Settings) with these secrets given as plain values (visitor_hash_secret=…,
    slack_webhook_url=…), for the domain's tests that need no SSM."""
    from dataclasses import replace

    from korpo.secrets import SecretStore

    return replace(base, secret_store=SecretStore(
        values={key.replace("_", "-"): value for key, value in values.items()}))


def guided_samconfig(stack: str, region: str,
                     overrides: str = 'Stage=\\"prod\\" BrandName=\\"Acme\\"') -> str:
    """samconfig.toml as `sam deploy --guided` (SAM CLI 1.170) writes it: the region moves to
    the global section; `overrides` is parameter_overrides' TOML string, escapes included."""
    return f"""version = 0.1
[default.deploy.parameters]
stack_name = "{stack}"
resolve_s3 = true
s3_prefix = "{stack}"
confirm_changeset = true
capabilities = "CAPABILITY_IAM"
parameter_overrides = "{overrides}"
image_repositories = []

[default.global.parameters]
region = "{region}"
"""
