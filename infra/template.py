"""Reads template.yaml, the one source of truth for tables, queues, routes and schedules."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation's short-form intrinsics (!Ref, !Sub…) as dicts."""


def _intrinsic(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == resource_type}


def resolve(value: Any, refs: dict[str, str]) -> Any:
    """Resolve the few intrinsics our resource names use: Ref, Sub (string form), Join."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return refs[arg]
        if fn == "Fn::Sub" and isinstance(arg, str):
            out = arg
            for key, val in refs.items():
                out = out.replace("${" + key + "}", str(val))
            return out
        if fn == "Fn::Join":
            sep, items = arg
            parts = resolve(items, refs)
            return sep.join(parts if isinstance(parts, list) else [parts])
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    return value


def table_definitions(template: dict[str, Any], stack_name: str) -> dict[str, dict[str, Any]]:
    """CreateTable arguments for every AWS::DynamoDB::Table, keyed by logical id."""
    refs = {"AWS::StackName": stack_name}
    out: dict[str, dict[str, Any]] = {}
    for logical_id, res in resources_of_type(template, "AWS::DynamoDB::Table").items():
        props = res["Properties"]
        args: dict[str, Any] = {
            "TableName": resolve(props["TableName"], refs),
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
        }
        if "GlobalSecondaryIndexes" in props:
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        out[logical_id] = args
    return out


def create_tables(dynamodb: Any, template: dict[str, Any], stack_name: str) -> dict[str, str]:
    """Create the template's tables (and their TTL) with a boto3 DynamoDB client.

    Returns {logical id: table name}.
    """
    names: dict[str, str] = {}
    resources = template["Resources"]
    for logical_id, args in table_definitions(template, stack_name).items():
        dynamodb.create_table(**args)
        ttl = resources[logical_id]["Properties"].get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=args["TableName"],
                                         TimeToLiveSpecification=ttl)
        names[logical_id] = args["TableName"]
    return names
