"""Following a share link: resolve the code, record exactly one click event, say where to go."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from korpo.ids import new_event_id
from korpo.links import LinkCache, tracked_destination
from korpo.models import EventModel
from korpo.models.events import RAW_EVENT_TTL_DAYS
from korpo.months import utc_now


@dataclass(frozen=True)
class Redirect:
    location: str
    event_id: str


def follow(code: str, cache: LinkCache, now: datetime | None = None) -> Redirect | None:
    """None for an unknown code; otherwise the redirect, after writing one click event."""
    link = cache.get(code)
    if link is None:
        return None
    now = now or utc_now()
    event_id = new_event_id(now.timestamp())
    # One PutItem, on a random-prefixed key: no read-modify-write, no hot partition.
    EventModel(
        event_id, type="click", at=now, code=link.code, employee_id=link.employee_id,
        post_id=link.post_id, network=link.network, klass="human",
        expires_at=int((now + timedelta(days=RAW_EVENT_TTL_DAYS)).timestamp()),
    ).save()
    return Redirect(tracked_destination(link, event_id), event_id)
