"""award_points: consumes the Events stream and awards points exactly once per event.

Events:
- the stream's {"Records": [...]}: the batch is awarded per employee (korpo.scoring.award);
  records of employees whose writes failed are reported (ReportBatchItemFailures); a record
  that can never be read (poison) goes straight to the failure queue and does not block the
  shard.
- console: {"replay_event_ids": [...]}, an on-failure message of the stream mapping
  ({"DDBStreamBatchInfo": ...}) or a poison message of this function ({"poison": ...}):
  replays those events (exactly once, so replaying twice is harmless).
- console: {"recompute": {"employee_id": "...", "month": "2026-11"}, "dry_run": true}:
  compares (and, with dry_run false, fixes) the month's board score against the ledger.
- console: {"correct_balance": {"employee_id", "points", "note", "request_id"?},
  "dry_run": true}: an admin's correction of a balance (points added, or taken back with a
  negative number), shown to the employee as a line of their statement with the note; the
  same request_id corrects once (korpo.shop.statement.correct).
"""
from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.attributes import UTCDateTimeAttribute

from korpo import aws, settings
from korpo.content import posts
from korpo.models import bind_tables
from korpo.scoring import award as awarding
from korpo.scoring import repair, store
from korpo.scoring.rules import ScoredEvent

logger = Logger(service="award_points")
_settings = settings.current()
bind_tables(_settings)
_defaults = store.default_rules(_settings)
_rules = store.Cached(lambda: _defaults.with_overrides(store.stored_overrides()))
_challenges = store.Cached(store.load_challenges)
_teams = store.Teams()
_TIME = UTCDateTimeAttribute()  # the format EventModel wrote


class PoisonRecord(ValueError):
    pass


def to_scored_event(image: dict[str, Any]) -> ScoredEvent:
    """A typed NewImage (as the stream and GetItem return it) -> ScoredEvent."""
    try:
        value = aws.from_ddb(image)
        earns = value.get("earns")
        return ScoredEvent(
            event_id=value["event_id"], type=value["type"],
            klass=value.get("klass", "human"), employee_id=value["employee_id"],
            at=_TIME.deserialize(value["at"]), post_id=value.get("post_id"),
            challenge_id=value.get("challenge_id"), network=value.get("network"),
            referrer=value.get("referrer"), visitor_key=value.get("visitor_key"),
            conversion_type=value.get("conversion_type"), trust=value.get("trust"),
            earns=None if earns is None else bool(earns), upgrades=value.get("upgrades"),
            click_at=_TIME.deserialize(value["click_at"]) if value.get("click_at") else None)
    except (KeyError, TypeError, ValueError) as error:
        raise PoisonRecord(f"{type(error).__name__}: {error}") from None


def _context(events: list[ScoredEvent]) -> awarding.Context:
    hidden, channels = posts.award_facts(e.post_id for e in events if e.post_id)
    return awarding.Context(rules=_rules.get(), zone=_settings.zone,
                            scores_table=_settings.scores_table,
                            challenges=_challenges.get(), team_of=_teams,
                            is_deleted=_teams.deleted, is_deactivated=_teams.deactivated,
                            hidden_posts=hidden, channel_of=channels)


def _send_poison(record: dict[str, Any], error: str) -> bool:
    """The poison record, whole, to the failure queue; False if there is none or it failed."""
    if not _settings.award_failure_queue_url:
        return False
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    message = {"poison": {"condition": "PoisonRecord", "error": error,
                          "event_id": (image.get("event_id") or {}).get("S"),
                          "sequence_number": (record.get("dynamodb") or {}).get(
                              "SequenceNumber"),
                          "event_source_arn": record.get("eventSourceARN"),
                          "record": record}}
    try:
        aws.client("sqs").send_message(QueueUrl=_settings.award_failure_queue_url,
                                       MessageBody=json.dumps(message, default=str))
    except Exception:  # noqa: BLE001 - then the record is reported and retried instead
        logger.exception("poison record could not be sent to the failure queue")
        return False
    return True


def award_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The stream batch: parse, award per employee, report what failed."""
    events, sequence_of, failures = [], {}, []
    for record in records:
        sequence = (record.get("dynamodb") or {}).get("SequenceNumber")
        image = (record.get("dynamodb") or {}).get("NewImage")
        if record.get("eventName", "INSERT") != "INSERT" or not image:
            continue  # the template's filter passes only INSERTs
        try:
            event = to_scored_event(image)
        except PoisonRecord as error:
            logger.error("poison record", extra={"sequence_number": sequence,
                                                 "error": str(error)})
            if not _send_poison(record, str(error)):
                failures.append(sequence)
            continue
        events.append(event)
        sequence_of.setdefault(event.event_id, []).append(sequence)
    if events:
        _teams.prefetch([e.employee_id for e in events])
    outcome = awarding.process(events, _context(events))
    for event_id, error in outcome.failed.items():
        logger.warning("award failed", extra={"event_id": event_id, "error": error})
        failures.extend(sequence_of.get(event_id, []))
    logger.info("batch", extra={"records": len(records), "awarded": len(outcome.awarded),
                                "points": sum(outcome.awarded.values()),
                                "counted": len(outcome.counted),
                                "duplicates": len(outcome.duplicates),
                                "failed": len(outcome.failed)})
    return {"batchItemFailures": [{"itemIdentifier": s} for s in dict.fromkeys(failures) if s]}


def replay(event_ids: list[str]) -> dict[str, Any]:
    images = repair.event_images(_settings.events_table, event_ids)
    events = [to_scored_event(images[e]) for e in event_ids if e in images]
    _teams.prefetch([e.employee_id for e in events])
    outcome = awarding.process(events, _context(events))
    return {"replayed": len(events), "missing": [e for e in event_ids if e not in images],
            "awarded": outcome.awarded, "counted": sorted(outcome.counted),
            "duplicates": sorted(outcome.duplicates), "failed": outcome.failed}


def replay_failure_message(message: dict[str, Any]) -> dict[str, Any]:
    """A stream mapping's on-failure message: read the described records from the stream
    (it keeps them 24 hours) and replay their events from the Events table."""
    info = message["DDBStreamBatchInfo"]
    records = repair.stream_records(info["streamArn"], info["shardId"],
                                    info["startSequenceNumber"], info["endSequenceNumber"])
    ids = [r["dynamodb"]["Keys"]["event_id"]["S"] for r in records
           if r.get("eventName") == "INSERT"]
    return replay(ids)


def correct_balance(target: dict, dry_run: bool) -> dict:
    """The console's correction of one balance: what it is and would be (dry run), or the
    correction made (its line says `note` to the employee)."""
    from korpo.shop import statement, wallet  # the console's only: kept off the stream's path

    employee_id = str(target["employee_id"])
    points, note = statement.check_correction(target.get("points"), target.get("note"))
    before = wallet.balance_of(employee_id)
    report = {"employee_id": employee_id, "balance_before": before, "points": points,
              "dry_run": dry_run}
    if not dry_run:
        statement.correct(employee_id, points, note, by="console",
                          request_id=target.get("request_id"))
    report["balance_after"] = before + points if dry_run else wallet.balance_of(employee_id)
    logger.info("correct_balance", extra=report)
    return report


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    event = event if isinstance(event, dict) else {}
    if "Records" in event:
        return award_records(event["Records"])
    if "recompute" in event:
        target = event["recompute"] or {}
        report = repair.recompute_month(_settings.scores_table, target["employee_id"],
                                        target["month"], _settings.zone,
                                        dry_run=event.get("dry_run", True) is not False)
        logger.info("recompute", extra=report.summary())
        return report.summary()
    if "correct_balance" in event:
        return correct_balance(event["correct_balance"] or {},
                               dry_run=event.get("dry_run", True) is not False)
    if "replay_event_ids" in event:
        return replay(list(event["replay_event_ids"]))
    if "DDBStreamBatchInfo" in event:
        return replay_failure_message(event)
    if "poison" in event:
        poison = event["poison"]
        return replay([poison["event_id"]] if poison.get("event_id") else [])
    raise ValueError("expected stream Records, replay_event_ids, an on-failure message "
                     "(DDBStreamBatchInfo), a poison message, recompute or correct_balance")
