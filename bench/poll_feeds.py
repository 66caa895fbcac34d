"""poll_feeds figures: 500 feeds on a local server that answers each request after 200 ms.

Three processes besides this one, as in production where the feed sites and DynamoDB are
network waits for the Lambda:

    feed server   python -m bench.poll_feeds serve   500 feeds on 127.0.0.1, 200 ms per answer
    moto server   python -m bench.poll_feeds moto    DynamoDB on 127.0.0.1 (the template's tables)
    poller        python -m bench.poll_feeds child   poll_due over the 500 feeds, prints JSON

so neither the server's 500 bodies nor moto's DynamoDB CPU share the poller's GIL, and the
poller's peak RSS is its own (no fake tables in it). The sequential baseline (a plain loop of
feedparser.parse(url) over the same 500 URLs, 500 x 0.2 s = 100 s) runs here, in full.
The CPU seconds each process spends during the poll are read from /proc/<pid>/stat, so a
figure that misses its goal says whose CPU it was waiting on.

    python -m bench.poll_feeds              the figures, as make bench prints them
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.harness import ROOT, STACK, Figure

FEEDS = 500
DELAY_S = 0.2
# Fixed here so the figure is comparable across runs; production reads the template's
# KORPO_FEEDS_CONCURRENCY (the same value).
CONCURRENCY = 20
ENTRIES_PER_FEED = 3
FIRST_RUNS = 3  # the first-run figures are the median of this many runs
HOST = "127.0.0.1"  # every server of the bench listens here only
# DynamoDB calls a feed costs the poller, goals that no machine changes (issue 21). Both are
# what the poller made before the channel edits (commit fc7435f, counted by this bench):
# a new feed reads its posts (BatchGetItem), writes the new ones (BatchWriteItem) and its
# health (PutItem); a 304 writes its health. A run adds the Query that lists the due feeds
# (one per 1 MB page: one for 500 feeds). tests/functions/test_poll_feeds.py holds them too.
GOAL_CALLS_PER_NEW_FEED = 3
GOAL_CALLS_PER_304_FEED = 1
LISTING_CALLS = 1
# The poller's CPU per feed over the fetch-and-parse pass's, same feeds, same run: what the
# DynamoDB client and the store add to the work every poller must do.
GOAL_POLLER_CPU_RATIO = 2.0


def _feed_body(index: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {index} post {n}</title>"
        f"<link>https://brand.example.com/{index}/{n}</link>"
        f"<guid>feed-{index}-post-{n}</guid>"
        f"<pubDate>Mon, 0{n + 1} Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Post {n} of feed {index}.&lt;/p&gt;</description></item>"
        for n in range(ENTRIES_PER_FEED))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feed {index}</title><link>https://brand.example.com/{index}</link>"
            f"{items}</channel></rss>").encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 2048  # 500 connections at once must not be refused by the backlog


def _handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real feed hosts do
        # Headers and body leave in two writes; with Nagle's algorithm on, the body waits for
        # the client's delayed ACK of the headers (40 ms on Linux), so each answer would take
        # 240 ms, not 200. Web servers set TCP_NODELAY (nginx's tcp_nodelay is on by default).
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802
            time.sleep(DELAY_S)  # each answer, 304 included, takes 200 ms
            try:
                index = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            except ValueError:
                index = -1
            if not 0 <= index < FEEDS:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = f'"f{index}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = _feed_body(index)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


# ---------------------------------------------------------------- the two server processes
# Each prints its URL on its first stdout line, then serves until its stdin is closed (or
# it is terminated): the parent owns them and stops them whatever happens.

def _wait_for_stdin_eof() -> None:
    try:
        sys.stdin.read()
    except (OSError, KeyboardInterrupt):
        pass


def _serve_feeds() -> None:
    import threading

    server = _Server((HOST, 0), _handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://{HOST}:{server.server_address[1]}", flush=True)
    _wait_for_stdin_eof()
    server.shutdown()
    server.server_close()


def _serve_moto() -> None:
    """moto's DynamoDB, unchanged, behind a keep-alive HTTP server.

    moto's own server (werkzeug's development server behind moto's service dispatcher) closes
    every connection after one answer, starts a thread per request and scans moto's package
    directory to find the service: 60% of its CPU in this bench, none of it DynamoDB's work.
    DynamoDB keeps the Lambda's connections open, so the bench serves moto's DynamoDB app
    with waitress, which does too. The tables, conditions and answers are moto's. Two
    worker threads: moto runs under one GIL and takes a global lock on every request, so
    more threads only queue there (8 made the first run ~15% slower).
    """
    import logging
    import threading

    from moto.moto_server.werkzeug_app import create_backend_app
    from waitress.server import create_server

    logging.getLogger("waitress").setLevel(logging.ERROR)
    server = create_server(create_backend_app("dynamodb"), host=HOST, port=0, threads=2,
                           connection_limit=1000)
    threading.Thread(target=server.run, daemon=True).start()
    print(f"http://{HOST}:{server.effective_port}", flush=True)
    _wait_for_stdin_eof()
    server.close()


class _Process:
    """A server subprocess of this module (or `module`), its URL read from its first line."""

    def __init__(self, mode: str, module: str = "bench.poll_feeds") -> None:
        self.popen = subprocess.Popen([sys.executable, "-m", module, mode],
                                      cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True)
        line = self.popen.stdout.readline().strip() if self.popen.stdout else ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"bench {mode} server did not start (got {line!r})")
        self.url = line
        self.pid = self.popen.pid

    def stop(self) -> None:
        try:
            if self.popen.stdin:
                self.popen.stdin.close()  # asks it to stop cleanly
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        finally:
            if self.popen.stdout:
                self.popen.stdout.close()


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the poller process

def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux keeps
    that across exec, so a child of the (big) bench process would report the parent's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return float("nan")


def _child(feeds_url: str, moto_url: str, concurrency: int, feeds_pid: int,
           moto_pid: int) -> None:
    os.environ["KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS"] = "1"  # the bench's server is 127.0.0.1
    import logging
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor
    from datetime import datetime, timezone

    logging.disable(logging.WARNING)
    from bench.counting import count_calls, count_requests, writes

    urls = [f"{feeds_url}/feeds/{i}.xml" for i in range(FEEDS)]

    def cpu() -> dict[str, float]:
        # "bench": the parent, idle while it waits for this process (a check that nothing of
        # the earlier benchmarks still runs there, on the same two cores)
        return {"poller": time.process_time(), "feeds": _cpu_s(feeds_pid),
                "bench": _cpu_s(os.getppid()),
                "moto": _cpu_s(moto_pid)}

    def spent(before: dict[str, float]) -> dict[str, float]:
        after = cpu()
        return {k: after[k] - before[k] for k in after}

    # Fetch and parse only, same pool size, no DynamoDB: what the poller's own work costs.
    from korpo.feeds.fetch import fetch
    from korpo.feeds.parse import parse_feed

    def fetch_and_parse(url: str) -> int:
        result = fetch(url)
        return len(parse_feed(result.body, base_url=result.final_url,
                              content_type=result.content_type).entries)

    cpu_before = cpu()
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        assert sum(pool.map(fetch_and_parse, urls)) == FEEDS * ENTRIES_PER_FEED
    fetch_parse_s = time.monotonic() - started
    fetch_parse_cpu = spent(cpu_before)
    fetch_parse_rss_mb = _peak_rss_mb()

    # DynamoDB is the moto server: every boto3 client and PynamoDB model of this process
    # talks to it over 127.0.0.1, as the Lambda talks to DynamoDB over the network.
    import boto3

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
    template = load_template()
    bind_tables(settings.current())

    from korpo.feeds import poll, store
    from korpo.ids import stable_id
    from korpo.models import FeedModel, PostModel

    def fresh_tables_with_feeds() -> None:
        """The template's tables, empty, then the feeds as store.add_feed writes them (in
        batches): setup, not measured."""
        for name in dynamodb.list_tables()["TableNames"]:
            dynamodb.delete_table(TableName=name)
        create_tables(dynamodb, template, STACK)
        now = datetime.now(timezone.utc)
        with FeedModel.batch_write() as batch:
            for url in urls:
                feed_id = stable_id(url)
                batch.save(FeedModel(*FeedModel.key(feed_id), feed_id=feed_id, url=url,
                                     interval_minutes=15, next_poll_at=now, created_at=now,
                                     gsi1pk=store.FEEDS_PK,
                                     gsi1sk=f"{store.iso(now)}#{feed_id}"))

    clients = {model._get_connection().connection.client for model in (FeedModel, PostModel)}

    def timed(**kwargs: object) -> tuple[poll.PollReport, float, dict[str, float], dict]:
        """One poll: its report, wall time, CPU per process, and its DynamoDB calls (as the
        code makes them, and as HTTP requests: retries included)."""
        with count_calls("dynamodb") as calls, count_requests(clients) as requests:
            cpu_before = cpu()
            started = time.monotonic()
            report = poll.poll_due(max_workers=concurrency, **kwargs)
            wall_s, cpu_spent = time.monotonic() - started, spent(cpu_before)
        return report, wall_s, cpu_spent, {"calls": dict(calls), "requests": sum(requests.values())}

    # The first run, FIRST_RUNS times from empty tables: this machine's speed drifts by tens
    # of percent from minute to minute, and the median of a few runs is steadier than one.
    firsts = []
    for round_no in range(FIRST_RUNS):
        fresh_tables_with_feeds()
        firsts.append(timed())
        if round_no == 0:
            second, second_s, second_cpu, second_calls = timed(force=True)  # every feed: 304
    first, first_s, first_cpu, _calls = sorted(firsts, key=lambda run: run[1])[len(firsts) // 2]
    print(json.dumps({
        "fetch_parse_s": fetch_parse_s, "fetch_parse_rss_mb": fetch_parse_rss_mb,
        "fetch_parse_cpu": fetch_parse_cpu,
        "first_s": first_s, "first_runs_s": [run[1] for run in firsts],
        "second_s": second_s, "first_cpu": first_cpu, "second_cpu": second_cpu,
        "first_ok": min(run[0].count(poll.OK) for run in firsts),
        "posts_created": min(run[0].created for run in firsts),
        "second_not_modified": second.count(poll.NOT_MODIFIED),
        # the most calls any first run made (they should all make the same)
        "first_calls": max((run[3] for run in firsts), key=lambda c: sum(c["calls"].values())),
        "second_calls": second_calls,
        "writes_304": writes(Counter(second_calls["calls"])),
        "peak_rss_mb": _peak_rss_mb(),
    }))


def _sequential(base_url: str) -> float:
    import feedparser

    started = time.monotonic()
    for i in range(FEEDS):
        parsed = feedparser.parse(f"{base_url}/feeds/{i}.xml")
        assert parsed.entries, parsed.get("bozo_exception")
    return time.monotonic() - started


def _cpu_text(cpu: dict[str, float], wall_s: float) -> str:
    # share of one core over the wall time: near 1.0, that process is the bottleneck
    return ", ".join(f"{k} {v:.1f} s ({v / wall_s:.0%} of a core)" for k, v in cpu.items())


def _calls_text(counted: dict) -> str:
    calls = counted["calls"]
    by_operation = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
    retries = counted["requests"] - sum(calls.values())
    return f"{by_operation}; {counted['requests']} HTTP requests, so {retries} retried"


def run() -> list[Figure]:
    feeds = _Process("serve")
    try:
        moto = _Process("moto")
        try:
            child = subprocess.run([sys.executable, "-m", "bench.poll_feeds", "child",
                                    feeds.url, moto.url, str(CONCURRENCY), str(feeds.pid),
                                    str(moto.pid)],
                                   cwd=ROOT, capture_output=True, text=True)
        finally:
            moto.stop()
        if child.returncode != 0:
            raise RuntimeError(f"the bench's poller failed:\n{child.stderr[-4000:]}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        sequential_s = _sequential(feeds.url)
    finally:
        feeds.stop()
    if (result["first_ok"], result["posts_created"], result["second_not_modified"]) != \
            (FEEDS, FEEDS * ENTRIES_PER_FEED, FEEDS):
        raise RuntimeError(f"the bench's polls did not all succeed: {result}")
    ideal_s = FEEDS / CONCURRENCY * DELAY_S
    first_s, second_s = result["first_s"], result["second_s"]
    moto_cpu_s, poller_cpu_s = result["first_cpu"]["moto"], result["first_cpu"]["poller"]
    setup = ("feed server, moto server and poller each in its own process; CPU during the "
             "median run: ")
    runs_text = ", ".join(f"{run_s:.2f}" for run_s in result["first_runs_s"]) + " s"
    first_calls, second_calls = result["first_calls"], result["second_calls"]
    fetch_parse_cpu_s = result["fetch_parse_cpu"]["poller"]
    return [
        Figure("poll_feeds.calls_per_new_feed", sum(first_calls["calls"].values()) / FEEDS,
               "calls", f"<= {GOAL_CALLS_PER_NEW_FEED + LISTING_CALLS / FEEDS:g} (as before the "
               f"channel edits; DynamoDB calls of the first run over its {FEEDS} new feeds, the "
               f"listing Query included: {_calls_text(first_calls)})"),
        Figure("poll_feeds.calls_per_304_feed", sum(second_calls["calls"].values()) / FEEDS,
               "calls", f"<= {GOAL_CALLS_PER_304_FEED + LISTING_CALLS / FEEDS:g} (the next run, "
               f"every feed answering 304: {_calls_text(second_calls)})"),
        Figure("poll_feeds.poller_cpu_ratio", poller_cpu_s / fetch_parse_cpu_s, "ratio",
               f"<= {GOAL_POLLER_CPU_RATIO:g} (the poller's CPU in the median first run, "
               f"{poller_cpu_s / FEEDS * 1000:.1f} ms a feed, over the fetch-and-parse pass's "
               f"over the same feeds in the same process, {fetch_parse_cpu_s / FEEDS * 1000:.1f}"
               " ms a feed: what storing costs on top of the work any poller does, on any "
               "machine)"),
        Figure("poll_feeds.ratio_to_ideal_500", first_s / ideal_s, "ratio",
               f"info (depends on the machine: first run, {FEEDS} feeds x {ENTRIES_PER_FEED} "
               f"new posts, concurrency {CONCURRENCY}: {first_s:.2f} s vs ideal {ideal_s:.2f} s, "
               f"the median of {runs_text} from empty tables; {setup}"
               f"{_cpu_text(result['first_cpu'], first_s)})"),
        Figure("poll_feeds.ratio_to_ideal_500_fetch_parse", result["fetch_parse_s"] / ideal_s,
               "ratio", "report (the same 500 fetches and parses with no DynamoDB: "
               f"{result['fetch_parse_s']:.2f} s; CPU: "
               f"{_cpu_text(result['fetch_parse_cpu'], result['fetch_parse_s'])})"),
        Figure("poll_feeds.ratio_to_ideal_500_304", second_s / ideal_s, "ratio",
               f"report (the next run, all 304: {second_s:.2f} s; CPU: "
               f"{_cpu_text(result['second_cpu'], second_s)})"),
        Figure("poll_feeds.speedup_vs_sequential", sequential_s / first_s, "ratio",
               f">= 10 (vs the full sequential feedparser loop over the same 500 feeds: "
               f"{sequential_s:.1f} s)"),
        Figure("poll_feeds.speedup_vs_sequential_fetch_parse",
               sequential_s / result["fetch_parse_s"], "ratio",
               "report (fetch and parse only, no DynamoDB, vs the same sequential loop)"),
        Figure("poll_feeds.moto_cpu_per_feed_ms", moto_cpu_s / FEEDS * 1000, "ms",
               "report (moto server CPU per feed in the first run: the fake DynamoDB's cost, "
               "not the poller's. moto serves from one process (one GIL), so it alone bounds "
               f"the first run at >= {moto_cpu_s:.1f} s, ratio >= {moto_cpu_s / ideal_s:.2f})"),
        Figure("poll_feeds.poller_cpu_per_feed_ms", poller_cpu_s / FEEDS * 1000, "ms",
               "report (the polling process's CPU per feed in the first run: fetch, parse and "
               "the DynamoDB client side; one GIL, so it alone bounds the run at >= "
               f"{poller_cpu_s:.1f} s, ratio >= {poller_cpu_s / ideal_s:.2f}; fetch and parse "
               f"alone: {result['fetch_parse_cpu']['poller'] / FEEDS * 1000:.1f} ms)"),
        Figure("poll_feeds.writes_per_feed_304", result["writes_304"] / FEEDS, "requests",
               "<= 1 (second run, every feed 304)"),
        Figure("poll_feeds.peak_rss_mb", result["peak_rss_mb"], "MB",
               "report (VmHWM, the peak resident memory of the polling process alone: DynamoDB "
               "is a moto server in another process, so no fake tables are counted; "
               "PollFeeds has 1,024 MB)"),
        Figure("poll_feeds.peak_rss_mb_fetch_parse", result["fetch_parse_rss_mb"], "MB",
               "report (VmHWM of the same process after the fetch-and-parse pass, "
               "before any DynamoDB client exists)"),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "child":
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    elif sys.argv[1:] == ["serve"]:
        _serve_feeds()
    elif sys.argv[1:] == ["moto"]:
        _serve_moto()
    else:
        for figure in run():
            print(f"{figure.name:<40} {figure.value:>10.3f} {figure.unit:<9} {figure.goal}")
