"""The boards: this month's (top N, my rank, ties share a rank), past months, the teams'."""
from __future__ import annotations

from chalice import Blueprint, Response

from korpo.board import monthly
from korpo.months import InvalidMonth, month_of, parse, shift, utc_now
from korpo.people import employees, teams
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Visit, page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

BOARD_TOP = 20
PAST_MONTHS = 12


def _month(visit: Visit) -> tuple[str, list[str]]:
    """The month asked for (this one by default, never a future one) and the months offered."""
    current = month_of(utc_now(), visit.settings.zone)
    query = visit.request.query_params or {}
    try:
        month = parse(query["month"]) if "month" in query else current
    except InvalidMonth:
        raise PageError(400, N_("This month does not exist. Pick one from the list.")) \
            from None
    return min(month, current), [shift(current, -n) for n in range(PAST_MONTHS)]


@pages.route("/leaderboard")
def leaderboard(visit: Visit) -> Response:
    who = visit.employee()
    month, months = _month(visit)
    view = monthly.board_view(month, who.employee_id, BOARD_TOP)
    # Others who chose not to be named show as a stable pseudonym; I always see my name.
    names = employees.display_names([s.employee_id for s in view.top], viewer=who.employee_id)
    return page(visit, "board.html", active="board", view=view, names=names,
                me=who.employee_id, months=months, teams_view=False)


@pages.route("/leaderboard/teams")
def team_leaderboard(visit: Visit) -> Response:
    visit.employee()
    month, months = _month(visit)
    every = teams.team_board(month)
    # Only teams that earned are ranked: with none, no team is "first" of an empty board.
    return page(visit, "team_board.html", active="board", month=month, months=months,
                standings=[s for s in every if s.score > 0],
                without=[s.name for s in every if s.score <= 0], teams_view=True)
