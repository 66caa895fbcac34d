"""Employees and teams: the list with each one's figures, an employee's page (team, admin
rights, deactivation), and the teams (create, rename, delete)."""
from __future__ import annotations

import re

from chalice import Blueprint, Response

from korpo.months import month_of, utc_now
from korpo.people import access, newcomers, profiles, roster, teams
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Redirect, Visit
from webapp.routes.admin.common import admin_page, request_id

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

EMPLOYEE_DONE = {
    "team": N_("The team is saved."),
    "admin": N_("They are now an administrator. It applies from their next sign-in, or within "
                "the hour."),
    "not_admin": N_("They are no longer an administrator."),
    "deactivated": N_("The account is deactivated: they are signed out and cannot sign in."),
    "reactivated": N_("The account is active again: they can sign in."),
}
TEAMS_DONE = {
    "created": N_("The team is created."),
    "renamed": N_("The team is renamed."),
    "deleted": N_("The team is deleted. Its members have no team now."),
}
TEAM_ERRORS = {
    "name.required": N_("Enter the team's name."),
    "name.too_long": N_("The team's name must be 60 characters or fewer."),
    "name.invalid_characters": N_("The team's name can only hold letters, numbers, spaces and "
                                  "punctuation."),
    "name.taken": N_("A team with this name already exists."),
}
# Why an access change was refused, by the domain's error.
ACCESS_REFUSALS = {
    access.SelfLockout: N_("You cannot change your own access: ask another administrator."),
    access.NoUserPool: N_("This deployment has no user pool, so access cannot be changed."),
    access.UserNotInPool: N_("This person has no sign-in any more (it was removed outside "
                             "Korpo)."),
}


def _month(visit: Visit) -> str:
    return month_of(utc_now(), visit.settings.zone)


def _row(visit: Visit, employee_id: str) -> roster.Row:
    found = roster.row(employee_id, _month(visit), access.admin_ids()) if _ID.match(
        employee_id) else None
    if found is None:
        raise PageError(404, N_("There is no such employee."))
    return found


def _employee_page(visit: Visit, row: roster.Row, *, status: int = 200,
                   errors: dict[str, str] | None = None) -> Response:
    return admin_page(visit, "admin/employee.html", "employees", done=EMPLOYEE_DONE,
                      status=status, row=row, teams=teams.list_teams(), month=_month(visit),
                      is_me=row.employee_id == visit.session.employee_id,
                      errors={k: visit.gettext(v) for k, v in (errors or {}).items()})


LIST_DONE = {
    "resent": N_("The invitation is sent again, with a new temporary password."),
    "withdrawn": N_("The account is withdrawn: its password no longer works."),
}


@pages.route("/manage/employees")
def employee_list(visit: Visit) -> Response:
    """The accounts not signed in yet (invited, signed up), then the employees by name."""
    visit.admin()
    query = visit.request.query_params or {}
    cursor, waiting = query.get("cursor"), query.get("newcomers")
    month = _month(visit)
    found = roster.roster_page(month, access.admin_ids(), cursor, limit=roster.PAGE_SIZE)
    arriving = newcomers.page(roster.PAGE_SIZE, waiting)
    now = utc_now()
    return admin_page(visit, "admin/employees.html", "employees", done=LIST_DONE,
                      rows=found.rows, next_cursor=found.next_cursor, paged=bool(cursor),
                      month=month, days=newcomers.INVITATION_DAYS,
                      newcomers=[(n, n.state(now)) for n in arriving.newcomers],
                      newcomers_cursor=arriving.next_cursor, newcomers_paged=bool(waiting))


@pages.route("/manage/employees/{employee_id}")
def employee(visit: Visit, employee_id: str) -> Response:
    visit.admin()
    return _employee_page(visit, _row(visit, employee_id))


@pages.route("/manage/employees/{employee_id}/team", methods=("POST",))
def assign_team(visit: Visit, employee_id: str) -> Response:
    visit.admin()
    row = _row(visit, employee_id)
    try:
        profiles.update_profile(row.employee_id, team_id=visit.field("team_id") or None)
    except profiles.InvalidProfile:
        return _employee_page(visit, row, status=400,
                              errors={"team_id": N_("Pick a team from the list.")})
    raise Redirect(f"/manage/employees/{row.employee_id}?done=team")


def _refused(visit: Visit, row: roster.Row, section: str,
             refused: access.AccessError) -> Response:
    """The employee's page again, saying why the change was refused (409)."""
    message = ACCESS_REFUSALS.get(type(refused), N_("There is no such employee."))
    return _employee_page(visit, row, status=409, errors={section: message})


@pages.route("/manage/employees/{employee_id}/admin", methods=("POST",))
def set_admin(visit: Visit, employee_id: str) -> Response:
    """Make (admin=yes) or unmake (admin=no) an administrator."""
    who = visit.admin()
    row = _row(visit, employee_id)
    wanted = visit.field("admin")
    if wanted not in ("yes", "no"):
        return _employee_page(visit, row, status=400, errors={
            "admin": N_("Choose whether they are an administrator.")})
    try:
        access.set_admin(who.employee_id, row.employee_id, wanted == "yes")
    except access.AccessError as refused:
        return _refused(visit, row, "admin", refused)
    raise Redirect(f"/manage/employees/{row.employee_id}?done="
                   f"{'admin' if wanted == 'yes' else 'not_admin'}")


@pages.route("/manage/employees/{employee_id}/deactivate", methods=("GET", "POST"))
def deactivate(visit: Visit, employee_id: str) -> Response:
    """A page that says what deactivating does, then one button."""
    who = visit.admin()
    row = _row(visit, employee_id)
    if visit.request.method == "GET":
        return admin_page(visit, "admin/employee_deactivate.html", "employees", row=row,
                          is_me=row.employee_id == who.employee_id)
    try:
        access.set_active(who.employee_id, row.employee_id, False)
    except access.AccessError as refused:
        return _refused(visit, row, "access", refused)
    raise Redirect(f"/manage/employees/{row.employee_id}?done=deactivated")


@pages.route("/manage/employees/{employee_id}/reactivate", methods=("POST",))
def reactivate(visit: Visit, employee_id: str) -> Response:
    who = visit.admin()
    row = _row(visit, employee_id)
    try:
        access.set_active(who.employee_id, row.employee_id, True)
    except access.AccessError as refused:
        return _refused(visit, row, "access", refused)
    raise Redirect(f"/manage/employees/{row.employee_id}?done=reactivated")


# ------------------------------------------------------------------ teams


def _team(team_id: str) -> teams.Team:
    found = teams.get_team(team_id)
    if found is None:
        raise PageError(404, N_("There is no such team."))
    return found


def _teams_page(visit: Visit, token: str, *, status: int = 200,
                errors: dict[str, str] | None = None, name: str = "") -> Response:
    return admin_page(visit, "admin/teams.html", "teams", done=TEAMS_DONE, status=status,
                      teams=teams.list_teams(), name=name, request_id=token,
                      errors={k: visit.gettext(v) for k, v in (errors or {}).items()})


@pages.route("/manage/teams", methods=("GET", "POST"))
def team_list(visit: Visit) -> Response:
    visit.admin()
    token = request_id(visit)
    if visit.request.method == "GET":
        return _teams_page(visit, token)
    name = visit.field("name")
    try:
        teams.add_team(name, request_id=token or None)
    except teams.InvalidTeam as error:
        return _teams_page(visit, token, status=400, name=name, errors={
            "name": TEAM_ERRORS.get(error.message_key, N_("Enter the team's name."))})
    raise Redirect("/manage/teams?done=created")


@pages.route("/manage/teams/{team_id}", methods=("GET", "POST"))
def team(visit: Visit, team_id: str) -> Response:
    """Rename a team (its members and history stay), or go on to delete it."""
    visit.admin()
    found = _team(team_id)
    if visit.request.method == "GET":
        return admin_page(visit, "admin/team.html", "teams", team=found, name=found.name)
    name = visit.field("name")
    try:
        teams.rename_team(found.team_id, name)
    except teams.InvalidTeam as error:
        return admin_page(visit, "admin/team.html", "teams", status=400, team=found, name=name,
                          errors={"name": visit.gettext(TEAM_ERRORS.get(
                              error.message_key, N_("Enter the team's name.")))})
    except teams.TeamNotFound:
        raise PageError(404, N_("There is no such team.")) from None
    raise Redirect("/manage/teams?done=renamed")


@pages.route("/manage/teams/{team_id}/delete", methods=("GET", "POST"))
def delete_team(visit: Visit, team_id: str) -> Response:
    visit.admin()
    found = _team(team_id)
    if visit.request.method == "GET":
        return admin_page(visit, "admin/team_delete.html", "teams", team=found)
    try:
        teams.delete_team(found.team_id)
    except teams.TeamNotFound:  # deleted meanwhile: the outcome asked for
        pass
    raise Redirect("/manage/teams?done=deleted")
