"""What every page needs: who is asking (session), in which language, the form it sent, and
the answer with its headers. Routes stay one screen long by raising `Redirect` or `PageError`.
"""
from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from aws_lambda_powertools import Logger
from chalice import Blueprint, Response

from korpo import brand, texts
from korpo.people import access, accounts, employees
from korpo.settings import Settings
from korpo.settings import current as template_settings
from korpo.shop import wallet
from webapp import i18n, render
from webapp import session as sessions
from webapp.i18n import N_

logger = Logger(service="web")
MAX_FORM_BYTES = 16 * 1024
MAX_FIELD_CHARS = 2000
_ORIGIN = re.compile(r"^https://[a-z0-9.-]+(:[0-9]{1,5})?$")


class Redirect(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class PageError(Exception):
    """An answer other than the page: 400, 403, 404… with a message key the page translates."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def local_path(target: str | None, default: str = "/news") -> str:
    """Only a path of this site: never another host (`//evil`, `https:`, `\\\\evil`), and
    only as a URL is written, in visible ASCII (the pages percent-encode what they link to):
    `/。evil.example` is refused, as a Location header must be sendable by any gateway."""
    if not target or len(target) > 512 or not target.startswith("/") or target.startswith(
            "//") or "\\" in target or not all("!" <= c <= "~" for c in target):
        return default
    return target


def base_url_of(request: Any, settings: Settings) -> str:
    if settings.public_base_url:
        return settings.public_base_url
    context = request.context or {}
    host = context.get("domainName") or request.headers.get("host", "")
    scheme = "http" if host.startswith(("127.0.0.1", "localhost")) else "https"
    return f"{scheme}://{host}"


def default_headers(request: Any) -> dict[str, str]:
    """What every answer of the web app carries, an error of Chalice's own included (a 415
    for a form of the wrong type): the security headers, and never cached."""
    cfg = template_settings()
    https = base_url_of(request, cfg).startswith("https://")
    return {**render.security_headers(frame_ancestors(cfg.frame_ancestors), https),
            "Cache-Control": "no-store"}


def frame_ancestors(raw: str) -> str:
    """The FrameAncestors parameter as CSP sources: https origins only, nothing else passes."""
    return " ".join(origin for origin in raw.split() if _ORIGIN.match(origin))


@dataclass
class Visit:
    """One request to the web app, and what the answer must carry."""
    request: Any
    settings: Settings
    cookies: dict[str, str]
    session: sessions.Session | None
    language: str
    set_cookies: list[str] = field(default_factory=list)
    form: dict[str, str] = field(default_factory=dict)
    form_targets: tuple[str, ...] = ()  # where this page's forms may lead besides this site
    _access: access.Access | None = None

    def access(self, employee_id: str) -> access.Access:
        """What admins last changed about this person's access (one GetItem per visit)."""
        if self._access is None:
            self._access = access.access_of(employee_id)
        return self._access

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def base_url(self) -> str:
        return base_url_of(self.request, self.settings)

    @property
    def disclosure(self) -> str:
        """The line share texts end with, in this visit's language."""
        return brand.disclosure_line(self.settings, self.language)

    @property
    def link_base_url(self) -> str:
        """Where share links point: the public edge (its function URL, or a custom domain),
        else this site's own address, whose /l/ routes serve them."""
        return self.settings.link_base_url or self.base_url

    @property
    def fmt(self) -> i18n.Formatter:
        return i18n.Formatter(self.language, self.settings.zone, self.settings.points_name)

    def gettext(self, message: str, **values: Any) -> str:
        text = i18n.translations(self.language).gettext(message)
        return text % values if values else text

    def signed_in(self, who: accounts.SignedIn) -> None:
        """The session's cookies; without a refresh token (the session a confirmation opens)
        any earlier one goes, so that no one else's account is renewed on this browser."""
        self.session = sessions.new_session(who.employee_id, who.email, who.name, who.is_admin)
        self.set_cookies.append(sessions.set_cookie(
            sessions.SESSION_COOKIE, sessions.encode(_key(self.settings), self.session),
            max_age=sessions.SESSION_SECONDS, secure=self.https))
        self.set_cookies.append(sessions.set_cookie(
            sessions.REFRESH_COOKIE, who.refresh_token, max_age=sessions.REFRESH_SECONDS,
            secure=self.https) if who.refresh_token else sessions.clear_cookie(
            sessions.REFRESH_COOKIE, secure=self.https))

    def signed_out(self) -> None:
        self.session = None
        for name in (sessions.SESSION_COOKIE, sessions.REFRESH_COOKIE):
            self.set_cookies.append(sessions.clear_cookie(name, secure=self.https))

    def employee(self) -> sessions.Session:
        """The signed-in employee, or off to the sign-in page (and back here after)."""
        if self.session is None:
            here = self.request.context.get("path") or "/news"
            query = self.request.query_params or {}
            if query:
                here += "?" + urlencode(query)
            raise Redirect(f"/signin?next={quote(local_path(here), safe='/')}")
        # Deactivated, signed out (on any device) or deleted since: at once, not in an hour.
        if not self.access(self.session.employee_id).session_valid(self.session.issued_at):
            self.signed_out()
            raise Redirect("/signin")
        return self.session

    def admin(self) -> sessions.Session:
        """The signed-in admin (the `admins` group at sign-in or at the session's last renewal,
        unless an admin took the rights back since): anyone else signed in gets a 403, a
        stranger the sign-in page."""
        who = self.employee()
        if not who.is_admin or not self.access(who.employee_id).admin_session_valid(
                who.issued_at):
            raise PageError(403, N_("This page is for the programme's administrators."))
        return who

    def identity(self) -> employees.Identity:
        who = self.employee()
        return employees.Identity(employee_id=who.employee_id, email=who.email, name=who.name,
                                  is_admin=who.is_admin)

    def field(self, name: str) -> str:
        return self.form.get(name, "")


def _key(settings: Settings) -> bytes:
    return sessions.session_key(settings.visitor_secret)


def _resume(visit: Visit) -> None:
    """The cookie's session; an expired one is renewed with the refresh token (one call)."""
    current = sessions.decode(_key(visit.settings), visit.cookies.get(sessions.SESSION_COOKIE))
    if current is not None and not current.expired():
        visit.session = current
        return
    token = visit.cookies.get(sessions.REFRESH_COOKIE)
    if not token or len(token) > 4096:
        return
    try:
        who = accounts.refresh(visit.settings.user_pool_client_id, token)
    except accounts.AccountError:  # revoked, expired, user deleted or disabled
        visit.signed_out()
        return
    visit.session = sessions.new_session(who.employee_id, who.email, who.name, who.is_admin)
    visit.set_cookies.append(sessions.set_cookie(
        sessions.SESSION_COOKIE, sessions.encode(_key(visit.settings), visit.session),
        max_age=sessions.SESSION_SECONDS, secure=visit.https))


@dataclass(frozen=True)
class FormBounds:
    """How much of a POSTed form is read: the body, and each field (cut beyond)."""
    max_bytes: int = MAX_FORM_BYTES
    max_field_chars: int = MAX_FIELD_CHARS


def _parse_form(request: Any, bounds: FormBounds = FormBounds()) -> dict[str, str]:
    """The form's fields; 400 unless every name and value is text a person could have typed
    (korpo.texts.readable): bytes that are not UTF-8, raw or percent-encoded, are refused,
    never read as U+FFFD, and so are NUL and the other control characters."""
    raw = request.raw_body or b""
    if len(raw) > bounds.max_bytes:
        raise PageError(413, N_("The form is too large."))
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=50,
                          strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise PageError(400, N_("The form could not be read.")) from None
    if not all(texts.readable(name) and all(texts.readable(v) for v in values)
               for name, values in fields.items()):
        raise PageError(400, N_("The form could not be read."))
    return {name: values[0][:bounds.max_field_chars] for name, values in fields.items()
            if values}


def _check_query(request: Any) -> None:
    """The query string's names and values are text (korpo.texts.readable): the gateway has
    already decoded them, and a U+FFFD is what it leaves of bytes that were not UTF-8."""
    query = request.query_params or {}
    for name in query:
        if not texts.readable(name) or not all(texts.readable(v) for v in query.getlist(name)):
            raise PageError(400, N_("This address could not be read."))


def _same_origin(request: Any, base_url: str) -> bool:
    """A form comes from our own pages: its Origin (or, lacking it, Referer) is this site."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True  # privacy tools strip both; the session token still guards signed-in forms
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    host = request.headers.get("host", "")
    return origin in (base_url, f"https://{host}", f"http://{host}")


class Pages:
    """`@pages.route("/news")` on a blueprint: builds the Visit, turns Redirect and PageError
    into answers, adds the cookies and the security headers to every answer."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint

    def route(self, path: str, methods: tuple[str, ...] = ("GET",), public: bool = False,
              one_click: bool = False, form: bool = True,
              bounds: FormBounds = FormBounds()) -> Callable:
        """`public`: no session token asked of a signed-in visitor's form. `one_click`: a mail
        client's one-click POST (RFC 8058) is taken from any origin, form-encoded or
        multipart: the view's own proof (a signed token in the URL) is what counts. `form`
        False: a POST's body is not a form and is never read (the page for a path no route
        serves answers whatever was sent). `bounds`: a form with a longer field than most
        (a pasted list)."""
        public = public or one_click or not form
        types = ["application/x-www-form-urlencoded"] + (
            ["multipart/form-data"] if one_click else [])

        def wrap(view: Callable[..., Response]) -> Callable[..., Response]:
            @functools.wraps(view)
            def answer(*args: Any, **kwargs: Any) -> Response:
                return self._answer(view, public, args, kwargs, one_click, form, bounds)

            # One Chalice route per method: only a POST declares the form's content type
            # (Chalice checks it on every method of a route).
            for method in methods:
                options = {"content_types": types} if method == "POST" and form else {}
                self.blueprint.route(path, methods=[method], name=f"{view.__name__}_{method}",
                                     **options)(answer)
            return answer
        return wrap

    def _answer(self, view: Callable[..., Response], public: bool, args: tuple,
                kwargs: dict, one_click: bool = False, form: bool = True,
                bounds: FormBounds = FormBounds()) -> Response:
        started = time.perf_counter()
        request = self.blueprint.current_request
        settings = brand.current()  # the template's Parameters, the admin's brand on top
        cookies = sessions.cookies_of(request.headers.get("cookie"))
        visit = Visit(request=request, settings=settings, cookies=cookies, session=None,
                      language=i18n.choose(cookies.get(sessions.LANGUAGE_COOKIE), None,
                                           request.headers.get("accept-language")))
        try:
            _check_query(request)
            _resume(visit)
            if request.method == "POST" and form:
                if not one_click and not _same_origin(request, visit.base_url):
                    raise PageError(403, N_("This form was sent from another site."))
                visit.form = _parse_form(request, bounds) if not one_click or "urlencoded" in (
                    request.headers.get("content-type") or "") else {}
                if visit.session is not None and not public and not sessions.same_token(
                        visit.session.csrf, visit.form.get("csrf")):
                    raise PageError(403, N_("This form has expired. Please try again."))
            response = view(visit, *args, **kwargs)
        except Redirect as redirect:
            response = Response(body="", status_code=303,
                                headers={"Location": redirect.location})
        except PageError as error:
            response = error_page(visit, error.status, error.message)
        except Exception:  # a bug: an honest page, the details in the log only
            logger.exception("page failed")
            response = error_page(visit, 500, N_(
                "Something went wrong on our side. Please try again in a moment."))
        headers = dict(response.headers or {})
        headers.update(render.security_headers(frame_ancestors(settings.frame_ancestors),
                                               visit.https, visit.form_targets))
        headers.setdefault("Cache-Control", "no-store")
        headers.setdefault("Content-Language", visit.language)
        if visit.set_cookies:
            headers["Set-Cookie"] = visit.set_cookies
        logger.debug("page", extra={"path": request.context.get("resourcePath"),
                                    "ms": round((time.perf_counter() - started) * 1000, 1)})
        return Response(body=response.body, status_code=response.status_code, headers=headers)


def _balance(visit: Visit) -> int | None:
    """The signed-in employee's balance, in the header of every page (one GetItem); None when
    it cannot be read: the page is still shown."""
    if visit.session is None:
        return None
    try:
        return wallet.balance_of(visit.session.employee_id)
    except Exception:  # noqa: BLE001 - a header figure never takes a page down
        logger.warning("the balance could not be read", exc_info=True)
        return None


def reload_url(visit: Visit) -> str | None:
    """For a page that answers a POST (a form shown again with its errors), the address a
    reload should GET instead of sending the form again: the form's own page (the Referer,
    when it is this site's), else the address posted to. app.js puts it in the history."""
    if visit.request.method != "POST":
        return None
    posted = visit.request.context.get("path") or "/"
    referer = urlsplit(visit.request.headers.get("referer") or "")
    if referer.path and f"{referer.scheme}://{referer.netloc}" == visit.base_url:
        return local_path(referer.path + (f"?{referer.query}" if referer.query else ""),
                          default=posted)
    return local_path(posted, default="/")


def page(visit: Visit, template: str, status: int = 200, **context: Any) -> Response:
    """The HTML answer: the template with what every page shows (brand, nav, balance,
    language)."""
    base = {"brand": visit.settings.brand_name, "points_name": visit.settings.points_name,
            "balance": _balance(visit), "reload_url": reload_url(visit),
            "language": visit.language, "session": visit.session, "fmt": visit.fmt,
            "csrf": visit.session.csrf if visit.session else "",
            "path": visit.request.context.get("path") or "/", "errors": {}, "active": None,
            "sign_up_open": visit.settings.sign_up_open,
            "logo_url": visit.settings.logo_url if visit.settings.logo_url.startswith(
                "https://") else "", "theme_url": render.theme_url(visit.settings.brand_colour)}
    body = render.render(visit.language, template, {**base, **context})
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8"})


def error_page(visit: Visit, status: int, message: str) -> Response:
    try:
        return page(visit, "error.html", status=status, status_code=status,
                    message=visit.gettext(message))
    except Exception:  # the error page itself failed: still an answer, never a stack trace
        logger.exception("error page failed")
        return Response(body=message, status_code=status,
                        headers={"Content-Type": "text/plain; charset=utf-8"})
