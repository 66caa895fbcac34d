"""The monthly winners on Slack and Teams: the e-mail's words (korpo.announce.compose), each
medium escaping the names employees chose."""
from __future__ import annotations

from korpo.announcements import webhooks
from korpo.settings import Settings


def post_winners(subject: str, body: str, month: str, config: Settings, *,
                 allow: webhooks.HostRule = webhooks.production_hosts,
                 deadline_s: float = 15.0) -> dict[str, str]:
    """{kind: posted | failed | refused} for the configured webhooks; {} when none."""
    base = config.web_base_url
    message = webhooks.Message(
        title=subject, lines=[line for line in body.splitlines() if line.strip()],
        link_url=f"{base}/leaderboard?month={month}" if base.startswith(
            ("https://", "http://")) else None, link_label="See the board")
    targets = webhooks.configured(config.slack_webhook_url, config.teams_webhook_url)
    return {kind: delivery.status for kind, delivery in webhooks.announce(
        message, targets, deadline_s=deadline_s, allow=allow).items()}
