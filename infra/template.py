"""Reads template.yaml, the one source of truth for tables, queues, routes and schedules."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's when there
    """SafeLoader that keeps CloudFormation's short-form intrinsics (!Ref, !Sub…) as dicts."""


def _intrinsic(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    # !Ref and !Condition are the two short forms whose long form has no "Fn::".
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
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


_parsed: dict[tuple[str, int, int], dict[str, Any]] = {}


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as data: parsed once per version of the file (every moto test builds its
    tables from it), a fresh copy for each caller to change at will."""
    stat = Path(path).stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _parsed:
        with open(path, encoding="utf-8") as handle:
            _parsed[key] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader
    return copy.deepcopy(_parsed[key])


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


# ------------------------------------------------------------------ the rest of the template
# Everything below is read by the local stack (infra/local_stack.py and its parts). The
# template stays the only list of resources: nothing here names a table, a queue or a route.

ACCOUNT_ID = "123456789012"  # moto's default account: ARNs it builds use it too
PSEUDO_PARAMETERS = {
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}


def parameter_values(template: dict[str, Any],
                     overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """{name: value} of the template's Parameters: defaults, then overrides.

    Values are what a Ref returns in CloudFormation: strings (a Number too: CloudFormation
    hands it to Ref as a string) and lists of strings for a CommaDelimitedList. (No secret is
    a parameter: the local stack puts them in moto's SSM, infra/local_stack.py.)
    """
    overrides = overrides or {}
    unknown = set(overrides) - set(template.get("Parameters", {}))
    if unknown:
        raise KeyError(f"no such template parameter(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        raw = overrides.get(name, spec.get("Default"))
        if raw is None:
            raise KeyError(f"parameter {name} has no default: pass it as an override")
        if spec.get("Type") == "CommaDelimitedList":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            values[name] = [str(item).strip() for item in items]
        else:
            values[name] = str(raw)
    return values


def _sub(text: str, refs: dict[str, Any]) -> str:
    """Fn::Sub (string form): ${Name} and ${Logical.Attr}; ${!Literal} stays literal."""
    out, pos = [], 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            out.append(text[pos:])
            return "".join(out)
        end = text.index("}", start)
        out.append(text[pos:start])
        name = text[start + 2:end]
        if name.startswith("!"):
            out.append("${" + name[1:] + "}")
        else:
            out.append(str(refs[name]))
        pos = end + 1


def resolve_all(value: Any, refs: dict[str, Any]) -> Any:
    """Resolve intrinsics anywhere in a value (dicts and lists walked), strictly.

    `refs` maps a logical id or parameter to what Ref returns, and "Logical.Attr" to what
    Fn::GetAtt returns. A name that is missing raises KeyError: better than a silent None.
    """
    if isinstance(value, dict):
        if len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref":
                return refs[arg]
            if fn == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return refs[f"{logical}.{attr}"]
            if fn == "Fn::Sub":
                if isinstance(arg, list):
                    text, local = arg
                    return _sub(text, {**refs, **resolve_all(local, refs)})
                return _sub(arg, refs)
            if fn == "Fn::Join":
                sep, items = arg
                parts = resolve_all(items, refs)
                return sep.join(str(p) for p in (parts if isinstance(parts, list) else [parts]))
            if fn == "Fn::Select":
                index, items = arg
                return resolve_all(items, refs)[int(resolve_all(index, refs))]
            if fn == "Fn::Split":
                sep, text = arg
                return str(resolve_all(text, refs)).split(sep)
            if fn == "Fn::If":
                condition, when_true, when_false = arg
                return resolve_all(when_true if refs[f"Condition::{condition}"] else when_false,
                                   refs)
            if fn.startswith("Fn::"):
                raise NotImplementedError(f"{fn} is not resolved by the local stack")
        resolved = {key: resolve_all(val, refs) for key, val in value.items()}
        return {key: val for key, val in resolved.items() if val is not None}  # AWS::NoValue
    if isinstance(value, list):
        return [resolve_all(v, refs) for v in value]
    return value


def evaluate_conditions(template: dict[str, Any], refs: dict[str, Any]) -> dict[str, bool]:
    """{"Condition::<name>": bool} for the template's Conditions (Equals, Not, And, Or)."""
    conditions = template.get("Conditions") or {}

    def evaluate(expression: Any) -> bool:
        (fn, arg), = expression.items()
        if fn == "Fn::Equals":
            left, right = (resolve_all(side, refs) for side in arg)
            return str(left) == str(right)
        if fn == "Fn::Not":
            return not evaluate(arg[0])
        if fn == "Fn::And":
            return all(evaluate(item) for item in arg)
        if fn == "Fn::Or":
            return any(evaluate(item) for item in arg)
        if fn == "Condition":
            return evaluate(conditions[arg])
        raise NotImplementedError(f"{fn} in a condition is not evaluated by the local stack")

    return {f"Condition::{name}": evaluate(expr) for name, expr in conditions.items()}


def function_events(template: dict[str, Any], event_type: str) -> list[tuple[str, str, dict]]:
    """[(function logical id, event name, event Properties)] of one SAM event Type."""
    out = []
    for fn_id, res in resources_of_type(template, "AWS::Serverless::Function").items():
        for event_name, event in (res["Properties"].get("Events") or {}).items():
            if event["Type"] == event_type:
                out.append((fn_id, event_name, event.get("Properties") or {}))
    return out


def function_setting(template: dict[str, Any], logical_id: str, key: str,
                     default: Any = None) -> Any:
    """A function property with SAM's Globals.Function as the fallback (Timeout, MemorySize…)."""
    props = template["Resources"][logical_id]["Properties"]
    if key in props:
        return props[key]
    return (template.get("Globals", {}).get("Function", {}) or {}).get(key, default)


def function_environment(template: dict[str, Any], logical_id: str,
                         refs: dict[str, Any]) -> dict[str, str]:
    """The environment Lambda gives one function: Globals merged with its own, resolved.

    SAM merges Environment.Variables key by key, the function's value winning. Every value
    becomes a string, as in Lambda.
    """
    merged: dict[str, Any] = {}
    global_env = (template.get("Globals", {}).get("Function", {}) or {}).get("Environment") or {}
    merged.update(global_env.get("Variables") or {})
    own = template["Resources"][logical_id]["Properties"].get("Environment") or {}
    merged.update(own.get("Variables") or {})
    out = {}
    for key, value in merged.items():
        resolved = resolve_all(value, refs)
        if isinstance(resolved, list):  # a bare Ref to a CommaDelimitedList
            resolved = ",".join(resolved)
        out[key] = "" if resolved is None else str(resolved)
    return out


def queue_definitions(template: dict[str, Any], refs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """CreateQueue arguments for every AWS::SQS::Queue, keyed by logical id.

    CloudFormation property names are SQS attribute names; values become strings as the
    API wants them. Tags and policies are not attributes and are left out.
    """
    out: dict[str, dict[str, Any]] = {}
    for logical_id, res in resources_of_type(template, "AWS::SQS::Queue").items():
        props = resolve_all(res.get("Properties") or {}, refs)
        name = props.pop("QueueName", f"{refs['AWS::StackName']}-{logical_id}")
        props.pop("Tags", None)
        attributes = {}
        for key, value in props.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (dict, list)):
                value = json.dumps(value)
            attributes[key] = str(value)
        out[logical_id] = {"QueueName": name, "Attributes": attributes}
    return out
