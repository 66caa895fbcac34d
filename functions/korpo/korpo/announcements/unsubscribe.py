"""The one-click unsubscribe: a token that names the employee (their opaque id, never the
e-mail) and proves we made it (HMAC-SHA256 with a key derived from the visitor-hash-secret). It
does not expire: an old e-mail's link still works, and all it can do is stop the e-mails."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import quote

from pynamodb.exceptions import UpdateError

from korpo.models import EmployeeModel

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAC = re.compile(r"^[A-Za-z0-9_-]{22}$")
MAX_TOKEN = 100


class MissingSecret(RuntimeError):
    pass


def _key(visitor_secret: str) -> bytes:
    if len(visitor_secret) < 32:  # as `make secret` requires: never sign with a guessable key
        raise MissingSecret("the visitor-hash-secret must hold 32 characters or more")
    return hmac.new(visitor_secret.encode(), b"korpo/unsubscribe/v1", hashlib.sha256).digest()


def _mac(key: bytes, employee_id: str) -> str:
    digest = hmac.new(key, employee_id.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check_secret(visitor_secret: str) -> None:
    """Raises MissingSecret before anything is claimed, rather than at the first e-mail."""
    _key(visitor_secret)


def token_for(employee_id: str, visitor_secret: str) -> str:
    if not _ID.match(employee_id):
        raise ValueError("an employee id is 1-64 letters, digits, - or _")
    return f"{employee_id}.{_mac(_key(visitor_secret), employee_id)}"


def employee_of(token: str | None, visitor_secret: str) -> str | None:
    """The employee a genuine token names; None for anything else (forged, cut, too long)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    employee_id, _, mac = token.rpartition(".")
    if not _ID.match(employee_id) or not _MAC.match(mac):
        return None
    if not hmac.compare_digest(mac, _mac(_key(visitor_secret), employee_id)):
        return None
    return employee_id


def url_for(base_url: str, employee_id: str, visitor_secret: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe?t={quote(token_for(employee_id, visitor_secret))}"


def unsubscribe(employee_id: str) -> bool:
    """Stop the programme's e-mails (the weekly digest and the new challenges: one opt-in).
    True when a profile was changed; a deleted account changes nothing (and says nothing)."""
    try:
        EmployeeModel(*EmployeeModel.key(employee_id)).update(
            actions=[EmployeeModel.weekly_digest.set(False)],
            condition=EmployeeModel.pk.exists())
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
