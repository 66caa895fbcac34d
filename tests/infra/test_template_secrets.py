"""template.yaml, as `sam deploy` expands it, holds no secret: the functions' configuration names
where the secrets are, and each function may read exactly the parameters it uses."""
from __future__ import annotations

import json
import re

import pytest

from infra import aws_limits as limits
from korpo import secrets

# What each function reads (korpo.settings' properties, used by its handler and the domain).
READS = {
    "TrackClickFunction": {secrets.VISITOR_HASH, secrets.CONVERSION},
    "ResetMonthlyFunction": {secrets.VISITOR_HASH, secrets.SLACK_WEBHOOK, secrets.TEAMS_WEBHOOK},
    "SendDigestFunction": {secrets.VISITOR_HASH, secrets.SLACK_WEBHOOK, secrets.TEAMS_WEBHOOK},
    "ApiFunction": {secrets.VISITOR_HASH},
    "WebFunction": {secrets.VISITOR_HASH, secrets.SLACK_WEBHOOK, secrets.TEAMS_WEBHOOK},
    "PollFeedsFunction": set(),
    "AwardPointsFunction": set(),
    "CognitoTriggersFunction": set(),
}
EXPANDED = limits.expand()
_FUNCTIONS = {name: res for name, res in EXPANDED["Resources"].items()
              if res["Type"] == "AWS::Lambda::Function"}


def _values(secrets_path: str = "") -> limits.Values:
    parameters = limits.worst_case_parameters(EXPANDED)
    return limits.Values(EXPANDED, {**parameters, "SecretsPath": secrets_path})


def _environment(function: str, values: limits.Values) -> dict[str, str]:
    variables = _FUNCTIONS[function]["Properties"]["Environment"]["Variables"]
    return {key: str(values.value(value)) for key, value in variables.items()}


def _statements(function: str, values: limits.Values) -> list[dict]:
    role = _FUNCTIONS[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = EXPANDED["Resources"][role]["Properties"].get("Policies") or []
    return [values.value(statement) for policy in policies
            for statement in policy["PolicyDocument"]["Statement"]]


def test_every_function_is_listed():
    assert set(READS) == set(_FUNCTIONS)


def test_no_secret_is_a_parameter_nor_a_value_of_the_configuration():
    text = limits.TEMPLATE.read_text(encoding="utf-8")
    parameters = EXPANDED["Parameters"]

    assert not [name for name, spec in parameters.items() if spec.get("NoEcho")]
    # CloudFormation's dynamic references would put the value back in the configuration.
    assert not re.search(r"\{\{resolve:(ssm-secure|secretsmanager)", text)
    values = _values()
    for function in _FUNCTIONS:
        environment = _environment(function, values)
        carrying = [key for key in environment
                    if re.search(r"SECRET|WEBHOOK|PASSWORD|TOKEN|KEY", key)
                    and key not in ("KORPO_SECRETS_PATH", "KORPO_SECRETS_VERSION")]
        assert carrying == [], function
        assert not [v for v in environment.values() if v.startswith("https://hooks.")]
        assert environment["KORPO_SECRETS_PATH"] == f"/korpo/{limits.STACK}"


@pytest.mark.parametrize("secrets_path", ["", "/acme/korpo-prod"])
def test_each_function_may_read_exactly_its_own_parameters(secrets_path):
    values = _values(secrets_path)
    for function, names in READS.items():
        path = _environment(function, values)["KORPO_SECRETS_PATH"]
        assert path == (secrets_path or f"/korpo/{limits.STACK}")
        granted = [s for s in _statements(function, values)
                   if any(str(a).lower().startswith(("ssm:", "kms:", "secretsmanager:"))
                          for a in _actions(s))]
        arns = [arn for s in granted for arn in _resources(s)]
        assert [_actions(s) for s in granted] == ([["ssm:GetParameter"]] if names else [])
        assert all(s["Effect"] == "Allow" and "Condition" not in s for s in granted)
        prefix = f"arn:{limits.PARTITION}:ssm:{limits.REGION}:{limits.ACCOUNT}:parameter{path}/"
        assert sorted(arns) == sorted(prefix + name for name in names), function


def _actions(statement: dict) -> list[str]:
    actions = statement.get("Action", [])
    return actions if isinstance(actions, list) else [actions]


def _resources(statement: dict) -> list[str]:
    resources = statement.get("Resource", [])
    return resources if isinstance(resources, list) else [resources]


def test_the_version_reaches_every_function():
    """A change of SecretsVersion changes every function's configuration: Lambda then gives
    each new containers, which read the secrets again (docs/security.md)."""
    values = _values()
    versions = {_environment(f, values)["KORPO_SECRETS_VERSION"] for f in _FUNCTIONS}
    assert versions == {"x" * 64}  # the parameter's worst case, in every one
    assert json.dumps(EXPANDED).count('"SecretsVersion"') >= 1
