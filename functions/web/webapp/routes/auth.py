"""Account pages: sign up, confirm, sign in, forgotten password, sign out.

One question per page, the error next to its field and in a summary that links to it. The
browser only ever talks to this site; Cognito is called from here (korpo.people.accounts).
"""
from __future__ import annotations

import re
from urllib.parse import quote, unquote

from chalice import Blueprint, Response

from korpo.people import accounts, employees, existing_account, profiles
from korpo.tracking import visitors
from webapp.i18n import N_
from webapp.pages import Pages, Redirect, Visit, local_path, logger, page
from webapp.session import LANGUAGE_COOKIE, REFRESH_COOKIE, YEAR, clear_cookie, set_cookie

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

PENDING_COOKIE = "korpo_pending"  # the address a code was sent to, to pre-fill the next form
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
}


def _email_error(email: str, visit: Visit, must_be_allowed: bool = False) -> str | None:
    if not email:
        return N_("Enter your work email.")
    if len(email) > 254 or not _EMAIL.match(email):
        return N_("Enter an email address like name@company.com.")
    if must_be_allowed:
        try:
            employees.check_signup_email(email, visit.settings.allowed_email_domains)
        except employees.EmailDomainNotAllowed:
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
    return page(visit, template, status=400 if errors else status, errors=translated,
                **context)


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
    if visit.request.method == "GET":
        return _form_page(visit, "signup.html", {}, email="")
    email, password = _email_field(visit), visit.field("password")
    errors = {name: message for name, message in (
        ("email", _email_error(email, visit, must_be_allowed=True)),
        ("password", _password_error(password))) if message}
    if not errors:
        try:
            accounts.sign_up(visit.settings.user_pool_client_id, email, password)
        except accounts.AccountError as error:
            if error.code == "account_exists":
                _tell_existing_account(visit, email)
            else:
                errors = _account_error(error)
    if errors:
        return _form_page(visit, "signup.html", errors, email=email)
    _pending(visit, email)  # the same answer whether or not the address had an account
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
    raise Redirect("/signin?done=confirmed")  # the pending address pre-fills the sign-in


@pages.route("/signup/resend", methods=("POST",), public=True)
def resend(visit: Visit) -> Response:
    email = _email_field(visit)
    error = _email_error(email, visit)
    if error is None:
        try:
            accounts.resend_code(visit.settings.user_pool_client_id, email)
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
        except accounts.AccountError as error:
            errors = _account_error(error)
    if errors:
        return _form_page(visit, "signin.html", errors, email=email, next=target, done=None)
    try:
        profile = profiles.ensure_profile(employees.Identity(who.employee_id, who.email,
                                                             who.name, who.is_admin))
    except employees.AccountDeleted:  # a token from before the deletion
        return _form_page(visit, "signin.html", _account_error(
            accounts.AccountError("wrong_credentials")), email=email, next=target, done=None)
    visit.signed_in(who)
    if profile.language:  # the language the employee chose, on this browser too
        visit.set_cookies.append(set_cookie(LANGUAGE_COOKIE, profile.language, max_age=YEAR,
                                            secure=visit.https))
    visit.set_cookies.append(clear_cookie(PENDING_COOKIE, secure=visit.https))
    if visit.settings.visitor_secret:
        # The employee's own clicks on their links count as "self" (track_click reads it).
        visit.set_cookies.append(visitors.self_cookie_header(
            visit.settings.visitor_secret, who.employee_id, secure=visit.https))
    raise Redirect(target)


@pages.route("/signout", methods=("POST",))
def sign_out(visit: Visit) -> Response:
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
        accounts.forgot_password(visit.settings.user_pool_client_id, email)
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
