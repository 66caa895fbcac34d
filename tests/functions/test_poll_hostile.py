"""poll_feeds against hostile feeds (tests/hostile_feeds.py), each polled in the same run as
ordinary feeds through the real handler: the ordinary ones all succeed, every hostile one
has an outcome with a true reason, and a failed one backs off without blocking later runs.

The deadlines are shortened (fetch 2 s, read timeout 1 s) so the slow ones end quickly; the
bounds themselves are the production ones. Nothing is timed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from feed_server import FeedServer
from hostile_feeds import hostile_set, ordinary_feed

from infra.functions import LambdaContext, function_specs, load_handler, load_module
from korpo.feeds.guard import ALLOW_PRIVATE_ENV

ORDINARY = 8


@pytest.fixture
def run(aws, monkeypatch):
    from korpo.feeds import fetch

    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    monkeypatch.setattr(fetch, "TOTAL_TIMEOUT_S", 2.0)
    monkeypatch.setattr(fetch, "READ_TIMEOUT_S", 1.0)
    handler = load_handler("PollFeedsFunction")
    timeout_s = function_specs()["PollFeedsFunction"]["Timeout"]
    with FeedServer() as server:
        yield server, lambda: handler({"source": "schedule"},
                                      LambdaContext("poll_feeds", timeout_s=timeout_s))


def test_hostile_feeds_fail_alone_with_true_reasons(run):
    from korpo.content import posts
    from korpo.feeds import store

    server, poll = run
    ordinary = [store.add_feed(server.serve(f"/ok/{n}.xml", body=ordinary_feed(n)))
                for n in range(ORDINARY)]
    hostile = {h.name: (h, store.add_feed(server.serve(f"/hostile/{h.name}.xml", **h.route)))
               for h in hostile_set()}

    summary = poll()

    by_id = {o["feed_id"]: o for o in summary["outcomes"]}
    assert len(by_id) == ORDINARY + len(hostile)  # every feed has an outcome
    assert [by_id[f.feed_id]["result"] for f in ordinary] == ["ok"] * ORDINARY
    assert all(by_id[f.feed_id]["created"] == 3 for f in ordinary)
    for name, (case, feed) in hostile.items():
        got = by_id[feed.feed_id]
        assert got["result"] == case.result, (name, got)
        if case.result == "failed":
            assert case.reason in got["error"], (name, got["error"])
        else:
            assert got["created"] == case.posts, (name, got)
    stored = posts.list_posts(limit=500)
    assert all(len(p.title) <= 300 and len(p.url) <= 2048 for p in stored)
    assert all(len(p.author or "") <= 300 for p in stored)


def test_a_feed_cut_off_backs_off_and_never_blocks_the_next_runs(run):
    from korpo.feeds import store

    server, poll = run
    cut = {h.name: h for h in hostile_set() if h.name in (
        "slow_drip", "hang_after_headers", "internal_entity", "gzip_bomb")}
    feeds = {name: store.add_feed(server.serve(f"/hostile/{name}.xml", **h.route))
             for name, h in cut.items()}
    fine = store.add_feed(server.serve("/ok/0.xml", body=ordinary_feed(0)))

    first = poll()

    assert first["failed"] == len(cut) and first["ok"] == 1
    for name, feed in feeds.items():
        fresh = store.get_feed(feed.feed_id)
        assert fresh.consecutive_failures == 1 and cut[name].reason in fresh.last_error
        assert fresh.next_poll_at >= fresh.last_polled_at + timedelta(minutes=15)
    # The next run, due only by force, polls them again and they fail again: never stuck.
    server.requests.clear()
    forced = load_module("functions/poll_feeds").handler(
        {"all": True, "force": True}, LambdaContext("poll_feeds", timeout_s=300))
    assert forced["failed"] == len(cut) and forced["ok"] + forced["not_modified"] == 1
    assert store.get_feed(fine.feed_id).consecutive_failures == 0
    assert all(store.get_feed(f.feed_id).consecutive_failures == 2 for f in feeds.values())


def test_the_run_stops_starting_feeds_in_time_for_the_slowest_to_finish():
    from korpo.feeds import fetch, limits, poll

    app = load_module("functions/poll_feeds")
    timeout_s = function_specs()["PollFeedsFunction"]["Timeout"]
    worst = fetch.TOTAL_TIMEOUT_S + poll.BIG_PARSE_WAIT_S + limits.PARSE_WALL_S
    assert poll.feed_worst_case_s() >= worst
    assert app.safety_margin_s() > poll.feed_worst_case_s()
    assert timeout_s - app.safety_margin_s() >= timeout_s / 2  # most of the run still polls
