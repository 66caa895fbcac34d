"""poll_feeds: EventBridge Scheduler (every 15 minutes) or the Lambda console -> korpo.feeds.

Events (examples in events/poll_feeds/):
  {"source": "schedule"}             poll the feeds that are due (so does any other event)
  {"feed_id": "<id>"}                poll that feed now; add "force": false to poll only if due
  {"all": true, "force": true}       poll every feed, due or not
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from korpo import settings
from korpo.feeds import poll
from korpo.models import bind_tables

# The template names the service "korpo": korpo.* loggers propagate to this one, structured.
logger = Logger()
bind_tables(settings.current())


def safety_margin_s() -> float:
    """Feeds still in flight when the budget ends need time to finish: a feed's worst case
    (fetch deadline, its turn to parse, the parse's bound, its writes) and a little more."""
    return poll.feed_worst_case_s() + 10.0


# Feeds fetched at once; the template sets it (KORPO_FEEDS_CONCURRENCY).
CONCURRENCY = max(1, int(os.environ.get("KORPO_FEEDS_CONCURRENCY") or poll.DEFAULT_CONCURRENCY))


class BadEvent(ValueError):
    """An event this function does not understand; raised so the console shows why."""


@dataclass(frozen=True)
class Request:
    feed_id: str | None = None
    force: bool = False


def parse_event(event: Any) -> Request:
    if not isinstance(event, dict):
        raise BadEvent(f"event must be a JSON object, got {type(event).__name__}")
    force = event.get("force", None)
    if force is not None and not isinstance(force, bool):
        raise BadEvent(f"force must be true or false, got {force!r}")
    if "feed_id" in event:
        feed_id = event["feed_id"]
        if not isinstance(feed_id, str) or not feed_id.strip():
            raise BadEvent(f"feed_id must be a non-empty string, got {feed_id!r}")
        return Request(feed_id=feed_id.strip(), force=True if force is None else force)
    every = event.get("all", False)
    if not isinstance(every, bool):
        raise BadEvent(f"all must be true or false, got {every!r}")
    if force and not every:
        raise BadEvent('force needs a feed_id or "all": true')
    return Request(force=bool(force))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = parse_event(event)
    if request.feed_id is not None:
        report = poll.poll_feed_id(request.feed_id, force=request.force)
    else:
        budget_s = context.get_remaining_time_in_millis() / 1000 - safety_margin_s()
        report = poll.poll_due(force=request.force, budget_s=max(budget_s, 1.0),
                               max_workers=CONCURRENCY)
    summary = report.to_dict()
    logger.info("poll done", extra={k: v for k, v in summary.items() if k != "outcomes"})
    return summary
