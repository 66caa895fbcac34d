"""Writing a batch of events exactly once: ledger, monthly board, rank buckets, lifetime balance
and stats counters, aggregated per employee, and the day's shared stats once per batch.

The stream delivers at least once, retries whole batches, and two invocations may hold the same
event. For each employee of a batch, one DynamoDB transaction writes everything that employee's
new events change in the employee's own items, planned from a consistent read of the items it
will change:

- ledger buckets (`EMP#{employee}` / `LEDGER#{UTC 10 seconds of the event}`): `deferred`, the ids
  of every event of those 10 s already counted (awarded or not; `seen` holds those counted
  before issue 21, whose shared stats rode in the same transaction), and `entries`, one ledger
  entry per awarded event (type, points, rule, month, time). Events already in either set are
  dropped before planning: that is the exactly-once guard;
- the employee's board entry of each month touched (the month of the event's time in the
  brand's zone) and the score-bucket counters of the rank index (korpo.board.standings);
- the employee's stats counters per day (brand zone), with the day's points per kind, which
  the daily caps read;
- the employee's activity markers (`EMP#{employee}` / `ACTIVE#{month}`, on a first share
  intent of a brand month) and the month's adoption counters (`STATS#adoption` /
  `MONTH#{month}`: ADD active, retained, signups), so "active this month" and retention are
  one Query;
- the lifetime balance (ADD).

Then, once for the whole batch, one transaction (more when it would exceed 100 items) writes
the shared stats items the batch's counted events touch: per day (brand zone) x post,
challenge, network, team, channel (the post's feed) and "all" (the whole programme), each
with `x`, its day broken down by the event's other dimensions (korpo.board.stats: a period's
dashboard is one Query of ~days items, whatever the number of employees). Their guard is their
own: `SHARED#{UTC second of the event}` / `COUNTED` items hold the ids already counted there,
written in the same transaction. An event whose employee transaction committed but whose
shared step did not (a crash, a conflict, a bisected retry) is a duplicate in the ledger at its
next delivery; its points are read from its ledger entry and it is counted in the shared items
then, once.

Every read item is written back conditioned on the version (or absence) that was read, so a
concurrent writer makes the transaction fail as a whole; it is then planned again from fresh
reads (the other writer's events are now in the guard). A crash leaves all of a transaction's
writes done or none; a retried batch finds its done events in the guards. Writes grow with the
employees of a batch and the shared items it touches, not its events (docs/decisions.md has
the costs and the floor).
"""
from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from korpo import aws
from korpo.board import hll
from korpo.board.standings import board_entry_update, bucket_add, bucket_moves
from korpo.months import month_of, shift
from korpo.scoring.rules import (
    Challenge,
    Rules,
    ScoredEvent,
    apply_caps,
    award_for,
    challenge_for,
    is_unpaid_conversion,
    kind_of,
)

MAX_TRANSACT_ITEMS = 100
ATTEMPTS = 8


class AwardConflict(RuntimeError):
    """An employee's writes kept conflicting with another writer's; the batch retries them."""


@dataclass
class Context:
    rules: Rules
    zone: ZoneInfo
    scores_table: str
    challenges: list[Challenge] = field(default_factory=list)
    team_of: Callable[[str], str | None] = lambda employee_id: None
    # When each hidden post of the batch was hidden: its events from then on earn nothing.
    hidden_posts: dict[str, datetime] = field(default_factory=dict)
    # Deleted accounts (korpo.people.privacy): their events earn nothing.
    is_deleted: Callable[[str], bool] = lambda employee_id: False
    # Deactivated accounts (korpo.people.access): the same, while they are deactivated.
    is_deactivated: Callable[[str], bool] = lambda employee_id: False
    # The channel (feed id) of each post of the batch: the stats' "channel" dimension.
    channel_of: dict[str, str] = field(default_factory=dict)


@dataclass
class BatchOutcome:
    awarded: dict[str, int] = field(default_factory=dict)  # event id -> points
    counted: set[str] = field(default_factory=set)  # newly counted, earning nothing
    duplicates: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # event id -> error
    # Events counted in their employee's items whose shared day stats are still to count
    # (if not already done: their own guard decides), with the points they earned.
    shared_due: dict[str, int] = field(default_factory=dict)

    def merge(self, other: BatchOutcome) -> None:
        self.awarded.update(other.awarded)
        self.counted |= other.counted
        self.duplicates |= other.duplicates
        self.failed.update(other.failed)
        self.shared_due.update(other.shared_due)


# Seams for tests (crash injection, interleavings) and the bench (write units).
def _transact(items: list[dict[str, Any]]) -> None:
    aws.client("dynamodb").transact_write_items(TransactItems=items)


def _between_read_and_write(employee_id: str) -> None:
    return None


def _between_shared_read_and_write(events: list[ScoredEvent]) -> None:
    return None


# ------------------------------------------------------------------ keys


def ledger_sk(at: datetime) -> str:
    """Ten seconds of UTC event time per bucket ("…T10:15:3" holds 10:15:30-39): a bucket stays
    far below DynamoDB's 400 KB item limit (~12,000 events of one employee in 10 s) and cheap
    to rewrite, while a batch (a 5 s batching window) rarely spans more than two."""
    return "LEDGER#" + at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")[:-1]


def day_of(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d")


def stats_key(dimension: str, value: str, day: str) -> tuple[str, str]:
    return f"STATS#{dimension}#{value}", f"DAY#{day}"


def shared_guard_key(at: datetime) -> tuple[str, str]:
    """The ids of the events of one UTC second whose shared day stats are counted. A second
    per item: a batch rewrites its few seconds' items whole, so they stay small (~30 bytes an
    event: 400 KB is ~13,000 events in one second, far above what the public edge's ceilings
    let through)."""
    return "SHARED#" + at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), "COUNTED"


def active_key(employee_id: str, month: str) -> tuple[str, str]:
    return f"EMP#{employee_id}", f"ACTIVE#{month}"


def adoption_key(month: str) -> tuple[str, str]:
    return "STATS#adoption", f"MONTH#{month}"


# A day's breakdown keeps at most this many values per dimension (a day with more posts
# shared than that folds the rest into OTHER): an item stays far below 400 KB.
MAX_BREAKDOWN_VALUES = 1000
OTHER = "~other"
# The breakdown's counters: human clicks, share intents, conversions, points.
BREAKDOWN_COUNTERS = {"human_clicks": "h", "share_intents": "s", "conversions": "c"}


def dimensions(event: ScoredEvent, challenge: Challenge | None,
               team: str | None, channel: str | None = None) -> list[tuple[str, str]]:
    """The stats dimensions an event counts in ("all": the whole programme, always)."""
    out = [("employee", event.employee_id)]
    if event.post_id:
        out.append(("post", event.post_id))
    challenge_id = event.challenge_id or (challenge.challenge_id if challenge else None)
    if challenge_id:
        out.append(("challenge", challenge_id))
    if event.type == "click":
        out.append(("network", event.referrer or "direct"))
    elif event.network:
        out.append(("network", event.network))
    if team:
        out.append(("team", team))
    if channel:
        out.append(("channel", channel))
    out.append(("all", "all"))
    return out


def add_breakdown(item: dict[str, Any], own: str, event_dims: list[tuple[str, str]],
                  counters: list[str], points: int) -> None:
    """Count the event in `item`'s `x` map under each of its other dimensions (not the
    employee: a dashboard's read must not grow with employees)."""
    deltas = {BREAKDOWN_COUNTERS[c]: 1 for c in counters if c in BREAKDOWN_COUNTERS}
    if points:
        deltas["p"] = points
    if not deltas:
        return
    breakdown = item.setdefault("x", {})
    for dimension, value in event_dims:
        if dimension in ("employee", "all", own):
            continue
        values = breakdown.setdefault(dimension, {})
        if value not in values and len(values) >= MAX_BREAKDOWN_VALUES:
            value = OTHER
        row = values.setdefault(value, {})
        for name, delta in deltas.items():
            row[name] = int(row.get(name, 0)) + delta


def counters_of(event: ScoredEvent) -> list[str]:
    if event.type == "click":
        return [f"{event.klass}_clicks"]
    if event.type == "share_intent":
        return ["share_intents"]
    if event.type == "conversion":
        if event.upgrades:  # the pixel's event counted this conversion already
            return ["conversion_upgrades"]
        if is_unpaid_conversion(event):  # through a bot's or an unverified click: apart
            return ["unpaid_conversions"]
        return ["conversions", f"conversions:{event.conversion_type or 'other'}"]
    return [event.type]


# ------------------------------------------------------------------ the batch


def process(events: Iterable[ScoredEvent], ctx: Context) -> BatchOutcome:
    """Award and count a batch; an employee whose writes fail leaves only their events
    failed (the caller reports those records; a retry is harmless)."""
    outcome = BatchOutcome()
    groups: dict[str, dict[str, ScoredEvent]] = defaultdict(dict)
    for event in events:
        if event.event_id in groups[event.employee_id]:
            outcome.duplicates.add(event.event_id)
        groups[event.employee_id].setdefault(event.event_id, event)
    for employee_id in sorted(groups):
        group = sorted(groups[employee_id].values(), key=lambda e: (e.at, e.event_id))
        try:
            outcome.merge(_award_group(employee_id, group, ctx))
        except Exception as error:  # noqa: BLE001 - reported per record by the caller
            for event in group:
                outcome.failed[event.event_id] = f"{type(error).__name__}: {error}"
    due = sorted((e for g in groups.values() for e in g.values()
                  if e.event_id in outcome.shared_due and e.event_id not in outcome.failed),
                 key=lambda e: (e.at, e.event_id))
    _count_shared(due, outcome.shared_due, ctx, outcome.failed)
    return outcome


def _award_group(employee_id: str, group: list[ScoredEvent], ctx: Context) -> BatchOutcome:
    for attempt in range(ATTEMPTS):
        plan = _plan(employee_id, group, ctx)
        if not plan.writes:
            return plan.outcome
        if len(plan.writes) > MAX_TRANSACT_ITEMS:
            # Too many items for one transaction: halves are planned (and exactly once) alone.
            half = len(group) // 2
            outcome = _award_group(employee_id, group[:half], ctx)
            outcome.merge(_award_group(employee_id, group[half:], ctx))
            return outcome
        _between_read_and_write(employee_id)
        try:
            _transact(plan.writes)
            return plan.outcome
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in (
                    "TransactionCanceledException", "TransactionConflictException"):
                raise
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))  # another writer: re-plan
    raise AwardConflict(f"employee {employee_id}: writes kept conflicting")


@dataclass
class _Plan:
    writes: list[dict[str, Any]]
    outcome: BatchOutcome


def _batch_get(table: str, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    found: dict[tuple[str, str], dict] = {}
    dynamodb = aws.client("dynamodb")
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 100):
        request = {table: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}}
                                    for pk, sk in unique[start:start + 100]],
                           "ConsistentRead": True}}
        while request:
            page = dynamodb.batch_get_item(RequestItems=request)
            for raw in page.get("Responses", {}).get(table, []):
                item = aws.from_ddb(raw)
                found[(item["pk"], item["sk"])] = item
            request = page.get("UnprocessedKeys") or None
    return found


def _plan(employee_id: str, group: list[ScoredEvent], ctx: Context) -> _Plan:
    rules, zone, table = ctx.rules, ctx.zone, ctx.scores_table
    team = ctx.team_of(employee_id)
    deleted = ctx.is_deleted(employee_id) or ctx.is_deactivated(employee_id)
    ledger_keys = [(f"EMP#{employee_id}", ledger_sk(e.at)) for e in group]
    board_keys = [(f"BOARD#{month_of(e.at, zone)}", f"EMP#{employee_id}") for e in group]
    event_dims = {e.event_id: _dimensions_in(e, ctx, team) for e in group}
    stat_keys = [stats_key("employee", employee_id, day_of(e.at, zone)) for e in group]
    # Was the employee active (had shared) the month before, of, and after each share?
    active_keys = [active_key(employee_id, shift(month_of(e.at, zone), delta))
                   for e in group if e.type == "share_intent" for delta in (-1, 0, 1)]
    current = _batch_get(table, ledger_keys + board_keys + stat_keys + active_keys)

    seen, deferred, points_of = set(), set(), {}
    for key in set(ledger_keys):
        bucket = current.get(key, {})
        seen |= set(bucket.get("seen") or ())
        deferred |= set(bucket.get("deferred") or ())
        points_of.update({i: int(e["points"]) for i, e in (bucket.get("entries") or {}).items()})
    outcome = BatchOutcome()
    fresh = []
    for event in group:
        if event.event_id in deferred:
            # Counted here before; its shared stats may not be (the step after failed).
            outcome.duplicates.add(event.event_id)
            outcome.shared_due[event.event_id] = points_of.get(event.event_id, 0)
        elif event.event_id in seen:  # counted whole, before issue 21
            outcome.duplicates.add(event.event_id)
        else:
            fresh.append(event)
    if not fresh:
        return _Plan([], outcome)

    changed: dict[tuple[str, str], dict] = {}
    item = _changes(current, changed)

    scores: dict[str, int] = {}
    adoption: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    balance = 0
    for event in fresh:
        day, month = day_of(event.at, zone), month_of(event.at, zone)
        kind = kind_of(event)
        mine = item(stats_key("employee", employee_id, day), dim="employee", key=employee_id,
                    day=day, c={})
        granted = award_for(event, rules, list(ctx.challenges))
        hidden_at = ctx.hidden_posts.get(event.post_id or "")
        if hidden_at is not None and event.at >= hidden_at:
            granted = None  # a hidden post's links stop earning; the event still counts
        if granted is not None and deleted:
            granted = None  # a deleted or deactivated account's links redirect, earn nothing
        capped = False
        if granted is not None:
            uncapped = granted
            granted = apply_caps(granted, kind, rules, int(mine["c"].get("points", 0)),
                                 int(mine["c"].get(f"points:{kind}", 0)))
            capped = granted is None
        points = granted.points if granted else 0

        bucket = item((f"EMP#{employee_id}", ledger_sk(event.at)), employee_id=employee_id,
                      entries={})
        bucket["deferred"] = set(bucket.get("deferred") or ()) | {event.event_id}
        if granted or capped:
            # The ledger line says why in plain words: what happened (type, rule: conversion
            # type, challenge, "+capped"), on which post ("p") and network ("n"); titles are
            # read when the line is shown. An event the daily cap stopped is written with 0
            # points and rule "capped:{rule it would have earned by}".
            entry = {"type": event.type, "points": points,
                     "rule": granted.rule if granted else f"capped:{uncapped.rule}",
                     "month": month, "at": event.at.astimezone(timezone.utc).isoformat()}
            if event.post_id:
                entry["p"] = event.post_id
            if event.network:
                entry["n"] = event.network
            bucket.setdefault("entries", {})[event.event_id] = entry
        outcome.shared_due[event.event_id] = points
        if granted:
            board_key = (f"BOARD#{month}", f"EMP#{employee_id}")
            if month not in scores:
                scores[month] = int(current.get(board_key, {}).get("score", 0))
            scores[month] += points
            balance += points
            outcome.awarded[event.event_id] = points
        else:
            outcome.counted.add(event.event_id)

        if event.type == "share_intent" and active_key(employee_id, month) not in current \
                and active_key(employee_id, month) not in changed:
            _mark_active(employee_id, month, current, changed, adoption, item)
        elif event.type == "employee_signup":
            adoption[month]["signups"] += 1

        _count_in(mine, "employee", event, event_dims[event.event_id], points)

    writes = [_versioned_put(table, key, value, current.get(key))
              for key, value in changed.items()]
    for month, score in scores.items():
        board_key = (f"BOARD#{month}", f"EMP#{employee_id}")
        old = current.get(board_key)
        old_score = int(old["score"]) if old else None
        writes.append(board_entry_update(table, month, employee_id, old_score, score))
        for bucket_no, deltas in bucket_moves(old_score, score).items():
            writes.append(bucket_add(table, month, bucket_no, deltas))
    for month, deltas in sorted(adoption.items()):
        writes.append(_adoption_add(table, month, deltas))
    if balance:
        writes.append({"Update": {
            "TableName": table, "Key": {"pk": {"S": f"EMP#{employee_id}"}, "sk": {"S": "BALANCE"}},
            "UpdateExpression": "ADD points :p",
            "ExpressionAttributeValues": {":p": {"N": str(balance)}}}})
    return _Plan(writes, outcome)


def _dimensions_in(event: ScoredEvent, ctx: Context, team: str | None) -> list[tuple[str, str]]:
    return dimensions(event, challenge_for(event, ctx.challenges), team,
                      ctx.channel_of.get(event.post_id or ""))


def _count_in(stats: dict, dimension: str, event: ScoredEvent, dims: list[tuple[str, str]],
              points: int) -> None:
    """The event's counters, points and visitor in one stats item of `dimension`."""
    counters = counters_of(event)
    for name in counters:
        stats["c"][name] = int(stats["c"].get(name, 0)) + 1
    if dimension != "employee":
        add_breakdown(stats, dimension, dims, counters, points)
    if points:
        stats["c"]["points"] = int(stats["c"].get("points", 0)) + points
        if dimension == "employee":
            kind = kind_of(event)
            stats["c"][f"points:{kind}"] = int(stats["c"].get(f"points:{kind}", 0)) + points
    if event.type == "click" and event.klass == "human" and event.visitor_key:
        registers = bytearray(bytes(stats.get("hll") or b"") or hll.empty())
        hll.add(registers, event.visitor_key)
        stats["hll"] = bytes(registers)


# ------------------------------------------------------------------ the shared day stats


def _count_shared(events: list[ScoredEvent], points: dict[str, int], ctx: Context,
                  failed: dict[str, str]) -> None:
    """The batch's shared day stats (every dimension but the employee's), exactly once by
    their own guard; events whose writes fail land in `failed` (their records are retried,
    and found then as duplicates still due here)."""
    if not events:
        return
    try:
        for attempt in range(ATTEMPTS):
            writes = _plan_shared(events, points, ctx)
            if not writes:
                return
            if len(writes) > MAX_TRANSACT_ITEMS and len(events) > 1:
                half = len(events) // 2  # halves are exactly once alone, as an employee's
                _count_shared(events[:half], points, ctx, failed)
                _count_shared(events[half:], points, ctx, failed)
                return
            _between_shared_read_and_write(events)
            try:
                _transact(writes)
                return
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in (
                        "TransactionCanceledException", "TransactionConflictException"):
                    raise
                time.sleep(random.uniform(0, 0.02 * 2 ** attempt))  # another writer: re-plan
        raise AwardConflict("the shared day stats kept conflicting")
    except Exception as error:  # noqa: BLE001 - reported per record by the caller
        for event in events:
            failed.setdefault(event.event_id, f"{type(error).__name__}: {error}")


def _plan_shared(events: list[ScoredEvent], points: dict[str, int],
                 ctx: Context) -> list[dict[str, Any]]:
    zone, table = ctx.zone, ctx.scores_table
    dims_of = {e.event_id: _dimensions_in(e, ctx, ctx.team_of(e.employee_id)) for e in events}
    guard_keys = [shared_guard_key(e.at) for e in events]
    stat_keys = [stats_key(d, v, day_of(e.at, zone)) for e in events
                 for d, v in dims_of[e.event_id] if d != "employee"]
    current = _batch_get(table, guard_keys + stat_keys)
    done: set[str] = set()
    for key in set(guard_keys):
        done |= set(current.get(key, {}).get("ids") or ())
    changed: dict[tuple[str, str], dict] = {}
    item = _changes(current, changed)

    for event in events:
        if event.event_id in done:
            continue
        guard = item(shared_guard_key(event.at))
        guard["ids"] = set(guard.get("ids") or ()) | {event.event_id}
        day, dims = day_of(event.at, zone), dims_of[event.event_id]
        for dimension, value in dims:
            if dimension != "employee":
                stats = item(stats_key(dimension, value, day), dim=dimension, key=value,
                             day=day, c={})
                _count_in(stats, dimension, event, dims, points.get(event.event_id, 0))
    return [_versioned_put(table, key, value, current.get(key))
            for key, value in changed.items()]


def _mark_active(employee_id: str, month: str, current: dict, changed: dict,
                 adoption: dict[str, dict[str, int]], item: Callable[..., dict]) -> None:
    """The employee's first share of `month`: its marker, the month's active count, and
    retention for whichever pair of neighbouring months this completes. A pair is counted
    when its second marker is written, so late events of a past month count once too."""
    def had(m: str) -> bool:
        return active_key(employee_id, m) in current or active_key(employee_id, m) in changed

    item(active_key(employee_id, month), employee_id=employee_id, month=month)
    adoption[month]["active"] += 1
    if had(shift(month, -1)):
        adoption[month]["retained"] += 1
    if had(shift(month, 1)):
        adoption[shift(month, 1)]["retained"] += 1


def _adoption_add(table: str, month: str, deltas: dict[str, int]) -> dict:
    """ADDs to the month's adoption counters: exactly once, as they ride in the transaction
    whose ledger condition makes it apply once (like the balance's ADD)."""
    deltas = {k: v for k, v in sorted(deltas.items()) if v}
    names = {f"#a{i}": name for i, name in enumerate(deltas)}
    values = {f":d{i}": {"N": str(delta)} for i, delta in enumerate(deltas.values())}
    pk, sk = adoption_key(month)
    values[":m"] = {"S": month}
    return {"Update": {
        "TableName": table, "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
        "UpdateExpression": "SET #month = :m ADD " + ", ".join(f"#a{i} :d{i}"
                                                               for i in range(len(deltas))),
        "ExpressionAttributeNames": {**names, "#month": "month"},
        "ExpressionAttributeValues": values}}


def _changes(current: dict[tuple[str, str], dict],
             changed: dict[tuple[str, str], dict]) -> Callable[..., dict]:
    """`item(key, **defaults)`: the item to change in `changed`, a copy of the one read (or a
    new one with `defaults`), the same object on every call."""
    def item(item_key: tuple[str, str], /, **defaults: Any) -> dict:
        if item_key not in changed:
            base = current.get(item_key)
            changed[item_key] = _copy(base) if base else {"pk": item_key[0], "sk": item_key[1],
                                                          **defaults}
        return changed[item_key]
    return item


def _copy(item: dict) -> dict:
    out = dict(item)
    for name in ("c", "entries"):
        if name in out:
            out[name] = dict(out[name])
    if "x" in out:  # {dimension: {value: {counter: n}}}: changed in place, so copied deep
        out["x"] = {d: {v: dict(row) for v, row in values.items()}
                    for d, values in out["x"].items()}
    for name in ("seen", "deferred", "ids"):
        if name in out:
            out[name] = set(out[name])
    if "hll" in out and out["hll"] is not None:
        out["hll"] = bytes(getattr(out["hll"], "value", out["hll"]))
    return out


def _versioned_put(table: str, key: tuple[str, str], value: dict, read: dict | None) -> dict:
    version = int(read["v"]) if read and "v" in read else 0
    value = {**value, "v": version + 1}
    put: dict[str, Any] = {"TableName": table, "Item": aws.to_ddb(value)}
    if read is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "v = :v"
        put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
    return {"Put": put}




# ------------------------------------------------------------------ reading the ledger


def month_bounds_utc(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    year, mon = (int(p) for p in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def ledger_entries(table: str, employee_id: str, month: str | None = None,
                   zone: ZoneInfo | None = None,
                   include_capped: bool = False) -> list[dict[str, Any]]:
    """The employee's ledger entries (of one brand month if given), oldest first; the 0-point
    entries of events the daily cap stopped only with include_capped."""
    args: dict[str, Any] = {"TableName": table,
                            "ExpressionAttributeValues": {":pk": {"S": f"EMP#{employee_id}"}}}
    if month and zone:
        start, end = month_bounds_utc(month, zone)
        # A margin of a minute either side; entries are filtered on their month below.
        args["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :a AND :b"
        args["ExpressionAttributeValues"].update({
            ":a": {"S": ledger_sk(start - timedelta(minutes=1))},
            ":b": {"S": ledger_sk(end + timedelta(minutes=1))}})
    else:
        args["KeyConditionExpression"] = "pk = :pk AND begins_with(sk, :l)"
        args["ExpressionAttributeValues"][":l"] = {"S": "LEDGER#"}
    out: list[dict[str, Any]] = []
    dynamodb = aws.client("dynamodb")
    while True:
        page = dynamodb.query(**args)
        for raw in page.get("Items", []):
            bucket = aws.from_ddb(raw)
            for event_id, entry in sorted((bucket.get("entries") or {}).items(),
                                          key=lambda kv: (kv[1]["at"], kv[0])):
                if not include_capped and str(entry["rule"]).startswith("capped:"):
                    continue
                if month is None or entry["month"] == month:
                    out.append({"employee_id": employee_id, "event_id": event_id,
                                "type": entry["type"], "points": int(entry["points"]),
                                "rule": entry["rule"], "month": entry["month"],
                                "at": entry["at"], "post_id": entry.get("p"),
                                "network": entry.get("n")})
        if "LastEvaluatedKey" not in page:
            return out
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
