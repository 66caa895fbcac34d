"""Who may sign up: an e-mail of one of the brand's work domains.

Nothing here touches AWS or the tables: the user pool's PreSignUp trigger imports only this
(and the settings), so that it starts fast on the smallest memory.
"""
from __future__ import annotations

from typing import Iterable


class EmailDomainNotAllowed(ValueError):
    pass


def check_signup_email(email: str, allowed_domains: Iterable[str]) -> None:
    domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
    allowed = {d.lower() for d in allowed_domains}
    if not domain or domain not in allowed:
        raise EmailDomainNotAllowed("sign-up needs a work email of an allowed domain")
