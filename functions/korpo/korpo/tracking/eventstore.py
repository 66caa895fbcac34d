"""The public edge's storage: one bare boto3 DynamoDB client for the few calls track_click makes.

PynamoDB stays the schema: items are built and read with EventModel / LinkModel / PostModel
(serialize, from_raw_data). Only the transport is a plain client, because PynamoDB opens a
botocore session of its own on first use (~100 ms on a cold start) and track_click's
handler already has a client (docs/decisions.md, "The click path").
"""
from __future__ import annotations

from typing import Any

from korpo.models import EventModel, LinkModel

_NEW = "attribute_not_exists(event_id)"


class StoreUnavailable(RuntimeError):
    """DynamoDB did not take the write (throttled, unreachable, failing)."""


class AlreadyExists(Exception):
    """The conditional put found an item with that event id (`old`: that item, raw)."""

    def __init__(self, event_id: str, old: dict[str, Any] | None = None) -> None:
        super().__init__(event_id)
        self.event_id = event_id
        self.old = old or {}


class EventStore:
    def __init__(self, client: Any, events_table: str, catalog_table: str) -> None:
        self._client = client
        self.events_table = events_table
        self.catalog_table = catalog_table

    # ------------------------------------------------------------------ writes
    def put_new(self, event: EventModel) -> None:
        self.put_new_raw(event.serialize())

    def put_new_raw(self, item: dict[str, Any]) -> None:
        """One PutItem, only if no event has this id: AlreadyExists or StoreUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_item(TableName=self.events_table, Item=item,
                                  ConditionExpression=_NEW,
                                  ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise AlreadyExists(item["event_id"]["S"], error.response.get("Item")) from None
            raise StoreUnavailable(str(error)) from error
        except BotoCoreError as error:  # timeouts, connection errors, retries exhausted
            raise StoreUnavailable(str(error)) from error

    # ------------------------------------------------------------------ reads
    def get_event(self, event_id: str) -> EventModel | None:
        answer = self._client.get_item(TableName=self.events_table,
                                       Key={"event_id": {"S": event_id}}, ConsistentRead=True)
        return EventModel.from_raw_data(answer["Item"]) if answer.get("Item") else None

    def get_link(self, code: str) -> Any:
        """The share link of a code, or None when unknown or withdrawn (`hidden`: set on every
        link of a post an admin hid, posts.hide_post). One GetItem, on a cache miss only."""
        from korpo.tracking.links import ShareLink

        pk, sk = LinkModel.key(code)
        answer = self._client.get_item(TableName=self.catalog_table,
                                       Key={"pk": {"S": pk}, "sk": {"S": sk}})
        item = answer.get("Item")
        if not item or item.get("hidden", {}).get("BOOL"):
            return None
        return ShareLink.from_model(LinkModel.from_raw_data(item))
