"""Count AWS API calls as botocore makes them (boto3 and PynamoDB both go through here)."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from botocore.client import BaseClient

WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                    "TransactWriteItems"}
READ_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


@contextmanager
def count_calls() -> Iterator[Counter]:
    """Yields a Counter of operation names, filled while the block runs."""
    calls: Counter = Counter()
    original = BaseClient._make_api_call

    def counted(self, operation_name, api_params):
        calls[operation_name] += 1
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counted
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original


def writes(calls: Counter) -> int:
    return sum(n for op, n in calls.items() if op in WRITE_OPERATIONS)


def reads(calls: Counter) -> int:
    return sum(n for op, n in calls.items() if op in READ_OPERATIONS)
