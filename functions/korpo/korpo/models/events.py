"""The Events table: one item per raw event (a click today; conversions, share intents later).

Its stream (INSERT only) feeds award_points. Raw events expire (TTL on expires_at); what they
earned lives on in the Scores ledger.

Access patterns
- Write one event:  PutItem event_id (time-ordered + random: writes spread over partitions,
                    a viral link is not a hot key)
- Read one event:   GetItem event_id (replays, support; a conversion reads its click)
- First click of a visitor on a link today: PutItem on a deterministic event_id (from the
                    daily visitor key and the code) conditioned on attribute_not_exists;
                    a failed condition means "repeat" (see korpo/tracking/clicks.py)
- Conversion once per external_id: PutItem on an event_id derived from external_id,
                    conditioned on attribute_not_exists (korpo/tracking/conversions.py)
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError

from korpo.models.base import BaseModel, KorpoMeta

RAW_EVENT_TTL_DAYS = 90


class EventModel(BaseModel):
    """One raw event. The shared schema between writers (track_click, api) and award_points."""

    class Meta(KorpoMeta):
        table_name = "korpo-events"

    event_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()  # click | conversion | share_intent
    at = UTCDateTimeAttribute()
    employee_id = UnicodeAttribute()
    code = UnicodeAttribute(null=True)  # the share link's code
    post_id = UnicodeAttribute(null=True)
    challenge_id = UnicodeAttribute(null=True)
    network = UnicodeAttribute(null=True)  # the network the link was made for
    # clicks
    klass = UnicodeAttribute(default="human")  # human | unverified | bot | repeat | self
    referrer = UnicodeAttribute(null=True)  # linkedin | x | facebook | mastodon | email | direct | other
    device = UnicodeAttribute(null=True)  # desktop | mobile | tablet | bot | other
    browser = UnicodeAttribute(null=True)  # browser family
    visitor_key = UnicodeAttribute(null=True)  # keyed daily hash: never a raw IP
    # conversions
    click_id = UnicodeAttribute(null=True)  # the event id of the click it follows
    click_at = UTCDateTimeAttribute(null=True)  # when that click happened (challenges pay by it)
    conversion_type = UnicodeAttribute(null=True)  # signup | lead | purchase | application…
    value = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    external_id = UnicodeAttribute(null=True)
    trust = UnicodeAttribute(null=True)  # signed | pixel
    # Whether this conversion may earn points at all: True for signed ones, the template's
    # PixelConversionsEarn for pixel ones (the amounts are award_points' rules).
    earns = BooleanAttribute(null=True)
    # On a signed conversion that arrived after a pixel one of the same external_id that could
    # not earn: the pixel event's id. It pays the conversion; it is not a second conversion.
    upgrades = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()  # epoch seconds, the table's TTL attribute


def save_once(event: EventModel) -> bool:
    """Write an event whose id is deterministic, only if absent; False if it was there."""
    try:
        event.save(condition=EventModel.event_id.does_not_exist())
        return True
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
