"""My points: the balance the shop spends, and every movement of it in plain words (what
earned points, what the shop spent and refunded, an admin's corrections): the lines add up
to the balance (korpo.shop.statement)."""
from __future__ import annotations

from datetime import datetime

from chalice import Blueprint, Response

from korpo.shop import statement
from webapp.pages import Pages, Visit, page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

LINES_PER_PAGE = 30


def _before(raw: str | None) -> datetime | None:
    """The cursor of an older page: the last line's instant (anything else: the newest)."""
    if not raw or len(raw) > 40:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return at if at.tzinfo else None


@pages.route("/points")
def my_points(visit: Visit) -> Response:
    who = visit.employee()
    before = _before((visit.request.query_params or {}).get("before"))
    balance, lines = statement.statement(who.employee_id, LINES_PER_PAGE + 1, before)
    older = lines[LINES_PER_PAGE - 1].at.isoformat() if len(lines) > LINES_PER_PAGE else None
    return page(visit, "points.html", active="points", lines=lines[:LINES_PER_PAGE],
                older=older, balance=balance)
