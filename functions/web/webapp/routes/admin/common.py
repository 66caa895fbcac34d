"""What every admin page shares: its place in the admin menu and the line that says what the
last change did (a Post/Redirect/Get: the form redirects to `?done=<key>`, the page says it)."""
from __future__ import annotations

from typing import Any

from chalice import Response

from webapp.pages import Visit, page


def admin_page(visit: Visit, template: str, area: str, *, done: dict[str, str] | None = None,
               status: int = 200, **context: Any) -> Response:
    """`done` maps the keys this page's forms redirect with to their (N_-marked) messages;
    an unknown key says nothing (the query string is the visitor's, not ours)."""
    key = (visit.request.query_params or {}).get("done", "")
    said = (done or {}).get(key)
    return page(visit, template, status=status, active="manage", admin_active=area,
                done=visit.gettext(said) if said else None, **context)
