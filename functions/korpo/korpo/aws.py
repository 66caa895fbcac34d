"""boto3 clients, one per warm container, for what PynamoDB has no word for (transactions with
per-item conditions built in one place, dynamic attribute names, SES, Cognito, SQS, streams,
SSM's secrets)."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_SER = TypeSerializer()
_DES = TypeDeserializer()


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
    config = None
    if service.startswith("dynamodb"):
        # Plain regional endpoints for DynamoDB and its streams (moto serves no account-based
        # endpoint for streams; AWS serves both).
        config = Config(account_id_endpoint_mode="disabled")
    elif service == "ssm":
        # The secrets, read at a container's first use (korpo.secrets), maybe on track_click's
        # 5-second path: a few short tries, jittered, when SSM throttles a burst of cold starts.
        config = Config(connect_timeout=1, read_timeout=2,
                        retries={"max_attempts": 4, "mode": "standard"})
    return boto3.session.Session().client(service, region_name=region, config=config)


def reset_clients() -> None:
    """Forget cached clients (their endpoint was fixed when they were made)."""
    client.cache_clear()


def to_ddb(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _SER.serialize(v) for k, v in item.items() if v is not None}


def from_ddb(item: dict[str, Any] | None) -> dict[str, Any]:
    return {k: _DES.deserialize(v) for k, v in (item or {}).items()}
