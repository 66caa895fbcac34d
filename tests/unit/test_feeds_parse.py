"""feeds.parse on plain bytes: no network, no tables."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from korpo.feeds.parse import MAX_SUMMARY_CHARS, Entry, FeedParseError, parse_feed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
BLOG_URL = "https://blog.example.com/feed.xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def by_key(entries: list[Entry]) -> dict[str, Entry]:
    return {e.entry_key: e for e in entries}


def rss(body: str, channel_extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>T</title>{channel_extra}{body}</channel></rss>").encode()


# ---------------------------------------------------------------- RSS 2.0 blog

def test_rss_blog_keeps_shareable_entries_once_in_feed_order():
    feed = parse_feed(fixture("rss_blog.xml"), base_url=BLOG_URL)
    assert feed.title == "Korpo Demo & Friends Blog"
    # Dropped: the item without a link, the javascript: link, the repeated guid.
    assert [e.entry_key for e in feed.entries] == [
        "blog-post-3", "https://blog.example.com/posts/launch", "blog-post-1"]


def test_rss_entry_fields_are_plain_safe_values():
    hiring = by_key(parse_feed(fixture("rss_blog.xml"), base_url=BLOG_URL).entries)["blog-post-3"]
    assert hiring.title == "We are hiring engineers"  # markup in a title is dropped
    assert hiring.url == "https://blog.example.com/posts/hiring"
    assert hiring.author == "Ada Lovelace"
    assert hiring.image_url == "https://blog.example.com/img/hiring.png"  # enclosure image
    # +0200 in the feed, UTC here.
    assert hiring.published_at == datetime(2026, 10, 6, 7, 30, tzinfo=timezone.utc)


def test_rss_summary_is_sanitised():
    summary = by_key(parse_feed(fixture("rss_blog.xml"), base_url=BLOG_URL).entries)[
        "blog-post-3"].summary_html
    assert "<strong>us</strong>" in summary
    assert 'href="https://jobs.example.com/"' in summary
    assert 'src="https://blog.example.com/img/team.jpg"' in summary
    for bad in ("<script", "alert", "onclick", "onerror", "javascript:", "<iframe", "<style",
                "display:none"):
        assert bad not in summary


def test_relative_links_resolve_against_the_final_url():
    entries = by_key(parse_feed(fixture("rss_blog.xml"), base_url=BLOG_URL).entries)
    assert entries["blog-post-1"].url == "https://blog.example.com/posts/relative"
    assert 'href="https://blog.example.com/team"' in entries["blog-post-3"].summary_html


def test_entry_without_date_has_no_published_at():
    entries = by_key(parse_feed(fixture("rss_blog.xml"), base_url=BLOG_URL).entries)
    assert entries["blog-post-1"].published_at is None


def test_entry_without_guid_is_keyed_by_its_link():
    entries = by_key(parse_feed(fixture("rss_blog.xml"), base_url=BLOG_URL).entries)
    launch = entries["https://blog.example.com/posts/launch"]
    assert launch.summary_html == "Our product is out."
    assert launch.author is None and launch.image_url is None


# ---------------------------------------------------------------- Atom

def test_atom_uses_content_when_there_is_no_summary_and_prefers_published():
    feed = parse_feed(fixture("atom.xml"), base_url="https://eng.example.com/atom.xml")
    assert feed.title == "Korpo Engineering"
    scaling = by_key(feed.entries)["tag:eng.example.com,2026:scaling"]
    assert scaling.title == "Scaling DynamoDB"
    assert scaling.summary_html == "<h2>Partitions</h2><p>Keys that spread.</p>"
    assert scaling.author == "Grace Hopper"
    assert scaling.published_at == datetime(2026, 10, 7, 14, 0, tzinfo=timezone.utc)


def test_atom_plain_text_summary_is_escaped_not_interpreted():
    plain = by_key(parse_feed(fixture("atom.xml")).entries)["tag:eng.example.com,2026:plain"]
    assert plain.summary_html == "1 &lt; 2 and &lt;b&gt;not bold&lt;/b&gt;"
    assert plain.published_at == datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)  # updated


# ---------------------------------------------------------------- YouTube

def test_youtube_entry_takes_its_thumbnail_from_media_group():
    feed = parse_feed(fixture("youtube.xml"))
    (video,) = feed.entries
    assert video.entry_key == "yt:video:dQw4w9WgXcQ"
    assert video.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert video.image_url == "https://i1.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert video.summary_html == "Everything the product does, quickly."
    assert video.published_at == datetime(2026, 10, 2, 15, 0, tzinfo=timezone.utc)


def test_media_content_image_is_used_when_there_is_no_thumbnail():
    body = rss('<item><title>x</title><link>https://e.example.com/1</link>'
               '<media:content xmlns:media="http://search.yahoo.com/mrss/" medium="image" '
               'url="https://e.example.com/1.jpg"/></item>')
    (entry,) = parse_feed(body).entries
    assert entry.image_url == "https://e.example.com/1.jpg"


def test_image_urls_must_be_http():
    body = rss('<item><title>x</title><link>https://e.example.com/1</link>'
               '<enclosure url="javascript:alert(1)" type="image/png" length="1"/></item>')
    (entry,) = parse_feed(body).entries
    assert entry.image_url is None


# ---------------------------------------------------------------- what is not a feed

def test_malformed_feed_raises():
    with pytest.raises(FeedParseError, match="not a readable feed"):
        parse_feed(fixture("malformed.xml"))


@pytest.mark.parametrize("body", [b"", b"<html><body>Our blog</body></html>", b"not xml at all"])
def test_non_feeds_raise(body):
    with pytest.raises(FeedParseError):
        parse_feed(body, content_type="text/html")


def test_a_body_that_looks_like_a_path_is_never_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss("<item><title>leak</title><link>https://e.example.com/</link></item>"))
    with pytest.raises(FeedParseError):
        parse_feed(str(secret).encode())


def test_valid_empty_feed_is_not_an_error():
    feed = parse_feed(rss(""), content_type="application/rss+xml; charset=utf-8")
    assert feed.title == "T" and feed.entries == []


def test_flawed_feed_that_still_yields_entries_is_accepted():
    body = rss("<item><title>ok</title><link>https://e.example.com/1</link></item>"
               "<item><title>broken & unescaped</title><link>https://e.example.com/2</link>"
               "</item>")
    assert [e.url for e in parse_feed(body).entries] == [
        "https://e.example.com/1", "https://e.example.com/2"]


# ---------------------------------------------------------------- bounds

def test_entries_are_capped_newest_first():
    items = "".join(f"<item><title>{i}</title><link>https://e.example.com/{i}</link></item>"
                    for i in range(10))
    assert [e.title for e in parse_feed(rss(items), max_entries=3).entries] == ["0", "1", "2"]


def test_long_summary_is_cut_and_still_well_formed():
    long_html = "<p>" + "<strong>word</strong> " * 3000 + "</p>"
    body = rss(f"<item><title>x</title><link>https://e.example.com/1</link>"
               f"<description><![CDATA[{long_html}]]></description></item>")
    (entry,) = parse_feed(body).entries
    assert len(entry.summary_html) <= MAX_SUMMARY_CHARS + len("</strong></p>")
    assert entry.summary_html.count("<strong>") == entry.summary_html.count("</strong>")
    assert entry.summary_html.endswith("</p>")


def test_title_falls_back_to_the_link():
    (entry,) = parse_feed(rss("<item><link>https://e.example.com/1</link></item>")).entries
    assert entry.title == "https://e.example.com/1"


def test_parsing_does_not_look_for_an_xml_driver_that_is_never_installed(monkeypatch):
    # Each lookup of libxml2's SAX driver searched sys.path under the import lock, on every
    # parse: the poller's threads queued on it.
    import importlib.abc
    import sys

    looked_up: list[str] = []

    class Recorder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            looked_up.append(name)
            return None

    monkeypatch.setattr(sys, "meta_path", [Recorder(), *sys.meta_path])
    parsed = parse_feed(fixture("rss_blog.xml"), base_url=BLOG_URL)

    assert parsed.entries
    assert "drv_libxml2" not in looked_up
