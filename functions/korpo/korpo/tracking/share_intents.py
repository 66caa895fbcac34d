"""Share intents: an employee opened a share target (LinkedIn's share page, a QR code, the
phone's share sheet…) for a post. Beside links.py: an intent is the moment a link is shared.

Each intent is one `share_intent` event in the Events table, which award_points scores
(`points_per_share_intent`, the daily cap `share_intent`) and counts (`share_intents`).
One event per employee, post, network (and challenge) and brand day: the event id derives
from them and is written only if absent, so tapping LinkedIn five times in a morning is one
intent (nothing to farm, no write amplification), while sharing again tomorrow is a new one.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from korpo import settings
from korpo.models import EventModel
from korpo.models.events import RAW_EVENT_TTL_DAYS, save_once
from korpo.months import utc_now
from korpo.tracking import links
from korpo.tracking.links import ShareLink


def intent_event_id(employee_id: str, code: str, day: str) -> str:
    """28 characters like every event id: the link's code names post, network, challenge."""
    digest = hashlib.sha256(f"share_intent\x1f{employee_id}\x1f{code}\x1f{day}".encode())
    return "si" + digest.hexdigest()[:26]


def record_share_intent(employee_id: str, post_id: str, network: str, *,
                        challenge_id: str | None = None,
                        at: datetime | None = None) -> ShareLink:
    """The employee's link for the post and network (made if new: links.get_or_create, same
    errors), and the day's share-intent event for it (written once a brand day)."""
    at = at or utc_now()
    link = links.get_or_create(employee_id, post_id, network, now=at, challenge_id=challenge_id)
    day = at.astimezone(settings.current().zone).strftime("%Y-%m-%d")
    event = EventModel(intent_event_id(employee_id, link.code, day), type="share_intent",
                       at=at, employee_id=employee_id, code=link.code, post_id=link.post_id,
                       challenge_id=link.challenge_id, network=link.network,
                       expires_at=int((at + timedelta(days=RAW_EVENT_TTL_DAYS)).timestamp()))
    save_once(event)
    return link
