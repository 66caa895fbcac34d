"""AWS's hard limits, which moto ignores, on template.yaml as `sam deploy` expands it
(infra/aws_limits.py says where each limit is documented). The packages' sizes are checked on
`sam build`'s output by .ci/check_build.py."""
from __future__ import annotations

import json

import pytest
from samtranslator.yaml_helper import yaml_parse

from infra import aws_limits as limits

REPORT = limits.measure()


def test_each_function_resource_policy_fits_with_room_to_grow():
    for function, size in REPORT.policy_bytes.items():
        assert size <= limits.POLICY.value, (function, size, limits.POLICY.source)
        assert size <= limits.POLICY_GOAL, (function, size, "half the limit: room for routes")


def test_each_function_environment_fits_at_its_longest():
    for function, size in REPORT.environment_bytes.items():
        assert size <= limits.ENVIRONMENT.value, (function, size, limits.ENVIRONMENT.source)


def test_the_stack_fits_cloudformation():
    assert REPORT.resources <= limits.RESOURCES.value, limits.RESOURCES.source
    assert REPORT.template_bytes <= limits.TEMPLATE_BODY.value, limits.TEMPLATE_BODY.source
    assert REPORT.expanded_bytes <= limits.TEMPLATE_BODY.value, limits.TEMPLATE_BODY.source
    assert REPORT.parameters <= limits.PARAMETERS.value
    assert REPORT.outputs <= limits.OUTPUTS.value
    assert all(n <= limits.LAYERS.value for n in REPORT.layers.values()), limits.LAYERS.source


def test_a_failed_first_deploy_can_be_retried():
    """A resource kept by `Retain` survives the rollback of a failed first create, and its
    fixed name makes the next create fail ("already exists"); RetainExceptOnCreate deletes
    it in that rollback only, and keeps it on every later delete."""
    assert REPORT.retained, "the tables and the user pool are kept after a stack is deleted"
    assert set(REPORT.retained.values()) == {"RetainExceptOnCreate"}, REPORT.retained
    assert {"CatalogTable", "EventsTable", "ScoresTable", "UserPool"} <= set(REPORT.retained)


def test_the_measures_see_what_sam_adds():
    """The checks read SAM's output, not the template as written: one permission per HttpApi
    event (the web function's old 89 routes came to ~40 KB), the Globals' environment."""
    expanded = limits.expand()
    parameters = limits.worst_case_parameters(yaml_parse(limits.TEMPLATE.read_text()))
    policy = json.loads(limits.resource_policies(expanded, parameters)["ApiFunction"])
    arns = [s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]
            if s["Principal"]["Service"] == "apigateway.amazonaws.com"]
    assert f"arn:aws:execute-api:{limits.REGION}:{limits.ACCOUNT}:{limits.API_ID}/*/*/me/*" \
        in arns
    trigger = json.loads(limits.resource_policies(expanded, parameters)[
        "CognitoTriggersFunction"])
    assert [s["Principal"]["Service"] for s in trigger["Statement"]] == [
        "cognito-idp.amazonaws.com"]
    env = json.loads(limits.environments(expanded, parameters)["WebFunction"])
    assert env["KORPO_TIME_ZONE"] == "x" * 64  # a Global, at its MaxLength
    assert env["KORPO_CATALOG_TABLE"] == f"{limits.STACK}-catalog"


def test_a_parameter_without_a_bound_is_refused():
    with pytest.raises(ValueError, match="MaxLength"):
        limits.worst_case_parameters({"Parameters": {"Free": {"Type": "String"}}})
