"""What every admin page shares: its place in the admin menu, the line that says what the
last change did (a Post/Redirect/Get: the form redirects to `?done=<key>`, the page says it),
and the token that makes a create form create once however often it is sent."""
from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from webapp.pages import Redirect, Visit, local_path, page


def admin_page(visit: Visit, template: str, area: str, *, done: dict[str, str] | None = None,
               status: int = 200, **context: Any) -> Response:
    """`done` maps the keys this page's forms redirect with to their (N_-marked) messages;
    an unknown key says nothing (the query string is the visitor's, not ours)."""
    key = (visit.request.query_params or {}).get("done", "")
    said = (done or {}).get(key)
    return page(visit, template, status=status, active="manage", admin_active=area,
                done=visit.gettext(said) if said else None, **context)


# A create form's token: 24 URL-safe characters, in the page's own address.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def request_id(visit: Visit) -> str:
    """The token of a create form, which makes sending it twice create once (the domain
    derives the new thing's id from it, as the shop's redeem form does).

    It lives in the page's address (`?t=`): a browser's Back re-fetches the page (HTML is
    `no-store`) and restores what was typed, so a token drawn afresh for each page would make
    "Back, then send again" a second creation; the address of that history entry keeps its
    token. A GET without one is sent to the same page with one (its other parameters kept);
    a POST takes the form's hidden `request_id`, else the address's, else none (a form from
    before this existed creates as before)."""
    query = dict(visit.request.query_params or {})
    if visit.request.method == "POST":
        for given in (visit.field("request_id"), query.get("t", "")):
            if _REQUEST_ID.match(given or ""):
                return given
        return ""
    if _REQUEST_ID.match(query.get("t", "")):
        return query["t"]
    query["t"] = secrets.token_urlsafe(18)
    path = visit.request.context.get("path") or "/manage"
    raise Redirect(f"{local_path(path, '/manage')}?{urlencode(query)}")
