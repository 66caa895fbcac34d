"""Following a share link: resolve the code, classify the visit, record exactly one click event.

Classes (only "human" earns points; the others are kept for stats):
- bot:        a crawler, previewer, AI agent, HTTP client or headless browser, a prefetch or
              prerender, or a fetch that is not a navigation (korpo/tracking/agents.py);
- self:       the sharing employee's own browser (the signed `korpo_emp` cookie);
- unverified: neither proven a person's browser nor named a bot: recorded, never paid;
- repeat:     the same visitor (daily visitor key) on the same link the same brand day;
- human:      a person's browser, proven by its user agent and its navigation headers
              (agents.verdict), on its first click of the day on this link.

One write per click, no read: a human candidate is written with a deterministic event id
(the day, then a hash of the visitor key and the code) and `attribute_not_exists`. The first
click of the day succeeds; a later one fails the condition and is then written as "repeat"
under a random id: repeats cost a second write, first clicks, bots and self clicks one
(docs/decisions.md, "Repeat clicks without a read").

If DynamoDB does not take the write, the click goes to the fallback queue (korpo/tracking/fallback.py)
and the visitor is redirected all the same.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Callable, Mapping
from zoneinfo import ZoneInfo

from korpo.ids import new_event_id
from korpo.models import EventModel
from korpo.models.events import RAW_EVENT_TTL_DAYS
from korpo.months import utc_now
from korpo.tracking import agents, visitors
from korpo.tracking.eventstore import AlreadyExists, EventStore, StoreUnavailable
from korpo.tracking.links import LinkCache, ShareLink, tracked_destination

Send = Callable[[str], None]  # puts one message on the fallback queue, raises on failure


@dataclass(frozen=True)
class Visit:
    """What a request says about the visitor. `ip` never leaves this object."""
    code: str
    ip: str = field(repr=False)
    user_agent: str = ""
    referer: str | None = None
    cookie: str | None = field(default=None, repr=False)
    evidence: str = agents.UNPROVEN  # what the headers say (agents.request_evidence)


@dataclass(frozen=True)
class Redirect:
    location: str
    event_id: str  # the event written (or queued)
    klass: str
    stored: bool  # False: it went to the fallback queue (or, if that failed too, the log)


@dataclass(frozen=True)
class ClickKeys:
    """The secret-derived keys of the click path, built once per container."""
    secret: str
    zone: ZoneInfo
    day_keys: visitors.DayKeys

    @classmethod
    def create(cls, secret: str, zone: ZoneInfo) -> ClickKeys:
        return cls(secret, zone, visitors.DayKeys(secret))


def first_click_id(day: date, zone: ZoneInfo, visitor_key: str, code: str) -> str:
    """The event id of a visitor's first click on a link on a brand day: same shape as
    new_event_id (12 hex of milliseconds, 16 hex), the milliseconds being the day's start."""
    start = datetime.combine(day, dtime(0), zone)
    ms = int(start.timestamp() * 1000)
    digest = hashlib.sha256(f"{visitor_key}\n{code}".encode()).hexdigest()[:16]
    return f"{ms:012x}{digest}"


def classify(link: ShareLink, visit: Visit, keys: ClickKeys, now: datetime
             ) -> tuple[str, agents.Agent, str, date]:
    """(class before the repeat check, agent, visitor key, brand day)."""
    verdict = agents.verdict(visit.user_agent, visit.evidence)
    day = visitors.local_day(now, keys.zone)
    visitor = visitors.visitor_key(keys.day_keys.for_day(day), visit.ip, visit.user_agent)
    klass = verdict.klass
    if klass != agents.BOT and visitors.is_self_click(visit.cookie, keys.secret,
                                                      link.employee_id):
        klass = "self"
    return klass, verdict.agent, visitor, day


def click_event(link: ShareLink, visit: Visit, event_id: str, klass: str, agent: agents.Agent,
                visitor: str, now: datetime) -> EventModel:
    return EventModel(
        event_id, type="click", at=now, code=link.code, employee_id=link.employee_id,
        post_id=link.post_id, challenge_id=link.challenge_id, network=link.network, klass=klass,
        referrer=agents.referrer_network(visit.referer),
        device="bot" if klass == "bot" else agent.device, browser=agent.browser[:64],
        visitor_key=visitor,
        expires_at=int((now + timedelta(days=RAW_EVENT_TTL_DAYS)).timestamp()),
    )


def follow(visit: Visit, links: LinkCache, store: EventStore, keys: ClickKeys,
           send_fallback: Send | None, now: datetime | None = None) -> Redirect | None:
    """None for an unknown, malformed or withdrawn code; otherwise the redirect, after one
    write (two for a repeat), or after queueing the click if DynamoDB failed."""
    link = links.get(visit.code)
    if link is None:  # unknown, or a destination that is not http(s) (links.LinkCache)
        return None
    now = now or utc_now()
    klass, agent, visitor, day = classify(link, visit, keys, now)
    random_id = new_event_id(now.timestamp())
    if klass == "human":
        # The destination carries the first click's id even on a repeat: a conversion then
        # ties to this visitor's human first click of the day.
        first_id = first_click_id(day, keys.zone, visitor, link.code)
        event = click_event(link, visit, first_id, klass, agent, visitor, now)
        location_id, repeat_id = first_id, random_id
    else:
        event = click_event(link, visit, random_id, klass, agent, visitor, now)
        location_id, repeat_id = random_id, None
    location = tracked_destination(link, location_id)
    try:
        try:
            store.put_new(event)
        except AlreadyExists:
            if repeat_id is None:  # a random id collided: practically never
                raise StoreUnavailable("random event id collision") from None
            event.event_id, event.klass = repeat_id, "repeat"
            store.put_new(event)
        return Redirect(location, event.event_id, event.klass, stored=True)
    except (StoreUnavailable, AlreadyExists) as error:
        from korpo.tracking import fallback

        fallback.queue_click(event, repeat_id if event.klass == "human" else None,
                             send_fallback, reason=str(error))
        return Redirect(location, event.event_id, event.klass, stored=False)


def visit_from_headers(code: str, headers: Mapping[str, str], source_ip: str) -> Visit:
    """A Visit from lower-case request headers and the connection's source IP."""
    return Visit(code=code, ip=source_ip, user_agent=headers.get("user-agent") or "",
                 referer=headers.get("referer"), cookie=headers.get("cookie"),
                 evidence=agents.request_evidence(headers))
