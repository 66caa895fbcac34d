"""The monthly winners' announcement: who gets it, what it says, sending it through SES.

Recipients are the winners (their work email from the profile) and the members of the admins
group of the user pool. One email per recipient, so no one sees the others' addresses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from korpo import aws
from korpo.board import Standing
from korpo.models import EmployeeModel


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


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


def admin_emails(user_pool_id: str, group: str = "admins") -> list[str]:
    if not user_pool_id:
        return []
    cognito = aws.client("cognito-idp")
    out: list[str] = []
    args = {"UserPoolId": user_pool_id, "GroupName": group}
    while True:
        page = cognito.list_users_in_group(**args)
        for user in page.get("Users", []):
            attrs = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            if attrs.get("email"):
                out.append(attrs["email"])
        if not page.get("NextToken"):
            return out
        args["NextToken"] = page["NextToken"]


def ses_sender(sender: str) -> Callable[[Email], None]:
    def send(email: Email) -> None:
        aws.client("ses").send_email(
            Source=sender, Destination={"ToAddresses": [email.to]},
            Message={"Subject": {"Data": email.subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": email.body, "Charset": "UTF-8"}}})
    return send


def deliver(emails: list[Email], sender_email: str) -> int:
    """Send each e-mail through SES from `sender_email`; without one, only log them. A failed
    send is logged, never raised (the caller's work is done). Returns how many were sent."""
    import logging

    logger = logging.getLogger("korpo.email")
    send = ses_sender(sender_email) if sender_email else None
    sent = 0
    for email in emails:
        if send is None:
            logger.info("email not sent (no SenderEmail): to=%s subject=%s", email.to,
                        email.subject)
            continue
        try:
            send(email)
            sent += 1
        except Exception:  # noqa: BLE001
            logger.exception("email to %s failed", email.to)
    return sent
