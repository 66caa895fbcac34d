"""The admin's start page: where each part of the programme is run."""
from __future__ import annotations

from chalice import Blueprint, Response

from webapp.pages import Pages, Visit
from webapp.routes.admin.common import admin_page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)


@pages.route("/manage")
def manage(visit: Visit) -> Response:
    visit.admin()
    return admin_page(visit, "admin/home.html", "home")
