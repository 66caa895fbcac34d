"""DynamoDB capacity units computed from item sizes, as DynamoDB bills them.

moto answers ReturnConsumedCapacity with fixed figures (0.5 for a GetItem, 1.0 for a Query
of any size, nothing for transactions), so the bench computes units itself from the items:
- item size: attribute names plus values (S: UTF-8 bytes, N: ~1 byte per 2 digits + 1,
  B: bytes, sets and lists: their elements, M/L: +3 bytes and +1 per element);
- write: ceil(max(size before, size after) / 1 KB) per item, x2 inside TransactWriteItems;
- read: ceil(sum of the sizes read / 4 KB) per request page (Query) or per item (GetItem,
  BatchGetItem), x0.5 when eventually consistent.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from botocore.client import BaseClient


def value_size(value: dict[str, Any]) -> int:
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        digits = len(str(v).lstrip("-").replace(".", "").strip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind == "B":
        return len(v)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: x}) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(x) + 1 for k, x in v.items())
    if kind == "L":
        return 3 + sum(value_size(x) + 1 for x in v)
    return 1  # BOOL, NULL


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


@dataclass
class Units:
    write: float = 0.0
    read: float = 0.0


def _read_units(sizes: list[int], consistent: bool, per_item: bool) -> float:
    factor = 1.0 if consistent else 0.5
    if per_item:
        return sum(max(1, math.ceil(s / 4096)) * factor for s in sizes)
    return max(1, math.ceil(sum(sizes) / 4096)) * factor


@contextmanager
def metered() -> Iterator[Units]:
    """Adds the write and read units of every DynamoDB call made in the block."""
    units = Units()
    original = BaseClient._make_api_call

    def fetch(client, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return original(client, "GetItem", {"TableName": table, "Key": key,
                                            "ConsistentRead": True}).get("Item")

    schemas: dict[str, list] = {}

    def key_of(client, table: str, item: dict[str, Any]) -> dict[str, Any]:
        if table not in schemas:
            schemas[table] = original(client, "DescribeTable",
                                      {"TableName": table})["Table"]["KeySchema"]
        return {k["AttributeName"]: item[k["AttributeName"]] for k in schemas[table]}

    def metered_call(self, operation, params):
        if operation == "TransactWriteItems":
            targets = []
            for entry in params["TransactItems"]:
                (kind, body), = entry.items()
                key = body.get("Key") or key_of(self, body["TableName"], body["Item"])
                targets.append((body["TableName"], key))
            before = [item_size(fetch(self, t, k)) for t, k in targets]
            result = original(self, operation, params)
            after = [item_size(fetch(self, t, k)) for t, k in targets]
            units.write += sum(2 * max(1, math.ceil(max(b, a) / 1024))
                               for b, a in zip(before, after))
            return result
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            table = params["TableName"]
            key = params.get("Key") or key_of(self, table, params["Item"])
            before = item_size(fetch(self, table, key))
            result = original(self, operation, params)
            after = item_size(fetch(self, table, key))
            units.write += max(1, math.ceil(max(before, after) / 1024))
            return result
        result = original(self, operation, params)
        if operation == "BatchWriteItem":
            units.write += sum(max(1, math.ceil(item_size(r["PutRequest"]["Item"]) / 1024))
                               for reqs in params["RequestItems"].values() for r in reqs
                               if "PutRequest" in r)
        elif operation == "GetItem":
            units.read += _read_units([item_size(result.get("Item"))],
                                      params.get("ConsistentRead", False), True)
        elif operation == "BatchGetItem":
            for table, found in result.get("Responses", {}).items():
                consistent = params["RequestItems"][table].get("ConsistentRead", False)
                sizes = [item_size(i) for i in found]
                missing = len(params["RequestItems"][table]["Keys"]) - len(found)
                units.read += _read_units(sizes + [0] * missing, consistent, True)
        elif operation == "Query":
            units.read += _read_units([item_size(i) for i in result.get("Items", [])],
                                      params.get("ConsistentRead", False), False)
        return result

    BaseClient._make_api_call = metered_call
    try:
        yield units
    finally:
        BaseClient._make_api_call = original
