"""My profile: name, team, named on the board or not, language, the weekly digest; my data
as JSON; deleting my account."""
from __future__ import annotations

import json

from chalice import Blueprint, Response

from korpo.people import employees, privacy, profiles, teams
from webapp.i18n import LANGUAGES, N_
from webapp.pages import Pages, Redirect, Visit, page
from webapp.session import LANGUAGE_COOKIE, YEAR, set_cookie

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

# What each of the domain's profile message keys tells the person.
PROFILE_ERRORS = {
    "display_name.required": N_("Enter the name others see on the board."),
    "display_name.too_long": N_("Your name must be 60 characters or fewer."),
    "display_name.invalid_characters": N_("Your name can only hold letters, numbers, spaces "
                                          "and punctuation."),
    "team_id.unknown": N_("Pick a team from the list."),
    "language.unsupported": N_("Pick English or French."),
}


def _profile(visit: Visit) -> profiles.Profile:
    try:
        return profiles.ensure_profile(visit.identity())
    except employees.AccountDeleted:
        visit.signed_out()
        raise Redirect("/signin?done=deleted") from None


def _form_page(visit: Visit, profile: profiles.Profile, errors: dict[str, str],
               values: dict | None = None) -> Response:
    return page(visit, "profile.html", status=400 if errors else 200, active="profile",
                profile=profile, values=values or {}, teams=teams.list_teams(),
                errors={field: visit.gettext(message) for field, message in errors.items()},
                saved=(visit.request.query_params or {}).get("saved") == "1")


@pages.route("/profile", methods=("GET", "POST"))
def my_profile(visit: Visit) -> Response:
    profile = _profile(visit)
    if visit.request.method == "GET":
        return _form_page(visit, profile, {})
    language = visit.field("language")
    fields = {"display_name": visit.field("display_name"),
              "team_id": visit.field("team_id") or None,
              "named_on_board": visit.field("named_on_board") == "yes",
              "language": language if language in LANGUAGES else (
                  profile.language or visit.language),
              "weekly_digest": visit.field("weekly_digest") == "yes"}
    try:
        saved = profiles.update_profile(profile.employee_id, **fields)
    except profiles.InvalidProfile as error:
        return _form_page(visit, profile, {
            wrong.field: PROFILE_ERRORS.get(wrong.message_key, N_(
                "Check what you entered and try again.")) for wrong in error.errors},
            values=fields)
    if saved.language:  # the site speaks it from now on, on this browser too
        visit.set_cookies.append(set_cookie(LANGUAGE_COOKIE, saved.language, max_age=YEAR,
                                            secure=visit.https))
    raise Redirect("/profile?saved=1")


@pages.route("/profile/export")
def export(visit: Visit) -> Response:
    """All my data, as a JSON file to download."""
    who = visit.employee()
    body = json.dumps(privacy.export_data(who.employee_id), ensure_ascii=False, indent=2)
    return Response(body=body, headers={
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": 'attachment; filename="korpo-my-data.json"'})


@pages.route("/profile/delete", methods=("GET", "POST"))
def delete(visit: Visit) -> Response:
    """Deleting my account: the sign-in and the profile go; the ledger stays for the books
    under an id that names no one; my links still redirect, and earn nothing."""
    who = visit.employee()
    if visit.request.method == "GET":
        return page(visit, "delete.html", active="profile", errors={})
    if visit.field("confirm") != "yes":
        return page(visit, "delete.html", status=400, active="profile", errors={
            "confirm": visit.gettext(N_("Tick the box to confirm you want your account "
                                        "deleted."))})
    privacy.delete_account(who.employee_id, user_pool_id=visit.settings.user_pool_id or None)
    visit.signed_out()
    raise Redirect("/signin?done=deleted")
