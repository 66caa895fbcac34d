"""The month's winners, told: an e-mail to the winners and the admins (its words, and who gets
it: their work e-mails from the profiles, the admins group of the user pool), and the same
words on Slack and Teams, each medium escaping the names employees chose."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from korpo.announcements import webhooks
from korpo.board.standings import Standing
from korpo.mail import Email
from korpo.models import EmployeeModel
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
