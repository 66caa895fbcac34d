"""The public edge, either way (`PublicEdge`): the HTTP API's routes (the default) or
TrackClickFunction's own function URL. Checked on the template as `sam deploy` expands it,
under each condition: what exists, the permissions Lambda stores, where share links point,
and the stack's outputs. (The handler answers both event shapes:
tests/functions/test_track_click_function_url.py.)"""
from __future__ import annotations

import json

import pytest
from samtranslator.yaml_helper import yaml_parse

from infra import aws_limits as limits

EXPANDED = limits.expand()
WORST = limits.worst_case_parameters(yaml_parse(limits.TEMPLATE.read_text()))
URL_ONLY = ("TrackClickUrl", "TrackClickUrlPublicAccess", "TrackClickUrlPublicInvoke")
FUNCTION_URL = f"https://{'u' * 32}.lambda-url.{limits.REGION}.on.aws"
API_URL = f"https://{limits.API_ID}.execute-api.{limits.REGION}.amazonaws.com"


def _parameters(**values: str) -> dict[str, str]:
    return {**WORST, **values}


def _values(**parameters: str) -> limits.Values:
    return limits.Values(EXPANDED, _parameters(**parameters))


def test_the_default_edge_is_the_api():
    assert yaml_parse(limits.TEMPLATE.read_text())["Parameters"]["PublicEdge"]["Default"] == "api"


@pytest.mark.parametrize("edge", ["api", "function-url"])
def test_the_function_url_and_its_permissions_exist_only_with_its_edge(edge):
    values = _values(PublicEdge=edge)
    for name in URL_ONLY:
        resource = EXPANDED["Resources"][name]
        assert values.condition(resource["Condition"]) is (edge == "function-url"), name
    url = EXPANDED["Resources"]["TrackClickUrl"]["Properties"]
    assert (url["AuthType"], url["InvokeMode"]) == ("NONE", "BUFFERED")
    assert url["TargetFunctionArn"] == {"Fn::GetAtt": ["TrackClickFunction", "Arn"]}


@pytest.mark.parametrize("edge", ["api", "function-url"])
def test_the_public_functions_policy_as_lambda_stores_it(edge):
    parameters = _parameters(PublicEdge=edge)
    policy = json.loads(limits.resource_policies(EXPANDED, parameters)["TrackClickFunction"])
    public = [s for s in policy["Statement"] if s["Principal"] == "*"]
    gateway = [s for s in policy["Statement"] if s["Principal"] != "*"]
    # The API's routes stay either way: links shared before a switch keep working.
    assert {s["Principal"]["Service"] for s in gateway} == {"apigateway.amazonaws.com"}
    if edge == "api":
        assert public == []
        return
    # Since October 2025 a public function URL needs both (docs/decisions.md).
    assert sorted((s["Action"], json.dumps(s["Condition"], sort_keys=True)) for s in public) == [
        ("lambda:InvokeFunction", '{"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}'),
        ("lambda:InvokeFunctionUrl", '{"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}'),
    ]
    assert len(json.dumps(policy, separators=(",", ":"))) <= limits.POLICY_GOAL


@pytest.mark.parametrize("edge, base, expected", [
    ("api", "", ""),  # the API's own host, as the request came
    ("function-url", "", FUNCTION_URL),
    ("api", "https://go.example.com", "https://go.example.com"),
    ("function-url", "https://go.example.com", "https://go.example.com"),
])
def test_share_links_point_at_the_edge(edge, base, expected):
    values = _values(PublicEdge=edge, PublicBaseUrl=base)
    from korpo.settings import from_env

    for function in ("ApiFunction", "WebFunction"):
        variables = EXPANDED["Resources"][function]["Properties"]["Environment"]["Variables"]
        value = values.value(variables["KORPO_LINK_BASE_URL"])
        assert from_env({"KORPO_LINK_BASE_URL": value}).link_base_url == expected, function
    output = values.value(EXPANDED["Outputs"]["PublicLinkBaseUrl"]["Value"])
    assert output == (expected or API_URL)
    assert not output.endswith("/")  # links are base + "/l/" + code


def test_the_function_url_edge_has_a_ceiling():
    """Without the stage's throttle, reserved concurrency is what bounds a flood's bill."""
    props = EXPANDED["Resources"]["TrackClickFunction"]["Properties"]
    values = _values(PublicConcurrency="100")
    assert values.value(props["ReservedConcurrentExecutions"]) == "100"
    default = yaml_parse(limits.TEMPLATE.read_text())["Parameters"]["PublicConcurrency"]["Default"]
    assert default != "0"


@pytest.mark.parametrize("edge", ["api", "function-url"])
def test_the_stack_fits_aws_limits_with_either_edge(edge):
    report = limits.measure(overrides={"PublicEdge": edge})
    assert all(size <= limits.POLICY_GOAL for size in report.policy_bytes.values())
    assert all(size <= limits.ENVIRONMENT.value for size in report.environment_bytes.values())
    assert report.resources <= limits.RESOURCES.value
