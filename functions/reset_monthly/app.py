"""reset_monthly: on the 1st (brand time zone) freeze last month's board, announce the
winners, and open the new month.

Console: {"month": "2026-10", "dry_run": true} shows what it would write and send;
{"month": "2026-10"} freezes (and announces) that month; both are safe to run twice.
"""
from __future__ import annotations

from aws_lambda_powertools import Logger

from korpo import announce, monthly, settings
from korpo.people.employees import display_names
from korpo.models import bind_tables
from korpo.months import InvalidMonth, previous_month, utc_now

logger = Logger(service="reset_monthly")
_settings = settings.current()
bind_tables(_settings)


def _emails(report: monthly.FreezeReport) -> list[announce.Email]:
    winners = report.winners
    subject, body = announce.compose(
        _settings.brand_name, _settings.points_name, report.month, winners,
        display_names([s.employee_id for s in winners]), len(report.standings),
        sum(s.score for s in report.standings))
    profiles = announce.winner_profiles([s.employee_id for s in winners])
    recipients = [profiles[s.employee_id].email for s in winners if s.employee_id in profiles]
    recipients += announce.admin_emails(_settings.user_pool_id, _settings.admin_group)
    return announce.Announcement(subject, body, list(dict.fromkeys(recipients))).emails()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    event = event if isinstance(event, dict) else {}
    now = utc_now()
    month = event.get("month") or previous_month(now, _settings.zone)
    dry_run = event.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InvalidMonth("dry_run must be true or false")
    report = monthly.freeze(month, now, dry_run=dry_run)
    emails = _emails(report)
    if emails:
        # Printed in the logs (and so in the local stack's console) whether sent or not.
        logger.info("announcement", extra={"subject": emails[0].subject,
                                           "body": emails[0].body,
                                           "recipients": [e.to for e in emails],
                                           "dry_run": dry_run})
    sender = announce.ses_sender(_settings.sender_email) if _settings.sender_email else None
    summary = report.summary()
    summary["announcement"] = monthly.announce(report.month, now, emails, sender,
                                               dry_run=dry_run)
    logger.info("reset", extra=summary)
    return summary
