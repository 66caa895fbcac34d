"""Count AWS API calls as botocore makes them (boto3 and PynamoDB both go through here)."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any, Iterator

from botocore.client import BaseClient

WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                    "TransactWriteItems"}
READ_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


@contextmanager
def record_calls() -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """Yields the list of (service, operation, parameters) of every call, filled while the
    block runs."""
    calls: list[tuple[str, str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def recorded(self, operation_name, api_params):
        calls.append((self.meta.service_model.service_name, operation_name, api_params))
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recorded
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original


@contextmanager
def count_calls(service: str | None = None) -> Iterator[Counter]:
    """Yields a Counter of operation names (of one service, or all), filled while the block
    runs."""
    calls: Counter = Counter()
    with record_calls() as recorded:
        try:
            yield calls
        finally:
            calls.update(op for svc, op, _params in recorded if service in (None, svc))


@contextmanager
def count_requests(clients: Iterable[BaseClient]) -> Iterator[Counter]:
    """Yields a Counter of the HTTP requests `clients` send, by operation, filled while the
    block runs: botocore's before-send event fires once per attempt, so a retried call counts
    each try (count_calls counts the call once)."""
    requests: Counter = Counter()
    lock = threading.Lock()  # the poller's threads share the clients

    def sent(event_name: str, **_kwargs: Any) -> None:  # before-send.dynamodb.PutItem
        with lock:
            requests[event_name.rsplit(".", 1)[-1]] += 1

    clients = list(clients)
    for client in clients:
        client.meta.events.register("before-send", sent, unique_id="bench-count-requests")
    try:
        yield requests
    finally:
        for client in clients:
            client.meta.events.unregister("before-send", unique_id="bench-count-requests")


def writes(calls: Counter) -> int:
    return sum(n for op, n in calls.items() if op in WRITE_OPERATIONS)


def reads(calls: Counter) -> int:
    return sum(n for op, n in calls.items() if op in READ_OPERATIONS)
