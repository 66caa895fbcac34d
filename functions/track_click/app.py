"""track_click: the public share-link redirect. GET /l/{code} -> 302, one click event written."""
from __future__ import annotations

from aws_lambda_powertools import Logger
from chalice import Chalice, Response

from korpo import clicks, settings
from korpo.links import LinkCache
from korpo.models import bind_tables

logger = Logger(service="track_click")
bind_tables(settings.current())
_links = LinkCache()

app = Chalice(app_name="korpo-track-click")

_NOT_FOUND_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Link not found</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>This link does not exist</h1>"
    "<p>It may have been mistyped or withdrawn.</p></body></html>"
)


@app.route("/l/{code}", methods=["GET"])
def follow(code: str) -> Response:
    redirect = clicks.follow(code, _links)
    if redirect is None:
        return Response(_NOT_FOUND_PAGE, status_code=404,
                        headers={"Content-Type": "text/html; charset=utf-8"})
    logger.info("click", extra={"event_id": redirect.event_id, "code": code})
    return Response("", status_code=302,
                    headers={"Location": redirect.location, "Cache-Control": "no-store",
                             "Referrer-Policy": "no-referrer"})


handler = app
