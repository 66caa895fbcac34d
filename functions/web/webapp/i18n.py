"""French and English: which one a request gets, its catalogue, and numbers and dates in it.

Messages are gettext's: English is the source text in the templates and the code, each other
language has one catalogue (`locales/<lang>/LC_MESSAGES/messages.po`), read with Babel the first
time the language is asked for in a container (a few milliseconds; no compile step, nothing
generated to commit). tests/web/test_i18n.py fails when a visible string has no translation.
"""
from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from korpo.languages import DEFAULT, LANGUAGES, from_accept_language

LOCALES = Path(__file__).parent / "locales"


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def choose(cookie: str | None, profile: str | None, accept_language: str | None) -> str:
    """The switch's choice (cookie), else the profile's, else the browser's, else English."""
    for candidate in (cookie, profile, from_accept_language(accept_language)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


class Formatter:
    """Numbers, points and dates as the language writes them (Babel's CLDR data)."""

    def __init__(self, language: str, zone: ZoneInfo, points_name: str) -> None:
        self.language = language
        self.zone = zone
        self.points_name = points_name

    def number(self, value: int | float) -> str:
        from babel.numbers import format_decimal
        return format_decimal(value, locale=self.language)

    def percent(self, fraction: float, digits: int = 0) -> str:
        """0.125 as "12.5%" / "12,5 %": the language's sign and spacing (CLDR), at most
        `digits` decimals."""
        from babel import Locale
        from babel.numbers import format_percent
        pattern = Locale.parse(self.language).percent_formats[None].pattern  # "#,##0%"
        if digits:
            pattern = pattern.replace("0", "0." + "#" * digits, 1)
        return format_percent(fraction, format=pattern, locale=self.language)

    def points(self, value: int) -> str:
        return f"{self.number(value)}\u00a0{self.points_name}"

    def date(self, value: datetime | date) -> str:
        from babel.dates import format_date
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, format="medium", locale=self.language)

    def datetime(self, value: datetime) -> str:
        from babel.dates import format_datetime
        return format_datetime(value, format="medium", tzinfo=self.zone, locale=self.language)

    def month(self, month: str) -> str:
        """"2026-11" as "November 2026" / "novembre 2026"."""
        from babel.dates import format_date
        year, number = (int(p) for p in month.split("-"))
        return format_date(date(year, number, 1), format="LLLL y", locale=self.language)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation only"
    """Marks a message for the catalogues where it is written; it is translated when shown."""
    return message
