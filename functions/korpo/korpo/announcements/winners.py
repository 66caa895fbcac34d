"""The month's winners, told: an e-mail to the winners and the admins (its words, and who gets
it: their work e-mails from the profiles, the admins group of the user pool), and the same
words on Slack and Teams, each medium escaping the names employees chose."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from korpo import outbox

from korpo.announcements import webhooks
from korpo.board.standings import Standing
from korpo.mail import Email
from korpo.models import EmployeeModel
from korpo.months import utc_now
from korpo.settings import Settings


@dataclass
class Announcement:
    subject: str
    body: str
    recipients: list[str] = field(default_factory=list)

    def emails(self) -> list[Email]:
        return [Email(r, self.subject, self.body) for r in self.recipients]


def compose(brand: str, points_name: str, month: str, winners: list[Standing],
            names: dict[str, str], participants: int, total_points: int) -> tuple[str, str]:
    subject = f"{brand}: the winners of {month}"
    if not winners:
        return subject, f"No one earned {points_name} in {month}. A new month has begun!\n"
    lines = [f"The board of {month} is final: {participants} employees earned "
             f"{total_points} {points_name}.", "", "Winners:"]
    lines += [f"  {s.rank}. {names.get(s.employee_id, 'Former employee')} — {s.score} "
              f"{points_name}" for s in winners]
    lines += ["", "Congratulations! The new month's board starts at zero; your balance stays."]
    return subject, "\n".join(lines) + "\n"


def winner_profiles(employee_ids: Iterable[str]) -> dict[str, EmployeeModel]:
    keys = [EmployeeModel.key(e) for e in dict.fromkeys(employee_ids)]
    return {p.employee_id: p for p in EmployeeModel.batch_get(keys)}


# What the outbox's outcome of a post means to whoever reads the summary.
POSTED = {"sent": "posted", "pending": "retry_later", "already": "already_posted"}


def post_winners(subject: str, body: str, month: str, config: Settings, *,
                 allow: webhooks.HostRule = webhooks.production_hosts,
                 deadline_s: float = 15.0, now: datetime | None = None) -> dict[str, str]:
    """{kind: posted | retry_later | already_posted | failed | unknown} for the configured
    webhooks; {} when none. Each post is owed once per month (korpo.outbox): a webhook down
    is tried again by send_digest's runs, a rerun never posts twice."""
    base = config.web_base_url
    message = webhooks.Message(
        title=subject, lines=[line for line in body.splitlines() if line.strip()],
        link_url=f"{base}/leaderboard?month={month}" if base.startswith(
            ("https://", "http://")) else None, link_label="See the board")
    targets = webhooks.configured(config.slack_webhook_url, config.teams_webhook_url)
    deliver = webhooks.outbox_deliver(targets, allow=allow, deadline_s=deadline_s / 2)
    now = now or utc_now()
    outcomes = {kind: outbox.post(f"winners#{month}#{kind}", kind,
                                  webhooks.message_payload(message), deliver, now)
                for kind in targets}
    return {kind: POSTED.get(outcome, outcome) for kind, outcome in outcomes.items()}
