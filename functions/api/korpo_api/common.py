"""What every route reads from a request (the verified identity, a JSON body) and how a
domain error becomes a clear 4xx: `{"code": "...", "message": "..."}` as JSON."""
from __future__ import annotations

from typing import Any

from chalice import BadRequestError, ForbiddenError, Response
from chalice.app import Request

from korpo import settings
from korpo.people import access, employees

def identity(request: Request) -> employees.Identity:
    claims = (request.context.get("authorizer") or {}).get("claims") or {}
    if not claims.get("sub") or not claims.get("email"):
        raise ForbiddenError("a signed-in employee token (id token) is required")
    groups = claims.get("cognito:groups") or ""
    # HTTP API authorizers pass list claims as a string such as "[admins]".
    names = groups if isinstance(groups, list) else groups.strip("[]").replace(",", " ").split()
    return employees.Identity(employee_id=claims["sub"], email=claims["email"],
                              name=claims.get("name"), is_admin="admins" in names,
                              username=claims.get("cognito:username"))


def admin(request: Request) -> employees.Identity:
    """An admin's token, unless an admin took the rights back (or deactivated the account)
    after it was issued: one GetItem, so that it holds at once, not when the token expires."""
    who = identity(request)
    if not who.is_admin:
        raise ForbiddenError("admins only")
    claims = (request.context.get("authorizer") or {}).get("claims") or {}
    try:
        issued_at = float(claims.get("iat") or 0)
    except (TypeError, ValueError):
        issued_at = 0.0
    if not access.access_of(who.employee_id).admin_session_valid(issued_at):
        raise ForbiddenError("admins only")
    return who


def json_body(request: Request) -> dict[str, Any]:
    body = request.json_body if request.raw_body else {}
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    return body


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
