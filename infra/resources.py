"""Create in moto what template.yaml declares and moto can hold, and record the physical ids.

The template is read, never restated: a table, queue, group or schedule added to
template.yaml appears here without touching this file. Resources moto cannot run (Lambda
functions: moto needs Docker to invoke them; the HTTP API and its authorizer; the layer) are
played by the local stack itself, in-process; their names are still given physical values
so that every Ref and Fn::GetAtt in the template resolves. What only watches or bills a real
account (the alerts' topic, alarms, the budget) is left out, and said so in NOT_CREATED.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from infra.template import (
    ACCOUNT_ID, PSEUDO_PARAMETERS, create_tables, evaluate_conditions, function_events,
    parameter_values, queue_definitions, resolve_all, resources_of_type,
)

# Resource types created in moto (below), each by its own function.
CREATED = ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Cognito::UserPool",
           "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup", "AWS::Logs::LogGroup")

# Resource types the local stack plays itself (not created in moto), with why.
PLAYED_IN_PROCESS = {
    "AWS::Serverless::Function": "handlers run in-process (moto needs Docker to invoke Lambda)",
    "AWS::Serverless::HttpApi": "served by infra/gateway.py (payload 1.0, JWT authorizer)",
    "AWS::Serverless::LayerVersion": "functions/korpo is on sys.path",
    "AWS::Lambda::Url": "served by infra/function_urls.py on a port of its own (payload 2.0), "
                        "when its condition holds (PublicEdge=function-url)",
}

# Resource types the local stack leaves out, with why: nothing local would watch or pay.
NOT_CREATED = {
    "AWS::SNS::Topic": "the alerts' topic: nobody to e-mail locally (AlertEmail is empty)",
    "AWS::SNS::Subscription": "the alerts' e-mail subscription, likewise",
    "AWS::CloudWatch::Alarm": "alarms on AWS's own metrics, which moto does not produce",
    "AWS::Budgets::Budget": "a budget on the account's bill: a local stack has none",
    "AWS::Lambda::Permission": "moto enforces no resource policy; the template's are checked "
                               "as Lambda stores them (infra/aws_limits.py, "
                               "tests/infra/test_public_edge.py)",
    "AWS::IAM::Role": "moto enforces no IAM; each function's role is checked instead against the "
                      "AWS calls the tests record (tests/infra/test_least_privilege.py)",
}


@dataclass(frozen=True)
class Schedule:
    """One ScheduleV2 event, as created in EventBridge Scheduler (moto)."""
    name: str
    function: str  # logical id of the target function
    expression: str  # rate(...), cron(...) or at(...)
    timezone: str
    input: str | None
    state: str = "ENABLED"


@dataclass
class StackResources:
    """Physical names and ids of what was created, and every Ref/GetAtt value."""
    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, Any]
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    streams: dict[str, str] = field(default_factory=dict)  # logical id -> stream arn
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue url
    user_pools: dict[str, str] = field(default_factory=dict)  # logical id -> pool id
    user_pool_clients: dict[str, str] = field(default_factory=dict)  # logical id -> client id
    groups: dict[str, str] = field(default_factory=dict)  # logical id -> group name
    log_groups: dict[str, str] = field(default_factory=dict)  # logical id -> name
    schedules: dict[str, Schedule] = field(default_factory=dict)  # schedule name -> spec
    functions: dict[str, str] = field(default_factory=dict)  # logical id -> function name
    http_apis: dict[str, str] = field(default_factory=dict)  # logical id -> api id
    refs: dict[str, Any] = field(default_factory=dict)  # Ref / "Logical.Attr" -> value

    def resolve(self, value: Any) -> Any:
        return resolve_all(value, self.refs)

    def function_arn(self, logical_id: str) -> str:
        return self.refs[f"{logical_id}.Arn"]

    @property
    def user_pool_id(self) -> str:
        (pool_id,) = self.user_pools.values()  # the template declares one pool
        return pool_id

    @property
    def user_pool_client_id(self) -> str:
        (client_id,) = self.user_pool_clients.values()
        return client_id


def _api_id(stack_name: str, logical_id: str) -> str:
    """A stable 10-character id shaped like API Gateway's."""
    return hashlib.sha1(f"{stack_name}/{logical_id}".encode()).hexdigest()[:10]


def base_refs(template: dict[str, Any], stack_name: str, region: str,
              overrides: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parameters, refs) before anything exists: parameters, pseudo parameters and the
    names of what the local stack plays itself (functions, layer, HTTP APIs)."""
    params = parameter_values(template, overrides)
    refs: dict[str, Any] = {**PSEUDO_PARAMETERS, "AWS::StackName": stack_name,
                            "AWS::Region": region, "AWS::StackId": (
                                f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/"
                                f"{stack_name}/local"), **params}
    for logical_id in resources_of_type(template, "AWS::Serverless::Function"):
        name = f"{stack_name}-{logical_id}"
        refs[logical_id] = name
        refs[f"{logical_id}.Arn"] = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
    for logical_id in resources_of_type(template, "AWS::Serverless::LayerVersion"):
        refs[logical_id] = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:layer:{stack_name}-{logical_id}:1"
    for logical_id in resources_of_type(template, "AWS::Serverless::HttpApi"):
        refs[logical_id] = _api_id(stack_name, logical_id)
    refs.update(evaluate_conditions(template, refs))
    return params, refs


def create_resources(session: Any, template: dict[str, Any], stack_name: str,
                     overrides: dict[str, Any] | None = None) -> StackResources:
    """Create the template's tables, queues, user pool, client, groups, log groups and
    schedules with a boto3 session pointed at moto. Order follows the references."""
    region = session.region_name
    params, refs = base_refs(template, stack_name, region, overrides)
    out = StackResources(stack_name=stack_name, region=region, account_id=ACCOUNT_ID,
                         parameters=params, refs=refs)
    for logical_id in resources_of_type(template, "AWS::Serverless::Function"):
        out.functions[logical_id] = refs[logical_id]
    for logical_id in resources_of_type(template, "AWS::Serverless::HttpApi"):
        out.http_apis[logical_id] = refs[logical_id]

    _create_tables(session.client("dynamodb"), template, out)
    _create_queues(session.client("sqs"), template, out)
    _create_identity(session.client("cognito-idp"), template, out)
    _create_log_groups(session.client("logs"), template, out)
    _create_schedules(session.client("scheduler"), template, out)
    _verify_sender(session.client("ses"), out)
    return out


def _verify_sender(ses: Any, out: StackResources) -> None:
    """SES refuses to send from an unverified address (moto too): verify the SenderEmail
    parameter's address, as the deployer does once in the SES console."""
    sender = out.parameters.get("SenderEmail")
    if sender:
        ses.verify_email_identity(EmailAddress=sender)


def _create_tables(dynamodb: Any, template: dict[str, Any], out: StackResources) -> None:
    for logical_id, name in create_tables(dynamodb, template, out.stack_name).items():
        table = dynamodb.describe_table(TableName=name)["Table"]
        out.tables[logical_id] = name
        out.refs[logical_id] = name
        out.refs[f"{logical_id}.Arn"] = table["TableArn"]
        if table.get("LatestStreamArn"):
            out.streams[logical_id] = table["LatestStreamArn"]
            out.refs[f"{logical_id}.StreamArn"] = table["LatestStreamArn"]


def _create_queues(sqs: Any, template: dict[str, Any], out: StackResources) -> None:
    # A queue's RedrivePolicy names another queue's ARN: ARNs are known from the names, so
    # every queue's ARN is put in refs first, whatever the order queues are declared in.
    for logical_id, res in resources_of_type(template, "AWS::SQS::Queue").items():
        name = out.resolve((res.get("Properties") or {}).get(
            "QueueName", f"{out.stack_name}-{logical_id}"))
        out.refs.setdefault(f"{logical_id}.Arn",
                            f"arn:aws:sqs:{out.region}:{out.account_id}:{name}")
        out.refs.setdefault(f"{logical_id}.QueueName", name)
    definitions = queue_definitions(template, out.refs)
    # Dead-letter queues before the queues that name them (SQS checks they exist).
    for logical_id, args in sorted(definitions.items(),
                                   key=lambda item: "RedrivePolicy" in item[1]["Attributes"]):
        url = sqs.create_queue(**args)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        out.queues[logical_id] = url
        out.refs.update({logical_id: url, f"{logical_id}.Arn": arn,
                         f"{logical_id}.QueueName": args["QueueName"],
                         f"{logical_id}.QueueUrl": url})


_POOL_PROPERTIES = ("UserPoolName", "Policies", "UsernameAttributes", "AliasAttributes",
                    "AutoVerifiedAttributes", "Schema", "MfaConfiguration",
                    "AdminCreateUserConfig", "AccountRecoverySetting", "UsernameConfiguration",
                    "VerificationMessageTemplate", "EmailConfiguration", "DeletionProtection",
                    # moto keeps the plan and the threat protection mode; it never enforces it.
                    "UserPoolTier", "UserPoolAddOns")
_CLIENT_PROPERTIES = ("ClientName", "GenerateSecret", "ExplicitAuthFlows",
                      "PreventUserExistenceErrors", "RefreshTokenValidity",
                      "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
                      "ReadAttributes", "WriteAttributes", "SupportedIdentityProviders",
                      "CallbackURLs", "LogoutURLs", "AllowedOAuthFlows", "AllowedOAuthScopes",
                      "AllowedOAuthFlowsUserPoolClient", "EnableTokenRevocation",
                      "AuthSessionValidity")


def create_identity(session: Any, template: dict[str, Any], stack_name: str,
                    overrides: dict[str, Any] | None = None) -> StackResources:
    """Only the template's user pool, client and groups (a test that has its tables)."""
    params, refs = base_refs(template, stack_name, session.region_name, overrides)
    out = StackResources(stack_name=stack_name, region=session.region_name,
                         account_id=ACCOUNT_ID, parameters=params, refs=refs)
    _create_identity(session.client("cognito-idp"), template, out)
    return out


def cognito_triggers(template: dict[str, Any]) -> dict[str, str]:
    """{trigger (CustomMessage, PreSignUp…): the function's logical id}, from the
    functions' `Cognito` events."""
    found: dict[str, str] = {}
    for fn_id, _event, props in function_events(template, "Cognito"):
        triggers = props.get("Trigger")
        for trigger in [triggers] if isinstance(triggers, str) else triggers or []:
            found[trigger] = fn_id
    return found


def _create_identity(cognito: Any, template: dict[str, Any], out: StackResources) -> None:
    # Lambda triggers are not attached: moto never calls them. The local stack calls the
    # CustomMessage one itself (infra/cognito.py); PreSignUp is not played.
    for logical_id, res in resources_of_type(template, "AWS::Cognito::UserPool").items():
        props = out.resolve(res.get("Properties") or {})
        args = {k: props[k] for k in _POOL_PROPERTIES if k in props}
        args["PoolName"] = args.pop("UserPoolName", f"{out.stack_name}-{logical_id}")
        pool = cognito.create_user_pool(**args)["UserPool"]
        out.user_pools[logical_id] = pool["Id"]
        out.refs.update({
            logical_id: pool["Id"], f"{logical_id}.Arn": pool["Arn"],
            f"{logical_id}.ProviderName": f"cognito-idp.{out.region}.amazonaws.com/{pool['Id']}",
            f"{logical_id}.ProviderURL": f"https://cognito-idp.{out.region}.amazonaws.com/"
                                         f"{pool['Id']}",
            f"{logical_id}.UserPoolId": pool["Id"],
        })
    for logical_id, res in resources_of_type(template, "AWS::Cognito::UserPoolClient").items():
        props = out.resolve(res.get("Properties") or {})
        args = {k: props[k] for k in _CLIENT_PROPERTIES if k in props}
        client = cognito.create_user_pool_client(UserPoolId=props["UserPoolId"], **args)
        client_id = client["UserPoolClient"]["ClientId"]
        out.user_pool_clients[logical_id] = client_id
        out.refs.update({logical_id: client_id, f"{logical_id}.ClientId": client_id})
    for logical_id, res in resources_of_type(template, "AWS::Cognito::UserPoolGroup").items():
        props = out.resolve(res.get("Properties") or {})
        args = {k: props[k] for k in ("GroupName", "Description", "Precedence", "RoleArn")
                if k in props}
        cognito.create_group(UserPoolId=props["UserPoolId"], **args)
        out.groups[logical_id] = props["GroupName"]
        out.refs[logical_id] = props["GroupName"]


def _create_log_groups(logs: Any, template: dict[str, Any], out: StackResources) -> None:
    # Handlers log to this process's console; the groups exist so the stack is complete.
    for logical_id, res in resources_of_type(template, "AWS::Logs::LogGroup").items():
        props = out.resolve(res.get("Properties") or {})
        name = props.get("LogGroupName", f"/{out.stack_name}/{logical_id}")
        logs.create_log_group(logGroupName=name)
        if props.get("RetentionInDays"):
            logs.put_retention_policy(logGroupName=name,
                                      retentionInDays=int(props["RetentionInDays"]))
        out.log_groups[logical_id] = name
        out.refs.update({logical_id: name,
                         f"{logical_id}.Arn": f"arn:aws:logs:{out.region}:{out.account_id}:"
                                              f"log-group:{name}:*"})


def _create_schedules(scheduler: Any, template: dict[str, Any], out: StackResources) -> None:
    # Scheduler stores them and never fires them: infra/scheduler.py fires them.
    role = f"arn:aws:iam::{out.account_id}:role/{out.stack_name}-scheduler"
    for fn_id, event_name, props in function_events(template, "ScheduleV2"):
        props = out.resolve(props)
        name = props.get("Name") or f"{fn_id}{event_name}"  # SAM's default name
        target: dict[str, Any] = {"Arn": out.function_arn(fn_id), "RoleArn": role}
        if props.get("Input") is not None:
            target["Input"] = props["Input"]
        args: dict[str, Any] = {
            "Name": name, "ScheduleExpression": props["ScheduleExpression"],
            "FlexibleTimeWindow": props.get("FlexibleTimeWindow") or {"Mode": "OFF"},
            "Target": target, "State": props.get("State", "ENABLED"),
        }
        if props.get("ScheduleExpressionTimezone"):
            args["ScheduleExpressionTimezone"] = props["ScheduleExpressionTimezone"]
        if props.get("GroupName"):
            args["GroupName"] = props["GroupName"]
        scheduler.create_schedule(**args)
        out.schedules[name] = Schedule(
            name=name, function=fn_id, expression=props["ScheduleExpression"],
            timezone=props.get("ScheduleExpressionTimezone") or "UTC",
            input=props.get("Input"), state=args["State"])
