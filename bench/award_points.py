"""award_points figures: events per second and write units per awarded event, in-process
against moto, through the real handler and stream-shaped batches of 100."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from bench.capacity import metered
from bench.harness import Figure, moto_account
from bench.moto_speed import one_backup_per_transaction

BATCH = 100
SPEED_BATCHES = 10
UNIT_BATCHES = 3  # write units are averaged over consecutive batches (items exist, grow)
START = datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc)

# Shared with bench.cost, which models a million clicks from these.
measured: dict[str, float] = {}


def _record(n: int, employee: str, at: datetime, seq: int) -> dict:
    image = {
        "event_id": {"S": f"{int(at.timestamp() * 1000):012x}{n:016x}"},
        "type": {"S": "click"}, "klass": {"S": "human"}, "employee_id": {"S": employee},
        "at": {"S": at.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")},
        "post_id": {"S": f"post-{n % 7}"}, "network": {"S": "linkedin"},
        "referrer": {"S": "linkedin"}, "visitor_key": {"S": f"visitor-{n}"},
        "code": {"S": "Ab3dEf7hJk"}, "expires_at": {"N": "1803118503"},
    }
    return {"eventID": str(seq), "eventName": "INSERT", "eventSource": "aws:dynamodb",
            "awsRegion": "eu-west-1",
            "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/bench/stream/x",
            "dynamodb": {"Keys": {"event_id": image["event_id"]}, "NewImage": image,
                         "SequenceNumber": f"{seq:024d}", "StreamViewType": "NEW_IMAGE"}}


def _batch(first: int, employees: int, prefix: str, at: datetime) -> list[dict]:
    # A batch spans a few seconds of clicks, as a 5 s batching window gives.
    return [_record(first + i, f"{prefix}-{i % employees}", at + timedelta(milliseconds=40 * i),
                    first + i) for i in range(BATCH)]


def _handler():
    from infra.functions import LambdaContext, load_handler

    return load_handler("AwardPointsFunction"), LambdaContext("award_points")


def run() -> list[Figure]:
    with one_backup_per_transaction():
        return _run()


def _run() -> list[Figure]:
    # Each figure on a fresh moto account: moto's TransactWriteItems deep-copies every table
    # (its rollback), so its speed falls as tables grow; AWS's does not.
    with moto_account():
        handler, context = _handler()
        batches = [_batch(k * BATCH, 10, "speed", START + timedelta(minutes=k))
                   for k in range(SPEED_BATCHES)]
        started = time.perf_counter()
        for batch in batches:
            assert handler({"Records": batch}, context) == {"batchItemFailures": []}
        elapsed = time.perf_counter() - started
    measured["seconds_per_batch"] = elapsed / SPEED_BATCHES
    figures = [Figure("award_points.events_per_second", SPEED_BATCHES * BATCH / elapsed,
                      "events/s", "-")]
    for employees in (1, 10, 100):
        with moto_account():
            handler, context = _handler()
            units_total = reads_total = 0.0
            for b in range(UNIT_BATCHES):
                batch = _batch(b * BATCH, employees, f"u{employees}",
                               START + timedelta(minutes=b))
                with metered() as units:
                    result = handler({"Records": batch}, context)
                assert result == {"batchItemFailures": []}, result
                units_total += units.write
                reads_total += units.read
        awarded = UNIT_BATCHES * BATCH
        figures.append(Figure(f"award_points.write_units_per_event_e{employees}",
                              units_total / awarded, "WCU",
                              "<= 3" if employees == 10 else "-"))
        measured[f"wcu_e{employees}"] = units_total / awarded
        measured[f"rcu_e{employees}"] = reads_total / awarded
    return figures
