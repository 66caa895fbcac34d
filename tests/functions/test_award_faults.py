"""award_points killed at every point of a batch, end to end: events written to the Events
table, its stream read from moto by the local stack's pump with the template's mapping
(batch size, ReportBatchItemFailures, BisectBatchOnFunctionError, retries), the real handler
killed after its k-th DynamoDB write, for every k; then the shard replayed from the start.
Every run must leave the Scores table exactly as one clean pass leaves it (the property test,
test_award_exactly_once.py, checks the same of the domain alone)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from infra.faults import DYNAMODB_WRITES, FAULTS, Fault
from infra.functions import FunctionTimedOut, LambdaContext, load_handler

AT = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
FN_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:korpo-test-AwardPointsFunction"
# (employee, type, class): three employees, paid and unpaid clicks, a share intent.
EVENTS = [("emp-a", "click", "human"), ("emp-b", "click", "human"), ("emp-a", "click", "bot"),
          ("emp-c", "click", "human"), ("emp-a", "click", "human"),
          ("emp-b", "share_intent", "human"), ("emp-c", "click", "repeat"),
          ("emp-b", "click", "human")]
# Not totals, so not compared: when an item was written, and `v`, its optimistic-lock
# version, which counts writes (a bisected batch writes the shared day items in more
# transactions than a clean one).
VOLATILE = {"updated_at", "created_at", "frozen_at", "v"}


@pytest.fixture(autouse=True)
def no_fault_left():
    yield
    FAULTS.remove()


def _streams_client():
    """In-process moto does not know botocore's account-based streams endpoint."""
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))


def _fresh_world(settings) -> str:
    """An empty account with the template's tables and EVENTS written: the stream's ARN."""
    import boto3
    from moto.moto_api._internal.models import moto_api_backend

    from infra.template import create_tables, load_template
    from korpo.models import EventModel

    moto_api_backend.reset()
    create_tables(boto3.client("dynamodb"), load_template(), "korpo-test")
    for i, (employee, kind, klass) in enumerate(EVENTS):
        EventModel(f"ev-{i:02d}", type=kind, at=AT + timedelta(minutes=i), code="code1",
                   employee_id=employee, post_id="p1", network="linkedin", klass=klass,
                   visitor_key=f"v{i}", expires_at=2_000_000_000).save()
    return boto3.client("dynamodb").describe_table(
        TableName=settings.events_table)["Table"]["LatestStreamArn"]


def _mapping(stream_arn: str):
    from infra.resources import StackResources, base_refs
    from infra.stream import stream_mappings
    from infra.template import load_template

    template = load_template()
    params, refs = base_refs(template, "korpo-test", "eu-west-1")
    refs.update({"EventsTable.StreamArn": stream_arn,
                 "AwardFailureQueue.Arn": "arn:aws:sqs:eu-west-1:123456789012:failures"})
    (mapping,) = stream_mappings(template, StackResources(
        "korpo-test", "eu-west-1", "123456789012", params, refs=refs))
    return mapping


def _pump(stream_arn: str, given_up: list):
    from infra.stream import StreamPump

    handler = load_handler("AwardPointsFunction")

    def invoke(event):
        try:
            return handler(event, LambdaContext("award_points", timeout_s=60))
        except BaseException as error:  # Killed: Lambda sees a timeout, as the stack's Invoker
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            raise FunctionTimedOut(str(error)) from None

    return StreamPump(_mapping(stream_arn), _streams_client(), invoke,
                      lambda _arn, message: given_up.append(message), "eu-west-1", FN_ARN,
                      log=lambda _msg: None)


def _scores(settings) -> dict:
    import boto3

    items = boto3.client("dynamodb").scan(TableName=settings.scores_table)["Items"]
    return {(i["pk"]["S"], i["sk"]["S"]): {k: v for k, v in i.items() if k not in VOLATILE}
            for i in items}


def _differences(got: dict, want: dict) -> dict:
    return {key: {a: (got.get(key, {}).get(a), want.get(key, {}).get(a))
                  for a in set(got.get(key, {})) | set(want.get(key, {}))
                  if got.get(key, {}).get(a) != want.get(key, {}).get(a)}
            for key in set(got) | set(want) if got.get(key) != want.get(key)}


def _deliver_and_replay(settings, fault: Fault | None = None) -> tuple[dict, int]:
    """Pump the stream until done (the fault in force), then replay the shard from the start
    with a new mapping (TRIM_HORIZON): the Scores table, and how many writes the pass made."""
    arn = _fresh_world(settings)
    given_up: list = []
    counter = FAULTS.inject(Fault(DYNAMODB_WRITES, function="AwardPointsFunction",
                                  kill_after=10**9))
    with FAULTS.active(*([fault] if fault else [])):
        pump = _pump(arn, given_up)
        for _ in range(5):  # each poll retries; a shard left waiting goes on at the next
            pump.poll()
    writes = counter.seen
    FAULTS.remove(counter)
    assert given_up == [], "nothing may be given up on"
    assert pump.totals.delivered == len(EVENTS)
    _pump(arn, given_up).poll()  # the shard, replayed from its start
    return _scores(settings), writes


def test_killed_after_every_write_of_a_batch_totals_equal_one_clean_pass(aws):
    clean, writes = _deliver_and_replay(aws)
    assert writes >= 3  # one transaction per employee, at least
    ledger = [k for k in clean if k[1].startswith("LEDGER#")]
    assert {k[0] for k in ledger} == {"EMP#emp-a", "EMP#emp-b", "EMP#emp-c"}
    for k in range(1, writes + 1):
        fault = Fault(DYNAMODB_WRITES, function="AwardPointsFunction", kill_after=k)
        scores, _ = _deliver_and_replay(aws, fault)
        assert fault.fired == 1, f"the function was not killed after write {k}"
        assert scores == clean, (f"killed after write {k} of {writes}", _differences(
            scores, clean))


def test_a_throttled_write_mid_batch_is_retried_and_counted_once(aws):
    clean, _ = _deliver_and_replay(aws)
    for code in ("ProvisionedThroughputExceededException", "ThrottlingException",
                 "InternalServerError"):
        fault = Fault("dynamodb.TransactWriteItems", function="AwardPointsFunction", code=code,
                      status=500 if code == "InternalServerError" else 400, times=2)
        scores, _ = _deliver_and_replay(aws, fault)
        assert fault.fired == 2 and scores == clean, code
