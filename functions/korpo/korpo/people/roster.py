"""The admins' list of employees: who they are, their team, whether they shared this month,
their points, whether they are an admin or deactivated. For admins only (it shows e-mails).

A page of 50 costs a fixed number of requests whatever the company's size: the directory's
Query, one BatchGet of the access items, one Query of the teams, one BatchGet of the board
entries and balances (100 keys), the admins group (ListUsersInGroup, passed in), and one small
Query per employee of this month's daily stats counters (`STATS#employee#{id}`, at most 31
items, only `share_intents` projected), run a few at a time.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from korpo import aws, settings
from korpo.models import EmployeeModel
from korpo.people import access, directory, teams

PAGE_SIZE = 50
_PARALLEL_QUERIES = 8


@dataclass(frozen=True)
class Row:
    employee_id: str
    display_name: str
    email: str
    team_id: str | None
    team_name: str | None
    shares_this_month: int  # share intents recorded this month (brand zone)
    points_this_month: int  # the month's board entry
    balance: int  # lifetime points earned minus those spent in the shop
    is_admin: bool
    deactivated: bool
    created_at: datetime

    @property
    def active_this_month(self) -> bool:
        """Shared at least once this month (the issue's adoption measure)."""
        return self.shares_this_month > 0


@dataclass(frozen=True)
class RosterPage:
    rows: list[Row]
    next_cursor: str | None


def _scores(employee_ids: list[str], month: str, table: str) -> tuple[dict[str, int],
                                                                      dict[str, int]]:
    """(month's board score, balance) per employee: one BatchGetItem of 100 keys at most."""
    board: dict[str, int] = {}
    balance: dict[str, int] = {}
    dynamodb = aws.client("dynamodb")
    for start in range(0, len(employee_ids), 50):
        chunk = employee_ids[start:start + 50]
        keys = [{"pk": {"S": f"BOARD#{month}"}, "sk": {"S": f"EMP#{e}"}} for e in chunk] + [
            {"pk": {"S": f"EMP#{e}"}, "sk": {"S": "BALANCE"}} for e in chunk]
        request: dict[str, Any] | None = {table: {
            "Keys": keys, "ProjectionExpression": "#pk, #sk, #s, #p",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk", "#s": "score",
                                         "#p": "points"}}}
        while request:
            page = dynamodb.batch_get_item(RequestItems=request)
            for raw in page.get("Responses", {}).get(table, []):
                item = aws.from_ddb(raw)
                if item["sk"] == "BALANCE":
                    balance[item["pk"][4:]] = int(item.get("points") or 0)
                else:
                    board[item["sk"][4:]] = int(item.get("score") or 0)
            request = page.get("UnprocessedKeys") or None
    return board, balance


def shares_in_month(employee_id: str, month: str, table: str | None = None) -> int:
    """The employee's share intents of a brand month: their daily counters, one Query."""
    table = table or settings.current().scores_table
    first, last = teams.month_days(month)
    args: dict[str, Any] = {
        "TableName": table, "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":pk": {"S": f"STATS#employee#{employee_id}"},
                                      ":a": {"S": f"DAY#{first}"}, ":b": {"S": f"DAY#{last}"}},
        "ProjectionExpression": "#c.#s", "ExpressionAttributeNames": {"#c": "c",
                                                                       "#s": "share_intents"}}
    total = 0
    dynamodb = aws.client("dynamodb")
    while True:
        page = dynamodb.query(**args)
        for raw in page.get("Items", []):
            total += int((aws.from_ddb(raw).get("c") or {}).get("share_intents", 0))
        if "LastEvaluatedKey" not in page:
            return total
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def rows_of(profiles: list[EmployeeModel], month: str, admins: set[str]) -> list[Row]:
    """The rows of these profiles, in their order."""
    if not profiles:
        return []
    table = settings.current().scores_table
    ids = [p.employee_id for p in profiles]
    accesses = access.accesses_of(ids)
    names = {t.team_id: t.name for t in teams.list_teams()}
    board, balance = _scores(ids, month, table)
    with ThreadPoolExecutor(max_workers=min(_PARALLEL_QUERIES, len(ids))) as pool:
        shares = dict(zip(ids, pool.map(lambda e: shares_in_month(e, month, table), ids)))
    return [Row(employee_id=p.employee_id, display_name=p.display_name, email=p.email,
                team_id=p.team if p.team in names else None, team_name=names.get(p.team),
                shares_this_month=shares[p.employee_id],
                points_this_month=board.get(p.employee_id, 0),
                balance=balance.get(p.employee_id, 0), is_admin=p.employee_id in admins,
                deactivated=accesses.get(p.employee_id, access.Access()).deactivated,
                created_at=p.created_at)
            for p in profiles]


def roster_page(month: str, admins: set[str], cursor: str | None = None,
                limit: int = PAGE_SIZE) -> RosterPage:
    """A page of the directory (alphabetical), with each employee's figures."""
    found = directory.page(limit, cursor)
    return RosterPage(rows_of(found.employees, month, admins), found.next_cursor)


def row(employee_id: str, month: str, admins: set[str]) -> Row | None:
    """One employee's row (their detail page), or None if there is no such profile."""
    try:
        profile = EmployeeModel.get(*EmployeeModel.key(employee_id), consistent_read=True)
    except DoesNotExist:
        return None
    return rows_of([profile], month, admins)[0]
