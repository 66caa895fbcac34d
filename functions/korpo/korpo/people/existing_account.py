"""A sign-up with an address that already has an account: the page says nothing, the address
hears it.

The sign-up page answers the same whether or not an address has an account, so no one learns
from it who works here. Cognito sends nothing to an existing account on SignUp (it only
refuses), so this e-mail, from SenderEmail through SES, tells the person to sign in or choose
a new password, in the language of the page they signed up on. At most one per address every
NOTICE_INTERVAL (one conditional write): the form cannot be used to flood someone's inbox.
Without a SenderEmail the e-mail is only logged, as every e-mail is (korpo.mail.deliver).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from korpo import mail
from korpo.models import SignupNoticeModel
from korpo.months import utc_now

logger = logging.getLogger(__name__)

NOTICE_INTERVAL = timedelta(hours=6)

_TEXTS = {
    "en": ("{brand}: you already have an account",
           "Someone, probably you, has just tried to create a {brand} account with this "
           "address. You already have one, so nothing was created.\n\n"
           "Sign in: {site}/signin\n"
           "Forgotten your password? Choose a new one: {site}/password/forgot\n"
           "Never confirmed your address? Ask for a new code: {site}/signup/confirm\n\n"
           "If it was not you, ignore this e-mail: your account has not changed.\n"),
    "fr": ("{brand} : vous avez déjà un compte",
           "Quelqu’un, sans doute vous, vient d’essayer de créer un compte {brand} avec cette "
           "adresse. Vous en avez déjà un : rien n’a été créé.\n\n"
           "Se connecter : {site}/signin\n"
           "Mot de passe oublié ? Choisissez-en un nouveau : {site}/password/forgot\n"
           "Adresse jamais confirmée ? Demandez un nouveau code : {site}/signup/confirm\n\n"
           "Si ce n’était pas vous, ignorez cet e-mail : votre compte n’a pas changé.\n"),
}


def compose(language: str, brand: str, site_url: str) -> tuple[str, str]:
    """(subject, body) in the language (English unless French), plain text."""
    subject, body = _TEXTS.get(language, _TEXTS["en"])
    values = {"brand": brand, "site": site_url.rstrip("/")}
    return subject.format(**values), body.format(**values)


def address_key(email: str, secret: str) -> str:
    """The address as the rate limit keeps it: a hash keyed by the stack's secret."""
    return hmac.new(secret.encode(), f"signup-notice\x1f{email.lower()}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def _claim(email: str, secret: str, now: datetime) -> bool:
    """Whether this address may have the e-mail now (and, if so, the claim is written)."""
    item = SignupNoticeModel(*SignupNoticeModel.key(address_key(email, secret)), sent_at=now)
    try:
        item.save(condition=SignupNoticeModel.pk.does_not_exist()
                  | (SignupNoticeModel.sent_at < now - NOTICE_INTERVAL))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def tell(email: str, language: str, *, brand: str, site_url: str, sender_email: str,
         secret: str, now: datetime | None = None) -> bool:
    """E-mail `email` that it already has an account; False (nothing sent) when it had this
    e-mail less than NOTICE_INTERVAL ago."""
    if not _claim(email, secret, now or utc_now()):
        logger.info("existing-account e-mail not sent again so soon")
        return False
    subject, body = compose(language, brand, site_url)
    mail.deliver([mail.Email(email, subject, body)], sender_email)
    return True
