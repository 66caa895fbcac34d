"""award_points: consumes the Events stream and awards points exactly once per event."""
from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor, EventType, process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
)

from pynamodb.attributes import UTCDateTimeAttribute

from korpo import settings
from korpo.models import bind_tables
from korpo.scoring.award import award
from korpo.scoring.rules import Rules, ScoredEvent

logger = Logger(service="award_points")
_settings = settings.current()
bind_tables(_settings)
_rules = Rules(points_per_click=_settings.points_per_click)
_TIME = UTCDateTimeAttribute()  # the format EventModel wrote
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def to_scored_event(image: dict) -> ScoredEvent:
    return ScoredEvent(event_id=image["event_id"], type=image["type"],
                       klass=image.get("klass", "human"), employee_id=image["employee_id"],
                       at=_TIME.deserialize(image["at"]),
                       post_id=image.get("post_id"))


def record_handler(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image:
        return  # the template's filter passes only INSERTs; nothing to award otherwise
    outcome = award(to_scored_event(image), _rules, _settings.zone)
    logger.info("award", extra={"event_id": outcome.event_id, "status": outcome.status,
                                "points": outcome.points})


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)
