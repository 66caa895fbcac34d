"""A programme e-mail: plain text only (admin text is never read as HTML), one recipient, with
the one-click unsubscribe of RFC 8058, sent as raw MIME through SES (SendRawEmail keeps our
List-Unsubscribe headers; SES's Easy DKIM signs them, as RFC 8058 asks)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid
from typing import Callable

from korpo import aws

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


def ses_sender(sender: str, sender_name: str = "") -> Send:
    def send(mail: Mail) -> None:
        aws.client("ses").send_raw_email(Source=sender, Destinations=[mail.to],
                                         RawMessage={"Data": mime(mail, sender, sender_name)})
    return send
