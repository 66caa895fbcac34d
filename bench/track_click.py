"""track_click figures: warm cost and cold init against a bare boto3 handler, DynamoDB requests
per click, package size. In-process moto; cold starts in fresh interpreters. The warm cost is
measured on both public edges (PublicEdge): the HTTP API's payload 1.0 events and a function
URL's payload 2.0 ones; the cold init is the same module for both."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.counting import count_calls, reads, writes
from bench.deploy import built_layer, tree_bytes
from bench.harness import COLD_BASELINE, ROOT, STACK, Figure, cold_env, moto_account

CLICKS = 200
WARM_ROUNDS = 9
COLD_RUNS = 7
SECRETS_PATH = f"/korpo/{STACK}"
SECRETS = {"visitor_hash_secret": "bench-visitor-secret-0123456789abcdef",
           "conversion_secret": "bench-conversion-secret-0123456789abcd"}
BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")
# Seconds per warm click on each edge, shared with bench.cost.
measured: dict[str, float] = {}


# ------------------------------------------------------------------ the baseline handler

def baseline_handler(client, table: str):
    """What the issue compares against: a minimal handler making the same DynamoDB call
    (one conditional PutItem of a click-sized item) with bare boto3, answering 302."""
    import secrets as random

    def handler(event, _context):
        # The code from the route (HTTP API) or from the path (a function URL has no routes).
        code = (event.get("pathParameters") or {}).get("code") or \
            event["rawPath"].rsplit("/", 1)[-1]
        event_id = f"{int(time.time() * 1000):012x}{random.token_hex(8)}"
        client.put_item(TableName=table, ConditionExpression="attribute_not_exists(event_id)",
                        Item={"event_id": {"S": event_id}, "type": {"S": "click"},
                              "code": {"S": code}, "employee_id": {"S": "bench-employee"},
                              "at": {"S": "2026-11-22T10:15:03.000000+0000"},
                              "klass": {"S": "human"}, "post_id": {"S": "bench-post"},
                              "network": {"S": "linkedin"}, "referrer": {"S": "linkedin"},
                              "device": {"S": "desktop"}, "browser": {"S": "Safari"},
                              "visitor_key": {"S": random.token_hex(16)},
                              "expires_at": {"N": str(int(time.time()) + 7776000)}})
        return {"statusCode": 302, "headers": {"Location": f"https://example.com/?c={event_id}"},
                "body": ""}
    return handler


def _events(code: str, count: int, offset: int = 0, edge: str = "api") -> list[dict]:
    from helpers import http_event, load_event

    out = []
    for i in range(offset, offset + count):
        # A different visitor each time: every click is a human first click (one write).
        ip = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
        if edge == "function-url":
            event = load_event("track_click/function_url_follow_link")
            event["rawPath"] = event["requestContext"]["http"]["path"] = f"/l/{code}"
            event["requestContext"]["http"]["sourceIp"] = ip
            event["requestContext"]["http"]["userAgent"] = BROWSER
        else:
            event = http_event("track_click/follow_link", path_params={"code": code})
            event["requestContext"]["identity"]["sourceIp"] = ip
        event["headers"]["user-agent"] = BROWSER
        out.append(event)
    return out


def _timed(handler, events, context) -> float:
    started = time.perf_counter()
    for event in events:
        assert handler(event, context)["statusCode"] == 302
    return time.perf_counter() - started


# ------------------------------------------------------------------ in-process figures

def put_secrets() -> None:
    """The secrets in moto's SSM, where the deployed track_click reads them (its first click
    reads the visitor-hash-secret: one GetParameter, counted in the cold click's requests)."""
    from helpers import store_secrets
    from korpo import settings

    store_secrets(SECRETS_PATH, **SECRETS)
    os.environ["KORPO_SECRETS_PATH"] = SECRETS_PATH
    settings.current.cache_clear()


def _in_process() -> list[Figure]:
    with moto_account():
        import boto3
        from helpers import http_event, make_post

        from infra.functions import LambdaContext, load_handler
        from korpo.tracking import links

        put_secrets()
        make_post("bench-post")
        link = links.get_or_create("bench-employee", "bench-post", "linkedin")
        handler = load_handler("TrackClickFunction")
        context = LambdaContext("track_click")
        first = http_event("track_click/follow_link", path_params={"code": link.code})
        first["headers"]["user-agent"] = BROWSER
        with count_calls("dynamodb") as cold:
            assert handler(first, context)["statusCode"] == 302
        with count_calls("dynamodb") as warm:
            for event in _events(link.code, CLICKS):
                assert handler(event, context)["statusCode"] == 302
        with count_calls("dynamodb") as repeats:
            for _ in range(20):
                assert handler(first, context)["statusCode"] == 302

        baseline = baseline_handler(boto3.client("dynamodb"), f"{STACK}-events")
        offset = CLICKS + 1
        timings: dict[str, tuple[list[float], list[float]]] = {
            edge: ([], []) for edge in ("api", "function-url")}
        edges = list(timings)
        for round_ in range(WARM_ROUNDS):  # interleaved, alternating who goes first
            # Both edges in every round, each first in turn (moto slows as its table grows).
            for edge in (edges if round_ % 2 == 0 else edges[::-1]):
                ours_s, base_s = timings[edge]
                pair = [(ours_s, handler), (base_s, baseline)]
                for times, fn in (pair if round_ % 2 == 0 else pair[::-1]):
                    times.append(_timed(fn, _events(link.code, CLICKS, offset, edge), context))
                    offset += CLICKS
    total = sum(cold.values()) + sum(warm.values())
    # The median of the rounds' own ratios: a round's pair ran back to back, so load on the
    # machine (it varies) mostly cancels out.
    measured.update({edge: statistics.median(o) / CLICKS for edge, (o, _b) in timings.items()})
    return [
        Figure("track_click.warm_ratio", statistics.median(
            o / b for o, b in zip(*timings["api"])), "ratio", "<= 1.3 (PublicEdge=api)"),
        Figure("track_click.warm_ratio_function_url", statistics.median(
            o / b for o, b in zip(*timings["function-url"])), "ratio",
            "<= 1.3 (PublicEdge=function-url)"),
        Figure("track_click.warm_ms_per_click", measured["api"] * 1000,
               "ms", "info (in-process moto)"),
        Figure("track_click.warm_ms_per_click_function_url", measured["function-url"] * 1000,
               "ms", "info (in-process moto)"),
        Figure("track_click.dynamodb_requests_per_click", total / (CLICKS + 1), "requests",
               "<= 1.01"),
        Figure("track_click.dynamodb_writes_per_click", writes(warm) / CLICKS, "requests", "1"),
        Figure("track_click.dynamodb_reads_per_click_warm", reads(warm) / CLICKS, "requests",
               "0"),
        Figure("track_click.dynamodb_writes_per_repeat_click", writes(repeats) / 20, "requests",
               "2 (documented)"),
    ]


# ------------------------------------------------------------------ cold init

_COLD_HANDLER = """
import sys, time
t = time.perf_counter()
import importlib.util
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
init = time.perf_counter() - t
t = time.perf_counter()
from korpo.tracking import agents
agents.describe(sys.argv[2])
print(init, time.perf_counter() - t)
"""
def _cold_env() -> dict[str, str]:
    return cold_env([ROOT / "functions" / "korpo"], {
        "KORPO_EVENTS_TABLE": f"{STACK}-events", "KORPO_CATALOG_TABLE": f"{STACK}-catalog",
        "KORPO_SCORES_TABLE": f"{STACK}-scores",
        # The path only: init reads no secret (and a read would fail here, with no AWS).
        "KORPO_SECRETS_PATH": SECRETS_PATH})


def _cold_once(code: str) -> tuple[float, float]:
    argv = [sys.executable, "-c", code, str(ROOT / "functions" / "track_click" / "app.py"),
            BROWSER]
    out = subprocess.run(argv, env=_cold_env(), capture_output=True, text=True, timeout=120,
                         check=True, cwd=tempfile.gettempdir())
    init, first_use = out.stdout.split()[-2:]
    return float(init), float(first_use)


def _cold() -> list[Figure]:
    ours, base, lazy = [], [], []
    # One untimed run each first: both sides then import from compiled .pyc files, as
    # boto3 does from the Lambda runtime's own.
    _cold_once(_COLD_HANDLER)
    _cold_once(COLD_BASELINE)
    for _ in range(COLD_RUNS):  # alternated, each in a fresh interpreter
        init, first_use = _cold_once(_COLD_HANDLER)
        ours.append(init)
        lazy.append(first_use)
        base.append(_cold_once(COLD_BASELINE)[0])
    return [
        Figure("track_click.cold_init_ratio", statistics.median(ours) / statistics.median(base),
               "ratio", "<= 1.5 (either edge: one module, one init)"),
        Figure("track_click.cold_init_ms", statistics.median(ours) * 1000, "ms", "info"),
        Figure("track_click.classifiers_first_use_ms", statistics.median(lazy) * 1000, "ms",
               "info (paid by a container's first click)"),
    ]


# ------------------------------------------------------------------ package size

def _package() -> Figure:
    with built_layer() as (layer, how):
        size = tree_bytes(layer) + tree_bytes(ROOT / "functions" / "track_click")
    how = f"the layer ({how}) + the function's folder"
    print(f"track_click.package_mb: {how}")
    return Figure("track_click.package_mb", size / 1_000_000, "MB", f"info ({how})")


def run() -> list[Figure]:
    return _in_process() + _cold() + [_package()]
