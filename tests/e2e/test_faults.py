"""AWS faults injected into the local stack (infra/faults.py), each shown end to end: requests
through the template's routes, the real handlers, the stream pumped as Lambda's mapping
pumps it. What each fault must not do: lose a click, an award or an e-mail, or double one."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import json

import pytest
import requests

from infra.faults import FAULTS, SERVER_ERROR, THROTTLED, THROTTLING, Fault

SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")


@pytest.fixture(scope="module")
def stack(stack_by_hand):
    return stack_by_hand


@pytest.fixture(autouse=True)
def no_fault_left():
    yield
    FAULTS.remove()


def _client(stack, service):
    import boto3

    return boto3.client(service, region_name=stack.resources.region,
                        endpoint_url=stack.moto_url)


def _events(stack) -> dict[str, dict]:
    dynamodb = _client(stack, "dynamodb")
    items, args = [], {"TableName": stack.resources.tables["EventsTable"]}
    while True:
        page = dynamodb.scan(**args)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return {i["event_id"]["S"]: {k: next(iter(v.values())) for k, v in i.items()}
            for i in items}


def _balance(employee_id: str) -> int:
    from korpo.shop.wallet import balance_of

    return balance_of(employee_id)


def _ledger(employee_id: str) -> dict[str, int]:
    """{event id: points} of the employee's ledger (the stack's Scores table)."""
    from korpo import settings
    from korpo.scoring.award import ledger_entries

    entries = ledger_entries(settings.current().scores_table, employee_id)
    return {e["event_id"]: e["points"] for e in entries}


def _visit(url: str, agent: str):
    from helpers import SAFARI_NAVIGATION

    return requests.get(url, allow_redirects=False, timeout=30,
                        headers={**SAFARI_NAVIGATION, "User-Agent": agent})


def _click_id(answer) -> str:
    return parse_qs(urlsplit(answer.headers["Location"]).query)["korpo_click"][0]


def _queued(stack, queue: str) -> int:
    sqs = _client(stack, "sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.resources.queues[queue],
        AttributeNames=["ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def _visibility_timeout_passes(stack, queue: str) -> None:
    """What 30 s of waiting does: the queue's received messages are visible again (moto's
    backend lives in this process)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    name = stack.resources.queues[queue].rsplit("/", 1)[1]
    for message in sqs_backends[DEFAULT_ACCOUNT_ID][stack.resources.region].queues[
            name]._messages:
        message.visible_at = 0.0


# ------------------------------------------------------------------ the click write

@pytest.mark.parametrize("error, after", [
    (THROTTLED, False), (THROTTLING, False), (SERVER_ERROR, False),
    (SERVER_ERROR, True),  # the write landed, its answer was a 500 (or never came)
], ids=["provisioned-throughput", "throttling", "500", "500-after-the-write"])
def test_a_refused_click_write_still_redirects_is_queued_drained_and_counted_once(
        stack, shared, error, after):
    before, balance = _ledger(shared["employee_id"]), _balance(shared["employee_id"])
    agent = f"{SAFARI} fault-{error['code']}-{after}"  # a visitor of its own
    fault = FAULTS.inject(Fault("dynamodb.PutItem", function="TrackClickFunction",
                                after=after, **error))
    first = _visit(shared["url"], agent)
    again = _visit(shared["url"], agent)  # the same visitor: a repeat, never paid
    assert (first.status_code, again.status_code) == (302, 302)
    assert fault.fired == 2 + (1 if after else 0)  # a landed first click makes `again` a repeat
    assert _queued(stack, "ClickFallbackQueue") == 2
    FAULTS.remove(fault)

    drained = stack.invoke("TrackClickFunction", {"source": "drain"})
    assert drained["received"] == 2 and drained["failed"] == 0
    assert stack.invoke("TrackClickFunction", {"source": "drain"})["received"] == 0
    stack.pump()
    stack.pump()  # a second delivery of whatever is there changes nothing

    events = _events(stack)
    paid = {k: v for k, v in _ledger(shared["employee_id"]).items() if k not in before}
    assert events[_click_id(first)]["klass"] == "human"  # the id the visitor was sent with
    # Counted once (the repeat earns nothing): one ledger entry, the balance moved by it.
    assert list(paid) == [_click_id(first)] and paid[_click_id(first)] > 0
    assert _balance(shared["employee_id"]) - balance == paid[_click_id(first)]
    assert _queued(stack, "ClickFallbackQueue") == 0


def test_a_drain_refused_too_leaves_the_click_queued_for_the_next_drain(stack, shared):
    before, balance = _ledger(shared["employee_id"]), _balance(shared["employee_id"])
    agent = f"{SAFARI} fault-drain"
    with FAULTS.active(Fault("dynamodb.PutItem", function="TrackClickFunction", **THROTTLED)):
        click = _visit(shared["url"], agent)
        assert click.status_code == 302
        refused = stack.invoke("TrackClickFunction", {"source": "drain"})
    assert refused["received"] == 1 and refused["failed"] == 1
    assert _queued(stack, "ClickFallbackQueue") == 1  # left on the queue
    _visibility_timeout_passes(stack, "ClickFallbackQueue")
    assert stack.invoke("TrackClickFunction", {"source": "drain"})["written"] == 1
    stack.pump()
    paid = {k: v for k, v in _ledger(shared["employee_id"]).items() if k not in before}
    assert list(paid) == [_click_id(click)]
    assert _balance(shared["employee_id"]) - balance == paid[_click_id(click)] > 0
    assert _events(stack)[_click_id(click)]["klass"] == "human"


# ------------------------------------------------------------------ a record never processed

def test_a_record_that_never_goes_through_reaches_the_failure_queue_and_replays_once(
        stack, shared):
    """A batch item award_points always reports failed (its employee's transaction refused
    every time): retried MaximumRetryAttempts times, then described to the on-failure queue
    while the records after it go on; the message, given back to the function (its console
    event, docs/operations.md), awards it once."""
    employee = shared["employee_id"]
    before, balance = _ledger(employee), _balance(employee)
    stack.pump()  # nothing of earlier tests left in the shard
    refused = Fault("dynamodb.TransactWriteItems", function="AwardPointsFunction",
                    code="ValidationException", status=400,
                    when=lambda params: f"EMP#{employee}" in str(params))
    with FAULTS.active(refused):
        click = _visit(shared["url"], f"{SAFARI} never-processed")
        assert click.status_code == 302
        result = stack.pump()
    assert result["failed"] == 1 and refused.fired == 6  # the first try and 5 retries
    assert _ledger(employee) == before

    sqs = _client(stack, "sqs")
    url = stack.resources.queues["AwardFailureQueue"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(message["Body"])
    info = body["DDBStreamBatchInfo"]
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]

    replayed = stack.invoke("AwardPointsFunction", body)  # the console's test event, as is
    assert replayed["replayed"] == 1 and replayed["failed"] == {}
    assert stack.invoke("AwardPointsFunction", body)["duplicates"] == [_click_id(click)]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    paid = {k: v for k, v in _ledger(employee).items() if k not in before}
    assert list(paid) == [_click_id(click)]
    assert _balance(employee) - balance == paid[_click_id(click)] > 0
