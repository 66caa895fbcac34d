"""The Events table: one item per raw event (a click today; conversions, share intents later).

Its stream (INSERT only) feeds award_points. Raw events expire (TTL on expires_at); what they
earned lives on in the Scores ledger.

Access patterns
- Write one event:  PutItem event_id (time-ordered + random: writes spread over partitions,
                    a viral link is not a hot key)
- Read one event:   GetItem event_id (replays, support)
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from korpo.models.base import BaseModel, KorpoMeta

RAW_EVENT_TTL_DAYS = 90


class EventModel(BaseModel):
    class Meta(KorpoMeta):
        table_name = "korpo-events"

    event_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()  # "click"
    at = UTCDateTimeAttribute()
    code = UnicodeAttribute(null=True)
    employee_id = UnicodeAttribute()
    post_id = UnicodeAttribute(null=True)
    network = UnicodeAttribute(null=True)
    klass = UnicodeAttribute(default="human")  # human | bot | repeat | self
    expires_at = NumberAttribute()  # epoch seconds, the table's TTL attribute
