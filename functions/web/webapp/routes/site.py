"""What every visitor gets: static assets (content-hashed, cached for a year), the brand's
theme, the language switch, and the page for an address no page serves."""
from __future__ import annotations

import functools

from chalice import Blueprint, Response

import chalice_routes

from korpo import brand
from korpo.people import profiles
from webapp import render
from webapp.i18n import LANGUAGES, N_
from webapp.pages import Pages, PageError, Redirect, Visit, error_page, local_path
from webapp.session import LANGUAGE_COOKIE, YEAR, same_token, set_cookie

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
    """The footer's switch: this browser speaks the language from now on, and a signed-in
    employee's profile too (the same setting as the profile page's, which e-mails follow).
    A stranger's switch needs no token; the profile changes only with the session's."""
    language = visit.field("language")
    if language in LANGUAGES:
        visit.language = language
        visit.set_cookies.append(set_cookie(LANGUAGE_COOKIE, language, max_age=YEAR,
                                            secure=visit.https))
        if visit.session is not None and same_token(visit.session.csrf, visit.field("csrf")):
            try:
                profiles.update_profile(visit.session.employee_id, language=language)
            except profiles.ProfileNotFound:
                pass  # no profile yet: the first session makes it in this language
    raise Redirect(local_path(visit.field("next"), default="/"))


@pages.route(chalice_routes.FALLBACK, methods=("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                               "OPTIONS"), form=False)
def no_such_page(visit: Visit) -> Response:
    """The gateway sends here every path no other function serves (its `$default` route):
    the page in the visitor's language, 405 where the path exists for other methods."""
    path = visit.request.context.get("path") or "/"
    allowed = chalice_routes.allowed_methods(_router(blueprint.current_app), path)
    if allowed:
        response = error_page(visit, 405, N_("This page cannot be used this way."))
        response.headers["Allow"] = ", ".join(allowed)
        return response
    raise PageError(404, N_("There is no page at this address. Check the link, or start "
                            "from the home page."))


@functools.lru_cache(maxsize=1)
def _router(app: object) -> chalice_routes.Router:
    return chalice_routes.Router.of(app)
