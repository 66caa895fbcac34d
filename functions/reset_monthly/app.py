"""reset_monthly: on the 1st (brand time zone) freeze last month's board and open the new one.

Console: {"month": "2026-10", "dry_run": true} shows what it would write.
"""
from __future__ import annotations

from aws_lambda_powertools import Logger

from korpo import monthly, settings
from korpo.models import bind_tables
from korpo.months import InvalidMonth, previous_month, utc_now

logger = Logger(service="reset_monthly")
_settings = settings.current()
bind_tables(_settings)


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    event = event if isinstance(event, dict) else {}
    now = utc_now()
    month = event.get("month") or previous_month(now, _settings.zone)
    dry_run = event.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InvalidMonth("dry_run must be true or false")
    report = monthly.freeze(month, now, dry_run=dry_run)
    summary = report.summary()
    logger.info("reset", extra=summary)
    return summary
