"""How many e-mails the public account pages may have Cognito send: a few per address an
hour, and AccountEmailsPerHour for all addresses together.

Every sign-up, new code and password reset is an e-mail, and without SES Cognito sends 50 a
day for the whole account: a script signing up random addresses at the company's domain
would use them up, and real employees would get no code. So each such request first takes
one unit from two hourly counters in the Catalog, each one UpdateItem `ADD n 1` conditioned
on `n` staying under its limit (DynamoDB serialises the writes to an item: two requests at
once never both take the last unit). The address's counter goes first, so one address
hammered never eats the overall budget. Counters are keyed by the hour (UTC) and expire by
TTL (`delete_after`); an address is kept only as a hash.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from korpo import aws
from korpo.months import utc_now

CODES_PER_ADDRESS_PER_HOUR = 3
TTL_ATTRIBUTE = "delete_after"  # the Catalog table's TimeToLiveSpecification (template.yaml)
_KEEP = timedelta(hours=2)  # past its hour a counter is never read again


class LimitReached(Exception):
    """`scope`: "address" (this address had its codes for the hour) or "everyone" (the
    hour's e-mails are used up); `retry_after` in seconds, until the next hour."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(scope)
        self.scope = scope
        self.retry_after = retry_after


def address_key(email: str) -> str:
    return "LIMIT#address#" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


EVERYONE_KEY = "LIMIT#emails"


def _take(table: str, pk: str, hour: datetime, limit: int) -> bool:
    try:
        aws.client("dynamodb").update_item(
            TableName=table, Key={"pk": {"S": pk}, "sk": {"S": f"HOUR#{hour:%Y-%m-%dT%H}"}},
            UpdateExpression=f"ADD n :one SET {TTL_ATTRIBUTE} = if_not_exists({TTL_ATTRIBUTE}, "
                             ":gone)",
            ConditionExpression="attribute_not_exists(n) OR n < :limit",
            ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)},
                                       ":gone": {"N": str(int((hour + _KEEP).timestamp()))}})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def take_email(email: str, per_hour: int, table: str, now: datetime | None = None) -> None:
    """One e-mail to `email` is allowed now, or LimitReached says which limit is reached."""
    now = now or utc_now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    retry_after = int((hour + timedelta(hours=1) - now).total_seconds()) + 1
    if not _take(table, address_key(email), hour, CODES_PER_ADDRESS_PER_HOUR):
        raise LimitReached("address", retry_after)
    if not _take(table, EVERYONE_KEY, hour, max(1, per_hour)):
        raise LimitReached("everyone", retry_after)
