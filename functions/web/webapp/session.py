"""The signed-in session: two HttpOnly cookies, never readable by a page's script.

- `korpo_session`: who is signed in, until when, and the session's form token; signed with
  HMAC-SHA256 under a key derived from the visitor-hash-secret (checked in microseconds, no
  call). It lives SESSION_SECONDS; then
- `korpo_refresh`: Cognito's refresh token renews it (one Cognito call), which fails once the
  account is deleted or disabled: that is how a removed employee is signed out.
Both are `HttpOnly; SameSite=Lax` (and `Secure` over https): another site's forms never carry
them, and every state-changing form also carries the session's token (`csrf`). The threat
model is in docs/decisions.md ("Web sign-in").
- `korpo_signup`: the proof that this browser has just created an account (its sub and
  address, signed, for an hour, sent only to /signup/…): with the e-mailed code it opens the
  account's first session, without the password (docs/decisions.md, "Confirming signs you in").
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
SIGNUP_COOKIE = "korpo_signup"
SIGNUP_PATH = "/signup"
SESSION_SECONDS = 3600
SIGNUP_SECONDS = 3600  # the proof outlives a slow e-mail, not a day on a shared computer
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


def session_key(visitor_secret: str, purpose: bytes = b"korpo/web-session/v1") -> bytes:
    """A key of its own for sessions (or another `purpose`), derived from the stack's secret
    (no new parameter): a value signed for one purpose never passes for another."""
    if len(visitor_secret) < 32:  # as `make secret` requires: never sign with a guessable key
        raise MissingSecret("the visitor-hash-secret must hold 32 characters or more")
    return hmac.new(visitor_secret.encode(), purpose, hashlib.sha256).digest()


def signup_key(visitor_secret: str) -> bytes:
    return session_key(visitor_secret, b"korpo/web-signup/v1")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, data: dict) -> str:
    payload = _b64(json.dumps(data, separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def _signed(key: bytes, value: str | None) -> dict | None:
    """What a value signed with `key` holds, or None when absent, forged or malformed."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    payload, signature = value.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    try:
        data = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        return None
    return data if isinstance(data, dict) else None


def encode(key: bytes, session: Session) -> str:
    return _sign(key, {"sub": session.employee_id, "email": session.email,
                       "name": session.name, "adm": session.is_admin, "csrf": session.csrf,
                       "exp": session.expires_at, "iat": session.issued_at})


def decode(key: bytes, value: str | None) -> Session | None:
    """The session a cookie holds, or None when absent, forged or malformed (never raises)."""
    data = _signed(key, value)
    if not data:
        return None
    try:
        expires_at = int(data["exp"])
        return Session(employee_id=str(data["sub"]), email=str(data["email"]),
                       name=data.get("name"), is_admin=bool(data.get("adm")),
                       csrf=str(data["csrf"]), expires_at=expires_at,
                       issued_at=float(data.get("iat") or expires_at - SESSION_SECONDS))
    except (ValueError, KeyError, TypeError, OverflowError):
        return None


@dataclass(frozen=True)
class SignUpProof:
    """This browser created the account `employee_id` (Cognito's sub) for `email`."""
    employee_id: str
    email: str
    expires_at: int


def encode_signup(key: bytes, employee_id: str, email: str, now: float | None = None) -> str:
    return _sign(key, {"sub": employee_id, "email": email,
                       "exp": int((now or time.time()) + SIGNUP_SECONDS)})


def decode_signup(key: bytes, value: str | None, now: float | None = None) -> SignUpProof | None:
    """The proof a cookie holds while it is valid; None when absent, forged, malformed or
    expired (never raises)."""
    data = _signed(key, value)
    try:
        proof = SignUpProof(str(data["sub"]), str(data["email"]), int(data["exp"])) \
            if data else None
    except (ValueError, KeyError, TypeError, OverflowError):
        return None
    return proof if proof and (now or time.time()) < proof.expires_at else None


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


def set_cookie(name: str, value: str, *, max_age: int, secure: bool, path: str = "/",
               same_site: str = "Lax") -> str:
    flags = "; Secure" if secure else ""
    return f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; SameSite={same_site}{flags}"


def clear_cookie(name: str, *, secure: bool, path: str = "/") -> str:
    return set_cookie(name, "", max_age=0, secure=secure, path=path)


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())
