"""E-mails of the shop: the employee and the admins hear of each redemption.

One e-mail per recipient (no one sees another's address); the admins' e-mail names the
employee by display name only. Sending never fails a redemption, and never loses its e-mail:
each goes through the outbox (korpo.outbox), owed once per redemption and recipient, retried
later when SES fails.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from korpo import brand, mail, outbox
from korpo.mail import Email
from korpo.months import utc_now
from korpo.models import EmployeeModel

if TYPE_CHECKING:  # redemptions calls this module: the type only, never a runtime import
    from korpo.shop.redemptions import Redemption

logger = logging.getLogger(__name__)


def compose(redemption: Redemption, employee_name: str, brand: str,
            points_name: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """((subject, body) for the employee, (subject, body) for the admins)."""
    mine = (f"{brand}: you redeemed {redemption.reward_title}",
            f"You redeemed \"{redemption.reward_title}\" for {redemption.cost} {points_name}.\n"
            f"It is requested; you will hear when it is fulfilled. If it is cancelled, the "
            f"{points_name} come back to your balance.\n\nReference: {redemption.redemption_id}\n")
    admins = (f"{brand}: a reward to fulfil ({redemption.reward_title})",
              f"{employee_name} redeemed \"{redemption.reward_title}\" for {redemption.cost} "
              f"{points_name}.\nFulfil or cancel it in the admin pages.\n\n"
              f"Reference: {redemption.redemption_id}\n")
    return mine, admins


def redeemed(redemption: Redemption, user_pool_id: str | None = None) -> list[Email]:
    """Send (or, without a SenderEmail, only log) the e-mails of a redemption."""
    cfg = brand.current()  # the points' name as the admin set it
    try:
        profile = EmployeeModel.get(*EmployeeModel.key(redemption.employee_id))
        to, name = profile.email, profile.display_name
    except Exception:  # noqa: BLE001 - no profile: the admins still hear of it
        to, name = None, "An employee"
    mine, admins = compose(redemption, name, cfg.brand_name, cfg.points_name)
    emails = [Email(to, *mine)] if to else []
    try:
        emails += [Email(a, *admins) for a in mail.admin_emails(
            user_pool_id or cfg.user_pool_id, cfg.admin_group) if a != to]
    except Exception:  # noqa: BLE001
        logger.exception("could not list the admins to tell of a redemption")
    _send(f"redemption#{redemption.redemption_id}", emails, cfg.sender_email)
    return emails


def _send(prefix: str, emails: list[Email], sender: str) -> None:
    """Through the outbox (once each, retried on failure); without a sender, only logged."""
    if not sender:
        mail.deliver(emails, sender)
        return
    try:
        outbox.send_emails(prefix, emails, sender, utc_now())
    except Exception:  # noqa: BLE001 - the outbox's own table failed: the request stands
        logger.exception("could not owe the e-mails of %s", prefix)


_DECIDED = {
    "en": {"fulfilled": ("{brand}: your reward is on its way ({title})",
                         "Your redemption of \"{title}\" is fulfilled."),
           "cancelled": ("{brand}: your redemption was cancelled ({title})",
                         "Your redemption of \"{title}\" was cancelled: your {cost} {points} "
                         "are back in your balance."),
           "message": "Message from the administrator:", "reference": "Reference"},
    "fr": {"fulfilled": ("{brand} : votre récompense arrive ({title})",
                         "Votre demande « {title} » est honorée."),
           "cancelled": ("{brand} : votre demande a été annulée ({title})",
                         "Votre demande « {title} » a été annulée : vos {cost} {points} sont "
                         "revenus sur votre solde."),
           "message": "Message de l'administrateur :", "reference": "Référence"},
}


def compose_decided(redemption: Redemption, language: str | None, brand: str,
                    points_name: str) -> tuple[str, str]:
    """(subject, body) telling the employee their redemption was fulfilled or cancelled, with
    the admin's message (a gift card code, a date…) as plain text, in their language."""
    words = _DECIDED.get(language or "en", _DECIDED["en"])
    subject, first = words[redemption.status]
    values = {"brand": brand, "title": redemption.reward_title, "cost": redemption.cost,
              "points": points_name}
    lines = [first.format(**values), ""]
    if redemption.message:
        lines += [words["message"], redemption.message, ""]
    lines.append(f"{words['reference']}: {redemption.redemption_id}")
    # A subject is one line: a title cannot add headers.
    return " ".join(subject.format(**values).split()), "\n".join(lines) + "\n"


def decided(redemption: Redemption) -> list[Email]:
    """Tell the employee (never fails the admin's action: an SES error is logged)."""
    cfg = brand.current()  # the points' name as the admin set it
    try:
        profile = EmployeeModel.get(*EmployeeModel.key(redemption.employee_id))
    except Exception:  # noqa: BLE001 - a deleted account: no one to tell
        return []
    emails = [Email(profile.email, *compose_decided(redemption, profile.language,
                                                    cfg.brand_name, cfg.points_name))]
    _send(f"redemption#{redemption.redemption_id}#{redemption.status}", emails,
          cfg.sender_email)
    return emails
