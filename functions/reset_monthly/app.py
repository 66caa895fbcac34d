"""reset_monthly: on the 1st (brand time zone) freeze last month's board, announce the
winners (e-mail, and Slack and Teams when configured), and open the new month.

Console: {"month": "2026-10", "dry_run": true} shows what it would write and send;
{"month": "2026-10"} freezes (and announces) that month; both are safe to run twice.
"""
from __future__ import annotations

from aws_lambda_powertools import Logger

from korpo import outbox, settings
from korpo.announcements.winners import Announcement, compose, post_winners, winner_profiles
from korpo.board import monthly
from korpo.mail import Email, admin_emails
from korpo.models import bind_tables
from korpo.months import InvalidMonth, previous_month, utc_now
from korpo.people.employees import display_names

logger = Logger(service="reset_monthly")
_settings = settings.current()
bind_tables(_settings)


def _announcement(report: monthly.FreezeReport) -> tuple[str, str, list[Email]]:
    """(subject, body, one e-mail per recipient)."""
    winners = report.winners
    subject, body = compose(
        _settings.brand_name, _settings.points_name, report.month, winners,
        display_names([s.employee_id for s in winners]), len(report.standings),
        sum(s.score for s in report.standings))
    profiles = winner_profiles([s.employee_id for s in winners])
    recipients = [profiles[s.employee_id].email for s in winners if s.employee_id in profiles]
    recipients += admin_emails(_settings.user_pool_id, _settings.admin_group)
    return subject, body, Announcement(subject, body,
                                        list(dict.fromkeys(recipients))).emails()


def _sender(month: str, now):
    """Each winners' e-mail owed once per month and address (korpo.outbox): SES down, it is
    tried again by send_digest's runs; a rerun never sends it twice."""
    deliver = outbox.email_only(_settings.sender_email)

    def send(email: Email) -> None:
        outbox.post(outbox.recipient_key(f"winners#{month}", email.to), "email",
                    outbox.email_payload(email), deliver, now)
    return send


def _webhooks(status: str, subject: str, body: str, month: str) -> dict:
    """Slack and Teams hear of the winners when this run announced them (the month's
    `announced_at` gate: never twice once announced); a webhook down is logged and
    reported, the month stays frozen."""
    if status == "would_send":
        return {"would_post": [kind for kind, url in (
            ("slack", _settings.slack_webhook_url), ("teams", _settings.teams_webhook_url))
            if url]}
    if status not in ("sent", "logged", "failed"):
        return {}
    try:
        return post_winners(subject, body, month, _settings)
    except Exception as error:  # noqa: BLE001 - never fails the reset
        logger.exception("winners' webhooks failed")
        return {"error": type(error).__name__}


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    event = event if isinstance(event, dict) else {}
    now = utc_now()
    month = event.get("month") or previous_month(now, _settings.zone)
    dry_run = event.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InvalidMonth("dry_run must be true or false")
    report = monthly.freeze(month, now, dry_run=dry_run)
    subject, body, emails = _announcement(report)
    if emails:
        # Printed in the logs (and so in the local stack's console) whether sent or not.
        logger.info("announcement", extra={"subject": emails[0].subject,
                                           "body": emails[0].body,
                                           "recipients": [e.to for e in emails],
                                           "dry_run": dry_run})
    sender = _sender(report.month, now) if _settings.sender_email else None
    summary = report.summary()
    summary["announcement"] = monthly.announce(report.month, now, emails, sender,
                                               dry_run=dry_run)
    summary["webhooks"] = _webhooks(summary["announcement"]["status"], subject, body,
                                    report.month)
    logger.info("reset", extra=summary)
    return summary
