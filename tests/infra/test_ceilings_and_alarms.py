"""The ceilings and the alarms of template.yaml (docs/security.md, "Floods and the bill"), read
from the template as `sam deploy` expands it: what exists with and without AlertEmail, what
each alarm watches, the reserved concurrency and what AWS enforces of it."""
from __future__ import annotations

from typing import Any

import pytest

from infra import aws_limits
from infra.template import evaluate_conditions, load_template, parameter_values, resolve_all

EXPANDED = aws_limits.expand()
RESOURCES = EXPANDED["Resources"]
ALERT_RESOURCES = {"AlertTopic", "AlertSubscription", "ClickFallbackDeadLetterAlarm",
                   "AwardFailuresAlarm", "FunctionErrorsAlarm", "FunctionThrottlesAlarm"}
ALARMS = {name for name, res in RESOURCES.items() if res["Type"] == "AWS::CloudWatch::Alarm"}
PUBLIC = ("TrackClickFunction", "WebFunction")


def _deployed(**overrides: str) -> tuple[set[str], dict[str, Any]]:
    """(the logical ids CloudFormation would create, the refs) for these parameter values."""
    refs: dict[str, Any] = {**parameter_values(load_template(), overrides),
                            "AWS::NoValue": None, "AWS::StackName": "korpo",
                            "AWS::Region": "eu-west-1"}
    refs.update(evaluate_conditions(EXPANDED, refs))
    created = {name for name, res in RESOURCES.items()
               if "Condition" not in res or refs[f"Condition::{res['Condition']}"]}
    return created, refs


def _reservation(function: str, refs: dict[str, Any]) -> Any:
    props = resolve_all({"r": RESOURCES[function]["Properties"].get(
        "ReservedConcurrentExecutions")}, refs)
    return props.get("r")


def test_without_an_alert_email_there_is_no_topic_alarm_or_budget():
    created, _ = _deployed()  # AlertEmail's default is empty
    assert not created & (ALERT_RESOURCES | {"MonthlyBudget", "ApiFloodAlarm"})
    created, _ = _deployed(FloodAlarmRequests="9000", MonthlyBudgetUsd="50")
    assert not created & (ALERT_RESOURCES | {"MonthlyBudget", "ApiFloodAlarm"})
    assert ALARMS == (ALERT_RESOURCES | {"ApiFloodAlarm"}) & ALARMS
    assert "AlertTopicArn" in EXPANDED["Outputs"]
    assert EXPANDED["Outputs"]["AlertTopicArn"]["Condition"] == "HasAlertEmail"


def test_with_an_alert_email_every_alarm_e_mails_it_and_the_budget_too():
    created, refs = _deployed(AlertEmail="ops@acme.com")
    assert ALERT_RESOURCES | {"MonthlyBudget"} <= created
    assert "ApiFloodAlarm" not in created  # opt-in: FloodAlarmRequests
    subscription = resolve_all(RESOURCES["AlertSubscription"]["Properties"], {
        **refs, "AlertTopic": "arn:aws:sns:eu-west-1:123456789012:korpo-alerts"})
    assert subscription["Protocol"] == "email" and subscription["Endpoint"] == "ops@acme.com"
    for alarm in ALARMS:
        props = RESOURCES[alarm]["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlertTopic"}], alarm
        # No data (an idle queue, no invocation) is not trouble.
        assert props["TreatMissingData"] == "notBreaching", alarm
    budget = resolve_all(RESOURCES["MonthlyBudget"]["Properties"], refs)
    assert budget["Budget"]["BudgetLimit"] == {"Amount": "10", "Unit": "USD"}
    assert budget["Budget"]["TimeUnit"] == "MONTHLY" and budget["Budget"]["BudgetType"] == "COST"
    kinds = {n["Notification"]["NotificationType"] for n in budget["NotificationsWithSubscribers"]}
    assert kinds == {"ACTUAL", "FORECASTED"}
    for notification in budget["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [{"SubscriptionType": "EMAIL",
                                                "Address": "ops@acme.com"}]


def test_a_budget_of_zero_is_no_budget():
    created, _ = _deployed(AlertEmail="ops@acme.com", MonthlyBudgetUsd="0")
    assert "MonthlyBudget" not in created
    assert ALERT_RESOURCES <= created


@pytest.mark.parametrize("alarm, queue", [("ClickFallbackDeadLetterAlarm",
                                           "ClickFallbackDeadLetterQueue"),
                                          ("AwardFailuresAlarm", "AwardFailureQueue")])
def test_each_dead_letter_alarm_watches_its_queue(alarm, queue):
    props = RESOURCES[alarm]["Properties"]
    assert (props["Namespace"], props["MetricName"]) == ("AWS/SQS",
                                                         "ApproximateNumberOfMessagesVisible")
    assert props["Dimensions"] == [{"Name": "QueueName",
                                    "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    # One message is enough.
    assert (props["Statistic"], props["Threshold"], props["ComparisonOperator"]) == (
        "Maximum", 0, "GreaterThanThreshold")


@pytest.mark.parametrize("alarm, metric", [("FunctionErrorsAlarm", "Errors"),
                                           ("FunctionThrottlesAlarm", "Throttles")])
def test_errors_and_throttles_are_watched_across_all_functions(alarm, metric):
    """No dimension: Lambda's "Across All Functions" aggregate, one alarm metric for the seven
    functions (docs/decisions.md)."""
    props = RESOURCES[alarm]["Properties"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "AWS/Lambda", metric, "Sum")
    assert "Dimensions" not in props and "Metrics" not in props
    assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_the_flood_alarm_counts_the_stacks_api_requests_when_asked_for():
    created, refs = _deployed(AlertEmail="ops@acme.com", FloodAlarmRequests="9000")
    assert "ApiFloodAlarm" in created
    assert resolve_all(RESOURCES["ApiFloodAlarm"]["Properties"]["Threshold"], refs) == "9000"
    props = RESOURCES["ApiFloodAlarm"]["Properties"]
    assert (resolve_all(props["Namespace"], refs), resolve_all(props["MetricName"], refs),
            props["Statistic"]) == ("AWS/ApiGateway", "Count", "Sum")
    names = {"HttpApi": "api-id", "TrackClickFunction": "korpo-TrackClickFunction"}
    assert resolve_all(props["Dimensions"], {**refs, **names}) == [
        {"Name": "ApiId", "Value": "api-id"}]
    assert props["Threshold"] == {"Ref": "FloodAlarmRequests"} and props["Period"] == 300
    # With the function URL as the edge, clicks bypass the API: its invocations are counted.
    _created, refs = _deployed(AlertEmail="ops@acme.com", FloodAlarmRequests="9000",
                               PublicEdge="function-url")
    assert (resolve_all(props["Namespace"], refs), resolve_all(props["MetricName"], refs)) == (
        "AWS/Lambda", "Invocations")
    assert resolve_all(props["Dimensions"], {**refs, **names}) == [
        {"Name": "FunctionName", "Value": "korpo-TrackClickFunction"}]


def test_alarms_are_few_and_each_watches_one_metric():
    """$0.10 a month per alarm metric: the README's idle cost counts four by default, five
    with the flood alarm."""
    from bench.cost_model import alarm_metrics

    assert len(ALARMS) == 5
    assert all("Metrics" not in RESOURCES[a]["Properties"] for a in ALARMS)
    template = load_template()
    assert alarm_metrics(template) == 0
    assert alarm_metrics(template, AlertEmail="ops@acme.com") == 4
    assert alarm_metrics(template, AlertEmail="ops@acme.com", FloodAlarmRequests="1") == 5


def test_reserved_concurrency_by_default_and_none_with_zero():
    _, refs = _deployed()
    assert {f: _reservation(f, refs) for f in (*PUBLIC, "AwardPointsFunction")} == {
        "TrackClickFunction": "100", "WebFunction": "100", "AwardPointsFunction": "10"}
    # The others share the account's unreserved pool.
    assert _reservation("ApiFunction", refs) is None
    _, refs = _deployed(PublicConcurrency="0", AwardConcurrency="0")
    # Absent, not 0: a reservation of 0 would stop the function altogether.
    assert all(_reservation(f, refs) is None for f in (*PUBLIC, "AwardPointsFunction"))


def test_the_default_reservations_fit_a_default_account():
    """Lambda refuses a reservation that leaves less than 100 unreserved concurrency
    ("You can reserve up to the Unreserved account concurrency value minus 100",
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); an account's
    default concurrency is 1,000, new accounts have less (docs/deploy.md, Troubleshooting)."""
    _, refs = _deployed()
    reserved = sum(int(_reservation(f, refs) or 0)
                   for f, res in RESOURCES.items() if res["Type"] == "AWS::Lambda::Function")
    assert reserved == 210
    assert reserved <= 1000 - 100


def test_a_reservation_of_zero_cannot_be_typed_another_way():
    """"00" would not equal "0" in the condition, and would stop the function: the pattern
    refuses it, and anything that is not a whole number."""
    import re

    for name in ("PublicConcurrency", "AwardConcurrency", "MonthlyBudgetUsd",
                 "FloodAlarmRequests"):
        pattern = load_template()["Parameters"][name]["AllowedPattern"]
        assert re.fullmatch(pattern, "0") and re.fullmatch(pattern, "25")
        for bad in ("00", "010", "-1", "1.5", "", " 5"):
            assert not re.fullmatch(pattern, bad), (name, bad)


def test_the_budget_name_fits_with_a_long_stack_name():
    """Budgets are per account: the name carries the region. BudgetName: 1-100 characters,
    no ':' or '\\' (the Budgets API model, botocore's budgets/2016-10-20/service-2.json)."""
    from samtranslator.yaml_helper import yaml_parse

    parameters = aws_limits.worst_case_parameters(yaml_parse(aws_limits.TEMPLATE.read_text()))
    values = aws_limits.Values(EXPANDED, parameters)
    name = values.value(RESOURCES["MonthlyBudget"]["Properties"]["Budget"]["BudgetName"])
    assert name == f"{aws_limits.STACK}-{aws_limits.REGION}-monthly"
    assert len(name) <= 100 and ":" not in name and "\\" not in name


def test_the_ceilings_defaults_are_the_documented_model():
    """docs/security.md sizes them for 200 employees and a viral post."""
    parameters = load_template()["Parameters"]
    assert (parameters["ApiRateLimit"]["Default"], parameters["ApiBurstLimit"]["Default"]) == (
        50, 100)
    # A burst at once fits in the public functions' reservation.
    assert int(parameters["PublicConcurrency"]["Default"]) >= parameters["ApiBurstLimit"][
        "Default"]
