"""How employees appear to each other on boards: their display name, or a stable pseudonym
when they chose not to be named."""
from __future__ import annotations

import hashlib
import hmac

from korpo import settings


def pseudonym(employee_id: str, secret: str | None = None) -> str:
    """"Contributor 4F2A7C": the same for an employee every time, and not the id itself (an
    HMAC under a key derived from the deployment's secret, so it cannot be recomputed from
    an id seen elsewhere). Six hex digits: a 200-person company has well under a 1% chance
    of two employees sharing one."""
    key = secret if secret is not None else settings.current().visitor_secret
    derived = hmac.new((key or "korpo").encode(), b"korpo-pseudonym", hashlib.sha256).digest()
    digest = hmac.new(derived, employee_id.encode(), hashlib.sha256).hexdigest()
    return f"Contributor {digest[:6].upper()}"
