"""Invitations, from the employees' list: invite one address or a pasted list (a CSV file's
lines, a spreadsheet's column), each line refused in plain words or invited; an invitation
sent again (a new temporary password) or withdrawn (the account nobody signed in to)."""
from __future__ import annotations

import re

from chalice import Blueprint, Response

from korpo.people import invitations, invite_list, newcomers
from webapp.i18n import N_
from webapp.pages import FormBounds, PageError, Pages, Redirect, Visit
from webapp.routes.admin.common import admin_page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

_NEWCOMER = re.compile(r"^[0-9a-f]{24}$")
# The pasted list is the one long field of the admin pages.
LIST_BOUNDS = FormBounds(max_bytes=64 * 1024, max_field_chars=invite_list.MAX_CHARS + 1)

# Why a line was not invited, by reason (korpo.people.invite_list, invitations).
REASONS = {
    invite_list.NOT_AN_ADDRESS: N_("This is not an e-mail address."),
    invite_list.DOMAIN_NOT_ALLOWED: N_("%(domain)s is not one of this programme's e-mail "
                                       "domains (%(allowed)s)."),
    invite_list.TWICE: N_("This address is already on line %(detail)s."),
    invite_list.SEVERAL: N_("This line holds more than one address: put each on a line of "
                            "its own."),
    invitations.HAS_ACCOUNT: N_("This address has an account already."),
    invitations.ALREADY_INVITED: N_("This address is invited already: send the invitation "
                                    "again from the list of employees."),
    invitations.EMAIL_LIMIT: N_("Cognito cannot send more e-mails now (without SES, 50 a day "
                                "for the whole AWS account). Invite this address later."),
    invitations.DOMAIN_REFUSED: N_("The user pool refused this address's domain."),
    invitations.OUT_OF_TIME: N_("Not sent: the page ran out of time. Paste this address "
                                "again."),
    invitations.NOT_SENT: N_("The invitation could not be sent. Try again in a moment."),
}
# Why sending again or withdrawing was refused.
REFUSALS = {
    invitations.SIGNED_IN: N_("They have signed in already: they are in the list of "
                              "employees now."),
    invitations.GONE: N_("There is no such invitation any more."),
    invitations.EMAIL_LIMIT: REASONS[invitations.EMAIL_LIMIT],
}
LANGUAGES = (("en", "English"), ("fr", "Français"))


def _invite_page(visit: Visit, *, status: int = 200, addresses: str = "",
                 language: str | None = None, errors: dict[str, str] | None = None,
                 invited: list[invite_list.Wanted] | None = None,
                 refused: list[tuple[invite_list.Refused, str]] | None = None) -> Response:
    return admin_page(visit, "admin/invite.html", "employees", status=status,
                      addresses=addresses, language=language or visit.language,
                      languages=LANGUAGES, invited=invited or [], refused=refused or [],
                      days=newcomers.INVITATION_DAYS, max_addresses=invite_list.MAX_ADDRESSES,
                      errors=errors or {})


def _why(visit: Visit, refused: invite_list.Refused) -> str:
    message = REASONS.get(refused.reason, REASONS[invitations.NOT_SENT])
    return visit.gettext(message, domain=refused.detail, detail=refused.detail,
                         allowed=", ".join(visit.settings.allowed_email_domains))


@pages.route("/manage/employees/invite", methods=("GET", "POST"), bounds=LIST_BOUNDS)
def invite(visit: Visit) -> Response:
    """One address or a list: each line is checked, then each good one invited."""
    who = visit.admin()
    if visit.request.method == "GET":
        return _invite_page(visit)
    text, language = visit.field("addresses"), visit.field("language")
    errors: dict[str, str] = {}  # translated
    if not text.strip():
        errors["addresses"] = visit.gettext(N_("Enter at least one e-mail address."))
    if language not in dict(LANGUAGES):
        errors["language"] = visit.gettext(N_("Choose the language of the invitations."))
    wanted: list[invite_list.Wanted] = []
    refused: list[invite_list.Refused] = []
    if not errors:
        try:
            wanted, refused = invite_list.read(text, language,
                                               visit.settings.allowed_email_domains)
        except invite_list.ListTooLong as too_long:
            errors["addresses"] = visit.gettext(
                N_("Paste at most %(most)s addresses at a time, in %(chars)s characters at "
                   "most. This list has %(lines)s lines and %(length)s characters."),
                most=invite_list.MAX_ADDRESSES, chars=visit.fmt.number(invite_list.MAX_CHARS),
                lines=visit.fmt.number(too_long.lines),
                length=visit.fmt.number(too_long.chars))
    if errors:
        return _invite_page(visit, status=400, addresses=text, language=language,
                            errors=errors)
    invited, not_sent = invitations.invite_all(wanted, who.employee_id,
                                               f"{visit.base_url}/signin")
    refused = sorted(refused + not_sent, key=lambda r: r.line)
    # The form keeps the lines to fix or send again, and nothing else.
    again = "\n".join(r.text for r in refused)
    return _invite_page(visit, status=200 if invited or not refused else 400,
                        addresses=again, language=language, invited=invited,
                        refused=[(r, _why(visit, r)) for r in refused])


def _newcomer(newcomer_id: str) -> newcomers.Newcomer:
    found = newcomers.get(newcomer_id) if _NEWCOMER.match(newcomer_id) else None
    if found is None:
        raise PageError(404, N_("There is no such invitation any more."))
    return found


def _refused(refusal: invitations.Refusal) -> PageError:
    return PageError(404 if refusal.reason == invitations.GONE else 409,
                     REFUSALS.get(refusal.reason, REASONS[invitations.NOT_SENT]))


@pages.route("/manage/employees/newcomers/{newcomer_id}/resend", methods=("POST",))
def send_again(visit: Visit, newcomer_id: str) -> Response:
    visit.admin()
    found = _newcomer(newcomer_id)
    try:
        invitations.send_again(found.newcomer_id)
    except invitations.Refusal as refusal:
        raise _refused(refusal) from None
    raise Redirect("/manage/employees?done=resent")


@pages.route("/manage/employees/newcomers/{newcomer_id}/withdraw", methods=("GET", "POST"))
def withdraw(visit: Visit, newcomer_id: str) -> Response:
    """A page that says what withdrawing does, then one button."""
    visit.admin()
    found = _newcomer(newcomer_id)
    if visit.request.method == "GET":
        return admin_page(visit, "admin/newcomer_withdraw.html", "employees", newcomer=found,
                          state=found.state())
    try:
        invitations.withdraw(found.newcomer_id)
    except invitations.Refusal as refusal:
        raise _refused(refusal) from None
    raise Redirect("/manage/employees?done=withdrawn")
