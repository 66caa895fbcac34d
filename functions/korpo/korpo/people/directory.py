"""Every employee, alphabetically, a page at a time: the admins' list and the weekly digest.

One Query on the catalog's gsi1 (`EMPLOYEES`), never a Scan; a page costs what it returns.
Deleted accounts have no profile, so they are not listed.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Iterator

from korpo.models import EmployeeModel

MAX_PAGE = 100


@dataclass(frozen=True)
class Page:
    employees: list[EmployeeModel]
    next_cursor: str | None  # opaque; None on the last page


def encode_cursor(key: dict | None) -> str | None:
    """A gsi1 Query's LastEvaluatedKey as an opaque cursor for the next page's link."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None, partition: str) -> dict | None:
    """The key a cursor holds, or None (the first page) for anything a Query of that gsi1
    partition did not hand out."""
    if not cursor or len(cursor) > 1024:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error):
        return None
    # Only the four key attributes of gsi1 and the table, each a string, in this partition:
    # anything else is somebody's invention and starts from the first page.
    if not isinstance(key, dict) or set(key) != {"pk", "sk", "gsi1pk", "gsi1sk"} or not all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str)
            for v in key.values()) or key["gsi1pk"]["S"] != partition:
        return None
    return key


def page(limit: int = 50, cursor: str | None = None) -> Page:
    """A page of employees by name; `cursor` is the previous page's next_cursor."""
    limit = max(1, min(int(limit), MAX_PAGE))
    found = EmployeeModel.gsi1.query("EMPLOYEES", limit=limit,
                                     last_evaluated_key=decode_cursor(cursor, "EMPLOYEES"))
    employees = list(found)
    more = found.last_evaluated_key if len(employees) == limit else None
    return Page(employees, encode_cursor(more))


def every_employee(batch: int = MAX_PAGE) -> Iterator[EmployeeModel]:
    """All of them, page after page (a batch job's loop: the weekly digest)."""
    cursor = None
    while True:
        current = page(batch, cursor)
        yield from current.employees
        if current.next_cursor is None:
            return
        cursor = current.next_cursor
