"""What only a real AWS account enforces, read off template.yaml as `sam deploy` expands it.

moto enforces none of AWS's quotas, so a template can pass every test and still fail its first
deploy. This expands the template with aws-sam-translator (the library `sam deploy` runs;
the version SAM CLI pins, requirements-dev.txt) and measures what the quotas bound, with the
names and ids a real deployment would have. Each limit carries its source.

Used by tests/infra/test_aws_limits.py (a failing limit fails CI) and by `make bench`
(`deploy.*`). The packages' sizes are measured on `sam build`'s output by .ci/check_build.py.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from infra.template import ROOT

TEMPLATE = ROOT / "template.yaml"


@dataclass(frozen=True)
class Limit:
    name: str
    value: int
    unit: str
    source: str


# Lambda quotas: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
POLICY = Limit("function resource-based policy", 20 * 1024, "bytes",
               "Lambda quotas: 'Function resource-based policy: 20 KB' (hard limit; beyond it "
               "AddPermission fails with PolicyLengthExceededException)")
ENVIRONMENT = Limit("function environment variables", 4 * 1024, "bytes",
                    "Lambda quotas: 'Function environment variables: 4 KB, total size of all "
                    "environment variables' (not adjustable)")
UNZIPPED = Limit("function and layers, unzipped", 250 * 1024 * 1024, "bytes",
                 "Lambda quotas: 'Deployment package (.zip file archive) size: 250 MB "
                 "(unzipped)', the function and all its layers")
LAYER_ZIP = Limit("layer, zipped", 50 * 1024 * 1024, "bytes",
                  "Lambda quotas: 'Deployment package (.zip file archive) size: 50 MB (zipped, "
                  "when uploaded directly)'")
LAYERS = Limit("layers per function", 5, "layers", "Lambda quotas: 'Lambda layers: five'")
# CloudFormation quotas:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
RESOURCES = Limit("resources in a stack", 500, "resources",
                  "CloudFormation quotas: 'Resources: maximum number of resources that you can "
                  "declare in your CloudFormation template: 500'")
TEMPLATE_BODY = Limit("template body in S3", 1024 * 1024, "bytes",
                      "CloudFormation quotas: 'Template body size in an Amazon S3 object: 1 MB' "
                      "(sam deploy uploads the template to S3)")
PARAMETERS = Limit("parameters", 200, "parameters", "CloudFormation quotas: 'Parameters: 200'")
OUTPUTS = Limit("outputs", 200, "outputs", "CloudFormation quotas: 'Outputs: 200'")
# Our own goal (bench: deploy.max_resource_policy_bytes): half the hard limit, room to grow.
POLICY_GOAL = 10_000

# What a real deployment's names look like, long on purpose: a region with a long name, a
# 12-digit account, a stack name of 32 characters, API Gateway's 10-character ids.
REGION = "ap-southeast-2"
ACCOUNT = "123456789012"
PARTITION = "aws"
STACK = "korpo-acme-corporation-prod-2026"
API_ID = "a1b2c3d4e5"
POOL_ID = f"{REGION}_AbCdEfGhI"
# CloudFormation names what a template does not: "{stack}-{logical id}-{13 random}", cut to
# 64 characters for a function.
RANDOM = "1A2B3C4D5E6F7"
# DynamoDB names a table's stream by the time it was enabled.
STREAM_LABEL = "2026-12-07T00:00:00.000"


def physical_name(logical_id: str, limit: int = 64) -> str:
    return f"{STACK}-{logical_id}-{RANDOM}"[:limit]


def worst_case_parameters(template: dict[str, Any]) -> dict[str, str]:
    """Every parameter at its longest allowed value: MaxLength characters, the longest of its
    AllowedValues, a long number. A String without MaxLength or AllowedValues is refused:
    nothing would bound what it adds to an environment."""
    values = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if spec.get("AllowedValues"):
            values[name] = max((str(v) for v in spec["AllowedValues"]), key=len)
        elif spec.get("Type") == "Number":
            values[name] = "9" * 10
        elif "MaxLength" in spec:
            values[name] = "x" * int(spec["MaxLength"])
        else:
            raise ValueError(f"parameter {name} has no MaxLength: a deployer could make its "
                             "value as long as CloudFormation takes (4 KB)")
    return values


def _packaged(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` leaves: local code folders replaced by S3 URIs."""
    out = copy.deepcopy(template)
    for logical_id, resource in out["Resources"].items():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://{STACK}-artifacts/{logical_id}/0123456789abcdef.zip"
    return out


@lru_cache(maxsize=4)
def _expand_cached(text: str) -> str:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )
    from samtranslator.yaml_helper import yaml_parse

    # What samtranslator.translator.transform.transform does, with the region given rather
    # than read from this machine's AWS configuration.
    template = _packaged(yaml_parse(text))
    parameters = worst_case_parameters(template)
    to_py27_compatible_template(template, parameters)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(
        region_name=REGION, aws_access_key_id="none", aws_secret_access_key="none"))
    expanded = translator.translate(template, parameter_values=parameters,
                                    get_managed_policy_map=lambda: {})
    return json.dumps(undo_mark_unicode_str_in_template(expanded))


def expand(path: Path = TEMPLATE) -> dict[str, Any]:
    """The CloudFormation template `sam deploy` would create the stack from."""
    return json.loads(_expand_cached(path.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ intrinsics, as AWS would


class Values:
    """Resolves the intrinsics the measured properties use, with a real deployment's values."""

    def __init__(self, expanded: dict[str, Any], parameters: dict[str, str]) -> None:
        self.resources = expanded["Resources"]
        self.parameters = parameters
        self.conditions = expanded.get("Conditions") or {}

    def ref(self, name: str) -> str:
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": PARTITION,
                  "AWS::StackName": STACK, "AWS::URLSuffix": "amazonaws.com"}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        kind = self.resources[name]["Type"]
        props = self.resources[name].get("Properties") or {}
        if kind == "AWS::ApiGatewayV2::Api":
            return API_ID
        if kind == "AWS::Cognito::UserPool":
            return POOL_ID
        if kind == "AWS::Cognito::UserPoolClient":
            return "1a2b3c4d5e6f7g8h9i0j1k2l3m"
        if kind == "AWS::SQS::Queue":
            return (f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/"
                    f"{self.value(props.get('QueueName')) or physical_name(name, 80)}")
        if kind == "AWS::DynamoDB::Table":
            return self.value(props.get("TableName")) or physical_name(name, 255)
        if kind == "AWS::Lambda::Function":
            return self.value(props.get("FunctionName")) or physical_name(name)
        if kind == "AWS::Logs::LogGroup":
            return self.value(props.get("LogGroupName")) or physical_name(name, 512)
        return physical_name(name)

    # What Fn::GetAtt <resource>.Arn returns, from the resource's Ref ({ref}). A log group's
    # ends with ":*" (CloudFormation's: its streams).
    ARNS = {
        "AWS::Cognito::UserPool": "cognito-idp:{region}:{account}:userpool/{ref}",
        "AWS::Lambda::Function": "lambda:{region}:{account}:function:{ref}",
        "AWS::SQS::Queue": "sqs:{region}:{account}:{ref}",  # the Ref is its URL: its name
        "AWS::DynamoDB::Table": "dynamodb:{region}:{account}:table/{ref}",
        "AWS::Logs::LogGroup": "logs:{region}:{account}:log-group:{ref}:*",
        "AWS::IAM::Role": "iam::{account}:role/{ref}",
    }

    def get_att(self, name: str, attribute: str) -> str:
        kind = self.resources[name]["Type"]
        if attribute == "Arn" and kind in self.ARNS:
            ref = self.ref(name).rsplit("/", 1)[-1] if kind == "AWS::SQS::Queue" else \
                self.ref(name)
            return f"arn:{PARTITION}:" + self.ARNS[kind].format(region=REGION, account=ACCOUNT,
                                                                ref=ref)
        if attribute == "QueueName":
            return self.ref(name).rsplit("/", 1)[1]
        if kind == "AWS::Lambda::Url" and attribute == "FunctionUrl":
            # "https://{url-id}.lambda-url.{region}.on.aws/": a 32-character id.
            return f"https://{'u' * 32}.lambda-url.{REGION}.on.aws/"
        if attribute == "StreamArn":
            return (f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{self.ref(name)}/"
                    f"stream/{STREAM_LABEL}")
        return physical_name(f"{name}.{attribute}")

    def condition(self, name: str) -> bool:
        return bool(self.value(self.conditions[name]))

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {key: self.value(item) for key, item in node.items()}
        (key, arg), = node.items()
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(name, attribute)
        if key == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else arg
            extra = {k: self.value(v) for k, v in extra.items()}

            def sub(match: re.Match) -> str:
                name = match.group(1)
                if name in extra:
                    return str(extra[name])
                if "." in name:
                    return self.get_att(*name.split(".", 1))
                return self.ref(name)
            return re.sub(r"\$\{([^}!]+)\}", sub, text)
        if key == "Fn::Join":
            separator, items = arg
            return separator.join(str(self.value(i)) for i in self.value(items))
        if key == "Fn::Split":
            separator, text = arg
            return str(self.value(text)).split(separator)
        if key == "Fn::Select":
            index, items = arg
            return self.value(items)[int(self.value(index))]
        if key == "Fn::If":
            condition, yes, no = arg
            return self.value(yes if self.condition(condition) else no)
        if key == "Fn::Equals":
            left, right = (self.value(a) for a in arg)
            return left == right
        if key == "Fn::Not":
            return not self.value(arg[0])
        if key == "Condition":
            return self.condition(arg)
        return {key: self.value(arg)}


def _longest(values: Values, node: Any) -> str:
    """A value under either branch of every Fn::If, the longer one (the worst case)."""
    if isinstance(node, dict) and list(node) == ["Fn::If"]:
        _condition, yes, no = node["Fn::If"]
        return max((_longest(values, yes), _longest(values, no)), key=len)
    resolved = values.value(node)
    return "" if resolved is None else str(resolved)


def _functions(expanded: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in expanded["Resources"].items()
            if res["Type"] == "AWS::Lambda::Function"}


def resource_policies(expanded: dict[str, Any], parameters: dict[str, str]) -> dict[str, str]:
    """{function logical id: its resource-based policy as Lambda stores it (compact JSON)},
    from the template's AWS::Lambda::Permission resources, one statement each."""
    values = Values(expanded, parameters)
    statements: dict[str, list[dict[str, Any]]] = {name: [] for name in _functions(expanded)}
    for logical_id, res in expanded["Resources"].items():
        if res["Type"] != "AWS::Lambda::Permission":
            continue
        if "Condition" in res and not values.condition(res["Condition"]):
            continue
        props = res["Properties"]
        target = props["FunctionName"]
        function = target.get("Ref") or target.get("Fn::GetAtt", [None])[0]
        principal = values.value(props["Principal"])
        statement: dict[str, Any] = {
            # CloudFormation's statement id: "{stack}-{logical id}-{random}".
            "Sid": f"{STACK}-{logical_id}-{RANDOM}",
            "Effect": "Allow",
            "Principal": "*" if principal == "*" else {"Service": principal},
            "Action": values.value(props["Action"]),
            "Resource": values.get_att(function, "Arn"),
        }
        condition: dict[str, Any] = {}
        if "SourceArn" in props:
            condition["ArnLike"] = {"AWS:SourceArn": values.value(props["SourceArn"])}
        if "SourceAccount" in props:
            condition["StringEquals"] = {"AWS:SourceAccount": values.value(props["SourceAccount"])}
        # A function URL's permissions, as Lambda writes their conditions.
        if "FunctionUrlAuthType" in props:
            condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = \
                values.value(props["FunctionUrlAuthType"])
        if props.get("InvokedViaFunctionUrl"):
            condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
        if condition:
            statement["Condition"] = condition
        statements[function].append(statement)
    return {name: json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": s},
                             separators=(",", ":"))
            for name, s in statements.items()}


def environments(expanded: dict[str, Any], parameters: dict[str, str]) -> dict[str, str]:
    """{function logical id: its environment variables as Lambda counts them (the JSON map of
    names and values)}, each value at its longest."""
    values = Values(expanded, parameters)
    out = {}
    for name, res in _functions(expanded).items():
        variables = ((res["Properties"].get("Environment") or {}).get("Variables") or {})
        resolved = {key: _longest(values, value) for key, value in variables.items()}
        out[name] = json.dumps(resolved, separators=(",", ":"), ensure_ascii=False)
    return out


def layer_counts(expanded: dict[str, Any]) -> dict[str, int]:
    return {name: len(res["Properties"].get("Layers") or [])
            for name, res in _functions(expanded).items()}


def retained(expanded: dict[str, Any]) -> dict[str, str]:
    """{logical id: DeletionPolicy} of every resource a stack deletion leaves behind."""
    return {name: res["DeletionPolicy"] for name, res in expanded["Resources"].items()
            if str(res.get("DeletionPolicy", "")).startswith("Retain")}


@dataclass(frozen=True)
class Report:
    policy_bytes: dict[str, int]
    environment_bytes: dict[str, int]
    resources: int
    template_bytes: int
    expanded_bytes: int
    parameters: int
    outputs: int
    layers: dict[str, int]
    retained: dict[str, str]


def measure(path: Path = TEMPLATE, overrides: dict[str, str] | None = None) -> Report:
    """The expanded template's measures, every parameter at its longest unless `overrides`
    names it (e.g. PublicEdge=api: the longest value, function-url, is the default)."""
    from samtranslator.yaml_helper import yaml_parse

    text = path.read_text(encoding="utf-8")
    parameters = {**worst_case_parameters(yaml_parse(text)), **(overrides or {})}
    expanded = expand(path)
    return Report(
        policy_bytes={k: len(v.encode()) for k, v in resource_policies(expanded,
                                                                        parameters).items()},
        environment_bytes={k: len(v.encode()) for k, v in environments(expanded,
                                                                       parameters).items()},
        resources=len(expanded["Resources"]),
        template_bytes=len(text.encode()),
        expanded_bytes=len(json.dumps(expanded).encode()),
        parameters=len(expanded.get("Parameters") or {}),
        outputs=len(expanded.get("Outputs") or {}),
        layers=layer_counts(expanded),
        retained=retained(expanded),
    )
