from __future__ import annotations

import os
from datetime import datetime, timezone

from pynamodb.connection import Connection, TableConnection
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

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """The model's table connection, over the one botocore client of the container.

        PynamoDB gives each model class a Connection of its own, and each makes its own
        botocore session and client on first use: ~0.1-0.3 s of loading the service model
        again, paid by the first request that touches each of the ~14 models (an API route's
        first call took 0.2-1 s). Sharing one client pays it once per container
        (tests/unit/test_models_connection.py)."""
        table = super()._get_connection()
        # Each Connection keeps its model's own table description; only the client is
        # shared (botocore clients are thread-safe). PynamoDB 6 keeps it in `_client`.
        if table.connection._client is None:
            table.connection._client = transaction_connection().client
        return table


_CONNECTION: Connection | None = None


def reset_transaction_connection() -> None:
    """Forget the cached connection (its endpoint was fixed when it was made)."""
    global _CONNECTION
    _CONNECTION = None


def transaction_connection() -> Connection:
    """One PynamoDB connection (one botocore client) for every model and TransactWrite, shared
    by the whole warm container."""
    global _CONNECTION
    if _CONNECTION is None:
        _CONNECTION = Connection(region=KorpoMeta.region,
                                 max_retry_attempts=KorpoMeta.max_retry_attempts,
                                 max_pool_connections=KorpoMeta.max_pool_connections)
    return _CONNECTION
