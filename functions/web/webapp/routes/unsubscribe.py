"""The programme e-mails' one-click unsubscribe (RFC 8058): anyone holding the e-mail's link.

GET shows a button (a link scanner that follows links must not unsubscribe anyone); POST
unsubscribes, whether from that button or from the mail client's own one-click POST, which
has no session, no form token and no Origin of ours: the signed token in the URL is the
proof. The page never says whose e-mail it is."""
from __future__ import annotations

from chalice import Blueprint, Response

from korpo.announcements import unsubscribe as unsubscribing
from webapp.pages import Pages, Redirect, Visit, page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)


@pages.route("/unsubscribe", methods=("GET", "POST"), one_click=True)
def unsubscribe(visit: Visit) -> Response:
    query = visit.request.query_params or {}
    if visit.request.method == "GET" and query.get("done") == "1":  # after the page's button
        return page(visit, "unsubscribe.html", state="done", token="")
    token = query.get("t") or visit.field("t")
    employee_id = unsubscribing.employee_of(token, visit.settings.visitor_secret)
    if employee_id is None:
        return page(visit, "unsubscribe.html", status=400, state="invalid", token="")
    if visit.request.method == "GET":
        return page(visit, "unsubscribe.html", state="confirm", token=token)
    unsubscribing.unsubscribe(employee_id)  # a deleted account: nothing to stop, same answer
    if visit.field("List-Unsubscribe") or "multipart/" in (
            visit.request.headers.get("content-type") or ""):
        return page(visit, "unsubscribe.html", state="done", token="")  # a mail client's POST
    raise Redirect("/unsubscribe?done=1")  # the page's button: a reload asks nothing
