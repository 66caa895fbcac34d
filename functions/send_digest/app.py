"""send_digest: the programme's e-mails to the employees who asked for them.

Two schedules call it: Monday 08:00 (brand zone) `{"source": "schedule"}` sends the weekly
digest of the week that just ended; every 15 minutes `{"source": "announcements"}` e-mails
the new challenges that wait and tries again the outbox's messages that are due (a
redemption's e-mail, the winners' e-mails and posts SES or a webhook refused: korpo.outbox;
one Query each, nothing to do when idle). Each e-mail goes once per employee, however often
it is fired (korpo.announcements.mailing).

Console: {"week": "2026-W49"} sends that week's digest (what is missing of it);
{"week": "2026-W49", "employee_id": "…", "dry_run": true} shows one employee's digest and
sends nothing; {"source": "outbox"} tries the due outbox messages now;
{"outbox_resend": ["<message key>", …]} makes given-up or unknown messages due again
(docs/operations.md).
"""
from __future__ import annotations

from aws_lambda_powertools import Logger

from korpo import outbox, settings
from korpo.announcements import challenges, digest, webhooks
from korpo.mail import programme_sender
from korpo.models import bind_tables
from korpo.months import utc_now

logger = Logger(service="send_digest")
_settings = settings.current()
bind_tables(_settings)


class InvalidEvent(ValueError):
    pass


def _sender():
    return programme_sender(_settings.sender_email, _settings.brand_name) if (
        _settings.sender_email) else None


def _deliver(channel: str, payload: dict) -> None:
    """The outbox's deliverer; the webhooks' secrets are read only when a post is due."""
    targets = webhooks.configured(_settings.slack_webhook_url, _settings.teams_webhook_url) if (
        channel in webhooks.KINDS) else {}
    webhooks.outbox_deliver(targets, _settings.sender_email)(channel, payload)


def _retry_outbox(now, context) -> dict:
    return outbox.retry_due(now, _deliver, lambda: _time_left(context)).as_dict()


def _time_left(context) -> float:
    return context.get_remaining_time_in_millis() / 1000 if context else 900.0


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    event = event if isinstance(event, dict) else {}
    now = utc_now()
    common = {"brand": _settings.brand_name, "zone": _settings.zone,
              "base_url": _settings.web_base_url, "visitor_secret": _settings.visitor_secret,
              "send": _sender(), "time_left": lambda: _time_left(context)}
    if event.get("source") == "outbox":
        result = {"outbox": _retry_outbox(now, context)}
        logger.info("outbox", extra=result)
        return result
    if "outbox_resend" in event:
        keys = event["outbox_resend"]
        if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
            raise InvalidEvent("outbox_resend is a list of message keys")
        result = {"resent": {k: outbox.resend(k, now) for k in keys[:100]}}
        logger.info("outbox resend", extra=result)
        return result
    if event.get("source") == "announcements":
        result = {"announcements": challenges.send_pending(now, **common),
                  "outbox": _retry_outbox(now, context)}
        logger.info("announcements", extra=result)
        return result
    dry_run = event.get("dry_run", False)
    employee_id = event.get("employee_id")
    if not isinstance(dry_run, bool):
        raise InvalidEvent("dry_run must be true or false")
    if employee_id is not None and (not isinstance(employee_id, str) or not employee_id):
        raise InvalidEvent("employee_id must be an employee's id")
    week = digest.parse_week(event["week"], _settings.zone) if event.get("week") else (
        digest.previous_week(now, _settings.zone))
    result = digest.send_weekly(week, now, points_name=_settings.points_name,
                                employee_id=employee_id, dry_run=dry_run, **common)
    logger.info("digest", extra={k: v for k, v in result.items() if k != "body"})
    return result
