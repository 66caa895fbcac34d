"""Account pages: sign up (or, when sign-up is by invitation, a page saying to ask an admin),
confirm, sign in, an invited employee's own password, forgotten password, sign out.

One question per page, the error next to its field and in a summary that links to it. The
browser only ever talks to this site; Cognito is called from here (korpo.people.accounts).
Every request that has Cognito send an e-mail (a sign-up, a new code, a reset) first takes
its unit from korpo.people.signup_limits, and is answered 429 when the hour's are used up.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from urllib.parse import quote, unquote

from chalice import Blueprint, Response

from korpo.people import (
    access, accounts, employees, existing_account, invitations, newcomers, profiles, signup,
    signup_limits,
)
from korpo.tracking import visitors
from webapp.i18n import N_
from webapp.pages import Pages, Redirect, Visit, local_path, logger, page
from webapp.session import (
    LANGUAGE_COOKIE, REFRESH_COOKIE, SIGNUP_COOKIE, SIGNUP_PATH, SIGNUP_SECONDS, YEAR,
    clear_cookie, decode_signup, encode_signup, set_cookie, signup_key,
)

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

PENDING_COOKIE = "korpo_pending"  # the address a code was sent to, to pre-fill the next form
# An invited employee between the temporary password and their own: the address and
# Cognito's challenge session (HttpOnly, for this page only, as long as the session lives).
CHALLENGE_COOKIE = "korpo_challenge"
CHALLENGE_PATH = "/signin/new-password"
CHALLENGE_SECONDS = 15 * 60  # the client's AuthSessionValidity (template.yaml)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")
_CODE = re.compile(r"^[0-9A-Za-z]{4,12}$")
PASSWORD_MIN = 10  # the user pool's PasswordPolicy

# What each accounts.AccountError code tells the person, and next to which field.
ACCOUNT_ERRORS = {
    "weak_password": ("password", N_("Choose a stronger password: at least 10 characters, "
                                     "with lower-case letters and numbers.")),
    "wrong_code": ("code",
                   N_("This code is not the one we sent. Check the email and try again.")),
    "expired_code": ("code", N_("This code has expired. Ask for a new one.")),
    "wrong_credentials": ("email", N_("The email or the password is not right.")),
    "not_confirmed": ("email", N_("Confirm your email first: enter the code we sent you.")),
    "too_many_attempts": ("email", N_("Too many attempts. Wait a few minutes and try again.")),
    "code_not_sent": ("email", N_("We could not send the code. Try again in a moment.")),
    "invalid_input": ("email", N_("Check what you entered and try again.")),
    "domain_not_allowed": ("email",
                           N_("Use your work email: this address is not allowed here.")),
    "challenge": ("email", N_("This account needs an administrator's help to sign in.")),
    "reset_required": ("email", N_("For your security, choose a new password before you "
                                   "sign in: use “Forgot your password?” below.")),
    "invitation_expired": ("password", N_("The temporary password of your invitation has "
                                          "expired. Ask an administrator to send the "
                                          "invitation again.")),
    "session_expired": ("password", N_("Too much time has passed since you signed in with "
                                       "the temporary password. Sign in with it again.")),
    "sign_up_closed": ("email", N_("Accounts are made by invitation here: ask an "
                                   "administrator of the programme to invite you.")),
}
# When the hour's e-mails are used up (signup_limits.LimitReached.scope).
LIMIT_ERRORS = {
    "address": N_("This address has been sent all the codes it can get in an hour. Check "
                  "your inbox and spam folder, or try again in an hour."),
    "everyone": N_("Too many e-mails have been sent in the last hour. Try again in an hour, "
                   "or ask an administrator of the programme to invite you."),
}


def _email_error(email: str, visit: Visit, must_be_allowed: bool = False) -> str | None:
    if not email:
        return N_("Enter your work email.")
    if len(email) > 254 or not _EMAIL.match(email):
        return N_("Enter an email address like name@company.com.")
    if must_be_allowed:
        try:
            signup.check_signup_email(email, visit.settings.allowed_email_domains)
        except signup.EmailDomainNotAllowed:
            return ACCOUNT_ERRORS["domain_not_allowed"][1]
    return None


def _password_error(password: str) -> str | None:
    if not password:
        return N_("Enter a password.")
    if len(password) < PASSWORD_MIN or not re.search(r"[a-z]", password) or not re.search(
            r"[0-9]", password):
        return ACCOUNT_ERRORS["weak_password"][1]
    if len(password) > 256:
        return N_("Your password must be 256 characters or fewer.")
    return None


def _code_error(code: str) -> str | None:
    if not code:
        return N_("Enter the code from the email.")
    if not _CODE.match(code):
        return N_("The code is the letters and numbers in the email, without spaces.")
    return None


def _form_page(visit: Visit, template: str, errors: dict[str, str], status: int = 200,
               **context) -> Response:
    translated = {name: visit.gettext(message) for name, message in errors.items()}
    return page(visit, template, status=400 if errors and status == 200 else status,
                errors=translated, **context)


def _limited(visit: Visit, template: str, over: signup_limits.LimitReached,
             **context) -> Response:
    """The form again, saying the hour's e-mails are used up: 429 with Retry-After."""
    answer = _form_page(visit, template, {"email": LIMIT_ERRORS[over.scope]}, status=429,
                        **context)
    answer.headers["Retry-After"] = str(over.retry_after)
    return answer


def _take_email(visit: Visit, email: str) -> None:
    """One e-mail to this address, within the limits (signup_limits.LimitReached if not)."""
    signup_limits.take_email(email, visit.settings.account_emails_per_hour,
                             visit.settings.catalog_table)


def _account_error(error: accounts.AccountError) -> dict[str, str]:
    field, message = ACCOUNT_ERRORS.get(error.code, ACCOUNT_ERRORS["invalid_input"])
    return {field: message}


def _pending(visit: Visit, email: str) -> None:
    visit.set_cookies.append(set_cookie(PENDING_COOKIE, quote(email), max_age=3600,
                                        secure=visit.https))


def _pending_email(visit: Visit) -> str:
    return unquote(visit.cookies.get(PENDING_COOKIE, ""))[:254]


def _email_field(visit: Visit) -> str:
    return visit.field("email").strip().lower()


@pages.route("/signup", methods=("GET", "POST"), public=True)
def sign_up(visit: Visit) -> Response:
    if not visit.settings.sign_up_open:  # SignUp=invite: Cognito would refuse it too
        return page(visit, "signup_closed.html",
                    status=200 if visit.request.method == "GET" else 403)
    if visit.request.method == "GET":
        return _form_page(visit, "signup.html", {}, email="")
    email, password = _email_field(visit), visit.field("password")
    errors = {name: message for name, message in (
        ("email", _email_error(email, visit, must_be_allowed=True)),
        ("password", _password_error(password))) if message}
    employee_id = None
    if not errors:
        try:
            _take_email(visit, email)
            employee_id = accounts.sign_up(visit.settings.user_pool_client_id, email, password)
        except signup_limits.LimitReached as over:
            return _limited(visit, "signup.html", over, email=email)
        except accounts.AccountError as error:
            if error.code == "account_exists":
                _tell_existing_account(visit, email)
            else:
                errors = _account_error(error)
    if errors:
        return _form_page(visit, "signup.html", errors, email=email)
    if employee_id is not None:
        try:  # in the admins' list as "never signed in" until the first sign-in
            newcomers.record(email, newcomers.SIGNED_UP, employee_id=employee_id or None)
        except newcomers.AlreadyKnown:
            pass
    _pending(visit, email)  # the same answer whether or not the address had an account
    # The proof that this browser made the account: with the code, it opens the first session.
    # An address that had one gets a proof too (of no account: a random id), so that the
    # answer, cookies included, is the same; it opens nothing (_first_session).
    visit.set_cookies.append(set_cookie(
        SIGNUP_COOKIE, encode_signup(signup_key(visit.settings.visitor_secret),
                                     employee_id or str(uuid.uuid4()), email),
        max_age=SIGNUP_SECONDS, secure=visit.https, path=SIGNUP_PATH, same_site="Strict"))
    raise Redirect("/signup/confirm")


def _tell_existing_account(visit: Visit, email: str) -> None:
    """The address is told it has an account (rate-limited); the page says nothing of it,
    and never fails over it."""
    try:
        existing_account.tell(email, visit.language, brand=visit.settings.brand_name,
                              site_url=visit.base_url, sender_email=visit.settings.sender_email,
                              secret=visit.settings.visitor_secret)
    except Exception:  # noqa: BLE001 - logged; the answer stays the same
        logger.exception("the existing-account e-mail failed")


@pages.route("/signup/confirm", methods=("GET", "POST"), public=True)
def confirm(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return _form_page(visit, "confirm.html", {}, email=_pending_email(visit),
                          resent=visit.request.query_params is not None
                          and (visit.request.query_params or {}).get("resent") == "1")
    email, code = _email_field(visit), visit.field("code").strip().replace(" ", "")
    errors = {name: message for name, message in (
        ("email", _email_error(email, visit)), ("code", _code_error(code))) if message}
    if not errors:
        try:
            accounts.confirm_sign_up(visit.settings.user_pool_client_id, email, code)
        except accounts.AccountError as error:
            # No such user, or one already confirmed: said as a wrong code, as for anyone
            # (this page must not tell which addresses have an account either).
            errors = _account_error(accounts.AccountError("wrong_code")
                                    if error.code == "wrong_credentials" else error)
    if errors:
        return _form_page(visit, "confirm.html", errors, email=email, resent=False)
    _first_session(visit, email)
    raise Redirect("/news?done=welcome")


def _first_session(visit: Visit, email: str) -> None:
    """The code is right: if this browser made the account (its proof names this address) and
    the account never had a session, it is signed in now, without asking for the password
    again. Otherwise (another browser, an hour later, a second confirmation) to the sign-in
    page, the address filled in. docs/decisions.md, "Confirming signs you in"."""
    proof = decode_signup(signup_key(visit.settings.visitor_secret),
                          visit.cookies.get(SIGNUP_COOKIE))
    visit.set_cookies.append(clear_cookie(SIGNUP_COOKIE, secure=visit.https, path=SIGNUP_PATH))
    if (proof is None or proof.email != email or profiles.get_profile(proof.employee_id)
            or invitations.account_id(email) != proof.employee_id):  # a proof of no account
        raise Redirect("/signin?done=confirmed")  # the pending address pre-fills the sign-in
    try:
        _open_session(visit, accounts.SignedIn(employee_id=proof.employee_id, email=email,
                                               name=None, is_admin=False, refresh_token=""))
    except employees.AccountDeleted:
        raise Redirect("/signin?done=confirmed") from None


@pages.route("/signup/resend", methods=("POST",), public=True)
def resend(visit: Visit) -> Response:
    email = _email_field(visit)
    error = _email_error(email, visit)
    if error is None:
        try:
            _take_email(visit, email)
            accounts.resend_code(visit.settings.user_pool_client_id, email)
        except signup_limits.LimitReached as over:
            return _limited(visit, "confirm.html", over, email=email, resent=False)
        except accounts.AccountError as failure:
            # No such user (UserNotFound), one already confirmed (InvalidParameter): the same
            # answer as for an address waiting for its code, so no one tells them apart.
            if failure.code not in ("wrong_credentials", "invalid_input"):
                return _form_page(visit, "confirm.html", _account_error(failure), email=email,
                                  resent=False)
        _pending(visit, email)
        raise Redirect("/signup/confirm?resent=1")
    return _form_page(visit, "confirm.html", {"email": error}, email=email, resent=False)


@pages.route("/signin", methods=("GET", "POST"), public=True)
def sign_in(visit: Visit) -> Response:
    query = visit.request.query_params or {}
    target = local_path(query.get("next") or visit.field("next"))
    if visit.request.method == "GET":
        if visit.session is not None:
            raise Redirect(target)
        return _form_page(visit, "signin.html", {}, email=_pending_email(visit), next=target,
                          done=query.get("done") if query.get("done") in (
                              "confirmed", "reset", "signed_out", "deleted") else None)
    email, password = _email_field(visit), visit.field("password")
    errors = {name: message for name, message in (
        ("email", _email_error(email, visit)),
        ("password", None if password else N_("Enter your password."))) if message}
    if not errors:
        try:
            who = accounts.sign_in(visit.settings.user_pool_client_id, email, password)
        except accounts.NewPasswordRequired as challenge:  # an invitation's password
            visit.set_cookies.append(set_cookie(
                CHALLENGE_COOKIE, _challenge_value(email, challenge.session),
                max_age=CHALLENGE_SECONDS, secure=visit.https, path=CHALLENGE_PATH))
            raise Redirect(f"{CHALLENGE_PATH}?next={quote(target, safe='/')}") from None
        except accounts.AccountError as error:
            errors = _account_error(error)
    if errors:
        return _form_page(visit, "signin.html", errors, email=email, next=target, done=None)
    return _enter(visit, who, email, target)


def _enter(visit: Visit, who: accounts.SignedIn, email: str, target: str) -> Response:
    """Signed in: the profile (made on the first visit), the cookies, then the page asked."""
    try:
        _open_session(visit, who)
    except employees.AccountDeleted:  # a token from before the deletion
        return _form_page(visit, "signin.html", _account_error(
            accounts.AccountError("wrong_credentials")), email=email, next=target, done=None)
    raise Redirect(target)


def _open_session(visit: Visit, who: accounts.SignedIn) -> None:
    """The profile (made on the first session, in these pages' language), the session's
    cookies, the profile's language on this browser (one setting: docs/decisions.md), and the
    cookie that makes their own clicks count as "self".
    AccountDeleted for an account deleted since its token was made."""
    profile = profiles.ensure_profile(employees.Identity(who.employee_id, who.email,
                                                         who.name, who.is_admin),
                                      language=visit.language)
    visit.signed_in(who)
    if profile.language:  # the language the employee chose, on this browser too
        visit.set_cookies.append(set_cookie(LANGUAGE_COOKIE, profile.language, max_age=YEAR,
                                            secure=visit.https))
    visit.set_cookies.append(clear_cookie(PENDING_COOKIE, secure=visit.https))
    if visit.settings.visitor_secret:
        # The employee's own clicks on their links count as "self" (track_click reads it).
        visit.set_cookies.append(visitors.self_cookie_header(
            visit.settings.visitor_secret, who.employee_id, secure=visit.https))


def _challenge_value(email: str, session: str) -> str:
    raw = json.dumps({"email": email, "session": session}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _challenge(visit: Visit) -> tuple[str, str] | None:
    """(e-mail, Cognito session) of the sign-in waiting for a new password, if any."""
    raw = visit.cookies.get(CHALLENGE_COOKIE, "")
    if not raw or len(raw) > 4096:
        return None
    try:
        found = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(found, dict) or not all(isinstance(found.get(k), str) and found[k]
                                              for k in ("email", "session")):
        return None
    if not 20 <= len(found["session"]) <= 2048:  # what Cognito takes (RespondToAuthChallenge)
        return None
    return found["email"][:254], found["session"]


@pages.route(CHALLENGE_PATH, methods=("GET", "POST"), public=True)
def new_password(visit: Visit) -> Response:
    """An invited employee signed in with the temporary password: their own password now
    (Cognito's NEW_PASSWORD_REQUIRED), then in, as after any sign-in."""
    query = visit.request.query_params or {}
    target = local_path(query.get("next") or visit.field("next"))
    waiting = _challenge(visit)
    if waiting is None:  # no sign-in waiting (or its cookie expired): start again
        raise Redirect(f"/signin?next={quote(target, safe='/')}")
    email, session = waiting
    if visit.request.method == "GET":
        return _form_page(visit, "new_password.html", {}, email=email, next=target)
    password = visit.field("password")
    error = _password_error(password)
    if error:
        return _form_page(visit, "new_password.html", {"password": error}, email=email,
                          next=target)
    forget = clear_cookie(CHALLENGE_COOKIE, secure=visit.https, path=CHALLENGE_PATH)
    try:
        who = accounts.choose_password(visit.settings.user_pool_client_id, email, session,
                                       password)
    except accounts.AccountError as failure:
        if failure.code == "weak_password":
            return _form_page(visit, "new_password.html", _account_error(failure),
                              email=email, next=target)
        visit.set_cookies.append(forget)  # the session is spent: sign in again
        return _form_page(visit, "signin.html", _account_error(failure), email=email,
                          next=target, done=None)
    visit.set_cookies.append(forget)
    return _enter(visit, who, email, target)


@pages.route("/signout", methods=("POST",))
def sign_out(visit: Visit) -> Response:
    """Ends every session of the person at once, on every device (a copied session cookie
    included), and revokes their refresh tokens. Never fails for the person: the cookies go
    whatever Cognito says."""
    who = visit.session
    # A session already ended (a copied cookie) cannot end the person's new ones.
    if who is not None and visit.access(who.employee_id).session_valid(who.issued_at):
        try:
            access.sign_out_everywhere(who.employee_id, who.email)
        except Exception:  # noqa: BLE001 - the sessions are ended by the marker already
            logger.warning("global sign-out failed", exc_info=True)
    token = visit.cookies.get(REFRESH_COOKIE)
    if token:
        accounts.sign_out(visit.settings.user_pool_client_id, token)
    visit.signed_out()
    raise Redirect("/signin?done=signed_out")


@pages.route("/password/forgot", methods=("GET", "POST"), public=True)
def forgot(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return _form_page(visit, "forgot.html", {}, email=_pending_email(visit))
    email = _email_field(visit)
    error = _email_error(email, visit)
    if error:
        return _form_page(visit, "forgot.html", {"email": error}, email=email)
    try:
        _take_email(visit, email)
        accounts.forgot_password(visit.settings.user_pool_client_id, email)
    except signup_limits.LimitReached as over:
        return _limited(visit, "forgot.html", over, email=email)
    except accounts.AccountError as failure:
        if failure.code == "too_many_attempts":
            return _form_page(visit, "forgot.html", _account_error(failure), email=email)
        # Otherwise say the same as for a known address: never reveal who has an account.
    _pending(visit, email)
    raise Redirect("/password/reset")


@pages.route("/password/reset", methods=("GET", "POST"), public=True)
def reset(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return _form_page(visit, "reset.html", {}, email=_pending_email(visit))
    email, code = _email_field(visit), visit.field("code").strip().replace(" ", "")
    password = visit.field("password")
    errors = {name: message for name, message in (
        ("email", _email_error(email, visit)), ("code", _code_error(code)),
        ("password", _password_error(password))) if message}
    if not errors:
        try:
            accounts.reset_password(visit.settings.user_pool_client_id, email, code, password)
        except accounts.AccountError as error:
            errors = _account_error(error)
    if errors:
        return _form_page(visit, "reset.html", errors, email=email)
    raise Redirect("/signin?done=reset")
