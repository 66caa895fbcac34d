"""What every route reads from a request (the verified identity, a JSON body) and how a
domain error becomes a clear 4xx: `{"code": "...", "message": "..."}` as JSON."""
from __future__ import annotations

from typing import Any

from chalice import BadRequestError, ForbiddenError, Response, UnauthorizedError
from chalice.app import Request

from korpo import settings, texts
from korpo.people import access, employees

# Every answer of the api, errors included (chalice_routes.answer_with): JSON is data, never a
# page: not sniffed as HTML, never framed, nothing it could load, never cached (a token's
# answers are one person's).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'none'",
    "Referrer-Policy": "no-referrer",
}


def _claims(request: Request) -> dict[str, Any]:
    return (request.context.get("authorizer") or {}).get("claims") or {}


def _verified(request: Request) -> tuple[employees.Identity, access.Access, float]:
    """The token's employee, what last changed about their access (one GetItem), and when
    the token was issued."""
    claims = _claims(request)
    if not claims.get("sub") or not claims.get("email"):
        raise ForbiddenError("a signed-in employee token (id token) is required")
    groups = claims.get("cognito:groups") or ""
    # HTTP API authorizers pass list claims as a string such as "[admins]".
    names = groups if isinstance(groups, list) else groups.strip("[]").replace(",", " ").split()
    who = employees.Identity(employee_id=claims["sub"], email=claims["email"],
                             name=claims.get("name"), is_admin="admins" in names,
                             username=claims.get("cognito:username"))
    try:
        issued_at = float(claims.get("iat") or 0)
    except (TypeError, ValueError):
        issued_at = 0.0
    current = access.access_of(who.employee_id)
    # A deactivated account, or a token from before a sign-out or the account's deletion,
    # is refused at once, not when the token expires (within the hour).
    if not current.session_valid(issued_at):
        raise UnauthorizedError("this session has ended: sign in again")
    return who, current, issued_at


def identity(request: Request) -> employees.Identity:
    return _verified(request)[0]


def admin(request: Request) -> employees.Identity:
    """An admin's token, unless an admin took the rights back (or deactivated the account)
    after it was issued: the same GetItem, so that it holds at once, not when the token
    expires."""
    who, current, issued_at = _verified(request)
    if not who.is_admin or not current.admin_session_valid(issued_at):
        raise ForbiddenError("admins only")
    return who


def json_body(request: Request) -> dict[str, Any]:
    """The JSON object sent; 400 unless every key and string in it is text a person could
    have sent (korpo.texts.readable: no control character, no lone surrogate, no U+FFFD)."""
    body = request.json_body if request.raw_body else {}
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    if not _readable(body):
        raise BadRequestError("the body holds text that is not valid: control characters or "
                              "bytes that are not UTF-8")
    return body


def _readable(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return texts.readable(value)
    if depth > 20:  # a body nested deeper than any route reads
        return False
    if isinstance(value, dict):
        return all(texts.readable(k) and _readable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_readable(v, depth + 1) for v in value)
    return True


def readable_query(request: Request) -> bool:
    """The query string's names and values are text (a U+FFFD is what the gateway leaves of
    percent-encoded bytes that were not UTF-8)."""
    query = request.query_params or {}
    return all(texts.readable(name) and all(texts.readable(v) for v in query.getlist(name))
               for name in query)


def base_url(request: Request) -> str:
    cfg = settings.current()
    if cfg.public_base_url:
        return cfg.public_base_url
    domain = request.context.get("domainName") or request.headers.get("host", "")
    scheme = "http" if domain.startswith(("127.0.0.1", "localhost")) else "https"
    return f"{scheme}://{domain}"


def link_base_url(request: Request) -> str:
    """Where share links point: the public edge (its function URL, or a custom domain), else
    this API's own address, whose /l/ routes serve them."""
    return settings.current().link_base_url or base_url(request)


def problem(status: int, code: str, message: str, **extra: Any) -> Response:
    """A 4xx with a stable `code` a client can branch on."""
    return Response(status_code=status, body={"code": code, "message": message, **extra},
                    headers={"Content-Type": "application/json"})


def user_pool_id() -> str:
    """The employees' pool (KORPO_USER_POOL_ID: the template's pool, whose tokens the
    gateway's authorizer verified)."""
    return settings.current().user_pool_id
