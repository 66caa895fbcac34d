"""The demo brand's site: feeds that parse, conditional GETs, landing pages."""
from __future__ import annotations

from datetime import datetime, timezone

import feedparser
import pytest
import requests

from infra.demo.static import DemoSite, render


@pytest.fixture(scope="module")
def site():
    running = DemoSite()
    running.serve_in_background()
    yield running
    running.stop()


def test_placeholders_are_filled():
    started = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    text = render("{{BASE}}/x {{rfc822 1}} {{rfc3339 2}}", "http://h:1", started)
    assert text == "http://h:1/x Sat, 21 Nov 2026 10:00:00 +0000 2026-11-20T10:00:00+00:00"


@pytest.mark.parametrize("name, kind, entries", [("blog.xml", "rss20", 4),
                                                  ("videos.xml", "atom10", 3)])
def test_feeds_parse_and_link_to_the_site(site, name, kind, entries):
    answer = requests.get(site.feed_urls[name], timeout=10)
    assert answer.status_code == 200 and "xml" in answer.headers["Content-Type"]
    feed = feedparser.parse(answer.content)
    assert feed.version == kind and not feed.bozo
    assert len(feed.entries) == entries
    for entry in feed.entries:
        assert entry.link.startswith(site.url)
        assert entry.get("published_parsed")
        assert requests.get(entry.link, timeout=10).status_code == 200
    assert "{{" not in answer.text


def test_feeds_answer_conditional_gets(site):
    first = requests.get(site.feed_urls["blog.xml"], timeout=10)
    again = requests.get(site.feed_urls["blog.xml"], timeout=10,
                         headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""


def test_landing_pages_show_the_tracking_parameters(site):
    page = requests.get(f"{site.url}/blog/welcome.html?utm_source=linkedin&x=<b>", timeout=10)
    assert page.status_code == 200
    assert "utm_source" in page.text and "&lt;b&gt;" in page.text
    assert requests.get(f"{site.url}/feeds/nope.xml", timeout=10).status_code == 404
    assert requests.get(f"{site.url}/other", timeout=10).status_code == 404


def test_the_demo_home_page_advertises_its_feeds_for_discovery(monkeypatch):
    from infra.demo.static import DemoSite
    from korpo.feeds.discover import find_feed
    from korpo.feeds.guard import ALLOW_PRIVATE_ENV

    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    site = DemoSite()
    site.serve_in_background()
    try:
        found = find_feed(site.url + "/")
    finally:
        site.stop()
    assert found.feed_url == site.feed_urls["blog.xml"] and found.entries > 0
    assert found.site_url == site.url + "/"


def test_the_careers_page_advertises_a_job_board_the_seed_leaves_out(monkeypatch):
    from korpo.feeds.discover import find_feed
    from korpo.feeds.guard import ALLOW_PRIVATE_ENV

    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    site = DemoSite()
    site.serve_in_background()
    try:
        found = find_feed(site.careers_url)
        job = requests.get(f"{site.url}/careers/product-designer.html?utm_source=x", timeout=10)
    finally:
        site.stop()
    assert found.feed_url == f"{site.url}/careers/jobs.xml" and found.entries == 2
    assert found.feed_url not in site.feed_urls.values()  # not seeded: an admin adds it
    assert job.status_code == 200 and "utm_source" in job.text
