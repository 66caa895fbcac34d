"""infra/faults.py itself: which calls a fault matches, what it raises, and /_local/faults."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from infra.calls import acting_as
from infra.faults import FAULTS, THROTTLED, Fault, Killed


@pytest.fixture(autouse=True)
def no_fault_left():
    yield
    FAULTS.remove()


def test_a_fault_raises_the_modeled_error_for_its_function_only(aws):
    import boto3

    dynamodb = boto3.client("dynamodb")
    item = {"event_id": {"S": "e1"}}
    fault = FAULTS.inject(Fault("dynamodb.PutItem|UpdateItem", function="TrackClickFunction",
                                times=1, **THROTTLED))
    dynamodb.put_item(TableName=aws.events_table, Item=item)  # not the function's call
    with acting_as("TrackClickFunction"):
        dynamodb.get_item(TableName=aws.events_table, Key=item)  # not the operation
        with pytest.raises(dynamodb.exceptions.ProvisionedThroughputExceededException) as error:
            dynamodb.put_item(TableName=aws.events_table, Item=item)
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        dynamodb.put_item(TableName=aws.events_table, Item=item)  # times=1: spent
    assert (fault.seen, fault.fired) == (1, 1)


def test_after_lands_the_write_and_kill_after_stops_at_the_kth_call(aws):
    import boto3

    dynamodb = boto3.client("dynamodb")
    with acting_as("TrackClickFunction"):  # calls its role allows (the IAM proof)
        with FAULTS.active(Fault("dynamodb.PutItem", after=True, times=1)):
            with pytest.raises(dynamodb.exceptions.ClientError):
                dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": "a"}})
        with FAULTS.active(Fault("dynamodb.*", kill_after=2)) as (kill,):
            dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": "b"}})
            with pytest.raises(Killed):
                dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": "c"}})
            dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": "d"}})
        assert kill.spent
    ids = {i["event_id"]["S"] for i in dynamodb.scan(TableName=aws.events_table)["Items"]}
    assert ids == {"a", "b", "c", "d"}  # each landed, whatever was answered


def test_the_local_endpoint_injects_lists_and_removes():
    from infra.local_stack import _faults_endpoint

    def call(method, body=b""):
        answer = _faults_endpoint(SimpleNamespace(method=method, body=body),
                                  lambda status, payload: (status, payload))
        return answer

    status, listed = call("POST", json.dumps({"operation": "ses.SendEmail",
                                              "code": "Throttling", "times": 2}).encode())
    assert status == 200 and listed["faults"][0]["operation"] == "ses.SendEmail"
    assert call("POST", b'{"operation": "ses.SendEmail", "when": "x"}')[0] == 400
    assert call("POST", b'{"operation": "SendEmail"}')[0] == 400
    assert call("POST", b"[]")[0] == 400
    assert call("GET")[1]["faults"][0]["times"] == 2
    assert call("DELETE") == (200, {"faults": []})
    assert call("PUT")[0] == 405
