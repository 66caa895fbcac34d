"""reset_monthly: on the 1st (brand time zone) freeze last month's board, announce the
winners (e-mail, and Slack and Teams when configured), and open the new month.

Console: {"month": "2026-10", "dry_run": true} shows what it would write and send;
{"month": "2026-10"} freezes (and announces) that month; both are safe to run twice.
"""
from __future__ import annotations

from aws_lambda_powertools import Logger

from korpo import brand, outbox, settings
from korpo.announcements.winners import (
    Announcement, by_language, compose, post_winners, winner_profiles,
)
from korpo.board import monthly
from korpo.languages import language_for
from korpo.mail import Email, Recipient, admin_recipients
from korpo.models import bind_tables
from korpo.months import InvalidMonth, previous_month, utc_now
from korpo.people.employees import display_names
from korpo.settings import Settings

logger = Logger(service="reset_monthly")
_settings = settings.current()
bind_tables(_settings)


def _config() -> Settings:
    """The Parameters with the admin's brand on top (the points' name, the brand's language)."""
    try:
        return brand.overlay(_settings, brand.stored())
    except Exception:  # noqa: BLE001 - the Parameters' words rather than no announcement
        logger.warning("the brand settings could not be read", exc_info=True)
        return _settings


def _announcement(report: monthly.FreezeReport, cfg: Settings) -> tuple[str, str, list[Email]]:
    """(subject, body) in the brand's language (Slack and Teams), and one e-mail per
    recipient, each in its reader's language."""
    winners = report.winners
    names = display_names([s.employee_id for s in winners])

    def words(language: str) -> tuple[str, str]:
        return compose(cfg.brand_name, cfg.points_name, report.month, winners, names,
                       len(report.standings), sum(s.score for s in report.standings), language)

    profiles = winner_profiles([s.employee_id for s in winners])
    recipients = [Recipient(profiles[s.employee_id].email, language_for(
        profiles[s.employee_id].language, cfg.language)) for s in winners
        if s.employee_id in profiles]
    recipients += admin_recipients(cfg.user_pool_id, cfg.admin_group, cfg.language)
    emails: list[Email] = []
    for language, addresses in by_language(recipients).items():
        emails += Announcement(*words(language), addresses).emails()
    return (*words(cfg.language), emails)


def _sender(month: str, now):
    """Each winners' e-mail owed once per month and address (korpo.outbox): SES down, it is
    tried again by send_digest's runs; a rerun never sends it twice."""
    deliver = outbox.email_only(_settings.sender_email)

    def send(email: Email) -> None:
        outbox.post(outbox.recipient_key(f"winners#{month}", email.to), "email",
                    outbox.email_payload(email), deliver, now)
    return send


def _webhooks(status: str, subject: str, body: str, month: str, cfg: Settings) -> dict:
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
        return post_winners(subject, body, month, cfg)
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
    cfg = _config()
    subject, body, emails = _announcement(report, cfg)
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
                                    report.month, cfg)
    logger.info("reset", extra=summary)
    return summary
