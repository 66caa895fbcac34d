"""The month's winners, told: an e-mail to the winners and the admins (its words, in each
reader's language, and who gets it: their work e-mails from the profiles, the admins group of
the user pool), and the same words in the brand's language on Slack and Teams, each medium
escaping the names employees chose."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from korpo import outbox
from korpo.announcements import texts, webhooks
from korpo.board.standings import Standing
from korpo.mail import Email, Recipient
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
            names: dict[str, str], participants: int, total_points: int,
            language: str = "en") -> tuple[str, str]:
    """(subject, body) in `language`; numbers and the month as it writes them."""
    month_words = texts.month_name(month, language)
    of_month = texts.of_month(month, language)
    subject = texts.text(language, "winners.subject", brand=brand, month=month_words,
                         of_month=of_month)
    if not winners:
        return subject, texts.text(language, "winners.nobody", points_name=points_name,
                                   month=month_words) + "\n"
    lines = [texts.counted(language, "winners.final", participants, month=month_words,
                           of_month=of_month,
                           participants=texts.number(participants, language),
                           total=texts.number(total_points, language),
                           points_name=points_name), "", texts.text(language, "winners.heading")]
    former = texts.text(language, "winners.former")
    lines += [f"  {s.rank}. {names.get(s.employee_id, former)} — "
              f"{texts.number(s.score, language)} {points_name}" for s in winners]
    lines += ["", texts.text(language, "winners.congratulations")]
    return subject, "\n".join(lines) + "\n"


def by_language(recipients: Iterable[Recipient]) -> dict[str, list[str]]:
    """The addresses to write to in each language, each address once."""
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for recipient in recipients:
        if recipient.email not in seen:
            seen.add(recipient.email)
            out.setdefault(recipient.language, []).append(recipient.email)
    return out


def winner_profiles(employee_ids: Iterable[str]) -> dict[str, EmployeeModel]:
    keys = [EmployeeModel.key(e) for e in dict.fromkeys(employee_ids)]
    return {p.employee_id: p for p in EmployeeModel.batch_get(keys)}


# What the outbox's outcome of a post means to whoever reads the summary.
POSTED = {"sent": "posted", "pending": "retry_later", "already": "already_posted"}


def post_winners(subject: str, body: str, month: str, config: Settings, *,
                 allow: webhooks.HostRule = webhooks.production_hosts,
                 deadline_s: float = 15.0, now: datetime | None = None) -> dict[str, str]:
    """{kind: posted | retry_later | already_posted | failed | unknown} for the configured
    webhooks; {} when none. The subject and body are the brand's language's (Slack and Teams
    speak to everyone). Each post is owed once per month (korpo.outbox): a webhook down is
    tried again by send_digest's runs, a rerun never posts twice."""
    base = config.web_base_url
    message = webhooks.Message(
        title=subject, lines=[line for line in body.splitlines() if line.strip()],
        link_url=f"{base}/leaderboard?month={month}" if base.startswith(
            ("https://", "http://")) else None,
        link_label=texts.text(config.language, "winners.board"))
    targets = webhooks.configured(config.slack_webhook_url, config.teams_webhook_url)
    deliver = webhooks.outbox_deliver(targets, allow=allow, deadline_s=deadline_s / 2)
    now = now or utc_now()
    outcomes = {kind: outbox.post(f"winners#{month}#{kind}", kind,
                                  webhooks.message_payload(message), deliver, now)
                for kind in targets}
    return {kind: POSTED.get(outcome, outcome) for kind, outcome in outcomes.items()}
