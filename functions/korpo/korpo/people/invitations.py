"""Invitations: an admin names an address, Cognito creates the account and e-mails a temporary
password (AdminCreateUser), in the employee's language; the employee signs in with it and
chooses their own password (the web app's new-password page).

Each invitation first writes its newcomer item (korpo.people.newcomers: the language and
the sign-in address the e-mail names, read by the user pool's CustomMessage trigger while
AdminCreateUser runs), then creates the account with the `locale` attribute set. A refused
invitation leaves nothing behind. `invite_all` invites a pasted list a few at a time and
stops starting new ones before the page runs out of time.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist

from korpo import aws, settings
from korpo.models import EmployeeModel
from korpo.people import invitation_mail, newcomers
from korpo.people.invite_list import Refused, Wanted

logger = logging.getLogger(__name__)

# A pasted list: a few AdminCreateUser calls at once (Cognito allows 50 a second for the
# account's sign-ups and admin creations together), none started after DEADLINE_S so the
# page answers within the HTTP API's 30 s.
PARALLEL = 4
DEADLINE_S = 15.0

# Why an invitation was not sent (the web layer words each one).
HAS_ACCOUNT = "has_account"  # signed up, invited or signed in already
ALREADY_INVITED = "already_invited"
EMAIL_LIMIT = "email_limit"  # Cognito's daily e-mails (50 without SES) or its rate
DOMAIN_REFUSED = "domain_refused"  # the PreSignUp trigger said no
NOT_AN_ADDRESS = "not_an_address"
NOT_SENT = "not_sent"  # anything else: logged
OUT_OF_TIME = "out_of_time"
SIGNED_IN = "signed_in"  # too late to withdraw or send again: they are an employee now
GONE = "gone"

_ERRORS = {
    "UsernameExistsException": HAS_ACCOUNT,
    "AliasExistsException": HAS_ACCOUNT,
    "LimitExceededException": EMAIL_LIMIT,
    "TooManyRequestsException": EMAIL_LIMIT,
    "UserLambdaValidationException": DOMAIN_REFUSED,
    "InvalidParameterException": NOT_AN_ADDRESS,
    "UnsupportedUserStateException": SIGNED_IN,
    "UserNotFoundException": GONE,
}


class Refusal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Pool:
    """Where and how: the user pool, and a Cognito client (a test's or the module's)."""
    user_pool_id: str
    cognito: Any = None

    @property
    def client(self) -> Any:
        return self.cognito or aws.client("cognito-idp")


def _pool(pool: Pool | None) -> Pool:
    found = pool or Pool(settings.current().user_pool_id)
    if not found.user_pool_id:
        raise Refusal(NOT_SENT)
    return found


def _call(pool: Pool, operation: str, **params: Any) -> dict[str, Any]:
    try:
        return getattr(pool.client, operation)(UserPoolId=pool.user_pool_id, **params)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in _ERRORS:
            logger.warning("cognito %s refused: %s", operation, code, exc_info=True)
        raise Refusal(_ERRORS.get(code, NOT_SENT)) from None


def _attribute(user: dict[str, Any], name: str) -> str | None:
    attributes = user.get("Attributes") or user.get("UserAttributes") or []
    return next((a["Value"] for a in attributes if a["Name"] == name), None)


def invite(email: str, language: str, invited_by: str, sign_in_url: str | None,
           pool: Pool | None = None) -> newcomers.Newcomer:
    """Invite one address (already checked against the allowed domains), or Refusal."""
    pool = _pool(pool)
    language = invitation_mail.language_of(language)
    try:
        newcomer = newcomers.record(email, newcomers.INVITED, language=language,
                                    sign_in_url=sign_in_url, invited_by=invited_by)
    except newcomers.AlreadyKnown as known:
        raise Refusal(ALREADY_INVITED if known.newcomer.kind == newcomers.INVITED
                      else HAS_ACCOUNT) from None
    try:
        created = _call(pool, "admin_create_user", Username=newcomer.email,
                        DesiredDeliveryMediums=["EMAIL"], UserAttributes=[
                            {"Name": "email", "Value": newcomer.email},
                            # The invitation proves the address: a later "forgot my
                            # password" needs it verified.
                            {"Name": "email_verified", "Value": "true"},
                            {"Name": "locale", "Value": language}])
    except Refusal:
        newcomers.forget(newcomer.newcomer_id)
        raise
    sub = _attribute(created.get("User") or {}, "sub")
    if sub:
        newcomers.set_account(newcomer.newcomer_id, sub)
    return newcomer


def invite_all(wanted: list[Wanted], invited_by: str, sign_in_url: str | None,
               pool: Pool | None = None, *, deadline_s: float = DEADLINE_S,
               clock: Callable[[], float] = time.monotonic,
               ) -> tuple[list[Wanted], list[Refused]]:
    """(invited, refused), each in the list's order."""
    pool = _pool(pool)
    stop_at = clock() + deadline_s

    def one(item: Wanted) -> str | None:
        if clock() > stop_at:
            return OUT_OF_TIME
        try:
            invite(item.email, item.language, invited_by, sign_in_url, pool)
        except Refusal as refusal:
            return refusal.reason
        return None

    with ThreadPoolExecutor(max_workers=max(1, min(PARALLEL, len(wanted)))) as workers:
        reasons = list(workers.map(one, wanted))
    invited = [item for item, reason in zip(wanted, reasons) if reason is None]
    refused = [Refused(item.line, item.email, reason) for item, reason in zip(wanted, reasons)
               if reason is not None]
    return invited, refused


def send_again(newcomer_id: str, pool: Pool | None = None) -> newcomers.Newcomer:
    """The invitation again, with a new temporary password valid INVITATION_DAYS (Cognito's
    MessageAction RESEND); an expired one is revived so."""
    pool = _pool(pool)
    found = newcomers.get(newcomer_id)
    if found is None or found.kind != newcomers.INVITED:
        raise Refusal(GONE)
    try:
        updated = newcomers.sent_again(newcomer_id)
    except LookupError:
        raise Refusal(GONE) from None
    try:
        _call(pool, "admin_create_user", Username=found.email, MessageAction="RESEND",
              DesiredDeliveryMediums=["EMAIL"])
    except Refusal as refusal:
        if refusal.reason in (SIGNED_IN, GONE):  # no invitation to send any more
            newcomers.forget(newcomer_id)
        raise
    return updated


def withdraw(newcomer_id: str, pool: Pool | None = None) -> newcomers.Newcomer:
    """Delete an account nobody has signed in to (a wrong address, someone who left): its
    Cognito user and its newcomer item. Refusal(SIGNED_IN) once they have a profile."""
    pool = _pool(pool)
    found = newcomers.get(newcomer_id)
    if found is None:
        raise Refusal(GONE)
    try:
        user = _call(pool, "admin_get_user", Username=found.email)
    except Refusal as refusal:
        if refusal.reason != GONE:
            raise
        newcomers.forget(newcomer_id)  # deleted outside Korpo: only the item was left
        return found
    sub = _attribute(user, "sub")
    if sub and _has_profile(sub):
        newcomers.forget(newcomer_id)
        raise Refusal(SIGNED_IN)
    try:
        _call(pool, "admin_delete_user", Username=found.email)
    except Refusal as refusal:
        if refusal.reason != GONE:
            raise
    newcomers.forget(newcomer_id)
    return found


def account_id(email: str, pool: Pool | None = None) -> str | None:
    """The id (Cognito's sub) of the account with this address, None if it has none: the
    first session after a sign-up opens only for the account its proof names."""
    try:
        return _attribute(_call(_pool(pool), "admin_get_user", Username=email), "sub")
    except Refusal:
        return None


def _has_profile(employee_id: str) -> bool:
    try:
        EmployeeModel.get(*EmployeeModel.key(employee_id), consistent_read=True)
        return True
    except DoesNotExist:
        return False


def invitation_message(user_attributes: dict[str, str], username_placeholder: str,
                       code_placeholder: str) -> tuple[str, str]:
    """(subject, HTML body) of the invitation to this new user: in the language the admin
    chose (the `locale` attribute, else the newcomer item's), naming the sign-in address the
    admin's invite recorded (else PublicBaseUrl, else words saying to ask)."""
    email = (user_attributes.get("email") or "").strip().lower()
    found = newcomers.of_email(email) if email else None
    cfg = settings.current()
    language = user_attributes.get("locale") or (found.language if found else None)
    url = (found.sign_in_url if found and found.sign_in_url else
           f"{cfg.public_base_url}/signin" if cfg.public_base_url else None)
    return invitation_mail.invitation(
        language, brand=cfg.brand_name, email=email, sign_in_url=url,
        username_placeholder=username_placeholder, code_placeholder=code_placeholder,
        days=newcomers.INVITATION_DAYS)
