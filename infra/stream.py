"""Deliver the Events table's stream to its function as Lambda's event source mapping would.

moto keeps the stream (describe_stream/get_shard_iterator/get_records work) but delivers it
to no one. StreamPump reads it and invokes the handler with {"Records": [...]}, applying the
template's mapping: FilterCriteria, BatchSize, FunctionResponseTypes: ReportBatchItemFailures,
BisectBatchOnFunctionError, MaximumRetryAttempts, MaximumRecordAgeInSeconds and the
OnFailure destination. Semantics (Lambda developer guide, DynamoDB Streams error handling):
- Records that no filter matches are dropped (never delivered, never retried).
- A batch is retried until it succeeds, its records expire or the retries run out; the shard
  waits meanwhile (order is kept).
- A returned {"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]} checkpoints
  before the lowest failed sequence number: the records before it are done, the rest is
  retried. An empty or missing list is success; an identifier that is null, empty or not in
  the batch makes the whole batch a failure.
- A raised error fails the whole batch; with BisectBatchOnFunctionError the batch is split in
  two and each half retried (splitting does not use up the retry quota).
- Retries exhausted (or a record older than MaximumRecordAgeInSeconds): a description of the
  records, not the records, goes to the OnFailure destination, and the shard moves on.
The batching window is not waited for: locally, latency matters more than batch size.
"""
from __future__ import annotations

import json
import operator
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from infra.calls import acting_as

# ------------------------------------------------------------------ filter patterns


def _value_matches(rule: Any, value: Any, present: bool) -> bool:
    """One element of a pattern's list against one value (EventBridge pattern syntax)."""
    if isinstance(rule, dict):
        (op, arg), = rule.items()
        if op == "exists":
            return present is bool(arg)
        if not present:
            return False
        if op == "prefix":
            return isinstance(value, str) and value.startswith(arg)
        if op == "suffix":
            return isinstance(value, str) and value.endswith(arg)
        if op == "anything-but":
            banned = arg if isinstance(arg, list) else [arg]
            return value not in banned
        if op == "equals-ignore-case":
            return isinstance(value, str) and value.lower() == str(arg).lower()
        if op == "numeric":
            return _numeric(arg, value)
        raise NotImplementedError(f"filter operator {op!r} is not supported locally")
    return present and value == rule


def _numeric(conditions: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    checks = {"=": operator.eq, ">": operator.gt, ">=": operator.ge, "<": operator.lt,
              "<=": operator.le}
    return all(checks[op](float(value), float(bound))
               for op, bound in zip(conditions[::2], conditions[1::2]))


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Does `event` match an EventBridge-style pattern? Keys nest; a list holds the allowed
    values (any one matches); an array in the event matches if any element does."""
    if not isinstance(event, dict):
        return False
    for key, rule in pattern.items():
        present = key in event
        value = event.get(key)
        if isinstance(rule, dict):
            if not present or not matches(rule, value):
                return False
            continue
        if not isinstance(rule, list):
            raise ValueError(f"a filter pattern's leaves are lists, got {rule!r} for {key!r}")
        values = value if isinstance(value, list) else [value]
        if not any(_value_matches(r, v, present) for r in rule for v in values):
            return False
    return True


def passes_filters(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    """No filter: everything passes. Several: a record passes if any one matches."""
    return not patterns or any(matches(p, record) for p in patterns)


# ------------------------------------------------------------------ the mapping


@dataclass(frozen=True)
class StreamMapping:
    """A function's DynamoDB event, resolved from the template."""
    function: str  # logical id
    event_name: str
    stream_arn: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    filters: tuple[dict[str, Any], ...] = ()
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    max_retry_attempts: int = -1  # -1: until the record expires
    max_record_age_s: int = -1
    on_failure: str | None = None  # destination ARN (SQS queue)


def stream_mappings(template: dict[str, Any], resources: Any) -> list[StreamMapping]:
    """Every `Type: DynamoDB` function event of the template, resolved."""
    from infra.template import function_events

    out = []
    for fn_id, event_name, props in function_events(template, "DynamoDB"):
        props = resources.resolve(props)
        patterns = tuple(json.loads(f["Pattern"]) if isinstance(f["Pattern"], str)
                         else f["Pattern"]
                         for f in (props.get("FilterCriteria") or {}).get("Filters", []))
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {})
        out.append(StreamMapping(
            function=fn_id, event_name=event_name, stream_arn=props["Stream"],
            batch_size=int(props.get("BatchSize", 100)),
            starting_position=props.get("StartingPosition", "TRIM_HORIZON"),
            filters=patterns,
            report_batch_item_failures="ReportBatchItemFailures" in (
                props.get("FunctionResponseTypes") or []),
            bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
            max_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
            max_record_age_s=int(props.get("MaximumRecordAgeInSeconds", -1)),
            on_failure=destination.get("Destination")))
    return out


# ------------------------------------------------------------------ the pump

RETRIES_PER_POLL = 3  # with MaximumRetryAttempts -1 (unlimited): retry again on the next poll


@dataclass
class PumpResult:
    delivered: int = 0  # records a successful invocation accounted for
    filtered: int = 0  # records no filter matched: dropped
    failed: int = 0  # records given up on (described to the on-failure destination)
    invocations: int = 0

    def add(self, other: PumpResult) -> None:
        self.delivered += other.delivered
        self.filtered += other.filtered
        self.failed += other.failed
        self.invocations += other.invocations


@dataclass
class _Outcome:
    ok: bool
    failed_from: int | None = None  # index of the first record to retry (partial failure)
    error: str | None = None  # "Unhandled" when the function raised
    status_code: int = 200


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def lambda_record(raw: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it over: with eventSourceARN, awsRegion, and
    ApproximateCreationDateTime in epoch seconds (boto3 parses it into a datetime)."""
    record = json.loads(json.dumps(raw, default=str))  # a private copy
    dynamodb = dict(raw.get("dynamodb") or {})
    if "ApproximateCreationDateTime" in dynamodb:
        dynamodb["ApproximateCreationDateTime"] = float(
            int(_epoch(dynamodb["ApproximateCreationDateTime"])))
    record["dynamodb"] = json.loads(json.dumps(dynamodb, default=str))
    record.update({"eventSource": "aws:dynamodb", "awsRegion": region,
                   "eventSourceARN": stream_arn, "eventVersion": "1.1"})
    return record


def _iso(epoch: float, millis: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class StreamPump:
    """Reads every shard of one stream and delivers it to one handler. poll() is the whole
    job (thread-safe); start() runs it about every second in a daemon thread."""

    def __init__(self, mapping: StreamMapping, streams: Any,
                 invoke: Callable[[dict[str, Any]], Any],
                 send_failure: Callable[[str, dict[str, Any]], None] | None,
                 region: str, function_arn: str,
                 clock: Callable[[], float] = time.time,
                 log: Callable[[str], None] = print) -> None:
        self.mapping = mapping
        self._streams, self._invoke, self._send_failure = streams, invoke, send_failure
        self._region, self._function_arn = region, function_arn
        self._clock, self._log = clock, log
        self._lock = threading.Lock()
        self._checkpoints: dict[str, str | None] = {}  # shard id -> last done sequence number
        self._carried_retries: dict[str, tuple[str, int]] = {}  # shard -> (first seq, retries)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.totals = PumpResult()
        if mapping.starting_position == "LATEST":
            with acting_as(mapping.function):
                for shard in self._shards():
                    self._checkpoints[shard] = self._last_sequence(shard)

    # --------------------------------------------------------------- reading
    def _shards(self) -> list[str]:
        description = self._streams.describe_stream(StreamArn=self.mapping.stream_arn)
        return [s["ShardId"] for s in description["StreamDescription"].get("Shards", [])]

    def _read(self, shard: str) -> list[dict[str, Any]]:
        after = self._checkpoints.get(shard)
        args: dict[str, Any] = {"StreamArn": self.mapping.stream_arn, "ShardId": shard}
        if after is None:
            args["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        iterator = self._streams.get_shard_iterator(**args)["ShardIterator"]
        records: list[dict[str, Any]] = []
        while iterator:
            page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            records.extend(page["Records"])
            iterator = page.get("NextShardIterator")
        return records

    def _last_sequence(self, shard: str) -> str | None:
        records = self._read(shard)
        return records[-1]["dynamodb"]["SequenceNumber"] if records else None

    # --------------------------------------------------------------- delivering
    def poll(self) -> PumpResult:
        """Deliver everything the stream holds now; returns what happened.

        Lambda's event source mapping reads the stream, and sends to the on-failure
        destination, with the function's role: so do these calls (infra/calls.py)."""
        with self._lock, acting_as(self.mapping.function):
            result = PumpResult()
            for shard in self._shards():
                self._poll_shard(shard, result)
            self.totals.add(result)
            return result

    def _poll_shard(self, shard: str, result: PumpResult) -> None:
        raw = self._read(shard)
        if not raw:
            return
        # Filter first (dropped records are never delivered nor retried), then batch.
        batches: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        for record in raw:
            record = lambda_record(record, self.mapping.stream_arn, self._region)
            if not passes_filters(list(self.mapping.filters), record):
                result.filtered += 1
                continue
            current.append(record)
            if len(current) == self.mapping.batch_size:
                batches.append(current)
                current = []
        if current:
            batches.append(current)
        sequence_index = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(raw)}
        for batch in batches:
            stalled_at = self._deliver(shard, batch, result)
            if stalled_at is not None:
                # The shard waits: the next poll starts again at the unfinished record.
                first = sequence_index[batch[stalled_at]["dynamodb"]["SequenceNumber"]]
                if first > 0:
                    self._checkpoints[shard] = raw[first - 1]["dynamodb"]["SequenceNumber"]
                return
        self._checkpoints[shard] = raw[-1]["dynamodb"]["SequenceNumber"]

    def _deliver(self, shard: str, batch: list[dict[str, Any]],
                 result: PumpResult) -> int | None:
        """Deliver one batch until it is done or given up on. Returns None, or, with
        unlimited retries, the index in `batch` of the first record left for the next poll
        (a poll must end: Lambda would go on retrying that shard, spaced out in time)."""
        position = {id(r): i for i, r in enumerate(batch)}
        first_seq = batch[0]["dynamodb"]["SequenceNumber"]
        carried_seq, carried = self._carried_retries.get(shard, (None, 0))
        start_retries = carried if carried_seq == first_seq else 0
        # (records, retries used, invocations so far); halves are queued first, in order.
        work: list[tuple[list[dict[str, Any]], int, int]] = [(batch, start_retries, 0)]
        polls_retries = 0
        while work:
            records, retries, invokes = work.pop(0)
            records = self._drop_expired(shard, records, invokes, result)
            if not records:
                continue
            outcome = self._call(records)
            invokes += 1
            result.invocations += 1
            if outcome.ok:
                result.delivered += len(records)
                continue
            if outcome.failed_from is not None:  # partial: the records before it are done
                result.delivered += outcome.failed_from
                records = records[outcome.failed_from:]
            limit = self.mapping.max_retry_attempts
            if limit >= 0 and retries >= limit:
                self._give_up(shard, records, "RetryAttemptsExhausted", invokes, outcome)
                result.failed += len(records)
                continue
            if outcome.error and self.mapping.bisect_on_error and len(records) > 1:
                middle = len(records) // 2
                work[:0] = [(records[:middle], retries, invokes),
                            (records[middle:], retries, invokes)]
                continue
            polls_retries += 1
            if limit < 0 and polls_retries > RETRIES_PER_POLL:
                self._carried_retries[shard] = (records[0]["dynamodb"]["SequenceNumber"],
                                                retries + 1)
                return position[id(records[0])]
            work.insert(0, (records, retries + 1, invokes))
        self._carried_retries.pop(shard, None)
        return None

    def _call(self, records: list[dict[str, Any]]) -> _Outcome:
        try:
            response = self._invoke({"Records": records})
        except Exception:  # noqa: BLE001 - a function error, as Lambda reports it
            self._log(f"[stream] {self.mapping.function} raised:\n{traceback.format_exc()}")
            return _Outcome(ok=False, error="Unhandled")
        if not self.mapping.report_batch_item_failures:
            return _Outcome(ok=True)
        failures = (response or {}).get("batchItemFailures") if isinstance(
            response, dict) else None
        if not failures:
            return _Outcome(ok=True)
        positions = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(records)}
        indexes = []
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in positions:
                self._log(f"[stream] invalid itemIdentifier {identifier!r}: whole batch failed")
                return _Outcome(ok=False, failed_from=0)
            indexes.append(positions[identifier])
        return _Outcome(ok=False, failed_from=min(indexes))

    def _drop_expired(self, shard: str, records: list[dict[str, Any]], invokes: int,
                      result: PumpResult) -> list[dict[str, Any]]:
        max_age = self.mapping.max_record_age_s
        if max_age < 0:
            return records
        now = self._clock()
        fresh = [r for r in records
                 if now - r["dynamodb"].get("ApproximateCreationDateTime", now) <= max_age]
        if len(fresh) < len(records):
            expired = [r for r in records if r not in fresh]
            self._give_up(shard, expired, "RecordAgeExceeded", invokes, _Outcome(ok=False))
            result.failed += len(expired)
        return fresh

    def failure_message(self, shard: str, records: list[dict[str, Any]], condition: str,
                        invokes: int, outcome: _Outcome) -> dict[str, Any]:
        """What Lambda sends a stream's on-failure destination: where the records are, so
        they can be read again from the stream (while it keeps them), not the records."""
        created = [r["dynamodb"].get("ApproximateCreationDateTime", self._clock())
                   for r in records]
        response_context: dict[str, Any] = {"statusCode": outcome.status_code,
                                            "executedVersion": "$LATEST"}
        if outcome.error:
            response_context["functionError"] = outcome.error
        return {
            "requestContext": {"requestId": str(uuid.uuid4()),
                               "functionArn": self._function_arn,
                               "condition": condition, "approximateInvokeCount": invokes},
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": _iso(self._clock(), millis=True),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(min(created)),
                "approximateArrivalOfLastRecord": _iso(max(created)),
                "batchSize": len(records),
                "streamArn": self.mapping.stream_arn,
            },
        }

    def _give_up(self, shard: str, records: list[dict[str, Any]], condition: str,
                 invokes: int, outcome: _Outcome) -> None:
        message = self.failure_message(shard, records, condition, invokes, outcome)
        if self._send_failure and self.mapping.on_failure:
            self._send_failure(self.mapping.on_failure, message)
            self._log(f"[stream] {len(records)} record(s) sent to the on-failure "
                      f"destination ({condition})")
        else:
            self._log(f"[stream] {len(records)} record(s) dropped ({condition}), "
                      "no on-failure destination")

    # --------------------------------------------------------------- background
    def start(self, interval_s: float = 1.0, marker: Callable[[], Any] | None = None,
              idle_poll_s: float = 30.0) -> None:
        """Poll every `interval_s` in a daemon thread.

        `marker`, when given, is a cheap "has the stream changed?" signal (any value that
        changes when records are added): the thread then reads the stream only when it
        changed, when a shard is waiting for a retry, or every `idle_poll_s`. Reading costs
        more than it seems: moto keeps every shard iterator ever handed out.
        """
        def run() -> None:
            last_marker: Any = object()
            last_poll = 0.0
            while not self._stop.wait(interval_s):
                try:
                    current = marker() if marker else None
                    if (marker is None or current != last_marker or self._carried_retries
                            or time.monotonic() - last_poll >= idle_poll_s):
                        last_marker, last_poll = current, time.monotonic()
                        self.poll()
                except Exception:  # noqa: BLE001 - keep pumping; say why it failed
                    if not self._stop.is_set():
                        self._log(f"[stream] poll failed:\n{traceback.format_exc()}")

        self._thread = threading.Thread(target=run, name="local-stream-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def sqs_sender(sqs: Any) -> Callable[[str, dict[str, Any]], None]:
    """send_failure for an SQS destination given by ARN (arn:aws:sqs:region:account:name).

    Lambda sends to the destination with the function's role, sqs:SendMessage and nothing
    more: the queue's URL is built from its ARN, not looked up (no sqs:GetQueueUrl)."""
    def send(destination_arn: str, message: dict[str, Any]) -> None:
        _, _, _, _, account, name = destination_arn.split(":", 5)
        url = f"{sqs.meta.endpoint_url.rstrip('/')}/{account}/{name}"
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))
    return send
