"""No click is lost: clicks DynamoDB did not take go to an SQS queue, and are drained later.

A message is the click item exactly as it would have been written (DynamoDB JSON, made by
EventModel.serialize), plus the id to use if, by the time it is drained, it turns out to be
a repeat. Draining is idempotent: the same conditional put as the click path, so a message
delivered twice, or a click that did reach the table before its write timed out, is written
once. A message that cannot be written stays on the queue (visible again after its
visibility timeout) and goes to the dead-letter queue after the queue's maxReceiveCount.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

from korpo.models import EventModel
from korpo.tracking.eventstore import AlreadyExists, EventStore, StoreUnavailable

log = logging.getLogger(__name__)
MESSAGE_VERSION = 1


class BadMessage(ValueError):
    pass


def message_for(event: EventModel, repeat_id: str | None) -> str:
    return json.dumps({"v": MESSAGE_VERSION, "item": event.serialize(), "repeat_id": repeat_id},
                      separators=(",", ":"))


def queue_click(event: EventModel, repeat_id: str | None,
                send: Callable[[str], None] | None, reason: str) -> bool:
    """Queue a click DynamoDB refused. False when even that failed: the click is then logged
    in full (it holds no IP) so it can still be replayed from the logs."""
    body = message_for(event, repeat_id)
    if send is not None:
        try:
            send(body)
            log.warning("click queued for later (%s): %s", reason, event.event_id)
            return True
        except Exception as error:  # noqa: BLE001 - the visitor is redirected regardless
            reason = f"{reason}; queue failed: {error}"
    log.error("click_not_stored %s", json.dumps({"reason": reason, "message": body}))
    return False


def drain_message(body: str, store: EventStore) -> str:
    """Write one queued click: "written", "repeat" or "duplicate". BadMessage for a message
    that can never be written; StoreUnavailable when DynamoDB still refuses (retry later)."""
    try:
        data = json.loads(body)
        item = data["item"]
        event_id = item["event_id"]["S"]
    except (ValueError, KeyError, TypeError) as error:
        raise BadMessage(f"not a queued click: {error}") from None
    repeat_id = data.get("repeat_id")
    try:
        store.put_new_raw(item)
        return "written"
    except AlreadyExists as exists:
        # The same click (a redelivery, or its first write did land) or another click of
        # this visitor took the first-click id meanwhile: then this one is a repeat.
        if not repeat_id or exists.old.get("at") == item.get("at"):
            return "duplicate"
    repeat = {**item, "event_id": {"S": repeat_id}, "klass": {"S": "repeat"}}
    try:
        store.put_new_raw(repeat)
    except AlreadyExists:
        return "duplicate"
    log.info("queued click %s drained as repeat %s", event_id, repeat_id)
    return "repeat"


@dataclass
class DrainReport:
    received: int = 0
    written: int = 0
    repeat: int = 0
    duplicate: int = 0
    failed: int = 0  # left on the queue (retried later, then the dead-letter queue)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class FallbackQueue:
    """The fallback queue, through a boto3 SQS client (created only when needed)."""

    def __init__(self, client_factory: Callable[[], Any], queue_url: str) -> None:
        self._factory = client_factory
        self._client: Any = None
        self.url = queue_url

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def send(self, body: str) -> None:
        if not self.url:
            raise StoreUnavailable("no fallback queue configured")
        self.client.send_message(QueueUrl=self.url, MessageBody=body)

    def drain(self, store: EventStore, time_left_ms: Callable[[], int],
              reserve_ms: int = 1500, max_messages: int | None = None) -> DrainReport:
        """Receive, write, delete, until the queue is empty, `max_messages` were seen, or
        the invocation's time runs low."""
        report = DrainReport()
        while time_left_ms() > reserve_ms and (max_messages is None
                                                or report.received < max_messages):
            want = 10 if max_messages is None else max(1, min(10, max_messages - report.received))
            answer = self.client.receive_message(QueueUrl=self.url, MaxNumberOfMessages=want,
                                                 WaitTimeSeconds=0, VisibilityTimeout=30)
            messages = answer.get("Messages") or []
            if not messages:
                break
            done = []
            for message in messages:
                report.received += 1
                try:
                    outcome = drain_message(message["Body"], store)
                except (BadMessage, StoreUnavailable) as error:
                    log.error("queued click not drained (%s): %s", type(error).__name__, error)
                    report.failed += 1
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
                done.append({"Id": str(len(done)), "ReceiptHandle": message["ReceiptHandle"]})
            if done:
                self.client.delete_message_batch(QueueUrl=self.url, Entries=done)
            if not done:
                break  # nothing went through: DynamoDB is still refusing; stop this round
        return report
