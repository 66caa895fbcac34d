"""Who clicked, without knowing who: the keyed daily visitor hash and the sharer's own cookie.

- Visitor key = HMAC(day key, ip + "\\n" + user agent), day key = HMAC(secret, "visitor\\n" +
  YYYY-MM-DD). The raw IP is used only in memory; yesterday's keys cannot be linked to
  today's without the secret (and the day key of a past day is never stored).
- Self cookie = HMAC(secret, "self\\n" + employee id), set by the api on the employee's
  browser; a click carrying the cookie that matches the link's owner is a "self" click. It
  cannot be forged for another employee without the secret.
Pure functions: no storage, no AWS.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from zoneinfo import ZoneInfo

SELF_COOKIE = "korpo_emp"
SELF_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days


class MissingSecret(RuntimeError):
    """The deployment has no visitor-hash-secret (an SSM parameter: korpo.secrets)."""


def _key(secret: str) -> bytes:
    if not secret:
        raise MissingSecret("the visitor-hash-secret is not set")
    return secret.encode("utf-8")


def _mac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def local_day(now: datetime, zone: ZoneInfo) -> date:
    """The brand's calendar day of an instant: "the same day" is the brand's day."""
    return now.astimezone(zone).date()


class DayKeys:
    """The day key of the current day, recomputed when the day changes (one HMAC a day)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._day: date | None = None
        self._key = b""

    def for_day(self, day: date) -> bytes:
        if day != self._day:
            self._key = _mac(_key(self._secret), f"visitor\n{day.isoformat()}")
            self._day = day
        return self._key


def visitor_key(day_key: bytes, ip: str, user_agent: str) -> str:
    """32 hex characters; the same (ip, user agent) maps to the same key on the same day."""
    return hmac.new(day_key, f"{ip}\n{user_agent}".encode("utf-8"),
                    hashlib.sha256).hexdigest()[:32]


def self_cookie_value(secret: str, employee_id: str) -> str:
    return _mac(_key(secret), f"self\n{employee_id}").hex()[:32]


def self_cookie_header(secret: str, employee_id: str, secure: bool = True) -> str:
    """The Set-Cookie value the api sends to an employee's browser."""
    attributes = [f"{SELF_COOKIE}={self_cookie_value(secret, employee_id)}", "Path=/l/",
                  f"Max-Age={SELF_COOKIE_MAX_AGE}", "HttpOnly", "SameSite=Lax"]
    if secure:
        attributes.append("Secure")
    return "; ".join(attributes)


def cookie_values(cookie_header: str | None, name: str) -> list[str]:
    """Every value of cookie `name` in a Cookie header (a browser may send several)."""
    out = []
    for part in (cookie_header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            out.append(value.strip().strip('"'))
    return out


def is_self_click(cookie_header: str | None, secret: str, employee_id: str) -> bool:
    values = cookie_values(cookie_header, SELF_COOKIE)
    if not values:
        return False
    expected = self_cookie_value(secret, employee_id).encode("ascii")
    # Bytes: compare_digest refuses non-ASCII str, and a cookie may hold anything.
    return any(hmac.compare_digest(value.encode("utf-8", "replace"), expected)
               for value in values)
