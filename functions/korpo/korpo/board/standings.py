"""The monthly board: top N (a Query on the by_score index) and one employee's rank (a Query
on the month's score buckets), neither growing with the number of employees.

Ties share a rank ("1, 2, 2, 4"): an employee's rank is one plus the number of employees with
a strictly higher score. That number is read from score-bucket counters that award_points
keeps in the same transaction as the scores (docs/decisions.md): item `RANK#{month}` /
`B#{bucket}` holds `n`, the employees whose score falls in the bucket, and `s{score}`, how many
have exactly that score. Buckets are exact below 64 points, then 16 per power of two, so a
month has at most a few hundred small bucket items whatever its number of employees.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pynamodb.exceptions import DoesNotExist

from korpo import aws
from korpo.models import BoardEntryModel

EXACT_BELOW = 64
SUBDIVISIONS = 16  # buckets per power of two above EXACT_BELOW


def bucket_of(score: int) -> int:
    """Monotonic in the score; the bucket's width is at most 1/16 of its scores."""
    if score < EXACT_BELOW:
        return max(score, 0)
    exponent = score.bit_length() - 1  # 2**exponent <= score
    sub = (score >> (exponent - 4)) & (SUBDIVISIONS - 1)
    return EXACT_BELOW + (exponent - 6) * SUBDIVISIONS + sub


def bucket_key(month: str, bucket: int) -> dict:
    return {"pk": {"S": f"RANK#{month}"}, "sk": {"S": f"B#{bucket:05d}"}}


def bucket_moves(old: int | None, new: int) -> dict[int, dict[str, int]]:
    """The ADDs on bucket items that move one employee from `old` (None: not on the board
    yet) to `new`: {bucket: {attribute: delta}}. Merged per item (a transaction touches an
    item once)."""
    moves: dict[int, dict[str, int]] = {}

    def add(bucket: int, attribute: str, delta: int) -> None:
        attrs = moves.setdefault(bucket, {})
        attrs[attribute] = attrs.get(attribute, 0) + delta

    if old is not None:
        add(bucket_of(old), "n", -1)
        add(bucket_of(old), f"s{old}", -1)
    add(bucket_of(new), "n", 1)
    add(bucket_of(new), f"s{new}", 1)
    return {b: {k: v for k, v in a.items() if v} for b, a in moves.items()
            if any(a.values())}


@dataclass(frozen=True)
class Standing:
    rank: int
    employee_id: str
    score: int


def rank_sorted(scores: Iterable[tuple[str, int]]) -> list[Standing]:
    """Competition ranking of (employee, score) pairs already sorted by score descending."""
    out: list[Standing] = []
    for position, (employee_id, score) in enumerate(scores, start=1):
        rank = out[-1].rank if out and out[-1].score == score else position
        out.append(Standing(rank, employee_id, score))
    return out


def top(month: str, limit: int = 20) -> list[Standing]:
    entries = BoardEntryModel.by_score.query(month, scan_index_forward=False, limit=limit)
    return rank_sorted((e.employee_id, int(e.score)) for e in entries)


def all_standings(month: str) -> list[Standing]:
    """Every entry of a month, for the monthly freeze (paginated, never a Scan)."""
    entries = BoardEntryModel.by_score.query(month, scan_index_forward=False)
    return rank_sorted((e.employee_id, int(e.score)) for e in entries)


def standing_of(month: str, employee_id: str) -> Standing | None:
    """GetItem of the entry, then one Query of the buckets at or above the employee's."""
    try:
        entry = BoardEntryModel.get(*BoardEntryModel.key(month, employee_id))
    except DoesNotExist:
        return None
    score = int(entry.score)
    return Standing(1 + count_above(month, score), employee_id, score)


def count_above(month: str, score: int) -> int:
    """How many employees of the month have a strictly higher score."""
    own = bucket_of(score)
    dynamodb = aws.client("dynamodb")
    higher = 0
    args = {"TableName": BoardEntryModel.Meta.table_name,
            "KeyConditionExpression": "pk = :pk AND sk >= :sk",
            "ExpressionAttributeValues": {":pk": {"S": f"RANK#{month}"},
                                          ":sk": {"S": f"B#{own:05d}"}}}
    while True:
        page = dynamodb.query(**args)
        for raw in page.get("Items", []):
            item = aws.from_ddb(raw)
            if int(item["sk"][2:]) > own:
                higher += int(item.get("n", 0))
                continue
            higher += sum(int(v) for k, v in item.items()
                          if k[:1] == "s" and k[1:].isdigit() and int(k[1:]) > score)
        if "LastEvaluatedKey" not in page:
            return higher
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def set_score(month: str, employee_id: str, score: int, old: int | None = None,
              known_old: bool = False) -> None:
    """Set an employee's score of a month with its rank buckets, in one transaction
    conditioned on the old score (recompute from the ledger, demo data, tests, bench)."""
    table = BoardEntryModel.Meta.table_name
    key = {"pk": {"S": f"BOARD#{month}"}, "sk": {"S": f"EMP#{employee_id}"}}
    dynamodb = aws.client("dynamodb")
    if not known_old:
        raw = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        old = int(raw["score"]["N"]) if raw else None
    if old == score:
        return
    writes = [board_entry_update(table, month, employee_id, old, score)]
    writes += [bucket_add(table, month, bucket, deltas)
               for bucket, deltas in bucket_moves(old, score).items()]
    dynamodb.transact_write_items(TransactItems=writes)


def board_entry_update(table: str, month: str, employee_id: str, old: int | None,
                       new: int) -> dict:
    """The transaction item moving a board entry from `old` to `new`, conditioned on `old`
    (None: the entry must not exist yet), so two writers never both apply a stale score."""
    update: dict = {
        "TableName": table,
        "Key": {"pk": {"S": f"BOARD#{month}"}, "sk": {"S": f"EMP#{employee_id}"}},
        "UpdateExpression": "SET board = :m, employee_id = :e, score = :new",
        "ExpressionAttributeValues": {":m": {"S": month}, ":e": {"S": employee_id},
                                      ":new": {"N": str(new)}}}
    if old is None:
        update["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        update["ConditionExpression"] = "score = :old"
        update["ExpressionAttributeValues"][":old"] = {"N": str(old)}
    return {"Update": update}


def bucket_add(table: str, month: str, bucket: int, deltas: dict[str, int]) -> dict:
    """The transaction item adding `deltas` to one rank bucket's counters."""
    names = {f"#a{i}": name for i, name in enumerate(deltas)}
    values = {f":d{i}": {"N": str(delta)} for i, delta in enumerate(deltas.values())}
    return {"Update": {
        "TableName": table, "Key": bucket_key(month, bucket),
        "UpdateExpression": "ADD " + ", ".join(f"#a{i} :d{i}" for i in range(len(deltas))),
        "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}
