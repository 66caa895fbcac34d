"""The local stack creates exactly what template.yaml declares, and the functions' env."""
from __future__ import annotations

import copy

import pytest

from infra.local_stack import stack_environment
from infra.resources import create_resources
from infra.template import (
    evaluate_conditions, function_environment, load_template, parameter_values, resolve_all,
    resources_of_type,
)

STACK = "korpo-unit"


@pytest.fixture
def created():
    import boto3
    from moto import mock_aws

    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        template = load_template()
        yield template, create_resources(session, template, STACK), session


def _declared_names(template, resource_type, name_property):
    refs = {"AWS::StackName": STACK}
    return {logical_id: resolve_all(res["Properties"][name_property], refs)
            for logical_id, res in resources_of_type(template, resource_type).items()}


def test_tables_and_queues_are_exactly_the_templates(created):
    template, resources, session = created
    declared_tables = _declared_names(template, "AWS::DynamoDB::Table", "TableName")
    declared_queues = _declared_names(template, "AWS::SQS::Queue", "QueueName")
    assert declared_tables and declared_queues

    assert resources.tables == declared_tables
    assert sorted(session.client("dynamodb").list_tables()["TableNames"]) == sorted(
        declared_tables.values())
    urls = session.client("sqs").list_queues().get("QueueUrls", [])
    assert sorted(url.rsplit("/", 1)[-1] for url in urls) == sorted(declared_queues.values())
    assert {k: v.rsplit("/", 1)[-1] for k, v in resources.queues.items()} == declared_queues


def test_table_details_follow_the_template(created):
    template, resources, session = created
    dynamodb = session.client("dynamodb")
    for logical_id, name in resources.tables.items():
        props = template["Resources"][logical_id]["Properties"]
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == props["KeySchema"]
        assert sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])) == sorted(
            i["IndexName"] for i in props.get("GlobalSecondaryIndexes", []))
        has_stream = "StreamSpecification" in props
        assert (logical_id in resources.streams) is has_stream
        if has_stream:
            assert table["StreamSpecification"]["StreamViewType"] == props[
                "StreamSpecification"]["StreamViewType"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            described = dynamodb.describe_time_to_live(TableName=name)[
                "TimeToLiveDescription"]
            assert described["AttributeName"] == ttl["AttributeName"]
    # Exactly one table streams, and it is the Events table (award_points cannot loop).
    assert list(resources.streams) == ["EventsTable"]


def test_queue_attributes_follow_the_template(created):
    template, resources, session = created
    for logical_id, url in resources.queues.items():
        props = template["Resources"][logical_id]["Properties"]
        attributes = session.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["All"])["Attributes"]
        if "MessageRetentionPeriod" in props:
            assert attributes["MessageRetentionPeriod"] == str(props["MessageRetentionPeriod"])


def test_user_pool_client_and_groups_follow_the_template(created):
    template, resources, session = created
    cognito = session.client("cognito-idp")
    (pool_props,) = [r["Properties"] for r in resources_of_type(
        template, "AWS::Cognito::UserPool").values()]
    pool = cognito.describe_user_pool(UserPoolId=resources.user_pool_id)["UserPool"]
    assert pool["Name"] == f"{STACK}-employees"
    assert pool["UsernameAttributes"] == pool_props["UsernameAttributes"]
    policy = pool["Policies"]["PasswordPolicy"]
    for key, value in pool_props["Policies"]["PasswordPolicy"].items():
        assert policy[key] == value
    (client_props,) = [r["Properties"] for r in resources_of_type(
        template, "AWS::Cognito::UserPoolClient").values()]
    client = cognito.describe_user_pool_client(
        UserPoolId=resources.user_pool_id, ClientId=resources.user_pool_client_id)[
        "UserPoolClient"]
    assert sorted(client["ExplicitAuthFlows"]) == sorted(client_props["ExplicitAuthFlows"])
    groups = cognito.list_groups(UserPoolId=resources.user_pool_id)["Groups"]
    declared = sorted(r["Properties"]["GroupName"] for r in resources_of_type(
        template, "AWS::Cognito::UserPoolGroup").values())
    assert sorted(g["GroupName"] for g in groups) == declared


def test_schedules_and_log_groups_follow_the_template(created):
    template, resources, session = created
    scheduler = session.client("scheduler")
    names = sorted(s["Name"] for s in scheduler.list_schedules()["Schedules"])
    assert names == sorted(resources.schedules)
    assert {f"{STACK}-poll-feeds", f"{STACK}-reset-monthly",
            f"{STACK}-drain-click-fallback"} <= set(names)
    reset = scheduler.get_schedule(Name=f"{STACK}-reset-monthly")
    assert reset["ScheduleExpression"] == "cron(5 0 1 * ? *)"
    assert reset["Target"]["Arn"] == resources.function_arn("ResetMonthlyFunction")
    assert resources.schedules[f"{STACK}-reset-monthly"].timezone == "Europe/Paris"
    groups = session.client("logs").describe_log_groups()["logGroups"]
    assert sorted(g["logGroupName"] for g in groups) == sorted(resources.log_groups.values())
    assert all(g.get("retentionInDays") == 30 for g in groups)
    assert f"/aws/lambda/{STACK}-ApiFunction" in resources.log_groups.values()


def test_every_ref_and_getatt_of_the_template_resolves(created):
    template, resources, _ = created
    for logical_id in resources_of_type(template, "AWS::Serverless::Function"):
        resources.resolve(template["Resources"][logical_id]["Properties"].get("Events", {}))
    resources.resolve(template["Resources"]["HttpApi"]["Properties"])
    issuer = resources.resolve(template["Resources"]["HttpApi"]["Properties"]["Auth"][
        "Authorizers"]["CognitoJwt"]["JwtConfiguration"]["issuer"])
    assert issuer == f"https://cognito-idp.eu-west-1.amazonaws.com/{resources.user_pool_id}"


def test_function_environment_is_globals_plus_own_resolved(created):
    template, resources, _ = created
    api = function_environment(template, "ApiFunction", resources.refs)
    assert api["KORPO_CATALOG_TABLE"] == f"{STACK}-catalog"
    assert api["KORPO_EVENTS_TABLE"] == f"{STACK}-events"
    assert api["KORPO_POINTS_PER_CLICK"] == "10"  # a Number parameter, as a string
    assert api["KORPO_USER_POOL_ID"] == resources.user_pool_id
    assert api["KORPO_PUBLIC_BASE_URL"] == ""
    trigger = function_environment(template, "CognitoTriggersFunction", resources.refs)
    assert trigger["KORPO_ALLOWED_EMAIL_DOMAINS"] == "example.com"
    click = function_environment(template, "TrackClickFunction", resources.refs)
    assert "KORPO_ALLOWED_EMAIL_DOMAINS" not in click
    merged = stack_environment(template, resources.refs)
    assert merged["KORPO_ALLOWED_EMAIL_DOMAINS"] == "example.com"
    assert merged["KORPO_TIME_ZONE"] == "Europe/Paris"


def test_parameter_overrides_reach_the_environment():
    template = load_template()
    values = parameter_values(template, {"AllowedEmailDomains": "a.com,b.org",
                                         "PointsPerClick": 5})
    assert values["AllowedEmailDomains"] == "a.com,b.org"
    refs = {**values, "AWS::StackName": STACK, "CatalogTable": "c", "EventsTable": "e",
            "ScoresTable": "s"}
    refs.update(evaluate_conditions(template, refs))
    env = function_environment(template, "CognitoTriggersFunction", refs)
    assert env["KORPO_ALLOWED_EMAIL_DOMAINS"] == "a.com,b.org"
    assert env["KORPO_POINTS_PER_CLICK"] == "5"
    with pytest.raises(KeyError):
        parameter_values(template, {"NoSuchParameter": "x"})


def test_conflicting_function_environments_are_refused():
    template = copy.deepcopy(load_template())
    template["Resources"]["TrackClickFunction"]["Properties"]["Environment"] = {
        "Variables": {"KORPO_ALLOWED_EMAIL_DOMAINS": "other.com"}}
    refs = {**parameter_values(template), "CatalogTable": "c", "EventsTable": "e",
            "ScoresTable": "s", "AwardFailureQueue": "q", "UserPool": "p", "HttpApi": "a",
            "UserPoolClient": "c",
            "AWS::Region": "eu-west-1", "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": STACK}
    refs.update(evaluate_conditions(template, refs))
    with pytest.raises(ValueError, match="KORPO_ALLOWED_EMAIL_DOMAINS"):
        stack_environment(template, refs)


def test_every_resource_type_is_created_played_or_knowingly_left_out():
    """A resource type new to the template fails here until the local stack creates it,
    plays it, or says why it need not (infra/README.md lists them)."""
    from infra.resources import CREATED, NOT_CREATED, PLAYED_IN_PROCESS

    declared = {res["Type"] for res in load_template()["Resources"].values()}
    accounted = set(CREATED) | set(PLAYED_IN_PROCESS) | set(NOT_CREATED)
    assert declared - accounted == set()
    assert not set(CREATED) & set(NOT_CREATED) and not set(PLAYED_IN_PROCESS) & set(NOT_CREATED)
    assert {"AWS::CloudWatch::Alarm", "AWS::SNS::Topic", "AWS::Budgets::Budget"} <= declared


def test_what_is_left_out_is_not_in_moto(created):
    _, _, session = created
    assert session.client("sns").list_topics()["Topics"] == []
    assert session.client("cloudwatch").describe_alarms()["MetricAlarms"] == []


@pytest.mark.parametrize("mode, tier", [(None, "ESSENTIALS"), ("OFF", "ESSENTIALS"),
                                        ("AUDIT", "PLUS"), ("ENFORCED", "PLUS")])
def test_threat_protection_creates_locally_with_the_plan_it_needs(mode, tier):
    """ThreatProtection (OFF by default) picks the pool's plan: threat protection only exists
    on Plus. moto keeps the plan and the mode; it never enforces them."""
    import boto3
    from moto import mock_aws

    template = load_template()
    assert template["Parameters"]["ThreatProtection"]["Default"] == "OFF"
    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        resources = create_resources(session, template, STACK,
                                     overrides={"ThreatProtection": mode} if mode else None)
        pool = session.client("cognito-idp").describe_user_pool(
            UserPoolId=resources.user_pool_id)["UserPool"]
    assert pool["UserPoolTier"] == tier
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": mode or "OFF"}
