"""The brand as an admin set it in the browser: the points' name, the disclosure line every
share text ends with (in English and in French), the brand's language (Slack and Teams
messages, e-mails to employees who chose none), the colour, the logo and what a human click is
worth (the earned-media figure). Stored in one Catalog item (`SETTINGS` / `BRAND`); each field left empty keeps the
template's Parameter.

`current()` is the process's settings with the admin's values on top, read at most every
TTL_SECONDS per warm container (like the scoring rules): every page, share text and e-mail
reads its brand words from it, so a saved value shows everywhere within a minute (at once in
the container that saved it).
"""
from __future__ import annotations

import dataclasses
import logging
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from pynamodb.exceptions import DoesNotExist

from korpo import settings, texts
from korpo.languages import LANGUAGES
from korpo.models import BrandModel
from korpo.months import utc_now
from korpo.settings import Settings

logger = logging.getLogger(__name__)

TTL_SECONDS = 60.0
FIELDS = ("points_name", "disclosure_line", "disclosure_line_fr", "language", "brand_colour",
          "logo_url", "human_click_value", "currency")
# The line each language gets while the DisclosureLine Parameter is left at its default and
# no admin chose one for the language: a French page never shows the English hashtag.
DEFAULT_DISCLOSURE = {"en": "#employee", "fr": "#collaborateur"}
MAX_POINTS_NAME = 30
MAX_DISCLOSURE = 100
MAX_LOGO_URL = 500
MAX_CLICK_VALUE = Decimal("1000")
_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
# As the template's LogoUrl pattern: https, a host, nothing that breaks out of an attribute.
_LOGO = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s\"'<>\\]*)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class InvalidBrand(ValueError):
    """`errors` maps each wrong field to a short stable code the web layer translates
    ("brand_colour.invalid"); nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _text(value: str, limit: int, name: str) -> str:
    try:
        return texts.clean(value, limit) or ""
    except texts.TextRefused as refused:
        raise ValueError(f"{name}.too_long" if refused.reason == "too_long"
                         else f"{name}.invalid_characters") from None


def _click_value(raw: str) -> str:
    try:  # "0,35" as a French keyboard writes it
        value = Decimal(raw.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        raise ValueError("human_click_value.invalid") from None
    if not value.is_finite():  # NaN, Infinity
        raise ValueError("human_click_value.invalid")
    if value < 0 or value > MAX_CLICK_VALUE:
        raise ValueError("human_click_value.out_of_range")
    if value.as_tuple().exponent < -4:
        raise ValueError("human_click_value.too_precise")
    return str(value)


def _clean_one(name: str, raw: str) -> str:
    if name == "points_name":
        return _text(raw, MAX_POINTS_NAME, name)
    if name in ("disclosure_line", "disclosure_line_fr"):
        return _text(raw, MAX_DISCLOSURE, name)
    if name == "language":
        if raw.strip() not in LANGUAGES:
            raise ValueError("language.unsupported")
        return raw.strip()
    if name == "brand_colour":
        value = raw.strip().lower()
        if not _COLOUR.match(value):
            raise ValueError("brand_colour.invalid")
        return value
    if name == "logo_url":
        value = raw.strip()
        if len(value) > MAX_LOGO_URL or not _LOGO.match(value):
            raise ValueError("logo_url.not_https")
        return value
    if name == "human_click_value":
        return _click_value(raw)
    value = raw.strip().upper()  # currency
    if not _CURRENCY.match(value):
        raise ValueError("currency.invalid")
    return value


def clean(fields: dict[str, object]) -> dict[str, str]:
    """The admin's values, each checked (InvalidBrand names every wrong one); an empty or
    absent field is left out: it keeps the template's value."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InvalidBrand({name: "field.unknown" for name in unknown})
    out: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        raw = fields.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if not isinstance(raw, str):
            errors[name] = f"{name}.invalid"
            continue
        try:
            out[name] = _clean_one(name, raw)
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        raise InvalidBrand(errors)
    return out


def disclosure_line(cfg: Settings, language: str) -> str:
    """The line share texts end with, in `language`: the admin's for French pages, else the
    Parameter's (or the admin's) line, unless that is the English default."""
    if language == "fr" and cfg.disclosure_line_fr:
        return cfg.disclosure_line_fr
    if cfg.disclosure_line == DEFAULT_DISCLOSURE["en"]:
        return DEFAULT_DISCLOSURE.get(language, cfg.disclosure_line)
    return cfg.disclosure_line


def stored() -> dict[str, str]:
    """The admin's values as stored (only those set)."""
    try:
        item = BrandModel.get(*BrandModel.key(), consistent_read=True)
    except DoesNotExist:
        return {}
    return {name: getattr(item, name) for name in FIELDS if getattr(item, name)}


def save(fields: dict[str, object], updated_by: str | None = None) -> dict[str, str]:
    """Replace the admin's values (InvalidBrand if one is wrong: then nothing is written);
    returns what was stored. Live here at once, in other containers within TTL_SECONDS."""
    values = clean(fields)
    BrandModel(*BrandModel.key(), updated_at=utc_now(), updated_by=updated_by,
               **values).save()
    forget()
    return values


def overlay(base: Settings, values: dict[str, str]) -> Settings:
    """The settings with the admin's values on top."""
    changes: dict[str, Any] = {n: v for n, v in values.items() if n in FIELDS and v}
    if "human_click_value" in changes:
        changes["human_click_value"] = Decimal(changes["human_click_value"])
    return dataclasses.replace(base, **changes)


class _Cache:
    """The overlaid settings, reloaded every TTL_SECONDS, and whenever the process's settings
    change (tests and the local stack rebind them)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._base: Settings | None = None
        self._value: Settings | None = None
        self._at = -1e18

    def get(self) -> Settings:
        base = settings.current()
        if self._base is base and self._value is not None and (
                self._clock() - self._at < TTL_SECONDS):
            return self._value
        try:
            value = overlay(base, stored())
        except Exception:  # noqa: BLE001 - the brand's words never take a page down
            logger.warning("the brand settings could not be read", exc_info=True)
            return self._value if self._base is base and self._value is not None else base
        self._base, self._value, self._at = base, value, self._clock()
        return value

    def clear(self) -> None:
        self._value = None


_cache = _Cache()


def current() -> Settings:
    """The settings every page, share text and e-mail uses: the template's Parameters with
    the admin's brand values on top (points_name, disclosure_line, brand_colour, logo_url,
    human_click_value as a Decimal, currency)."""
    return _cache.get()


def forget() -> None:
    """Read the stored values again on the next call (after a save elsewhere, in tests)."""
    _cache.clear()
