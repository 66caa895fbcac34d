"""feeds.limits: what parsing one hostile body may cost. No network, no tables; the bodies
come from tests/hostile_feeds.py. Nothing here is timed: each bound is asserted by what the
parser was allowed to see or keep."""
from __future__ import annotations

import re
import threading

import feedparser
import feedparser.mixin
import pytest

from hostile_feeds import LINK, item, rss
from korpo.feeds import limits
from korpo.feeds.entry import MAX_ENTRIES, FeedTooComplex
from korpo.feeds.parse import parse_feed


@pytest.fixture
def email_regex_inputs(monkeypatch):
    """Lengths of every string feedparser's author/e-mail regex is run on. The regex is
    quadratic (a known, open feedparser bug) and holds the GIL: a 100 KB author stopped every
    thread for a minute. Anything longer than the bound fails the test at once."""
    seen: list[int] = []

    class SpyRe:
        def __getattr__(self, name):
            return getattr(re, name)

        @staticmethod
        def search(pattern, string, flags=0):
            if "@" in str(pattern) and isinstance(string, str):
                seen.append(len(string))
                assert len(string) <= limits.MAX_AUTHOR_CHARS, \
                    f"the e-mail regex was given {len(string)} characters"
            return re.search(pattern, string, flags)

    monkeypatch.setattr(feedparser.mixin, "re", SpyRe())
    return seen


@pytest.mark.parametrize("field", ["author", "dc:creator", "managingEditor", "itunes:author"])
@pytest.mark.parametrize("broken", [False, True], ids=["strict", "loose"])
def test_a_long_author_reaches_the_email_regex_cut(email_regex_inputs, field, broken):
    long = "a" * 250_000
    body = rss(item(1, f"<{field}>{long}</{field}>"), extra="&nbsp;" if broken else "").replace(
        b"<rss ", b'<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" ')

    (entry,) = parse_feed(body).entries

    assert email_regex_inputs and max(email_regex_inputs) <= limits.MAX_AUTHOR_CHARS
    assert entry.url == f"{LINK}1" and entry.author == "a" * 300  # stored cut, as before


def test_an_author_with_an_email_keeps_both():
    (entry,) = parse_feed(rss(item(1, "<author>ann@example.com (Ann Lee)</author>"))).entries
    assert entry.author == "ann@example.com (Ann Lee)"  # as feedparser reads it


@pytest.mark.parametrize("broken", [False, True], ids=["strict", "loose"])
def test_an_internal_entity_is_refused_not_expanded(broken):
    # The shape: ~118 KB, one 50 KB entity; expat refuses it, and feedparser's loose
    # parser expanded it (2,000 uses: 100 MB; the 40,000: 2 GB).
    body = rss(item(1, "<description>" + "&big;" * 2_000 + "</description>"),
               head=f'<!DOCTYPE rss [<!ENTITY big "{"x" * 50_000}">]>',
               extra="&nbsp;" if broken else "")
    with pytest.raises(FeedTooComplex, match="^too complex to parse"):
        parse_feed(body)


def test_an_entity_declared_after_a_decoy_element_is_refused_too():
    # feedparser looks for entity declarations before the first "<\w"; a comment holding
    # one hides them from it, not from the strict parser (defusedxml refuses them there).
    body = (b'<?xml version="1.0"?><!-- <a --><!DOCTYPE rss [<!ENTITY big "' + b"x" * 50_000
            + b'">]>' + rss(item(1, "<description>" + "&big;" * 2_000 + "</description>"))
            .split(b"?>", 1)[1])
    with pytest.raises(FeedTooComplex, match="^too complex to parse"):
        parse_feed(body)


def test_billion_laughs_is_refused():
    entities = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    body = rss(item(1, "<title>&i;</title>"), head=f"<!DOCTYPE rss [{entities}]>")
    with pytest.raises(FeedTooComplex):
        parse_feed(body)


def test_a_plain_doctype_without_entities_still_reads():
    body = rss(item(1), head='<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                             '"http://my.netscape.com/publish/formats/rss-0.91.dtd">')
    assert [e.url for e in parse_feed(body).entries] == [f"{LINK}1"]


@pytest.mark.parametrize("body", [
    rss(item(1, "<x>" * 100_000 + "</x>" * 100_000)),
    rss(item(1, "<x>" * 100_000)),  # never closed: the loose parser
])
def test_deep_nesting_is_refused_at_the_depth_bound(body):
    with pytest.raises(FeedTooComplex, match=f"deeper than {limits.MAX_DEPTH}"):
        parse_feed(body)


def test_nesting_within_the_bound_reads():
    depth = limits.MAX_DEPTH - 8
    body = rss(item(1, "<x>" * depth + "</x>" * depth))
    assert len(parse_feed(body).entries) == 1


def test_thousands_of_attributes_are_refused():
    body = rss(item(1, "<category " + " ".join(f'a{i}="v"' for i in range(20_000)) + ">c"
                    "</category>"))
    with pytest.raises(FeedTooComplex, match="attributes"):
        parse_feed(body)


@pytest.mark.parametrize("broken", [False, True], ids=["strict", "loose"])
def test_parsing_stops_after_the_entries_kept(monkeypatch, broken):
    started: list[str] = []
    original = feedparser.mixin._FeedParserMixin._start_item

    def counting(self, attrs):
        started.append("item")
        return original(self, attrs)

    monkeypatch.setattr(feedparser.mixin._FeedParserMixin, "_start_item", counting)
    body = rss("".join(item(n) for n in range(20_000)), extra="&nbsp;" if broken else "")

    entries = parse_feed(body).entries

    assert [e.url for e in entries] == [f"{LINK}{n}" for n in range(MAX_ENTRIES)]
    assert len(started) <= MAX_ENTRIES  # the rest was never parsed


def test_an_elements_text_is_kept_up_to_the_bound():
    body = rss(item(1, "<description>" + "w " * 1_000_000 + "</description>"))
    (entry,) = parse_feed(body).entries
    assert entry.summary_html.startswith("w w") and len(entry.summary_html) <= 10_000


def test_a_parse_past_its_cpu_budget_is_too_complex(monkeypatch):
    monkeypatch.setattr(limits, "PARSE_CPU_S", 0.0)
    with pytest.raises(FeedTooComplex, match="CPU"):
        parse_feed(rss("".join(item(n) for n in range(2_000))))


def test_the_bounds_are_per_thread_and_only_inside_a_parse():
    # feedparser used outside parse_feed (the bench's baseline) is unchanged.
    body = rss(item(1, "<x>" * 100 + "</x>" * 100))
    assert feedparser.parse(body).entries
    errors: list[Exception] = []

    def deep() -> None:
        try:
            parse_feed(body)
        except FeedTooComplex as exc:
            errors.append(exc)

    worker = threading.Thread(target=deep)
    worker.start()
    worker.join()
    assert len(errors) == 1 and feedparser.parse(body).entries


def test_every_hook_wraps_the_pinned_feedparser():
    # An upgrade that renames one of these would silently drop a bound: fail here instead.
    mixin = feedparser.mixin._FeedParserMixin
    for name in ("handle_data", "handle_charref", "handle_entityref", "unknown_starttag",
                 "_sync_author_detail"):
        assert hasattr(getattr(mixin, name), "__wrapped__"), name
    assert hasattr(feedparser.parsers.strict._StrictFeedParser.startElementNS, "__wrapped__")
    assert hasattr(feedparser.api.replace_doctype, "__wrapped__")
    assert feedparser.api.PREFERRED_XML_PARSERS == [limits.SAX_DRIVER]
    assert feedparser.__version__ == "6.0.14"
