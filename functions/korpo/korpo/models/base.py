from __future__ import annotations

import os
from datetime import datetime, timezone

from pynamodb.connection import Connection
from pynamodb.models import Model


def sort_time(at: datetime) -> str:
    """Fixed-width UTC text, so sort keys order as the instants do."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC instant")
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class KorpoMeta:
    """Shared Meta: region from the Lambda environment; endpoint from AWS_ENDPOINT_URL if set."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
    max_retry_attempts = 3
    max_pool_connections = 48  # poll_feeds: up to 2 x KORPO_FEEDS_CONCURRENCY (20) threads


class BaseModel(Model):
    class Meta(KorpoMeta):
        abstract = True


_CONNECTION: Connection | None = None


def reset_transaction_connection() -> None:
    """Forget the cached connection (its endpoint was fixed when it was made)."""
    global _CONNECTION
    _CONNECTION = None


def transaction_connection() -> Connection:
    """One PynamoDB connection for TransactWrite, shared by the whole warm container."""
    global _CONNECTION
    if _CONNECTION is None:
        _CONNECTION = Connection(region=KorpoMeta.region)
    return _CONNECTION
