"""E-mail through SES, for every package: one recipient a message, so no one sees another's
address.

- `Email`: a one-off message (a redemption, the month's winners), sent with SendEmail by
  `deliver`, which never fails its caller (an SES error is logged);
- `Mail`: a programme e-mail (the digest, a new challenge): plain text only (admin text is
  never read as HTML), with the one-click unsubscribe of RFC 8058, sent as raw MIME
  (SendRawEmail keeps our List-Unsubscribe headers; SES's Easy DKIM signs them, as RFC 8058
  asks);
- `admin_emails`: the addresses of the admins group, who hear of what needs an admin;
  `admin_recipients` the same with each admin's language (korpo.languages.language_for:
  the admin's profile's, else the brand's).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid
from typing import Callable

from korpo import aws
from korpo.languages import language_for
from korpo.models import EmployeeModel

logger = logging.getLogger("korpo.email")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str


def _admins(user_pool_id: str, group: str) -> list[tuple[str, str]]:
    """(sub, e-mail) of each member of the admins group."""
    if not user_pool_id:
        return []
    cognito = aws.client("cognito-idp")
    out: list[tuple[str, str]] = []
    args = {"UserPoolId": user_pool_id, "GroupName": group}
    while True:
        page = cognito.list_users_in_group(**args)
        for user in page.get("Users", []):
            attrs = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            if attrs.get("email"):
                out.append((attrs.get("sub") or user.get("Username", ""), attrs["email"]))
        if not page.get("NextToken"):
            return out
        args["NextToken"] = page["NextToken"]


def admin_emails(user_pool_id: str, group: str = "admins") -> list[str]:
    return [email for _sub, email in _admins(user_pool_id, group)]


def languages_of(employee_ids: list[str]) -> dict[str, str | None]:
    """The language each employee chose (their profile's; None without one)."""
    keys = [EmployeeModel.key(e) for e in dict.fromkeys(i for i in employee_ids if i)]
    return {p.employee_id: p.language for p in EmployeeModel.batch_get(keys)} if keys else {}


def admin_recipients(user_pool_id: str, group: str = "admins",
                     brand_language: str = "en") -> list[Recipient]:
    """The admins' addresses, each in its admin's language (the brand's without one)."""
    admins = _admins(user_pool_id, group)
    languages = languages_of([sub for sub, _email in admins])
    return [Recipient(email, language_for(languages.get(sub), brand_language))
            for sub, email in admins]


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


# Headers unfolded up to RFC 5322's 998 characters: the unsubscribe URL stays on its line.
_POLICY = SMTP.clone(max_line_length=998)
_LINE_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    unsubscribe_url: str
    language: str = "en"


def one_line(text: str, limit: int = 200) -> str:
    """A header value: no line break can start a header of its own."""
    text = " ".join(_LINE_BREAKS.sub(" ", text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def mime(mail: Mail, sender: str, sender_name: str = "") -> bytes:
    message = EmailMessage(policy=_POLICY)
    message["From"] = formataddr((one_line(sender_name, 80), sender)) if sender_name else sender
    message["To"] = mail.to
    message["Subject"] = one_line(mail.subject)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to this https URL.
    message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable: 7-bit on the wire whatever the language.
    message.set_content(mail.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = mail.language  # after set_content, which resets Content-*
    return message.as_bytes()


Send = Callable[[Mail], None]


def programme_sender(sender: str, sender_name: str = "") -> Send:
    def send(mail: Mail) -> None:
        aws.client("ses").send_raw_email(Source=sender, Destinations=[mail.to],
                                         RawMessage={"Data": mime(mail, sender, sender_name)})
    return send
