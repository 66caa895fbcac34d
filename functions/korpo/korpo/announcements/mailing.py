"""Once per employee: a programme e-mail is claimed (a conditional put) before it is sent, so a
schedule that fires twice, a retried run or two runs at once never send it twice.

After the claim, an SES error releases it (the next run, or a console run, sends that one
again); a crash between the claim and the send loses that e-mail (at most once: a missed digest
is better than two).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Iterable

from pynamodb.exceptions import PutError

from korpo.mail import Mail, Send
from korpo.models import EmployeeModel, SentMailModel

logger = logging.getLogger(__name__)


def claim(employee_id: str, mail_key: str, now: datetime) -> bool:
    """True when this run owns the send; False when it was claimed before."""
    try:
        SentMailModel(*SentMailModel.key(employee_id, mail_key), employee_id=employee_id,
                      mail=mail_key, claimed_at=now).save(
            condition=SentMailModel.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def release(employee_id: str, mail_key: str) -> None:
    SentMailModel(*SentMailModel.key(employee_id, mail_key)).delete()


def was_sent(employee_id: str, mail_key: str) -> bool:
    try:
        SentMailModel.get(*SentMailModel.key(employee_id, mail_key))
    except SentMailModel.DoesNotExist:
        return False
    return True


def opted_in(employees: Iterable[EmployeeModel]) -> Iterable[EmployeeModel]:
    """Those who asked for the programme's e-mails (the profile's one opt-in) and have an
    address."""
    return (e for e in employees if e.weekly_digest and e.email)


def send_each(employees: Iterable[EmployeeModel], mail_key: str, now: datetime,
              compose: Callable[[EmployeeModel], Mail | None], send: Send,
              time_left: Callable[[], float], reserve_s: float = 20.0) -> dict[str, int]:
    """Claim, compose and send to each employee (a failure to compose or send releases the
    claim); stop while `reserve_s` seconds are left (the
    next run goes on: the claims skip those done). Counts: sent, skipped (claimed before),
    empty (nothing to say), failed (released), and `stopped` 1 when time ran out."""
    counts = {"sent": 0, "skipped": 0, "empty": 0, "failed": 0, "stopped": 0}
    for employee in employees:
        if time_left() < reserve_s:
            counts["stopped"] = 1
            break
        if not claim(employee.employee_id, mail_key, now):
            counts["skipped"] += 1
            continue
        try:
            mail = compose(employee)
            if mail is None:  # claimed anyway: a rerun need not look again
                counts["empty"] += 1
                continue
            send(mail)
        except Exception as error:  # noqa: BLE001 - SES refused or failed: the others go on
            logger.warning("mail %s to employee %s failed: %s", mail_key, employee.employee_id,
                           type(error).__name__)
            try:
                release(employee.employee_id, mail_key)
            except Exception:  # noqa: BLE001 - then this one is lost (at most once)
                logger.exception("could not release the claim of %s", mail_key)
            counts["failed"] += 1
            continue
        counts["sent"] += 1
    return counts
