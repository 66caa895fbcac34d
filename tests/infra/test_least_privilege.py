"""Least privilege, proven: every AWS call a function made in this test session is allowed by
its role in template.yaml as `sam deploy` expands it, and every grant is used by a call.

The calls are recorded for the whole session (tests/conftest.py, infra/calls.py); the two
proof tests are marked `after_all` and run last. First, the check itself on small templates:
it must find a missing grant, an unused one, a wildcard wider than the calls, a condition
the call does not meet.
"""
from __future__ import annotations

import os
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra import aws_limits, iam
from infra.calls import RECORDER, Need, acting_as, current_function
from infra.iam_actions import needs_of
from infra.template import load_template, resources_of_type


# ------------------------------------------------------------------ what a call needs

def _model(service: str):
    import botocore.session
    return botocore.session.get_session().get_service_model(service)


def _needs(service: str, operation: str, params: dict, stream_of=lambda _i: "") -> set:
    return {(n.action, n.kind, n.resource, n.context)
            for n in needs_of("Fn", _model(service), operation, params, stream_of)}


def test_a_transaction_needs_each_items_own_action_on_its_table():
    items = [{"Put": {"TableName": "t-scores", "Item": {}}},
             {"Update": {"TableName": "t-scores", "Key": {}, "UpdateExpression": "SET a = :a"}},
             {"ConditionCheck": {"TableName": "t-catalog", "Key": {},
                                 "ConditionExpression": "attribute_exists(pk)"}},
             {"Delete": {"TableName": "t-events", "Key": {}}}]
    assert _needs("dynamodb", "TransactWriteItems", {"TransactItems": items}) == {
        ("dynamodb:PutItem", "table", "t-scores", ()),
        ("dynamodb:UpdateItem", "table", "t-scores", ()),
        ("dynamodb:ConditionCheckItem", "table", "t-catalog", ()),
        ("dynamodb:DeleteItem", "table", "t-events", ())}
    assert _needs("dynamodb", "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": "t-scores", "Key": {}}}]}) == {
        ("dynamodb:GetItem", "table", "t-scores", ())}


def test_an_index_query_needs_the_index_and_a_batch_the_single_sqs_action():
    assert _needs("dynamodb", "Query", {"TableName": "t-catalog", "IndexName": "gsi1"}) == {
        ("dynamodb:Query", "index", "t-catalog/index/gsi1", ())}
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/t-click-fallback"
    assert _needs("sqs", "SendMessageBatch", {"QueueUrl": url, "Entries": []}) == {
        ("sqs:SendMessage", "queue", "t-click-fallback", ())}
    assert _needs("sqs", "DeleteMessageBatch", {"QueueUrl": url, "Entries": []}) == {
        ("sqs:DeleteMessage", "queue", "t-click-fallback", ())}


def test_cognitos_public_calls_need_nothing_and_ses_names_its_sender():
    assert _needs("cognito-idp", "SignUp", {"ClientId": "c", "Username": "u",
                                            "Password": "p"}) == set()
    assert _needs("cognito-idp", "GlobalSignOut", {"AccessToken": "t"}) == set()
    assert _needs("cognito-idp", "AdminDeleteUser", {"UserPoolId": "eu-west-1_x",
                                                     "Username": "u"}) == {
        ("cognito-idp:AdminDeleteUser", "userpool", "eu-west-1_x", ())}
    assert _needs("ses", "SendRawEmail", {"Source": "Korpo <k@example.com>",
                                          "RawMessage": {"Data": b""}}) == {
        ("ses:SendRawEmail", "identity", "k@example.com",
         (("ses:FromAddress", "k@example.com"),))}


def test_a_stream_read_is_named_by_the_iterator_it_came_from():
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/t-events/stream/2026-01-01T00:00:00"
    assert _needs("dynamodbstreams", "GetRecords", {"ShardIterator": "it-1"},
                  {"it-1": arn}.get) == {("dynamodb:GetRecords", "stream", arn, ())}


def test_an_unknown_call_is_recorded_as_such_not_dropped():
    assert _needs("dynamodb", "ListTables", {}) == {("dynamodb:ListTables", "unknown", "", ())}


# ------------------------------------------------------------------ attribution

def test_calls_are_the_running_functions_and_its_threads_carry_it_on(aws):
    import boto3

    dynamodb = boto3.client("dynamodb")
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    before = set(RECORDER.needs)
    with acting_as("SomeFunction"):
        assert current_function() == "SomeFunction"
        with ThreadPoolExecutor(max_workers=2) as pool:
            names = list(pool.map(lambda _i: current_function(), range(4)))
            pool.submit(dynamodb.get_item, TableName=aws.catalog_table, Key=key).result()
    assert names == ["SomeFunction"] * 4 and current_function() is None
    dynamodb.get_item(TableName=aws.scores_table, Key=key)  # a test's own call: not recorded
    new = set(RECORDER.needs) - before
    assert {(n.function, n.action, n.resource) for n in new} == {
        ("SomeFunction", "dynamodb:GetItem", aws.catalog_table)}
    for need in new:  # a made-up function: nothing of it is left to the proof
        del RECORDER.needs[need]


# ------------------------------------------------------------------ the check on small templates

SMALL = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  SenderEmail: {Type: String, Default: "", MaxLength: 254}
Resources:
  Things:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-things"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  WorkerLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/aws/lambda/${AWS::StackName}-worker"
      RetentionInDays: 1
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com},
                     Action: sts:AssumeRole}]
      Policies:
        - PolicyName: worker
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Sid: Logs
                Effect: Allow
                Action: [logs:CreateLogStream, logs:PutLogEvents]
                Resource: !GetAtt WorkerLogs.Arn
              - Sid: Things
                Effect: Allow
                Action: [dynamodb:PutItem, dynamodb:GetItem]
                Resource: !GetAtt Things.Arn
              - Sid: Mail
                Effect: Allow
                Action: ses:SendEmail
                Resource: !Sub "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
                Condition:
                  StringEquals: {"ses:FromAddress": !Ref SenderEmail}
              %(extra)s
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: functions/worker/
      Role: !GetAtt WorkerRole.Arn
      LoggingConfig: {LogGroup: !Ref WorkerLogs}
"""


def _small(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(SMALL % {"extra": textwrap.indent(extra, " " * 14).strip()})
    return path


def _call(action: str, kind: str, resource: str, context=()) -> dict:
    return {Need("Worker", action, kind, resource, tuple(context), "test"): "test_x"}


def test_the_check_passes_what_the_role_allows_and_uses(tmp_path):
    needs = {**_call("dynamodb:PutItem", "table", "korpo-test-things"),
             **_call("dynamodb:GetItem", "table", "korpo-test-things"),
             **_call("ses:SendEmail", "identity", iam.TEST_SENDER,
                     [("ses:FromAddress", iam.TEST_SENDER)])}
    report = iam.check(needs, _small(tmp_path))
    assert report.missing == [] and report.unused == [], report.text()
    # The names of the test's stack became the deployment's:
    assert ("dynamodb:PutItem", f"arn:aws:dynamodb:{aws_limits.REGION}:{aws_limits.ACCOUNT}:"
            f"table/{aws_limits.STACK}-things") in report.used["Worker"]


def test_the_check_finds_a_missing_grant_and_an_unused_one(tmp_path):
    needs = {**_call("dynamodb:PutItem", "table", "korpo-test-things"),
             **_call("dynamodb:DeleteItem", "table", "korpo-test-things"),  # not granted
             **_call("ses:SendEmail", "identity", iam.TEST_SENDER,
                     [("ses:FromAddress", iam.TEST_SENDER)])}
    report = iam.check(needs, _small(tmp_path))
    assert [(f.action, f.why) for f in report.missing] == [
        ("dynamodb:DeleteItem", "no statement allows it")]
    assert [(f.action, f.why) for f in report.unused] == [("dynamodb:GetItem", "no call needs it")]
    assert "test_x" in report.text() and "WorkerRole statement Things" in report.text()


def test_the_check_holds_a_call_to_the_roles_conditions(tmp_path):
    needs = {**_call("dynamodb:PutItem", "table", "korpo-test-things"),
             **_call("dynamodb:GetItem", "table", "korpo-test-things"),
             **_call("ses:SendEmail", "identity", "mallory@example.org",
                     [("ses:FromAddress", "mallory@example.org")])}
    report = iam.check(needs, _small(tmp_path))
    assert [(f.action, f.resource.rsplit("/", 1)[1]) for f in report.missing] == [
        ("ses:SendEmail", "mallory@example.org")]


def test_the_check_refuses_wildcards_wider_than_the_calls_and_made_up_actions(tmp_path):
    extra = """- Sid: Wide
  Effect: Allow
  Action: [dynamodb:Query, dynamodb:QueryEverything]
  Resource: !Sub "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"
"""
    needs = {**_call("dynamodb:PutItem", "table", "korpo-test-things"),
             **_call("dynamodb:GetItem", "table", "korpo-test-things"),
             **_call("dynamodb:Query", "table", "korpo-test-things"),
             **_call("ses:SendEmail", "identity", iam.TEST_SENDER,
                     [("ses:FromAddress", iam.TEST_SENDER)])}
    report = iam.check(needs, _small(tmp_path, extra))
    assert report.missing == []
    assert sorted((f.action, f.why) for f in report.unused) == [
        ("dynamodb:Query", "wider than the calls: name the resources used"),
        ("dynamodb:QueryEverything", "not an IAM action")]


def test_the_lambda_services_own_needs_are_listed_with_their_source(tmp_path):
    report = iam.check({}, _small(tmp_path), judge_unused=False)
    group = f"/aws/lambda/{aws_limits.STACK}-worker"
    assert report.by_service["Worker"] == {
        (action, f"arn:aws:logs:{aws_limits.REGION}:{aws_limits.ACCOUNT}:log-group:{group}:"
                 f"log-stream:{iam.LOG_STREAM}")
        for action in ("logs:CreateLogStream", "logs:PutLogEvents")}
    assert report.missing == []


def test_every_function_has_its_own_role_with_every_statement_in_it():
    """A function with `Role:` keeps none of its `Policies:` (SAM ignores them): a statement
    added there would silently not exist. And no managed policy: each is wider than Korpo."""
    template = load_template()
    expanded = aws_limits.expand()
    for name, res in resources_of_type(template, "AWS::Serverless::Function").items():
        props = res["Properties"]
        assert "Role" in props, f"{name}: give it a role of its own (template.yaml)"
        assert "Policies" not in props, f"{name}: SAM ignores Policies beside Role: move " \
                                        "the statements into its role"
    for name, res in resources_of_type(expanded, "AWS::IAM::Role").items():
        if res["Properties"].get("AssumeRolePolicyDocument", {}).get("Statement", [{}])[0].get(
                "Principal", {}).get("Service") == "lambda.amazonaws.com":
            assert not res["Properties"].get("ManagedPolicyArns"), name


# ------------------------------------------------------------------ the proof

def _report(judge_unused: bool) -> iam.Report:
    return iam.check(dict(RECORDER.needs), judge_unused=judge_unused)


@pytest.mark.after_all
def test_every_call_a_function_made_is_allowed_by_its_role():
    """Whatever part of the suite ran: no function called what its role does not allow."""
    report = _report(judge_unused=False)
    assert not report.missing, report.text()


@pytest.mark.after_all
def test_every_grant_is_used_by_a_call(request):
    """On the whole suite only (`make test`, CI): every grant is used by some call."""
    from conftest import whole_suite

    left_out = whole_suite(request.session)
    if left_out:
        message = f"unused grants are judged on the whole suite; this run {left_out}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    report = _report(judge_unused=True)
    iam.save_record(dict(RECORDER.needs))  # make bench's security.* figures read it
    assert not report.unused, report.text()
    assert not report.missing, report.text()
