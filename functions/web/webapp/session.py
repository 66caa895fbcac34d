"""The signed-in session: two HttpOnly cookies, never readable by a page's script.

- `korpo_session`: who is signed in, until when, and the session's form token; signed with
  HMAC-SHA256 under a key derived from the visitor-hash-secret (checked in microseconds, no
  call). It lives SESSION_SECONDS; then
- `korpo_refresh`: Cognito's refresh token renews it (one Cognito call), which fails once the
  account is deleted or disabled: that is how a removed employee is signed out.
Both are `HttpOnly; SameSite=Lax` (and `Secure` over https): another site's forms never carry
them, and every state-changing form also carries the session's token (`csrf`). The threat
model is in docs/decisions.md ("Web sign-in").
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

SESSION_COOKIE = "korpo_session"
REFRESH_COOKIE = "korpo_refresh"
LANGUAGE_COOKIE = "korpo_lang"
SESSION_SECONDS = 3600
REFRESH_SECONDS = 30 * 24 * 3600  # the user pool client's refresh token validity (default)
YEAR = 365 * 24 * 3600  # choices this browser remembers (language, Mastodon server)
_MAX_COOKIE_HEADER = 8192


@dataclass(frozen=True)
class Session:
    employee_id: str
    email: str
    name: str | None
    is_admin: bool
    csrf: str  # the form token of this session
    expires_at: int
    # When it was made (epoch seconds, to the millisecond): a sign-out ends every session
    # made before it (korpo.people.access). Cookies made before this field: expires_at - 1 h.
    issued_at: float = 0.0

    def expired(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at


class MissingSecret(RuntimeError):
    """The visitor-hash-secret is missing or short: no session can be trusted, so none is made."""


def session_key(visitor_secret: str) -> bytes:
    """A key of its own for sessions, derived from the stack's secret (no new parameter)."""
    if len(visitor_secret) < 32:  # as `make secret` requires: never sign with a guessable key
        raise MissingSecret("the visitor-hash-secret must hold 32 characters or more")
    return hmac.new(visitor_secret.encode(), b"korpo/web-session/v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(key: bytes, session: Session) -> str:
    payload = _b64(json.dumps({"sub": session.employee_id, "email": session.email,
                               "name": session.name, "adm": session.is_admin,
                               "csrf": session.csrf, "exp": session.expires_at,
                               "iat": session.issued_at},
                              separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def decode(key: bytes, value: str | None) -> Session | None:
    """The session a cookie holds, or None when absent, forged or malformed (never raises)."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    payload, signature = value.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    try:
        data = json.loads(_unb64(payload))
        expires_at = int(data["exp"])
        return Session(employee_id=str(data["sub"]), email=str(data["email"]),
                       name=data.get("name"), is_admin=bool(data.get("adm")),
                       csrf=str(data["csrf"]), expires_at=expires_at,
                       issued_at=float(data.get("iat") or expires_at - SESSION_SECONDS))
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def new_session(employee_id: str, email: str, name: str | None, is_admin: bool,
                now: float | None = None) -> Session:
    now = now or time.time()
    return Session(employee_id=employee_id, email=email, name=name, is_admin=is_admin,
                   csrf=secrets.token_urlsafe(24), expires_at=int(now + SESSION_SECONDS),
                   issued_at=round(now, 3))


def cookies_of(header: str | None) -> dict[str, str]:
    """The request's cookies; a malformed or oversized header counts as none."""
    if not header or len(header) > _MAX_COOKIE_HEADER:
        return {}
    jar = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def set_cookie(name: str, value: str, *, max_age: int, secure: bool, path: str = "/") -> str:
    flags = "; Secure" if secure else ""
    return f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; SameSite=Lax{flags}"


def clear_cookie(name: str, *, secure: bool, path: str = "/") -> str:
    return set_cookie(name, "", max_age=0, secure=secure, path=path)


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())
