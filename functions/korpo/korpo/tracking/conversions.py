"""Conversions reported by the brand: signed by its server, or (less trusted) by a pixel.

Signed: POST /conversions, JSON {click_id, type, value, currency, external_id}, headers
`X-Korpo-Timestamp: <unix seconds>` and `X-Korpo-Signature: sha256=<hex>` where hex is
HMAC-SHA256(conversion secret, timestamp + "." + raw body). Refused outside a 5-minute
window or on a bad signature (constant-time compare).

Both are idempotent on external_id: the event id is derived from it and written with
`attribute_not_exists`, so a retry is a "duplicate", never a second conversion. A pixel
without external_id uses "pixel:{click_id}:{type}" (one conversion of a type per click).

The browser's pixel usually fires before the brand's server reports the same conversion. When
the pixel's event could not earn (PixelConversionsEarn false), the signed report is not a
plain duplicate: it writes an upgrade event (its own derived id, `upgrades` = the pixel
event's id) that pays the conversion once and is not counted as a second one.

A conversion is tied to its click (GetItem on the click's event id): it copies the click's
employee, post, challenge, network, class and time (a challenge that ran at the click pays a
conversion that comes after its end: a hire weeks after the referral). Clicks live 90 days
(the table's TTL).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from korpo.models import EventModel
from korpo.models.events import RAW_EVENT_TTL_DAYS
from korpo.tracking.eventstore import AlreadyExists, EventStore

TIMESTAMP_HEADER = "x-korpo-timestamp"
SIGNATURE_HEADER = "x-korpo-signature"
WINDOW_SECONDS = 300
MAX_BODY_BYTES = 4096

_CLICK_ID = re.compile(r"^[0-9a-f]{28}$")
_TYPE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_EXTERNAL_ID = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces
_MAX_VALUE = 1e12


class ConversionRefused(ValueError):
    """Base: the request is not a conversion Korpo will record. `status` is a hint for HTTP."""
    status = 400


class BadSignature(ConversionRefused):
    status = 401


class StaleTimestamp(ConversionRefused):
    status = 401


class InvalidConversion(ConversionRefused):
    status = 400


class UnknownClick(ConversionRefused):
    status = 422


class NotJson(ConversionRefused):
    status = 415


def check_content_type(value: str | None) -> None:
    """A signed conversion's body is JSON, and says so: `application/json`, with parameters
    (charset) or not. Anything else, `*/*` and no Content-Type included, is refused (415).
    Chalice's own check lets `*/*` and a missing header through."""
    media_type = (value or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise NotJson(f"Content-Type must be application/json, not {media_type or 'none'}")


@dataclass(frozen=True)
class ConversionReport:
    click_id: str
    type: str
    external_id: str
    value: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Recorded:
    conversion_id: str
    status: str  # recorded | upgraded | duplicate
    event: EventModel | None = None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the brand's server sends in X-Korpo-Signature."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                   hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str | None, signed: str | None, body: bytes,
           now: datetime) -> None:
    """Raises BadSignature or StaleTimestamp; returns None when the request is authentic."""
    if not secret:
        raise BadSignature("conversions are not configured (no conversion secret)")
    if not timestamp or not signed:
        raise BadSignature(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    if not re.fullmatch(r"[0-9]{1,12}", timestamp):  # ASCII digits only ("²" isdigit too)
        raise StaleTimestamp(f"{TIMESTAMP_HEADER} must be unix seconds")
    if abs(now.timestamp() - int(timestamp)) > WINDOW_SECONDS:
        raise StaleTimestamp("timestamp outside the 5-minute window")
    expected = signature(secret, timestamp, body)
    if not hmac.compare_digest(signed.strip().encode("utf-8", "replace"),
                               expected.encode("ascii")):
        raise BadSignature("bad signature")


def _value(raw: Any) -> float | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InvalidConversion("value must be a number")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidConversion("value must be a number") from None
    if not math.isfinite(value) or not 0 <= value <= _MAX_VALUE:
        raise InvalidConversion("value must be a number between 0 and 1e12")
    return value


def validate(fields: Mapping[str, Any], require_external_id: bool) -> ConversionReport:
    click_id, kind = fields.get("click_id"), fields.get("type")
    if not isinstance(click_id, str) or not _CLICK_ID.match(click_id):
        raise InvalidConversion("click_id must be the korpo_click value of the landing URL")
    if not isinstance(kind, str) or not _TYPE.match(kind):
        raise InvalidConversion("type must be a short lower-case word (signup, lead, purchase…)")
    external_id = fields.get("external_id")
    if external_id is None and not require_external_id:
        external_id = f"pixel:{click_id}:{kind}"
    if not isinstance(external_id, str) or not _EXTERNAL_ID.match(external_id):
        raise InvalidConversion("external_id is required: your own id of this conversion "
                                "(1-128 printable characters, no spaces)")
    value = _value(fields.get("value"))
    currency = fields.get("currency")
    if currency in (None, ""):
        currency = None
    elif not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise InvalidConversion("currency must be an ISO 4217 code such as EUR")
    return ConversionReport(click_id, kind, external_id, value, currency)


def parse_signed_body(body: bytes) -> ConversionReport:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidConversion("the body must be JSON") from None
    if not isinstance(data, dict):
        raise InvalidConversion("the body must be a JSON object")
    return validate(data, require_external_id=True)


def conversion_id(external_id: str) -> str:
    """Deterministic, 28 characters like every event id; the non-hex "cv" prefix keeps it
    apart from click ids."""
    return "cv" + hashlib.sha256(f"conversion\n{external_id}".encode()).hexdigest()[:26]


def upgrade_id(external_id: str) -> str:
    """The id of the signed upgrade of a pixel conversion: one per external_id, so a retried
    signed report finds it and is a duplicate."""
    return "cv" + hashlib.sha256(f"upgrade\n{external_id}".encode()).hexdigest()[:26]


def record(report: ConversionReport, trust: str, earns: bool, store: EventStore,
           now: datetime) -> Recorded:
    """Write the conversion once (UnknownClick when its click is unknown or expired)."""
    click = store.get_event(report.click_id)
    if click is None or click.type != "click" or click.expires_at <= now.timestamp():
        raise UnknownClick("unknown or expired click_id (clicks are kept 90 days)")
    event = EventModel(
        conversion_id(report.external_id), type="conversion", at=now,
        employee_id=click.employee_id, code=click.code, post_id=click.post_id,
        challenge_id=click.challenge_id, network=click.network, klass=click.klass,
        referrer=click.referrer, device=click.device, browser=click.browser,
        visitor_key=click.visitor_key, click_id=click.event_id, click_at=click.at,
        conversion_type=report.type, value=report.value, currency=report.currency,
        external_id=report.external_id, trust=trust, earns=earns,
        expires_at=int((now + timedelta(days=RAW_EVENT_TTL_DAYS)).timestamp()))
    try:
        store.put_new(event)  # StoreUnavailable goes through: the brand's server retries
    except AlreadyExists as exists:
        recorded = EventModel.from_raw_data(exists.old) if exists.old else None
        if trust == "signed" and recorded is not None and recorded.trust == "pixel" \
                and recorded.earns is False:
            return _upgrade(event, recorded, store)
        return Recorded(event.event_id, "duplicate")
    return Recorded(event.event_id, "recorded", event)


def _upgrade(event: EventModel, pixel: EventModel, store: EventStore) -> Recorded:
    """The signed report of a conversion a pixel recorded without earning: written once more,
    under upgrade_id, to pay it (award_points does not count it a second time)."""
    event.event_id = upgrade_id(event.external_id)
    event.upgrades = pixel.event_id
    try:
        store.put_new(event)
    except AlreadyExists:  # a retry of this signed report
        return Recorded(pixel.event_id, "duplicate")
    return Recorded(pixel.event_id, "upgraded", event)
