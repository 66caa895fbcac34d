"""E-mails of the shop: the employee and the admins hear of each redemption.

One e-mail per recipient (no one sees another's address), each in its reader's language; the
admins' e-mail names the employee by display name only and links to the redemption's page.
Sending never fails a redemption, and never loses its e-mail: each goes through the outbox
(korpo.outbox), owed once per redemption and recipient, retried later when SES fails.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

from korpo import brand, mail, outbox
from korpo.languages import language_for
from korpo.mail import Email
from korpo.months import utc_now
from korpo.models import EmployeeModel

if TYPE_CHECKING:  # redemptions calls this module: the type only, never a runtime import
    from korpo.shop.redemptions import Redemption

logger = logging.getLogger(__name__)


_REDEEMED = {
    "en": {"mine": ("{brand}: you redeemed {title}",
                    "You redeemed \"{title}\" for {cost} {points}.\nIt is requested; you will "
                    "hear when it is fulfilled. If it is cancelled, the {points} come back to "
                    "your balance."),
           "admins": ("{brand}: a reward to fulfil ({title})",
                      "{name} redeemed \"{title}\" for {cost} {points}."),
           "open": "Fulfil or cancel it: {url}", "pages": "Fulfil or cancel it in the admin pages.",
           "someone": "An employee", "reference": "Reference: {id}"},
    "fr": {"mine": ("{brand} : vous avez échangé {title}",
                    "Vous avez échangé « {title} » contre {cost} {points}.\nVotre demande est "
                    "enregistrée ; vous serez prévenu quand elle sera honorée. Si elle est "
                    "annulée, vos {points} reviennent sur votre solde."),
           "admins": ("{brand} : une récompense à remettre ({title})",
                      "{name} a échangé « {title} » contre {cost} {points}."),
           "open": "L’honorer ou l’annuler : {url}",
           "pages": "Honorez-la ou annulez-la dans les pages d’administration.",
           "someone": "Un employé", "reference": "Référence : {id}"},
}


def redemption_url(base_url: str, redemption_id: str) -> str | None:
    """The admins' page of a redemption, when the deployment knows its web address."""
    base = (base_url or "").rstrip("/")
    return f"{base}/manage/redemptions/{quote(redemption_id, safe='')}" if base.startswith(
        ("https://", "http://")) else None


def compose(redemption: Redemption, employee_name: str | None, brand: str, points_name: str,
            language: str = "en", base_url: str = "",
            audience: str = "mine") -> tuple[str, str]:
    """(subject, body) of a redemption's e-mail in `language`: to the employee (`mine`) or to
    an admin (`admins`: who, what, and the link to its page where it is fulfilled)."""
    words = _REDEEMED.get(language, _REDEEMED["en"])
    subject, first = words[audience]
    values = {"brand": brand, "title": redemption.reward_title, "cost": redemption.cost,
              "points": points_name, "name": employee_name or words["someone"]}
    lines = [first.format(**values)]
    if audience == "admins":
        url = redemption_url(base_url, redemption.redemption_id)
        lines.append(words["open"].format(url=url) if url else words["pages"])
    lines += ["", words["reference"].format(id=redemption.redemption_id)]
    # A subject is one line: a title cannot add headers.
    return " ".join(subject.format(**values).split()), "\n".join(lines) + "\n"


def redeemed(redemption: Redemption, user_pool_id: str | None = None,
             base_url: str | None = None) -> list[Email]:
    """Send (or, without a SenderEmail, only log) the e-mails of a redemption, each in its
    reader's language (theirs, else the brand's)."""
    cfg = brand.current()  # the points' name and the brand's language as the admin set them
    try:
        profile = EmployeeModel.get(*EmployeeModel.key(redemption.employee_id))
        to, name, language = profile.email, profile.display_name, profile.language
    except Exception:  # noqa: BLE001 - no profile: the admins still hear of it
        to, name, language = None, None, None
    emails = [Email(to, *compose(redemption, name, cfg.brand_name, cfg.points_name,
                                 language_for(language, cfg.language)))] if to else []
    try:
        emails += [Email(admin.email, *compose(
            redemption, name, cfg.brand_name, cfg.points_name, admin.language,
            base_url or cfg.web_base_url, audience="admins"))
            for admin in mail.admin_recipients(user_pool_id or cfg.user_pool_id,
                                               cfg.admin_group, cfg.language)
            if admin.email != to]
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
           "message": "Message from the administrator:", "reference": "Reference: {id}"},
    "fr": {"fulfilled": ("{brand} : votre récompense arrive ({title})",
                         "Votre demande « {title} » est honorée."),
           "cancelled": ("{brand} : votre demande a été annulée ({title})",
                         "Votre demande « {title} » a été annulée : vos {cost} {points} sont "
                         "revenus sur votre solde."),
           "message": "Message de l’administrateur :", "reference": "Référence : {id}"},
}


def compose_decided(redemption: Redemption, language: str | None, brand: str,
                    points_name: str) -> tuple[str, str]:
    """(subject, body) telling the employee their redemption was fulfilled or cancelled, with
    the admin's message (a gift card code, a date…) as plain text, in their language."""
    words = _DECIDED.get(language or "en", _DECIDED["en"])  # the caller picks the language
    subject, first = words[redemption.status]
    values = {"brand": brand, "title": redemption.reward_title, "cost": redemption.cost,
              "points": points_name}
    lines = [first.format(**values), ""]
    if redemption.message:
        lines += [words["message"], redemption.message, ""]
    lines.append(words["reference"].format(id=redemption.redemption_id))
    # A subject is one line: a title cannot add headers.
    return " ".join(subject.format(**values).split()), "\n".join(lines) + "\n"


def decided(redemption: Redemption) -> list[Email]:
    """Tell the employee (never fails the admin's action: an SES error is logged)."""
    cfg = brand.current()  # the points' name as the admin set it
    try:
        profile = EmployeeModel.get(*EmployeeModel.key(redemption.employee_id))
    except Exception:  # noqa: BLE001 - a deleted account: no one to tell
        return []
    emails = [Email(profile.email, *compose_decided(
        redemption, language_for(profile.language, cfg.language), cfg.brand_name,
        cfg.points_name))]
    _send(f"redemption#{redemption.redemption_id}#{redemption.status}", emails,
          cfg.sender_email)
    return emails
