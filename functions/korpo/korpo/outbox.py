"""The outbox: messages owed outside (an e-mail through SES, a Slack or Teams post) are written
before their first try, so a failure is retried later instead of lost, and a message is sent
at most once however often the work that owes it runs.

- `post(key, channel, payload, deliver)`: records the message under `key` (a conditional
  put: the same key is owed once), then tries it at once. Sent: done. The service refused or
  failed: it waits on gsi1 and `retry_due` (send_digest's run every 15 minutes) tries again,
  backing off, up to MAX_ATTEMPTS (about a day), then it is `failed` and logged as an error.
- Each try is claimed first (a conditional update: pending -> sending, with a lease), so two
  runs never send one message together. A try whose outcome is unknown (the function died
  between the claim and the mark, or a send that timed out after it may have gone) is never
  sent again by itself: after its lease it is marked `unknown` and logged as an error; an
  operator resends it by hand (docs/operations.md). A repeated e-mail is the one thing this
  refuses to risk; the message itself is never lost: the item keeps it.
- `deliver(channel, payload)` raises `Retry` (try again later) or `Refused` (never: a 4xx,
  a URL that is not a webhook's) or returns. Any other exception counts as unknown.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from pynamodb.exceptions import PutError, UpdateError

from korpo import aws
from korpo.mail import Email
from korpo.models import OutboxModel

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)
KEEP_SENT_DAYS = 90
Deliver = Callable[[str, dict], None]


class Retry(Exception):
    """The service did not take the message (throttled, 5xx, unreachable): try again."""


class Refused(Exception):
    """The service will never take it (a 4xx, a bad address): give up now."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most 4 hours: 12 tries span about a day."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


def _due_key(at: datetime, key: str) -> str:
    return f"{at.isoformat()}#{key}"


def enqueue(key: str, channel: str, payload: dict, now: datetime) -> bool:
    """Owe the message; False when `key` was owed before (sent, waiting or given up)."""
    item = OutboxModel(*OutboxModel.key(key), message_key=key, channel=channel,
                       payload=json.dumps(payload, ensure_ascii=False), status="pending",
                       attempts=0, created_at=now, gsi1pk=OutboxModel.PENDING,
                       gsi1sk=_due_key(now, key))
    try:
        item.save(condition=OutboxModel.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _claim(item: OutboxModel, now: datetime) -> bool:
    """pending -> sending, for LEASE; False when another run has it (or it is done)."""
    lease = now + LEASE
    try:
        item.update(actions=[OutboxModel.status.set("sending"),
                             OutboxModel.attempts.set(OutboxModel.attempts + 1),
                             OutboxModel.lease_until.set(lease),
                             OutboxModel.gsi1sk.set(_due_key(lease, item.message_key))],
                    condition=(OutboxModel.status == "pending")
                    & (OutboxModel.attempts == int(item.attempts or 0)))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _finish(item: OutboxModel, now: datetime, status: str, error: str | None = None) -> None:
    actions = [OutboxModel.status.set(status), OutboxModel.lease_until.remove()]
    if status == "pending":  # tried again after the back-off
        actions.append(OutboxModel.gsi1sk.set(_due_key(now + backoff(int(item.attempts)),
                                                       item.message_key)))
    else:
        actions += [OutboxModel.gsi1pk.remove(), OutboxModel.gsi1sk.remove()]
    if status == "sent":
        actions += [OutboxModel.sent_at.set(now), OutboxModel.delete_after.set(
            int((now + timedelta(days=KEEP_SENT_DAYS)).timestamp()))]
    if error:
        actions.append(OutboxModel.last_error.set(error[:200]))
    item.update(actions=actions, condition=OutboxModel.status == "sending")


def send_now(item: OutboxModel, deliver: Deliver, now: datetime) -> str:
    """One try of a pending message: "sent", "pending" (retried later), "failed", "unknown"
    or "busy" (another run has it)."""
    if not _claim(item, now):
        return "busy"
    item.refresh(consistent_read=True)
    try:
        deliver(item.channel, json.loads(item.payload))
    except Retry as error:
        status = "failed" if int(item.attempts) >= MAX_ATTEMPTS else "pending"
        _finish(item, now, status, str(error) or type(error).__name__)
        (logger.error if status == "failed" else logger.warning)(
            "outbox %s: %s (try %s)", item.message_key, error, item.attempts)
        return status
    except Refused as error:
        _finish(item, now, "failed", str(error) or "refused")
        logger.error("outbox %s refused: %s", item.message_key, error)
        return "failed"
    except Exception as error:  # noqa: BLE001 - it may have gone: never sent twice by itself
        _finish(item, now, "unknown", type(error).__name__)
        logger.error("outbox %s: outcome unknown (%s): resend by hand if it never arrived",
                     item.message_key, type(error).__name__)
        return "unknown"
    _finish(item, now, "sent")
    return "sent"


def post(key: str, channel: str, payload: dict, deliver: Deliver, now: datetime) -> str:
    """Owe the message and try it now: "sent", "pending" (retried later), "failed",
    "unknown", or "already" (owed before under this key: nothing done)."""
    if not enqueue(key, channel, payload, now):
        return "already"
    return send_now(OutboxModel.get(*OutboxModel.key(key), consistent_read=True), deliver, now)


@dataclass
class RetryReport:
    tried: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"tried": self.tried, **self.outcomes}


def retry_due(now: datetime, deliver: Deliver, time_left: Callable[[], float],
              reserve_s: float = 20.0, limit: int = 200) -> RetryReport:
    """Try again what is due (one Query of gsi1; nothing when idle). A message still
    `sending` past its lease died mid-try: marked `unknown`, not resent."""
    report = RetryReport()
    due = OutboxModel.gsi1.query(OutboxModel.PENDING, OutboxModel.gsi1sk <= f"{now.isoformat()}~",
                                 limit=limit)
    for item in due:
        if time_left() < reserve_s:
            break
        if item.status == "sending":
            outcome = _mark_unknown(item, now)
        else:
            outcome = send_now(item, deliver, now)
        report.tried += 1
        report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
    return report


def _mark_unknown(item: OutboxModel, now: datetime) -> str:
    try:
        _finish(item, now, "unknown", "the try never finished (timeout or crash)")
    except UpdateError:
        return "busy"
    logger.error("outbox %s: a try never finished: resend by hand if it never arrived",
                 item.message_key)
    return "unknown"


def resend(key: str, now: datetime) -> bool:
    """An operator's resend of a `failed` or `unknown` message: pending again, due now
    (send_digest's next run, or its console event, sends it)."""
    try:
        OutboxModel(*OutboxModel.key(key)).update(
            actions=[OutboxModel.status.set("pending"), OutboxModel.attempts.set(0),
                     OutboxModel.gsi1pk.set(OutboxModel.PENDING),
                     OutboxModel.gsi1sk.set(_due_key(now, key))],
            condition=OutboxModel.status.is_in("failed", "unknown"))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# ------------------------------------------------------------------ e-mail, the base's channel

def email_payload(email: Email) -> dict:
    return {"to": email.to, "subject": email.subject, "body": email.body}


def ses_deliver(sender: str) -> Callable[[dict], None]:
    """An e-mail payload through SES SendEmail: SES's errors are `Retry` (throttled, 5xx,
    unreachable) or `Refused` (a 4xx that will not change: a rejected message)."""
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError
    from botocore.exceptions import ConnectTimeoutError

    refused = {"MessageRejected", "MailFromDomainNotVerifiedException",
               "InvalidParameterValue", "ConfigurationSetDoesNotExistException"}

    def deliver(payload: dict) -> None:
        try:
            aws.client("ses").send_email(
                Source=sender, Destination={"ToAddresses": [payload["to"]]},
                Message={"Subject": {"Data": payload["subject"], "Charset": "UTF-8"},
                         "Body": {"Text": {"Data": payload["body"], "Charset": "UTF-8"}}})
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise (Refused if code in refused else Retry)(f"SES {code}") from None
        except (BotoConnectionError, ConnectTimeoutError) as error:  # never reached SES
            raise Retry(type(error).__name__) from None
    return deliver


def email_only(sender: str) -> Deliver:
    """A `deliver` for the e-mail channel alone."""
    send = ses_deliver(sender)

    def deliver(channel: str, payload: dict) -> None:
        if channel != "email":
            raise Refused(f"no deliverer for {channel}")
        send(payload)
    return deliver


def recipient_key(prefix: str, address: str) -> str:
    """A message's key per recipient: a digest of the address, so no key names anyone."""
    return f"{prefix}#{hashlib.sha256(address.strip().lower().encode()).hexdigest()[:20]}"


def send_emails(prefix: str, emails: list[Email], sender: str, now: datetime) -> dict[str, str]:
    """Each e-mail owed once under its recipient's key: {address: outcome}."""
    deliver = email_only(sender)
    return {e.to: post(recipient_key(prefix, e.to), "email", email_payload(e), deliver, now)
            for e in emails}
