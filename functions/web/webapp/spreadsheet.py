"""Tables as CSV files that Excel opens as they are: UTF-8 with a byte-order mark, and no
cell a spreadsheet would run as a formula (titles are written by feeds and admins: hostile)."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Iterable

BOM = "\ufeff"
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice
# and Google Sheets: "=cmd()", "+1+cmd()", "-1+cmd()", "@SUM()", and tab or CR before them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """Numbers as numbers; text with a leading apostrophe when it would start a formula."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(headers: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(h) for h in headers])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return BOM + out.getvalue()


def file_name(*parts: str) -> str:
    """A download's name from safe characters only (it goes in a header)."""
    return "-".join(re.sub(r"[^A-Za-z0-9_.-]", "", p) for p in parts if p)[:120] + ".csv"
