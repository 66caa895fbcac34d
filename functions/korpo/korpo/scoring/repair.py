"""Repairs an admin starts from the console: replay events that were given up on, and
recompute one employee's month from the ledger (dry run first)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from korpo import aws
from korpo.board import standings
from korpo.months import parse
from korpo.scoring.award import ledger_entries


def event_images(events_table: str, event_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Raw events (typed, as the stream carries them) by id, from the Events table (kept 90
    days, longer than the stream's 24 hours)."""
    found: dict[str, dict[str, Any]] = {}
    dynamodb = aws.client("dynamodb")
    unique = list(dict.fromkeys(event_ids))
    for start in range(0, len(unique), 100):
        request = {events_table: {"Keys": [{"event_id": {"S": e}}
                                           for e in unique[start:start + 100]],
                                  "ConsistentRead": True}}
        while request:
            page = dynamodb.batch_get_item(RequestItems=request)
            for raw in page.get("Responses", {}).get(events_table, []):
                found[raw["event_id"]["S"]] = raw
            request = page.get("UnprocessedKeys") or None
    return found


def stream_records(stream_arn: str, shard_id: str, start_sequence: str,
                   end_sequence: str) -> list[dict[str, Any]]:
    """The records of one shard between two sequence numbers (inclusive), while the stream
    still holds them (24 hours)."""
    streams = aws.client("dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=start_sequence)["ShardIterator"]
    out: list[dict[str, Any]] = []
    end = int(end_sequence)
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return out
            out.append(record)
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return out


@dataclass
class Recompute:
    employee_id: str
    month: str
    dry_run: bool
    ledger_total: int
    ledger_entries: int
    board_score: int
    fixed: bool = False

    def summary(self) -> dict[str, Any]:
        return {"employee_id": self.employee_id, "month": self.month, "dry_run": self.dry_run,
                "ledger_entries": self.ledger_entries, "ledger_total": self.ledger_total,
                "board_score": self.board_score,
                "difference": self.ledger_total - self.board_score, "fixed": self.fixed}


def recompute_month(scores_table: str, employee_id: str, month: str, zone: ZoneInfo,
                    dry_run: bool = True) -> Recompute:
    """Sets the employee's board score of a month to the sum of its ledger entries (and moves
    the rank buckets), conditioned on the score read: a concurrent award makes it fail
    rather than be overwritten. The lifetime balance is left alone (the shop spends it)."""
    month = parse(month)
    entries = ledger_entries(scores_table, employee_id, month, zone)
    total = sum(e["points"] for e in entries)
    key = (f"BOARD#{month}", f"EMP#{employee_id}")
    raw = aws.client("dynamodb").get_item(
        TableName=scores_table, Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}},
        ConsistentRead=True).get("Item")
    old = int(aws.from_ddb(raw)["score"]) if raw else None
    report = Recompute(employee_id, month, dry_run, total, len(entries), old or 0)
    if dry_run or old == total or (old is None and total == 0):
        return report
    standings.set_score(month, employee_id, total, old, known_old=True)
    report.fixed = True
    return report
