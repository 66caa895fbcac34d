"""What every visitor gets: static assets (content-hashed, cached for a year), the brand's
theme, and the language switch."""
from __future__ import annotations

from chalice import Blueprint, Response

from korpo import brand
from webapp import render
from webapp.i18n import LANGUAGES
from webapp.pages import Pages, Redirect, Visit, local_path
from webapp.session import LANGUAGE_COOKIE, YEAR, set_cookie

blueprint = Blueprint(__name__)
pages = Pages(blueprint)


@blueprint.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    asset = render.assets()[1].get(name)
    if asset is None:
        return Response(body="Not found\n", status_code=404,
                        headers={"Content-Type": "text/plain; charset=utf-8",
                                 "Cache-Control": "no-store"})
    headers = {"Content-Type": asset.content_type, "Cache-Control": render.IMMUTABLE,
               "ETag": asset.etag, "X-Content-Type-Options": "nosniff"}
    if blueprint.current_request.headers.get("if-none-match") == asset.etag:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=asset.body, headers=headers)


@blueprint.route("/theme.css", methods=["GET"])
def theme() -> Response:
    """The colour the URL names (render.theme_url), so a year of caching is right even when
    another container still has the previous colour; without one, the brand's, not cached."""
    named = render.colour_of((blueprint.current_request.query_params or {}).get("c"))
    return Response(body=render.theme_css(named or brand.current().brand_colour),
                    headers={"Content-Type": "text/css; charset=utf-8",
                             "Cache-Control": render.IMMUTABLE if named else "no-cache",
                             "X-Content-Type-Options": "nosniff"})


@pages.route("/language", methods=("POST",), public=True)
def switch_language(visit: Visit) -> Response:
    language = visit.field("language")
    if language in LANGUAGES:
        visit.language = language
        visit.set_cookies.append(set_cookie(LANGUAGE_COOKIE, language, max_age=YEAR,
                                            secure=visit.https))
    raise Redirect(local_path(visit.field("next"), default="/"))
