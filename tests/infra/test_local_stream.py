"""The stream pump: filters, batches, partial failures, bisection, retries, on-failure."""
from __future__ import annotations

import json

import pytest

from infra.stream import (
    StreamMapping, StreamPump, lambda_record, matches, passes_filters, stream_mappings,
)

ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/korpo-test-events/stream/2026-01-01T00:00:00"
FN_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:korpo-test-AwardPointsFunction"
DLQ = "arn:aws:sqs:eu-west-1:123456789012:korpo-test-award-failures"
NOW = 1_800_000_000.0


# ------------------------------------------------------------------ patterns

def test_exact_values_and_nested_keys():
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"type": {"S": "click"}}}}
    assert matches({"eventName": ["INSERT"]}, record)
    assert matches({"eventName": ["MODIFY", "INSERT"]}, record)
    assert not matches({"eventName": ["REMOVE"]}, record)
    assert matches({"dynamodb": {"NewImage": {"type": {"S": ["click"]}}}}, record)
    assert not matches({"dynamodb": {"NewImage": {"type": {"S": ["conversion"]}}}}, record)
    assert not matches({"dynamodb": {"OldImage": {"type": {"S": ["click"]}}}}, record)
    assert not matches({"missing": ["x"]}, record)


def test_operators_and_arrays():
    record = {"eventName": "INSERT", "tags": ["a", "b"], "n": 5, "name": "korpo-1"}
    assert matches({"tags": ["b"]}, record)
    assert matches({"name": [{"prefix": "korpo-"}]}, record)
    assert matches({"eventName": [{"anything-but": ["REMOVE"]}]}, record)
    assert not matches({"eventName": [{"anything-but": "INSERT"}]}, record)
    assert matches({"gone": [{"exists": False}]}, record)
    assert not matches({"name": [{"exists": False}]}, record)
    assert matches({"n": [{"numeric": [">", 1, "<=", 5]}]}, record)
    assert not matches({"n": [{"numeric": [">", 5]}]}, record)


def test_several_filters_are_or_and_none_lets_all_through():
    insert, remove = {"eventName": "INSERT"}, {"eventName": "REMOVE"}
    patterns = [{"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]}]
    assert passes_filters(patterns, insert) and not passes_filters(patterns, remove)
    assert passes_filters([], remove)


# ------------------------------------------------------------------ a fake stream

class FakeStreams:
    """describe_stream / get_shard_iterator / get_records over a list, like moto's."""

    def __init__(self, records):
        self.records = records

    def describe_stream(self, StreamArn):  # noqa: N803 - boto3's names
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, StreamArn, ShardId, ShardIteratorType,  # noqa: N803
                           SequenceNumber=None):
        if ShardIteratorType == "TRIM_HORIZON":
            return {"ShardIterator": "0"}
        index = next(i for i, r in enumerate(self.records)
                     if r["dynamodb"]["SequenceNumber"] == SequenceNumber)
        return {"ShardIterator": str(index + 1)}

    def get_records(self, ShardIterator, Limit):  # noqa: N803
        start = int(ShardIterator)
        page = self.records[start:start + Limit]
        return {"Records": page, "NextShardIterator": str(start + len(page))}


def raw(seq, event_name="INSERT", created=NOW - 10):
    return {"eventID": f"e{seq}", "eventName": event_name, "eventSource": "aws:dynamodb",
            "eventVersion": "1.0", "awsRegion": "us-east-1",
            "dynamodb": {"SequenceNumber": str(seq), "ApproximateCreationDateTime": created,
                         "Keys": {"event_id": {"S": f"ev{seq}"}},
                         "NewImage": {"event_id": {"S": f"ev{seq}"}},
                         "StreamViewType": "NEW_IMAGE", "SizeBytes": 10}}


def mapping(**overrides):
    args = dict(function="AwardPointsFunction", event_name="EventsStream", stream_arn=ARN,
                batch_size=100, filters=({"eventName": ["INSERT"]},),
                report_batch_item_failures=True, bisect_on_error=True, max_retry_attempts=5,
                max_record_age_s=86400, on_failure=DLQ)
    args.update(overrides)
    return StreamMapping(**args)


class Recorder:
    """A handler: fails the sequence numbers in `poison` (raise, or report them)."""

    def __init__(self, poison=(), mode="report", fail_times=None):
        self.poison, self.mode, self.calls = set(poison), mode, []
        self.fail_times = fail_times  # None: always; n: only the first n attempts

    def __call__(self, event):
        seqs = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.calls.append(seqs)
        bad = [s for s in seqs if s in self.poison]
        if bad and (self.fail_times is None or self.fail_times > 0):
            if self.fail_times is not None:
                self.fail_times -= 1
            if self.mode == "raise":
                raise RuntimeError(f"poison {bad}")
            return {"batchItemFailures": [{"itemIdentifier": s} for s in bad]}
        return {"batchItemFailures": []}


def pump_for(records, handler, **overrides):
    sent = []
    pump = StreamPump(mapping(**overrides), FakeStreams(records), handler,
                      lambda destination, message: sent.append((destination, message)),
                      region="eu-west-1", function_arn=FN_ARN, clock=lambda: NOW,
                      log=lambda _msg: None)
    return pump, sent


def test_records_are_delivered_as_lambda_delivers_them_and_filtered():
    handler = Recorder()
    pump, sent = pump_for([raw(1), raw(2, "MODIFY"), raw(3), raw(4, "REMOVE")], handler)
    result = pump.poll()
    assert handler.calls == [["1", "3"]]
    assert (result.delivered, result.filtered, result.failed) == (2, 2, 0)
    assert sent == []
    assert pump.poll().delivered == 0  # checkpointed: nothing twice


def test_record_shape():
    record = lambda_record(raw(7), ARN, "eu-west-1")
    assert record["eventSourceARN"] == ARN
    assert record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == "eu-west-1"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == float(int(NOW - 10))
    assert record["dynamodb"]["SequenceNumber"] == "7"


def test_batch_size_splits_the_records():
    handler = Recorder()
    pump, _ = pump_for([raw(i) for i in range(1, 6)], handler, batch_size=2)
    assert pump.poll().delivered == 5
    assert handler.calls == [["1", "2"], ["3", "4"], ["5"]]


def test_a_partial_failure_is_retried_from_the_lowest_failed_record():
    handler = Recorder(poison={"3", "5"}, fail_times=1)
    pump, sent = pump_for([raw(i) for i in range(1, 7)], handler)
    result = pump.poll()
    # 1 and 2 are done; 3.. are retried (4 and 6 with them, as Lambda does).
    assert handler.calls == [["1", "2", "3", "4", "5", "6"], ["3", "4", "5", "6"]]
    assert (result.delivered, result.failed) == (6, 0)
    assert sent == []


def test_a_poison_record_goes_to_the_on_failure_destination_after_the_retries():
    handler = Recorder(poison={"3"})
    pump, sent = pump_for([raw(i) for i in range(1, 6)], handler, max_retry_attempts=2)
    result = pump.poll()
    assert handler.calls[0] == ["1", "2", "3", "4", "5"]
    assert handler.calls[1:] == [["3", "4", "5"]] * 2  # two retries, then given up
    assert (result.delivered, result.failed) == (2, 3)
    (destination, message), = sent
    assert destination == DLQ
    info = message["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        "3", "5", 3)
    assert info["streamArn"] == ARN and info["shardId"] == "shard-1"
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["functionArn"] == FN_ARN
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["version"] == "1.0"
    assert pump.poll().invocations == 0  # the shard moved on


def test_an_error_bisects_the_batch_down_to_the_poison_record():
    handler = Recorder(poison={"3"}, mode="raise")
    pump, sent = pump_for([raw(i) for i in range(1, 5)], handler, max_retry_attempts=1)
    result = pump.poll()
    assert handler.calls[:3] == [["1", "2", "3", "4"], ["1", "2"], ["3", "4"]]
    assert ["4"] in handler.calls
    assert handler.calls.count(["3"]) == 2  # the first try and one retry
    assert (result.delivered, result.failed) == (3, 1)
    (_, message), = sent
    assert message["DDBStreamBatchInfo"]["startSequenceNumber"] == "3"
    assert message["DDBStreamBatchInfo"]["batchSize"] == 1
    assert message["responseContext"]["functionError"] == "Unhandled"


def test_without_bisect_an_error_retries_the_whole_batch():
    handler = Recorder(poison={"2"}, mode="raise", fail_times=2)
    pump, sent = pump_for([raw(1), raw(2)], handler, bisect_on_error=False)
    assert pump.poll().delivered == 2
    assert handler.calls == [["1", "2"]] * 3 and sent == []


def test_an_unknown_item_identifier_fails_the_whole_batch():
    calls = []

    def handler(event):
        calls.append(len(event["Records"]))
        return {"batchItemFailures": [{"itemIdentifier": "nope"}]} if len(calls) == 1 else {}

    pump, _ = pump_for([raw(1), raw(2)], handler)
    assert pump.poll().delivered == 2
    assert calls == [2, 2]


def test_without_report_batch_item_failures_a_return_value_is_success():
    handler = Recorder(poison={"1"})
    pump, _ = pump_for([raw(1)], handler, report_batch_item_failures=False)
    assert pump.poll().delivered == 1 and len(handler.calls) == 1


def test_records_older_than_the_maximum_age_are_not_delivered():
    handler = Recorder()
    pump, sent = pump_for([raw(1, created=NOW - 90_000), raw(2)], handler)
    result = pump.poll()
    assert handler.calls == [["2"]]
    assert (result.delivered, result.failed) == (1, 1)
    assert sent[0][1]["requestContext"]["condition"] == "RecordAgeExceeded"


def test_unlimited_retries_leave_the_record_for_the_next_poll():
    handler = Recorder(poison={"2"}, fail_times=10)
    pump, sent = pump_for([raw(1), raw(2), raw(3)], handler, max_retry_attempts=-1,
                          max_record_age_s=-1)
    first = pump.poll()
    assert first.delivered == 1 and first.failed == 0  # 1 done; 2 and 3 wait
    while handler.fail_times:
        pump.poll()
    assert handler.calls[-1] == ["2", "3"] and sent == []
    assert pump.poll().invocations == 0


# ------------------------------------------------------------------ the template, and moto

def test_the_template_mapping_is_read():
    from infra.resources import StackResources, base_refs
    from infra.template import load_template

    template = load_template()
    params, refs = base_refs(template, "korpo-test", "eu-west-1")
    refs.update({"EventsTable.StreamArn": ARN, "AwardFailureQueue.Arn": DLQ})
    resources = StackResources("korpo-test", "eu-west-1", "123456789012", params, refs=refs)
    (award,) = stream_mappings(template, resources)
    assert award.function == "AwardPointsFunction"
    assert award.stream_arn == ARN and award.on_failure == DLQ
    assert award.filters == ({"eventName": ["INSERT"]},)
    assert award.batch_size == 100 and award.report_batch_item_failures
    assert award.bisect_on_error and award.max_retry_attempts == 5
    assert award.max_record_age_s == 21600  # 18 h left to replay from the stream


def _streams_client():
    """botocore sends DynamoDB Streams calls to an account-based endpoint
    (<account>.streams-ddb.<region>...) that in-process moto does not recognise; the local
    stack's clients go to moto's server URL, where it does not matter."""
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))


def test_the_pump_reads_moto_stream_and_sends_failures_to_sqs(aws):
    import boto3

    from infra.stream import sqs_sender

    dynamodb = boto3.client("dynamodb")
    table = dynamodb.describe_table(TableName=aws.events_table)["Table"]
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="korpo-test-award-failures")["QueueUrl"]
    for i in range(3):
        dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": f"ev{i}"}})
    dynamodb.update_item(TableName=aws.events_table, Key={"event_id": {"S": "ev0"}},
                         UpdateExpression="SET x = :x",
                         ExpressionAttributeValues={":x": {"N": "1"}})
    seen = []

    def handler(event):
        seen.extend(event["Records"])
        return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
                                      for r in event["Records"]
                                      if r["dynamodb"]["NewImage"]["event_id"]["S"] == "ev2"]}

    pump = StreamPump(mapping(stream_arn=table["LatestStreamArn"], max_retry_attempts=0,
                              on_failure=DLQ), _streams_client(), handler,
                      sqs_sender(sqs), "eu-west-1", FN_ARN, log=lambda _msg: None)
    result = pump.poll()
    assert (result.delivered, result.filtered, result.failed) == (2, 1, 1)  # MODIFY filtered
    assert {r["eventSourceARN"] for r in seen} == {table["LatestStreamArn"]}
    assert {r["eventName"] for r in seen} == {"INSERT"}
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == table["LatestStreamArn"]
    dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": "ev9"}})
    assert pump.poll().delivered == 1  # only what is new


@pytest.mark.parametrize("position", ["LATEST"])
def test_latest_skips_what_was_there(aws, position):
    import boto3

    dynamodb = boto3.client("dynamodb")
    arn = dynamodb.describe_table(TableName=aws.events_table)["Table"]["LatestStreamArn"]
    dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": "old"}})
    handler = Recorder()
    pump = StreamPump(mapping(stream_arn=arn, starting_position=position),
                      _streams_client(), handler, None, "eu-west-1", FN_ARN,
                      log=lambda _msg: None)
    dynamodb.put_item(TableName=aws.events_table, Item={"event_id": {"S": "new"}})
    assert pump.poll().delivered == 1
