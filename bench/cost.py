"""cost figures, priced from what the bench counted (bench.prices holds the prices,
bench.cost_model the two models).

- cost.usd_per_million_clicks: a million human clicks, each awarded, through the function URL
  edge (PublicEdge=function-url); cost.usd_per_million_clicks_api the same through the HTTP
  API (PublicEdge=api, the default). Per click: one HTTP API request (api only; a function
  URL costs nothing beyond its function's requests and duration); one track_click invocation
  (1024 MB, the warm duration of that edge's event measured here in-process against moto: an
  upper bound, moto's own work is in it) and its write units; award_points: 1/100 of an
  invocation (batches of 100, 512 MB, the duration per batch measured by bench.award_points)
  and the write and read units per event of the e10 figure. Stream reads by Lambda are free.
- cost.flood_usd_per_day_default_limits: a day at the stage throttle's default rate (plus one
  burst), every request a click on a valid link of the costliest kind measured here: a bot's
  (a link preview), a repeat visitor's, or a human first click; each kind goes through the
  real track_click and award_points handlers, its writes, reads, log lines and stored bytes
  counted (bench.cost_model.flood_per_day).
- cost.usd_per_month_200_employees: the stated month of docs/deploy.md, "Cost"
  (bench.cost_model.month), with the functions' cold init measured here (goal < $1, list
  prices, no free tier).
"""
from __future__ import annotations

import io
import statistics
import time
from contextlib import nullcontext
from typing import Any

from bench import award_points, cost_model, prices
from bench.capacity import item_size, metered
from bench.counting import count_calls, writes
from bench.harness import Figure, moto_account

CLICKS = 100
TRACK_CLICK_GB = 1.0  # template: MemorySize 1024
AWARD_POINTS_GB = 0.5  # template: Globals MemorySize 512
KIND_REQUESTS = 200  # per kind of flood request: two award_points batches
COLD_RUNS = 5
BOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")
# The functions whose cold init the month prices (every one that runs in it).
COLD_FUNCTIONS = {"TrackClickFunction": "track_click", "AwardPointsFunction": "award_points",
                  "WebFunction": "web", "PollFeedsFunction": "poll_feeds",
                  "SendDigestFunction": "send_digest", "ResetMonthlyFunction": "reset_monthly"}


def _track_click() -> tuple[dict[str, float], float]:
    """({edge: seconds per warm click}, write units per click)."""
    from bench import track_click

    seconds, units_per_click = {}, {}
    with moto_account():
        from helpers import make_post

        from infra.functions import LambdaContext, load_handler
        from korpo.tracking import links

        track_click.put_secrets()
        make_post("cost-post")
        link = links.get_or_create("cost-employee", "cost-post", "linkedin")
        handler = load_handler("TrackClickFunction")
        context = LambdaContext("track_click")
        for n, edge in enumerate(("api", "function-url")):
            events = track_click._events(link.code, CLICKS + 1, n * (CLICKS + 1), edge)
            handler(events[0], context)  # cold
            durations = []
            with metered() as units:
                for event in events[1:]:
                    started = time.perf_counter()
                    assert handler(event, context)["statusCode"] == 302
                    durations.append(time.perf_counter() - started)
            seconds[edge] = statistics.median(durations)
            units_per_click[edge] = units.write / CLICKS
    assert units_per_click["api"] == units_per_click["function-url"], units_per_click
    return seconds, units_per_click["api"]


# ------------------------------------------------------------------ a kind of click, end to end


class _CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)


def _logged_at_info(*modules):
    """The handlers' loggers at INFO (the template sets no level: Powertools' default), their
    lines counted instead of printed."""
    stream = _CountingStream()
    saved = []
    for module in modules:
        handler = module.logger.registered_handler
        saved.append((module.logger, module.logger.log_level, handler, handler.stream))
        module.logger.setLevel("INFO")
        handler.setStream(stream)

    def restore() -> None:
        for logger, level, handler, original in saved:
            logger.setLevel(level)
            handler.setStream(original)
    return stream, restore


def _table_bytes(client, table: str) -> int:
    return sum(item_size(i) for i in _scan(client, table))


def _stream_records(items: list[dict]) -> list[dict]:
    """The Events items as the stream delivers them to award_points (INSERT, NEW_IMAGE)."""
    return [{"eventID": str(n), "eventName": "INSERT", "eventSource": "aws:dynamodb",
             "awsRegion": "eu-west-1",
             "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/bench/stream/x",
             "dynamodb": {"Keys": {"event_id": item["event_id"]}, "NewImage": item,
                          "SequenceNumber": f"{n:024d}", "StreamViewType": "NEW_IMAGE"}}
            for n, item in enumerate(sorted(items, key=lambda i: i["event_id"]["S"]))]


def _kind(kind: str) -> cost_model.Measured:
    """KIND_REQUESTS clicks of one kind through track_click, then what they wrote through
    award_points in batches of 100, as the stream would deliver them: once timed, once
    metered (the metering reads each item before and after its write, which takes time)."""
    from bench import track_click
    from bench.moto_speed import one_backup_per_transaction

    with moto_account(), one_backup_per_transaction():
        track_click.put_secrets()  # without them, no click would be counted
        _warm, timed = _kind_pass(kind, 0, measure=False)
        return _kind_pass(kind, KIND_REQUESTS, measure=True, timed=timed)[0]


def _kind_pass(kind: str, first: int, measure: bool,
               timed: tuple[float, float] | None = None) -> tuple[Any, tuple[float, float]]:
    import sys

    import boto3
    from helpers import http_event, make_post

    from infra.functions import LambdaContext, load_handler
    from korpo import settings
    from korpo.tracking import links

    names = settings.current()
    dynamodb = boto3.client("dynamodb")
    make_post("flood-post")
    codes = [links.get_or_create(f"flood-employee-{n}", "flood-post", "linkedin").code
             for n in range(10)]
    track = load_handler("TrackClickFunction")
    award = load_handler("AwardPointsFunction")
    context, award_context = LambdaContext("track_click"), LambdaContext("award_points")
    events = []
    for n in range(first, first + KIND_REQUESTS + 1):
        event = http_event("track_click/follow_link", path_params={"code": codes[n % len(codes)]})
        # A repeat is the same visitor, link and browser again and again.
        visitor = 7 if kind == "repeat" else n
        event["requestContext"]["identity"]["sourceIp"] = (
            f"10.{visitor // 65536 % 256}.{visitor // 256 % 256}.{visitor % 256}")
        event["headers"]["user-agent"] = BOT if kind == "bot" else BROWSER
        events.append(event)
    track(events[0], context)  # the container's first click of this link set: cache, classifiers
    seen = {i["event_id"]["S"] for i in _scan(dynamodb, names.events_table)}
    sizes_before = (_table_bytes(dynamodb, names.events_table),
                    _table_bytes(dynamodb, names.scores_table))
    modules = [sys.modules[n] for n in ("korpo_fn_track_click", "korpo_fn_award_points")]
    logs, restore = _logged_at_info(*modules)
    try:
        with metered() if measure else nullcontext() as track_units, \
                count_calls() as track_calls:
            started = time.perf_counter()
            for event in events[1:]:
                assert track(event, context)["statusCode"] == 302
            track_seconds = time.perf_counter() - started
        records = _stream_records([i for i in _scan(dynamodb, names.events_table)
                                   if i["event_id"]["S"] not in seen])
        with metered() if measure else nullcontext() as award_units, \
                count_calls() as award_calls:
            started = time.perf_counter()
            for i in range(0, len(records), 100):
                assert award({"Records": records[i:i + 100]}, award_context) == {
                    "batchItemFailures": []}
            award_seconds = time.perf_counter() - started
    finally:
        restore()
    n = KIND_REQUESTS
    if not measure:
        return None, (track_seconds / n, award_seconds / n)
    events_added = _table_bytes(dynamodb, names.events_table) - sizes_before[0]
    scores_added = _table_bytes(dynamodb, names.scores_table) - sizes_before[1]
    # A conditional write that fails (a repeat's first-click put) is billed a write unit
    # too, which the metering of item sizes does not see: at least a unit per write request.
    return cost_model.Measured(
        kind=kind, track_seconds=timed[0],
        track_write_units=max(track_units.write, writes(track_calls)) / n,
        track_read_units=track_units.read / n,
        award_seconds=timed[1],
        award_write_units=max(award_units.write, writes(award_calls)) / n,
        award_read_units=award_units.read / n,
        log_bytes=logs.bytes / n, events_bytes=events_added / n,
        scores_bytes=scores_added / n), timed


def _scan(client, table: str) -> list[dict]:
    items, start = [], None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


# Lambda imports the handler's module as a module (its dataclasses look themselves up in
# sys.modules). The CPU seconds of the import and init, not the wall time: the INIT is CPU
# work, and on this shared 2-core machine other processes stretch the wall time (by 3-4x
# under a load of 8). "<init seconds> 0", as bench.web reads it.
_COLD_MODULE = """
import sys, time
t = time.process_time()
import importlib.util
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
print(time.process_time() - t, 0)
"""


def _cold_init() -> dict[str, float]:
    """CPU seconds to import and initialise each function's module in a fresh interpreter
    (the INIT Lambda bills), on one core of this machine: the median of COLD_RUNS."""
    from bench.web import _cold_once

    out = {}
    for logical_id, folder in COLD_FUNCTIONS.items():
        _cold_once(_COLD_MODULE, folder)  # compiled .pyc, as in Lambda
        out[logical_id] = statistics.median(_cold_once(_COLD_MODULE, folder)
                                            for _ in range(COLD_RUNS))
    return out


def _print_lines(title: str, lines: list[cost_model.Line]) -> None:
    print(f"\n{title}")
    for line in lines:
        print(f"  {line.item:<34} {line.volume:>26}  ${line.usd:9.4f}  {line.note}")


def run() -> list[Figure]:
    from infra.template import load_template

    if "seconds_per_batch" not in award_points.measured:
        award_points.run()
    m = award_points.measured
    click_seconds, click_wcu = _track_click()
    edge_request = {"api": prices.HTTP_API_PER_MILLION_REQUESTS / 1e6,
                    "function-url": prices.FUNCTION_URL_PER_MILLION_REQUESTS / 1e6}
    lines = {
        "Lambda requests": prices.LAMBDA_PER_MILLION_REQUESTS / 1e6 * (
            1 + 1 / award_points.BATCH),
        "award_points duration": m["seconds_per_batch"] / award_points.BATCH * AWARD_POINTS_GB
        * prices.LAMBDA_PER_GB_SECOND,
        "DynamoDB writes": (click_wcu + m["wcu_e10"]) * prices.DYNAMODB_PER_MILLION_WRU / 1e6,
        "DynamoDB reads": m["rcu_e10"] * prices.DYNAMODB_PER_MILLION_RRU / 1e6,
    }
    per_click = {}
    for edge in ("api", "function-url"):
        edge_lines = {"edge requests": edge_request[edge],
                      "track_click duration": click_seconds[edge] * TRACK_CLICK_GB
                      * prices.LAMBDA_PER_GB_SECOND, **lines}
        per_click[edge] = sum(edge_lines.values())
        _print_lines(f"cost per million clicks, PublicEdge={edge}",
                     [cost_model.Line(name, "1,000,000 clicks", usd * 1e6, "")
                      for name, usd in edge_lines.items()])
    template = load_template()
    kinds = {kind: _kind(kind) for kind in ("human", "bot", "repeat")}
    for k in kinds.values():
        print(f"cost: {k}")
    flood, flood_lines = cost_model.flood_per_day(list(kinds.values()), template)
    _print_lines("cost.flood_usd_per_day_default_limits", flood_lines)
    inits = _cold_init()
    monthly, month_lines = cost_model.month(kinds, inits, template)
    _print_lines("cost.usd_per_month_200_employees", month_lines)
    rate = cost_model.default(template, "ApiRateLimit")
    return [Figure("cost.usd_per_million_clicks", per_click["function-url"] * 1e6, "USD",
                   "<= 2.50 (PublicEdge=function-url)"),
            Figure("cost.usd_per_million_clicks_api", per_click["api"] * 1e6, "USD",
                   "info (PublicEdge=api, the default: + the HTTP API's $1.00)"),
            Figure("cost.flood_usd_per_day_default_limits", flood, "USD",
                   f"info ({rate}/s for 24 h, the costliest click)"),
            Figure("cost.usd_per_month_200_employees", monthly, "USD",
                   "< 1 (list prices, no free tier)")]
