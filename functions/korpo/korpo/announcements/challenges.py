"""A new challenge, announced: to Slack and Teams at once (by the request that created it, in
a few seconds at most, never failing it), and by e-mail to the employees who opted in, sent
by send_digest's next run (every 15 minutes), never from the web request.

`announce_new_challenge` records the announcement first (a conditional put: a challenge is
announced once, however often it is called), then posts the webhooks. The record waits on
gsi1 (`ANNOUNCEMENTS#pending`) until `send_pending` has e-mailed everyone, each employee
claimed once (korpo.announcements.mailing).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Union
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pynamodb.exceptions import PutError

from korpo import brand as brand_settings
from korpo.announcements import mailing, texts, webhooks
from korpo.announcements.unsubscribe import check_secret, url_for
from korpo.mail import Mail, Send, one_line
from korpo.models import AnnouncementModel, ChallengeModel, EmployeeModel
from korpo.months import utc_now
from korpo.people.directory import every_employee
from korpo.settings import Settings

logger = logging.getLogger(__name__)

MAX_RUNS = 3  # a pass with failed sends is tried again by the next two runs, then given up
MAX_DESCRIPTION = 2000
KINDS = ("campaign", "product_launch", "job_referral")  # each named in texts ("kind.…")


@dataclass(frozen=True)
class ChallengeNews:
    """What is announced of a challenge (the challenges' pages may pass this or the model)."""
    challenge_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str | None = None
    kind: str | None = None  # campaign | product_launch | job_referral


Challenge = Union[ChallengeModel, ChallengeNews]


def link_of(base_url: str, challenge_id: str) -> str:
    """Where employees open it: the news, sharing for this challenge."""
    return f"{base_url.rstrip('/')}/news?challenge={quote(challenge_id, safe='')}"


def _message(record: AnnouncementModel, zone: ZoneInfo, language: str) -> webhooks.Message:
    """Slack's and Teams' words, in the brand's language."""
    lines = [texts.text(language, "challenge.when",
                        start=texts.day(record.starts_at, language, zone),
                        end=texts.day(record.ends_at, language, zone))]
    if record.kind in KINDS:
        lines.insert(0, texts.text(language, f"kind.{record.kind}"))
    if record.description:
        lines.append(webhooks.plain(record.description, MAX_DESCRIPTION))
    absolute = record.link.startswith(("https://", "http://"))
    return webhooks.Message(title=texts.text(language, "challenge.news", title=record.title),
                            lines=lines, link_url=record.link if absolute else None,
                            link_label=texts.text(language, "challenge.take_part"))


def announce_new_challenge(challenge: Challenge, base_url: str | None = None, *,
                           now: datetime | None = None, config: Settings | None = None,
                           allow: webhooks.HostRule = webhooks.production_hosts,
                           deadline_s: float = 5.0) -> dict:
    """Announce a challenge that was just created: record it (once), post Slack and Teams
    (when configured; at most about `deadline_s` seconds), and leave the e-mails to
    send_digest. Never raises: a failure is logged and reported in the answer, the
    challenge stays saved. `base_url`: the web app's address (the page's `visit.base_url`);
    default the deployment's."""
    cfg = config or brand_settings.current()  # with the admin's brand: its language
    now = now or utc_now()
    base = (base_url or cfg.web_base_url or "").rstrip("/")
    announcement_id = f"challenge#{challenge.challenge_id}"
    record = AnnouncementModel(
        *AnnouncementModel.key(announcement_id), announcement_id=announcement_id,
        challenge_id=challenge.challenge_id, title=challenge.title,
        description=(challenge.description or None), kind=getattr(challenge, "kind", None),
        starts_at=challenge.starts_at, ends_at=challenge.ends_at,
        link=link_of(base, challenge.challenge_id), created_at=now,
        gsi1pk=AnnouncementModel.PENDING, gsi1sk=f"{now.isoformat()}#{announcement_id}")
    try:
        record.save(condition=AnnouncementModel.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return {"status": "already_announced"}
        logger.exception("could not record the announcement of challenge %s",
                         challenge.challenge_id)
        return {"status": "failed", "error": type(error).__name__}
    except Exception as error:  # noqa: BLE001 - the challenge is saved whatever happens here
        logger.exception("could not record the announcement of challenge %s",
                         challenge.challenge_id)
        return {"status": "failed", "error": type(error).__name__}
    deliveries = webhooks.announce(
        _message(record, cfg.zone, cfg.language), webhooks.configured(cfg.slack_webhook_url,
                                                        cfg.teams_webhook_url),
        deadline_s=deadline_s, allow=allow)
    posted = {kind: delivery.status for kind, delivery in deliveries.items()}
    if posted:
        try:
            record.update(actions=[AnnouncementModel.webhooks.set(json.dumps(posted))])
        except Exception:  # noqa: BLE001 - only the record of what was posted is missing
            logger.exception("could not note the webhooks of challenge %s",
                             challenge.challenge_id)
    return {"status": "announced", "webhooks": posted, "emails": "queued"}


def compose(record: AnnouncementModel, employee: EmployeeModel, *, brand: str, zone: ZoneInfo,
            base_url: str, unsubscribe_url: str) -> Mail:
    lang = texts.language_of(employee.language)
    link = record.link if record.link.startswith(("https://", "http://")) else (
        base_url.rstrip("/") + record.link)
    lines = [one_line(record.title, 200), ""]
    if record.description:
        lines += [webhooks.plain(record.description, MAX_DESCRIPTION), ""]
    lines += [texts.text(lang, "challenge.when", start=texts.day(record.starts_at, lang, zone),
                         end=texts.day(record.ends_at, lang, zone)),
              texts.text(lang, "challenge.open", url=link)]
    lines += texts.footer(lang, unsubscribe_url)
    subject = texts.text(lang, "challenge.subject", brand=brand,
                         title=one_line(record.title, 150))
    return Mail(employee.email, subject, "\n".join(lines) + "\n", unsubscribe_url, lang)


def _finish(record: AnnouncementModel, now: datetime, sent: int = 0, runs: int | None = None,
            done: bool = True) -> None:
    actions = [AnnouncementModel.emails_sent.set(AnnouncementModel.emails_sent + sent)]
    if runs is not None:
        actions.append(AnnouncementModel.runs.set(runs))
    if done:
        actions += [AnnouncementModel.gsi1pk.remove(), AnnouncementModel.gsi1sk.remove(),
                    AnnouncementModel.done_at.set(now)]
    record.update(actions=actions)


def send_pending(now: datetime, *, brand: str, zone: ZoneInfo, base_url: str,
                 visitor_secret: str, send: Send | None,
                 time_left: Callable[[], float]) -> list[dict]:
    """E-mail the announcements that wait (one Query; nothing when idle). A challenge over
    before its e-mails went is dropped; without a sender they are only logged, and dropped."""
    check_secret(visitor_secret)
    out = []
    for record in AnnouncementModel.gsi1.query(AnnouncementModel.PENDING):
        if record.ends_at <= now or send is None:
            _finish(record, now)
            out.append({"challenge_id": record.challenge_id,
                        "status": "ended" if send else "no_sender"})
            continue
        counts = mailing.send_each(
            mailing.opted_in(every_employee()), record.announcement_id, now,
            lambda employee: compose(record, employee, brand=brand, zone=zone,
                                     base_url=base_url, unsubscribe_url=url_for(
                                         base_url, employee.employee_id, visitor_secret)),
            send, time_left)
        stopped = bool(counts.pop("stopped"))
        runs = int(record.runs or 0) + (0 if stopped else 1)
        done = not stopped and (counts["failed"] == 0 or runs >= MAX_RUNS)
        _finish(record, now, sent=counts["sent"], runs=runs, done=done)
        out.append({"challenge_id": record.challenge_id,
                    "status": "done" if done else "incomplete", **counts})
        if stopped:
            break
    return out
