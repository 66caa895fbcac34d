"""The addresses an admin pastes to invite: one per line, as typed or pasted from a CSV file, a
spreadsheet column or a mail program's address field, each line checked on its own.

A line's address is the one word in it with an "@" (so `"Lee, Ann" <ann@acme.com>` and
`ann@acme.com;Sales` are ann@acme.com); a cell `en` or `fr` (cells split on tabs, semicolons
or commas) is that person's language; the rest of the line is ignored. A first line without
any "@" naming an e-mail column (`email`, `e-mail`, `courriel`, `adresse`, `address`) is a
CSV file's header, skipped. Bounded before anything is read: MAX_CHARS characters and
MAX_ADDRESSES lines (the daily e-mails of Cognito's own sender, and what one page can invite
in time).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from korpo.people import signup

MAX_ADDRESSES = 50
MAX_CHARS = 10_000
MAX_EMAIL = 254
LANGUAGES = ("en", "fr")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")
_HEADER = re.compile(r"^(e-?mail|courriel|adresse|address)", re.I)
_CELL = re.compile(r"[\t;,]")
# A word with an "@": what is around it (a name, quotes, <>, other cells) is not the address.
_WORD_WITH_AT = re.compile(r"[^\s<>,;\t\"'()\[\]]*@[^\s<>,;\t\"'()\[\]]*")

# Why a line is refused (the web layer words each one).
NOT_AN_ADDRESS = "not_an_address"
DOMAIN_NOT_ALLOWED = "domain_not_allowed"
TWICE = "twice"
SEVERAL = "several_addresses"


class ListTooLong(ValueError):
    """More than MAX_ADDRESSES lines or MAX_CHARS characters: nothing is read."""

    def __init__(self, lines: int, chars: int) -> None:
        super().__init__(f"{lines} lines, {chars} characters")
        self.lines = lines
        self.chars = chars


@dataclass(frozen=True)
class Wanted:
    line: int  # 1-based, as the admin's list counts
    email: str  # lower case
    language: str


@dataclass(frozen=True)
class Refused:
    line: int
    text: str  # the line as pasted (cut to 120 characters)
    reason: str  # one of the constants above, or an invitation's refusal
    detail: str = ""  # e.g. the domain, or the line it repeats


def _cells(line: str) -> list[str]:
    return [cell.strip().strip('"').strip() for cell in _CELL.split(line) if cell.strip()]


def read(text: str, default_language: str,
         allowed_domains: Iterable[str]) -> tuple[list[Wanted], list[Refused]]:
    """(the addresses to invite, the lines refused), in the list's order."""
    lines = text.splitlines()
    filled = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    if filled and "@" not in filled[0][1] and any(
            _HEADER.match(cell) for cell in _cells(filled[0][1])):
        filled = filled[1:]  # a CSV file's header ("email,language")
    if len(text) > MAX_CHARS or len(filled) > MAX_ADDRESSES:
        raise ListTooLong(len(filled), len(text))
    default_language = default_language if default_language in LANGUAGES else "en"
    domains = tuple(allowed_domains)
    wanted: list[Wanted] = []
    refused: list[Refused] = []
    seen: dict[str, int] = {}
    for number, line in filled:
        shown = line.strip()[:120]
        addresses = list(dict.fromkeys(w.lower() for w in _WORD_WITH_AT.findall(line)))
        language = next((c.lower() for c in _cells(line) if c.lower() in LANGUAGES),
                        default_language)
        if len(addresses) > 1:
            refused.append(Refused(number, shown, SEVERAL))
            continue
        email = addresses[0] if addresses else ""
        if not email or len(email) > MAX_EMAIL or not _EMAIL.match(email):
            refused.append(Refused(number, shown, NOT_AN_ADDRESS))
            continue
        try:
            signup.check_signup_email(email, domains)
        except signup.EmailDomainNotAllowed:
            refused.append(Refused(number, shown, DOMAIN_NOT_ALLOWED, email.rsplit("@", 1)[1]))
            continue
        if email in seen:
            refused.append(Refused(number, shown, TWICE, str(seen[email])))
            continue
        seen[email] = number
        wanted.append(Wanted(number, email, language))
    return wanted, refused
