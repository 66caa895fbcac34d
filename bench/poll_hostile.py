"""poll_feeds against hostile feeds: 20 ordinary feeds and the hostile set of
tests/hostile_feeds.py (long fields, entity expansion, billion laughs, deep nesting, tens of
thousands of entries, slow drips, a hang after headers, a gzip bomb, a redirect loop…) in
one run, with the production deadlines (30 s a fetch, 15 s a read) and bounds.

    feed server   python -m bench.poll_hostile serve   the feeds on 127.0.0.1 (tests' FeedServer)
    moto server   python -m bench.poll_feeds moto      DynamoDB, as in bench/poll_feeds.py
    poller        python -m bench.poll_hostile child   poll_due as the handler runs it, JSON out

so the poller's peak RSS (VmHWM) is its own: no feed bodies being served, no fake tables.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.harness import ROOT, STACK, Figure
from bench.poll_feeds import CONCURRENCY, _peak_rss_mb, _Process, _wait_for_stdin_eof

ORDINARY = 20


def _serve() -> None:
    from feed_server import FeedServer
    from hostile_feeds import hostile_set, ordinary_feed

    with FeedServer() as server:
        for n in range(ORDINARY):
            server.serve(f"/ok/{n}.xml", body=ordinary_feed(n))
        for case in hostile_set():
            server.serve(f"/hostile/{case.name}.xml", **case.route)
        print(server.url(""), flush=True)
        _wait_for_stdin_eof()


def _child(feeds_url: str, moto_url: str) -> None:
    os.environ["KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS"] = "1"  # the bench's server is 127.0.0.1
    import logging

    logging.disable(logging.WARNING)
    import boto3

    from hostile_feeds import hostile_set
    from infra.functions import function_specs, load_module
    from infra.server import aws_environment
    from infra.template import create_tables, load_template
    from korpo import settings
    from korpo.models import bind_tables

    os.environ.update({
        **aws_environment(moto_url), "KORPO_CATALOG_TABLE": f"{STACK}-catalog",
        "KORPO_EVENTS_TABLE": f"{STACK}-events", "KORPO_SCORES_TABLE": f"{STACK}-scores",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    })
    settings.current.cache_clear()
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_url)
    for name in dynamodb.list_tables()["TableNames"]:
        dynamodb.delete_table(TableName=name)
    create_tables(dynamodb, load_template(), STACK)
    bind_tables(settings.current())

    from korpo.feeds import poll, store

    ordinary = {store.add_feed(f"{feeds_url}/ok/{n}.xml").feed_id for n in range(ORDINARY)}
    cases = {store.add_feed(f"{feeds_url}/hostile/{case.name}.xml").feed_id: case
             for case in hostile_set()}
    timeout_s = function_specs()["PollFeedsFunction"]["Timeout"]
    # The budget the handler gives a scheduled run of a fresh invocation.
    budget_s = timeout_s - load_module("functions/poll_feeds").safety_margin_s()
    started = time.monotonic()
    report = poll.poll_due(max_workers=CONCURRENCY, budget_s=budget_s)
    run_s = time.monotonic() - started
    outcomes = {o.feed_id: o for o in report.outcomes}
    wrong = sorted(
        case.name for feed_id, case in cases.items()
        if feed_id not in outcomes or outcomes[feed_id].result != case.result
        or (case.result == "failed" and case.reason not in (outcomes[feed_id].error or "")))
    print(json.dumps({
        "run_s": run_s, "timeout_s": timeout_s, "budget_s": budget_s,
        "ok_failed": sum(1 for f in ordinary if outcomes.get(f) is None
                         or outcomes[f].result != poll.OK),
        "outcomes": len(report.outcomes), "feeds": len(ordinary) + len(cases),
        "hostile": len(cases), "hostile_wrong": wrong, "peak_rss_mb": _peak_rss_mb(),
    }))


def run() -> list[Figure]:
    feeds = _Process("serve", module="bench.poll_hostile")
    try:
        moto = _Process("moto")
        try:
            child = subprocess.run([sys.executable, "-m", "bench.poll_hostile", "child",
                                    feeds.url, moto.url], cwd=ROOT, capture_output=True,
                                   text=True)
        finally:
            moto.stop()
    finally:
        feeds.stop()
    if child.returncode != 0:
        raise RuntimeError(f"the hostile bench's poller failed:\n{child.stderr[-4000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    setup = (f"{ORDINARY} ordinary feeds + {result['hostile']} hostile ones in one run, "
             f"concurrency {CONCURRENCY}; {result['outcomes']} of {result['feeds']} outcomes "
             "recorded; hostile feeds with an unexpected outcome: "
             f"{', '.join(result['hostile_wrong']) or 'none'}")
    return [
        Figure("poll_feeds.hostile_ok_feeds_failed", result["ok_failed"], "feeds",
               f"0 ({setup})"),
        Figure("poll_feeds.hostile_run_seconds", result["run_s"], "s",
               f"well within the {result['timeout_s']} s timeout (the run's budget for "
               f"starting feeds is {result['budget_s']:.0f} s; the slowest hostile feeds are "
               "cut at the 30 s fetch deadline)"),
        Figure("poll_feeds.hostile_peak_rss_mb", result["peak_rss_mb"], "MB",
               "<= 512 (VmHWM of the polling process; PollFeeds has 1,024 MB)"),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        _child(sys.argv[2], sys.argv[3])
    elif sys.argv[1:] == ["serve"]:
        _serve()
    else:
        for figure in run():
            print(f"{figure.name:<40} {figure.value:>10.3f} {figure.unit:<9} {figure.goal}")
