"""poll_feeds end to end in-process: the real handler, the template's tables in moto, and feeds
served over real HTTP from 127.0.0.1 (moto intercepts botocore only; requests to anything
that is not AWS pass through)."""
from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import botocore.client
import pytest
from feed_server import FIXTURES, FeedServer, Route

from infra.functions import LambdaContext, function_specs, load_handler, load_module
from infra.template import load_template
from korpo.feeds.guard import ALLOW_PRIVATE_ENV

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "poll_feeds"
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


# ---------------------------------------------------------------- a tiny feed server

@pytest.fixture
def server(monkeypatch):
    """Feeds on 127.0.0.1, and the switch that lets the SSRF guard reach it (tests only)."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def poll_feeds(aws):
    handler = load_handler("PollFeedsFunction")
    timeout_s = function_specs()["PollFeedsFunction"]["Timeout"]

    def invoke(event):
        return handler(event, LambdaContext("poll_feeds", timeout_s=timeout_s))
    return invoke


@pytest.fixture
def app_module(poll_feeds):
    return load_module("functions/poll_feeds")


@pytest.fixture
def dynamodb_calls(monkeypatch):
    """Every DynamoDB API call made while the test runs: (operation, params)."""
    calls: list[tuple[str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


def outcome(summary: dict, feed_id: str) -> dict:
    (found,) = [o for o in summary["outcomes"] if o["feed_id"] == feed_id]
    return found


# ---------------------------------------------------------------- the scheduled run

def test_scheduled_json_is_what_the_template_schedule_sends():
    schedule = load_template()["Resources"]["PollFeedsFunction"]["Properties"]["Events"][
        "Every15Minutes"]["Properties"]
    assert json.loads(schedule["Input"]) == event("scheduled.json")


def test_scheduled_run_stores_posts_of_every_due_feed(poll_feeds, server):
    from korpo.content import posts
    from korpo.feeds import store

    blog = store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    eng = store.add_feed(server.serve("/atom.xml", "atom.xml"), title="Engineering")
    video = store.add_feed(server.serve("/videos.xml", "youtube.xml"))
    before = utc_now()

    summary = poll_feeds(event("scheduled.json"))

    assert (summary["feeds"], summary["ok"], summary["failed"]) == (3, 3, 0)
    assert summary["posts_created"] == 3 + 2 + 1 and summary["posts_updated"] == 0
    assert outcome(summary, blog.feed_id)["created"] == 3
    stored = posts.list_posts()
    assert len(stored) == 6
    assert [p.published_at for p in stored] == sorted((p.published_at for p in stored),
                                                      reverse=True)
    by_url = {p.url: p for p in stored}
    tour = by_url["https://www.youtube.com/watch?v=dQw4w9WgXcQ"]
    assert tour.image_url == "https://i1.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert tour.feed_id == video.feed_id
    undated = by_url[server.url("/posts/relative")]  # relative link, resolved; no date in feed
    assert before <= undated.published_at == undated.first_seen_at <= utc_now()

    assert store.get_feed(blog.feed_id).title == "Korpo Demo & Friends Blog"  # from the feed
    assert store.get_feed(eng.feed_id).title == "Engineering"  # the admin's, kept
    for feed in (blog, eng, video):
        fresh = store.get_feed(feed.feed_id)
        assert fresh.consecutive_failures == 0 and fresh.last_error is None
        assert fresh.next_poll_at - fresh.last_success_at == timedelta(minutes=15)


def test_feed_html_is_sanitised_before_it_is_stored(poll_feeds, server):
    from korpo.content import posts
    from korpo.feeds import store

    store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    poll_feeds(event("scheduled.json"))

    hiring = next(p for p in posts.list_posts() if p.url.endswith("/posts/hiring"))
    assert hiring.title == "We are hiring engineers"
    assert "<strong>us</strong>" in hiring.summary_html
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<style"):
        assert bad not in hiring.summary_html
    assert posts.get_post(hiring.post_id).summary_html == hiring.summary_html


def test_nothing_due_means_no_fetch(poll_feeds, server):
    from korpo.feeds import store

    store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    poll_feeds(event("scheduled.json"))
    server.requests.clear()

    summary = poll_feeds(event("scheduled.json"))  # 15 minutes have not passed

    assert summary["feeds"] == 0 and server.requests == []


# ---------------------------------------------------------------- stored once, updated in place

def test_posts_are_stored_once_across_polls(poll_feeds, server, dynamodb_calls):
    from korpo.content import posts
    from korpo.feeds import store

    feed = store.add_feed(server.serve("/atom.xml", "atom.xml"))  # no validators: always 200
    poll_feeds(event("scheduled.json"))
    first = {p.post_id: p.first_seen_at for p in posts.list_posts()}
    dynamodb_calls.clear()

    summary = poll_feeds(event("all_force.json"))

    assert outcome(summary, feed.feed_id)["result"] == "ok"
    assert (summary["posts_created"], summary["posts_updated"]) == (0, 0)
    assert {p.post_id: p.first_seen_at for p in posts.list_posts()} == first
    # Unchanged entries cost one BatchGet; the only write is the feed's health.
    writes = [(op, params) for op, params in dynamodb_calls if op in WRITES]
    assert [op for op, _ in writes] == ["PutItem"]
    assert writes[0][1]["Item"]["pk"] == {"S": f"FEED#{feed.feed_id}"}
    (_, batch_get), = [c for c in dynamodb_calls if c[0] == "BatchGetItem"]
    (request,) = batch_get["RequestItems"].values()
    assert request["ConsistentRead"] is True  # a post written a moment ago is seen


def rss(count: int) -> bytes:
    items = "".join(f"<item><title>Post {n}</title><link>https://brand.example.com/{n}</link>"
                    f"<guid>post-{n}</guid></item>" for n in range(count))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
            f"<link>https://brand.example.com/</link>{items}</channel></rss>").encode()


def test_new_posts_are_written_in_batches_of_25(poll_feeds, server, dynamodb_calls):
    from korpo.content import posts
    from korpo.feeds import store

    feed = store.add_feed(server.serve("/big.xml", body=rss(30)))
    dynamodb_calls.clear()

    summary = poll_feeds(event("scheduled.json"))

    assert outcome(summary, feed.feed_id)["created"] == 30
    writes = [(op, params) for op, params in dynamodb_calls if op in WRITES]
    # 30 new posts: two BatchWriteItem requests (25 + 5), then the feed's health.
    assert [op for op, _ in writes] == ["BatchWriteItem", "BatchWriteItem", "PutItem"]
    assert [len(next(iter(params["RequestItems"].values()))) for _, params in writes[:2]] \
        == [25, 5]
    assert len({p.post_id for p in posts.list_posts(limit=100)}) == 30


def test_changed_entry_is_updated_not_duplicated(poll_feeds, server):
    from korpo.content import posts
    from korpo.feeds import store

    store.add_feed(server.serve("/atom.xml", "atom.xml"))
    poll_feeds(event("scheduled.json"))
    before = {p.post_id: p for p in posts.list_posts()}
    (scaling,) = [p for p in before.values() if p.url.endswith("/scaling")]
    scaling.update(actions=[type(scaling).hidden.set(True)])  # an admin hid it meanwhile

    edited = (FIXTURES / "atom.xml").read_bytes().replace(
        b"Scaling &lt;em&gt;DynamoDB&lt;/em&gt;", b"Scaling DynamoDB, part 1")
    server.serve("/atom.xml", body=edited)
    summary = poll_feeds(event("all_force.json"))

    assert (summary["posts_created"], summary["posts_updated"]) == (0, 1)
    after = {p.post_id: p for p in posts.list_posts(include_hidden=True)}
    assert after.keys() == before.keys()
    updated = after[scaling.post_id]
    assert updated.title == "Scaling DynamoDB, part 1"
    assert updated.first_seen_at == scaling.first_seen_at
    assert updated.hidden is True  # the feed's edit does not unhide it
    assert updated.content_hash != scaling.content_hash
    assert scaling.post_id not in {p.post_id for p in posts.list_posts()}


def test_not_modified_writes_only_the_feeds_health(poll_feeds, server, dynamodb_calls):
    from korpo.feeds import store

    feed = store.add_feed(server.serve("/blog.xml", "rss_blog.xml", etag='"v1"'))
    poll_feeds(event("scheduled.json"))
    assert store.get_feed(feed.feed_id).etag == '"v1"'
    dynamodb_calls.clear()

    summary = poll_feeds({"feed_id": feed.feed_id})

    assert outcome(summary, feed.feed_id)["result"] == "not_modified"
    assert server.hits("/blog.xml")[-1]["If-None-Match"] == '"v1"'
    assert [op for op, _ in dynamodb_calls] == ["GetItem", "PutItem"]
    (_, put), = [c for c in dynamodb_calls if c[0] == "PutItem"]
    assert put["Item"]["pk"] == {"S": f"FEED#{feed.feed_id}"}
    assert "ReturnValues" not in put  # nothing sent back
    stored = store.get_feed(feed.feed_id)
    assert stored.etag == '"v1"'
    # The whole item is written back: what the poller does not own is kept as it was.
    assert (stored.url, stored.interval_minutes, stored.created_at, stored.title) == \
        (feed.url, feed.interval_minutes, feed.created_at, "Korpo Demo & Friends Blog")


def test_a_feed_costs_no_more_dynamodb_calls_than_before_the_channel_edits(
        poll_feeds, server, dynamodb_calls):
    """Counts, so no machine changes them (bench: poll_feeds.calls_per_new_feed and
    calls_per_304_feed, same goals): a new feed reads its posts, writes the new ones and its
    health; a 304 writes its health; the run adds the Query that lists the feeds."""
    from bench.poll_feeds import GOAL_CALLS_PER_304_FEED, GOAL_CALLS_PER_NEW_FEED, LISTING_CALLS
    from korpo.feeds import store
    from korpo.models import FeedModel

    feeds = [store.add_feed(server.serve(f"/{n}.xml", "rss_blog.xml", etag=f'"v{n}"'))
             for n in range(4)]
    # A feed stored before admins could edit channels (no version): the same calls.
    legacy = {k: v for k, v in feeds[0].attribute_values.items()
              if k not in ("version", "paused")}
    FeedModel(**legacy).save()
    dynamodb_calls.clear()

    first = poll_feeds(event("scheduled.json"))

    assert (first["ok"], first["posts_created"]) == (len(feeds), 3 * len(feeds))
    new_feed_calls = [op for op, _ in dynamodb_calls]
    assert len(new_feed_calls) <= GOAL_CALLS_PER_NEW_FEED * len(feeds) + LISTING_CALLS, \
        sorted(new_feed_calls)
    assert sorted(new_feed_calls) == sorted(
        ["Query"] + ["BatchGetItem", "BatchWriteItem", "PutItem"] * len(feeds))
    dynamodb_calls.clear()

    second = poll_feeds(event("all_force.json"))

    assert second["not_modified"] == len(feeds)
    not_modified_calls = [op for op, _ in dynamodb_calls]
    assert len(not_modified_calls) <= GOAL_CALLS_PER_304_FEED * len(feeds) + LISTING_CALLS, \
        sorted(not_modified_calls)
    assert sorted(not_modified_calls) == sorted(["Query"] + ["PutItem"] * len(feeds))


# ---------------------------------------------------------------- failures stay with their feed

def test_failing_feeds_back_off_and_the_others_still_succeed(poll_feeds, server):
    from korpo.feeds import store

    good = store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    broken = store.add_feed(server.serve("/broken.xml", "malformed.xml"))
    erroring = store.add_feed(server.serve("/500.xml", body=b"oops", status=500))
    html = store.add_feed(server.serve("/page", body=b"<html>a page</html>",
                                       content_type="text/html"))
    missing = store.add_feed(server.url("/gone.xml"))
    unreachable = store.add_feed(closed_port_url())
    failing = (broken, erroring, html, missing, unreachable)
    start = utc_now()

    summary = poll_feeds(event("scheduled.json"))

    assert (summary["ok"], summary["failed"]) == (1, 5)
    assert outcome(summary, good.feed_id)["created"] == 3
    assert outcome(summary, erroring.feed_id)["http_status"] == 500
    assert "HTTP 404" in outcome(summary, missing.feed_id)["error"]
    assert "FeedParseError" in outcome(summary, broken.feed_id)["error"]
    for feed in failing:
        fresh = store.get_feed(feed.feed_id)
        assert fresh.consecutive_failures == 1 and fresh.last_error
        assert fresh.last_success_at is None
        # First failure: between one and two intervals (equal jitter), not the usual 15 min.
        assert start + timedelta(minutes=15) <= fresh.next_poll_at
        assert fresh.next_poll_at <= utc_now() + timedelta(minutes=30)

    summary = poll_feeds(event("all_force.json"))

    assert (summary["ok"], summary["failed"]) == (1, 5)
    for feed in failing:
        fresh = store.get_feed(feed.feed_id)
        assert fresh.consecutive_failures == 2
        assert fresh.next_poll_at >= start + timedelta(minutes=30)

    server.serve("/broken.xml", "atom.xml")  # the site is fixed
    summary = poll_feeds({"feed_id": broken.feed_id})

    assert outcome(summary, broken.feed_id)["result"] == "ok"
    fresh = store.get_feed(broken.feed_id)
    assert (fresh.consecutive_failures, fresh.last_error) == (0, None)


def test_backoff_doubles_with_jitter_and_is_capped_at_a_day():
    from korpo.feeds.store import MAX_BACKOFF, backoff

    minutes = lambda delay: delay / timedelta(minutes=1)  # noqa: E731
    assert minutes(backoff(15, 1, rand=lambda: 0.0)) == 15
    assert minutes(backoff(15, 1, rand=lambda: 1.0)) == 30
    assert minutes(backoff(15, 3, rand=lambda: 0.0)) == 60
    assert minutes(backoff(15, 3, rand=lambda: 1.0)) == 120
    assert backoff(15, 50, rand=lambda: 1.0) == MAX_BACKOFF
    assert backoff(15, 50, rand=lambda: 0.0) == MAX_BACKOFF / 2
    assert backoff(60 * 48, 5, rand=lambda: 0.0) == timedelta(hours=48)  # never sooner than usual


def test_a_feed_out_of_time_is_left_due(aws, server):
    from korpo.feeds import poll, store

    feed = store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    report = poll.poll_due(budget_s=0)

    assert [o.result for o in report.outcomes] == ["skipped"]
    assert server.requests == []
    assert store.get_feed(feed.feed_id).next_poll_at == feed.next_poll_at


def test_at_most_max_workers_feeds_are_fetched_at_once(aws, server, monkeypatch):
    from korpo.feeds import poll, store

    for n in range(6):
        store.add_feed(server.serve(f"/{n}.xml", "rss_blog.xml", delay_s=0.1))
    active = peak = 0
    lock = threading.Lock()
    real_fetch = poll.fetch

    def counting_fetch(*args, **kwargs):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            return real_fetch(*args, **kwargs)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(poll, "fetch", counting_fetch)
    report = poll.poll_due(max_workers=2)

    assert report.count(poll.OK) == 6
    assert peak == 2


def test_the_template_the_code_and_the_bench_agree_on_concurrency():
    from bench.poll_feeds import CONCURRENCY
    from korpo.feeds.poll import DEFAULT_CONCURRENCY
    from korpo.models.base import KorpoMeta

    function = load_template()["Resources"]["PollFeedsFunction"]["Properties"]
    deployed = int(function["Environment"]["Variables"]["KORPO_FEEDS_CONCURRENCY"])
    assert deployed == DEFAULT_CONCURRENCY == CONCURRENCY  # the bench measures what ships
    # Up to twice as many threads as fetches may each hold a DynamoDB connection.
    assert KorpoMeta.max_pool_connections >= 2 * deployed


def test_a_feed_storing_its_posts_does_not_hold_a_fetch_slot(aws, server, monkeypatch):
    """One fetch slot, two feeds: the second is fetched while the first is still storing."""
    from korpo.feeds import poll, store

    store.add_feed(server.serve("/a.xml", "rss_blog.xml"))
    store.add_feed(server.serve("/b.xml", "atom.xml"))
    real_upsert = store.upsert_posts
    saw_other_fetch: list[bool] = []
    first = threading.Lock()

    def slow_upsert(feed, entries, now):
        if first.acquire(blocking=False):  # the first feed to store waits for the other's fetch
            deadline = time.monotonic() + 5
            while len(server.requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            saw_other_fetch.append(len(server.requests) == 2)
        return real_upsert(feed, entries, now)

    monkeypatch.setattr(store, "upsert_posts", slow_upsert)
    report = poll.poll_due(max_workers=1)

    assert report.count(poll.OK) == 2
    assert saw_other_fetch == [True]


def test_recording_health_never_brings_back_a_deleted_feed(aws):
    from korpo.feeds import store
    from korpo.models import FeedModel

    feed = store.add_feed("https://brand.example.com/feed.xml")
    FeedModel.get(*FeedModel.key(feed.feed_id)).delete()  # deleted while it was polled

    store.record_success(feed, utc_now(), etag='"v2"')
    store.record_failure(feed, utc_now(), "HTTP 500")

    with pytest.raises(store.FeedNotFound):
        store.get_feed(feed.feed_id)


# ---------------------------------------------------------------- console events

def test_one_feed_event_polls_that_feed_even_when_not_due(poll_feeds, server):
    from korpo.feeds import store

    blog = store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    store.add_feed(server.serve("/atom.xml", "atom.xml"))
    poll_feeds(event("scheduled.json"))
    server.requests.clear()

    console = event("one_feed.json")
    assert set(console) == {"feed_id"}
    summary = poll_feeds({**console, "feed_id": blog.feed_id})

    assert summary["feeds"] == 1 and outcome(summary, blog.feed_id)["result"] == "ok"
    assert [path for path, _ in server.requests] == ["/blog.xml"]


def test_one_feed_event_without_force_respects_the_schedule(poll_feeds, server):
    from korpo.feeds import store

    blog = store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    poll_feeds(event("scheduled.json"))
    server.requests.clear()

    summary = poll_feeds({"feed_id": blog.feed_id, "force": False})

    assert outcome(summary, blog.feed_id)["result"] == "skipped"
    assert server.requests == []


def test_all_force_event_polls_every_feed_due_or_not(poll_feeds, server):
    from korpo.feeds import store

    feeds = [store.add_feed(server.serve("/blog.xml", "rss_blog.xml")),
             store.add_feed(server.serve("/videos.xml", "youtube.xml"))]
    poll_feeds(event("scheduled.json"))

    summary = poll_feeds(event("all_force.json"))

    assert summary["feeds"] == 2
    assert {o["feed_id"] for o in summary["outcomes"]} == {f.feed_id for f in feeds}
    json.dumps(summary)  # what the console shows


def test_unknown_feed_is_a_clear_error(poll_feeds):
    from korpo.feeds.store import FeedNotFound

    with pytest.raises(FeedNotFound, match="b7523a7814aedbe07884eee2"):
        poll_feeds(event("one_feed.json"))  # the example's feed was never added here


@pytest.mark.parametrize("bad", [
    {"feed_id": 42}, {"feed_id": ""}, {"feed_id": None}, {"feed_id": "x", "force": "yes"},
    {"all": "yes"}, {"force": True}, {"all": True, "force": 1}, ["feed_id"], "schedule",
])
def test_malformed_console_events_are_refused(poll_feeds, app_module, server, bad):
    with pytest.raises(app_module.BadEvent):
        poll_feeds(bad)
    assert server.requests == []


# ---------------------------------------------------------------- store and fetch details

def test_adding_a_feed_twice_keeps_the_first(aws, server):
    from korpo.feeds import poll, store

    url = server.url("/gone.xml")
    first = store.add_feed(url, title="Blog")
    poll.poll_due()  # fails: 404
    again = store.add_feed(url, title="Other", interval_minutes=60)

    assert again.feed_id == first.feed_id
    assert (again.title, again.interval_minutes, again.consecutive_failures) == ("Blog", 15, 1)
    assert len(store.list_feeds()) == 1


@pytest.mark.parametrize("url, interval", [
    ("javascript:alert(1)", 15), ("ftp://e.example.com/f", 15), ("/feed.xml", 15),
    ("https://e.example.com/f", 0), ("https://e.example.com/f", True),
])
def test_invalid_feeds_are_refused(aws, url, interval):
    from korpo.feeds.store import InvalidFeed, add_feed, list_feeds

    with pytest.raises(InvalidFeed):
        add_feed(url, interval_minutes=interval)
    assert list_feeds() == []


def test_hidden_posts_are_left_out_unless_asked_for(poll_feeds, server):
    from korpo.content import posts
    from korpo.feeds import store

    store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))
    poll_feeds(event("scheduled.json"))
    newest, *rest = posts.list_posts()
    newest.update(actions=[type(newest).hidden.set(True)])

    assert [p.post_id for p in posts.list_posts()] == [p.post_id for p in rest]
    assert len(posts.list_posts(include_hidden=True)) == len(rest) + 1
    assert [p.post_id for p in posts.list_posts(limit=1)] == [rest[0].post_id]
    assert posts.get_post("nope") is None
    with pytest.raises(ValueError):
        posts.list_posts(limit=0)


def test_fetch_identifies_itself_and_follows_redirects(server):
    from korpo.feeds.fetch import USER_AGENT, fetch

    server.serve("/feed.xml", "atom.xml", etag='"e1"')
    server.routes["/old"] = Route(b"", redirect_to=server.url("/feed.xml"))

    result = fetch(server.url("/old"))

    assert result.ok and result.status == 200 and result.etag == '"e1"'
    assert result.final_url == server.url("/feed.xml")
    assert result.body == (FIXTURES / "atom.xml").read_bytes()
    assert server.hits("/feed.xml")[0]["User-Agent"] == USER_AGENT


def test_fetch_keeps_validators_a_304_leaves_out(server):
    from korpo.feeds.fetch import fetch

    server.serve("/feed.xml", "atom.xml", etag='"e1"')
    result = fetch(server.url("/feed.xml"), etag='"e1"',
                   last_modified="Tue, 06 Oct 2026 07:30:00 GMT")

    assert result.not_modified and result.body is None
    assert (result.etag, result.last_modified) == ('"e1"', "Tue, 06 Oct 2026 07:30:00 GMT")
    assert server.hits("/feed.xml")[0]["If-Modified-Since"] == "Tue, 06 Oct 2026 07:30:00 GMT"


@pytest.mark.parametrize("send_length", [True, False], ids=["declared", "streamed"])
def test_fetch_stops_past_the_size_cap(server, send_length):
    from korpo.feeds.fetch import fetch

    server.serve("/big.xml", body=b"x" * 300_000, send_length=send_length)

    result = fetch(server.url("/big.xml"), max_bytes=100_000)

    assert not result.ok and result.body is None
    assert "ResponseTooLarge" in result.error


def test_fetch_reports_network_errors_instead_of_raising(monkeypatch):
    from korpo.feeds.fetch import fetch

    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")

    result = fetch(closed_port_url())

    assert result.status is None and not result.ok and "ConnectionError" in result.error


# ---------------------------------------------------------------- SSRF guard in the poller

def test_loopback_feeds_are_refused_when_the_switch_is_off(aws, monkeypatch):
    """Production: no KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS, so 127.0.0.1 is never fetched."""
    from korpo.feeds import poll, store

    with FeedServer() as srv:
        monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
        feed = store.add_feed(srv.serve("/blog.xml", "rss_blog.xml"))
        (result,) = poll.poll_due().outcomes

        assert result.result == "failed" and "ForbiddenAddress" in result.error
        assert srv.requests == []  # refused before connecting
    assert store.get_feed(feed.feed_id).consecutive_failures == 1


def test_a_redirect_to_the_metadata_service_is_refused(server):
    from korpo.feeds.fetch import fetch

    server.routes["/feed.xml"] = Route(b"", redirect_to="http://169.254.169.254/latest/meta-data/",
                                       redirect_status=302)
    result = fetch(server.url("/feed.xml"))

    assert not result.ok and result.refused and "169.254.169.254" in result.error


def test_the_checked_address_is_the_one_connected_to(server, monkeypatch):
    """One lookup per connection, and the socket goes to that answer: a DNS server that
    answers differently the second time (rebinding) is never asked a second time."""
    import socket

    real = socket.getaddrinfo
    lookups: list[str] = []

    def counting(host, *args, **kwargs):
        if host == "feeds.korpo.test":
            lookups.append(host)
            return real("127.0.0.1", *args, **kwargs)
        if host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"unexpected lookup of {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    server.serve("/feed.xml", "atom.xml")
    port = server.httpd.server_address[1]
    from korpo.feeds.fetch import fetch, new_session

    result = fetch(f"http://feeds.korpo.test:{port}/feed.xml", session=new_session())

    assert result.ok and lookups == ["feeds.korpo.test"]
    assert server.hits("/feed.xml")[0]["Host"] == f"feeds.korpo.test:{port}"  # Host kept


# ---------------------------------------------------------------- politeness and moves

def test_a_permanent_redirect_moves_the_feed_without_duplicating_posts(poll_feeds, server):
    from korpo.content import posts
    from korpo.feeds import store

    feed = store.add_feed(server.serve("/old.xml", "atom.xml"))
    poll_feeds(event("scheduled.json"))
    before = {p.post_id for p in posts.list_posts()}
    server.serve("/new.xml", "atom.xml")
    server.routes["/old.xml"] = Route(b"", redirect_to=server.url("/new.xml"),
                                      redirect_status=308)

    poll_feeds({"feed_id": feed.feed_id})
    moved = store.get_feed(feed.feed_id)
    server.requests.clear()
    poll_feeds({"feed_id": feed.feed_id})

    assert moved.url == server.url("/new.xml")
    assert [path for path, _ in server.requests] == ["/new.xml"]  # straight to the new place
    assert {p.post_id for p in posts.list_posts()} == before
    assert store.add_feed(server.url("/new.xml")).feed_id == feed.feed_id  # not a second feed


def test_a_temporary_redirect_keeps_the_stored_url(poll_feeds, server):
    from korpo.feeds import store

    server.serve("/today.xml", "atom.xml")
    feed = store.add_feed(server.url("/feed.xml"))
    server.routes["/feed.xml"] = Route(b"", redirect_to=server.url("/today.xml"),
                                       redirect_status=302)
    summary = poll_feeds({"feed_id": feed.feed_id})

    assert outcome(summary, feed.feed_id)["result"] == "ok"
    assert store.get_feed(feed.feed_id).url == server.url("/feed.xml")


@pytest.mark.parametrize("status, retry_after, at_least", [
    (429, "3600", timedelta(hours=1)),
    (503, "Fri, 01 Jan 2100 00:00:00 GMT", timedelta(hours=24) - timedelta(minutes=1)),
    (429, "soon", timedelta(minutes=15)),
])
def test_retry_after_is_honoured(poll_feeds, server, status, retry_after, at_least):
    from korpo.feeds import store

    feed = store.add_feed(server.serve("/busy.xml", body=b"slow down", status=status,
                                       headers={"Retry-After": retry_after}))
    start = utc_now()
    summary = poll_feeds({"feed_id": feed.feed_id})

    fresh = store.get_feed(feed.feed_id)
    assert outcome(summary, feed.feed_id)["http_status"] == status
    assert fresh.last_status == status and fresh.consecutive_failures == 1
    assert fresh.next_poll_at >= start + at_least
    assert fresh.next_poll_at <= utc_now() + timedelta(hours=24)  # capped at a day
    assert len(server.hits("/busy.xml")) == 1  # not retried on the spot


def test_a_slow_feed_fails_alone(poll_feeds, server, monkeypatch):
    from korpo.feeds import fetch, store

    monkeypatch.setattr(fetch, "READ_TIMEOUT_S", 0.3)
    slow = store.add_feed(server.serve("/slow.xml", "atom.xml", delay_s=1.5))
    fine = store.add_feed(server.serve("/blog.xml", "rss_blog.xml"))

    summary = poll_feeds(event("scheduled.json"))

    assert outcome(summary, slow.feed_id)["result"] == "failed"
    assert "timed out" in outcome(summary, slow.feed_id)["error"]
    assert outcome(summary, fine.feed_id)["created"] == 3


def test_a_gzip_bomb_is_stopped_at_the_size_cap(server):
    import gzip

    from korpo.feeds.fetch import fetch

    bomb = gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200_000
    server.serve("/bomb.xml", body=bomb, headers={"Content-Encoding": "gzip"})

    result = fetch(server.url("/bomb.xml"), max_bytes=1_000_000)

    assert not result.ok and "ResponseTooLarge" in result.error


def test_health_is_recorded_for_admins(poll_feeds, server):
    from korpo.feeds import store

    feed = store.add_feed(server.serve("/blog.xml", "rss_blog.xml", etag='"v1"'))
    poll_feeds(event("scheduled.json"))
    fresh = store.get_feed(feed.feed_id)
    assert (fresh.last_status, fresh.last_error) == (200, None)
    assert fresh.last_polled_at == fresh.last_success_at

    poll_feeds({"feed_id": feed.feed_id})
    assert store.get_feed(feed.feed_id).last_status == 304


def test_per_feed_interval_schedules_the_next_poll(poll_feeds, server):
    from korpo.feeds import store

    feed = store.add_feed(server.serve("/blog.xml", "rss_blog.xml"), interval_minutes=120)
    poll_feeds(event("scheduled.json"))
    fresh = store.get_feed(feed.feed_id)
    assert fresh.next_poll_at - fresh.last_success_at == timedelta(minutes=120)


def test_feeds_past_the_limit_stay_due_for_the_next_run(aws, server):
    from korpo.feeds import poll, store

    feeds = [store.add_feed(server.serve(f"/{i}.xml", "atom.xml")) for i in range(3)]
    first = poll.poll_due(limit=2)
    left = [f for f in feeds if f.feed_id not in {o.feed_id for o in first.outcomes}]

    assert len(first.outcomes) == 2 and len(left) == 1
    second = poll.poll_due(limit=2)
    assert [o.feed_id for o in second.outcomes] == [left[0].feed_id]


@pytest.mark.parametrize("drip_headers", [False, True], ids=["body", "headers"])
def test_a_slow_drip_is_cut_at_the_total_deadline(server, drip_headers):
    from korpo.feeds.fetch import fetch

    # 40 bytes, one every 0.25 s: each read arrives well within any read timeout, and the
    # whole answer would take 10 s. The fetch must give up at its 1 s deadline.
    body = b"<rss version='2.0'><channel></channel>"
    server.serve("/drip.xml", body=body, drip_s=0.25, drip_headers=drip_headers)

    result = fetch(server.url("/drip.xml"), total_timeout_s=1.0)

    assert not result.ok and result.body is None
    assert result.error.startswith("FetchTimeout: too slow")


def test_a_kept_alive_connection_is_cut_at_the_next_fetchs_deadline(server):
    from korpo.feeds.fetch import fetch, new_session

    session = new_session()
    server.serve("/fine.xml", "atom.xml")
    assert fetch(server.url("/fine.xml"), session=session).ok  # the connection stays open
    server.serve("/fine.xml", "atom.xml", delay_s=30)  # then the same server hangs

    result = fetch(server.url("/fine.xml"), session=session, total_timeout_s=1.0)

    assert not result.ok and "too slow" in result.error
