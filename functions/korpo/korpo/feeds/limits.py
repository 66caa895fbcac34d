"""What parsing one feed body may cost: bounds feedparser enforces on hostile input.

feedparser is lenient on purpose (real feeds are flawed), and that leniency is what a hostile
feed uses: its fallback parser expands the document's own entities without limit, its
author/e-mail regex is quadratic in the field's length and holds the GIL (every other feed
of the run stops), and a 5 MB body of deep nesting, thousands of attributes or tens of
thousands of entries costs tens of seconds and hundreds of MB. The bounds, each enforced
inside feedparser's own parsing (strict and loose paths alike), not after it:

- entities: the strict parser is defusedxml's expat reader (no entity declarations, no
  external references or DTDs fetched); the loose fallback is refused for a document that
  declares entities, since it would expand them;
- fields: an author (author, dc:creator, itunes:author, managingEditor…) is cut to
  MAX_AUTHOR_CHARS before feedparser's e-mail regex sees it; any element keeps at most
  MAX_TEXT_CHARS of text (a summary is cut at 200,000 anyway);
- shape: at most MAX_DEPTH nested elements and MAX_ATTRIBUTES attributes on one;
- entries: parsing stops at the first entry past the ones kept (feeds list newest first);
- time: PARSE_CPU_S of the thread's CPU and PARSE_WALL_S of wall time per parse, checked at
  every element and every piece of text (each bounded by the limits above).

A feed over a bound raises FeedTooComplex ("too complex to parse: ..."), a FeedParseError:
the feed is recorded as failed and backs off. The hooks wrap feedparser 6.0.14's methods
(pinned in requirements.txt); tests/unit/test_feeds_limits.py fails if one goes missing.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import feedparser
import feedparser.api
import feedparser.mixin
import feedparser.parsers.strict
from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from korpo.feeds.entry import FeedTooComplex

MAX_DEPTH = 64
MAX_ATTRIBUTES = 64
MAX_TEXT_CHARS = 256 * 1024
MAX_AUTHOR_CHARS = 1_000  # stored cut at 300; the regex costs seconds from ~20,000
PARSE_CPU_S = 5.0
PARSE_WALL_S = 15.0
# The SAX driver feedparser asks xml.sax for: this module's create_parser.
SAX_DRIVER = __name__


__all__ = ["FeedTooComplex", "install", "parse", "parsing"]


class _Enough(Exception):
    """Every entry that will be kept has been read: stop, and keep what the parser has."""

    def __init__(self, parser: Any) -> None:
        super().__init__("enough entries")
        self.parser = parser


class _Budget:
    __slots__ = ("cpu_until", "wall_until", "max_entries", "ticks")

    def __init__(self, max_entries: int) -> None:
        self.cpu_until = time.thread_time() + PARSE_CPU_S
        self.wall_until = time.monotonic() + PARSE_WALL_S
        self.max_entries = max_entries
        self.ticks = 0

    def tick(self) -> None:
        """The clocks, read at every 64th piece of text: expat hands over each character
        reference as a piece of its own, and a million of them must stay cheap."""
        self.ticks += 1
        if not self.ticks & 63:
            self.check()

    def check(self) -> None:
        if time.thread_time() > self.cpu_until:
            raise FeedTooComplex(f"too complex to parse: more than {PARSE_CPU_S:g} s of CPU")
        if time.monotonic() > self.wall_until:
            raise FeedTooComplex(f"too complex to parse: more than {PARSE_WALL_S:g} s")


_local = threading.local()


def _budget() -> _Budget | None:
    return getattr(_local, "budget", None)


@contextmanager
def parsing(max_entries: int) -> Iterator[None]:
    """The bounds apply to feedparser calls made by this thread inside the block."""
    outer, _local.budget = _budget(), _Budget(max_entries)
    try:
        yield
    finally:
        _local.budget = outer


def parse(body_file: Any, max_entries: int, **kwargs: Any) -> feedparser.FeedParserDict:
    """feedparser.parse under the bounds. Raises FeedTooComplex."""
    with parsing(max_entries):
        try:
            return feedparser.parse(body_file, **kwargs)
        except _Enough as enough:
            return _partial(enough.parser)
        except DefusedXmlException as refused:
            raise FeedTooComplex("too complex to parse: entity declarations and external "
                                 f"references are refused ({type(refused).__name__})") from None


def create_parser(*args: Any, **kwargs: Any) -> DefusedExpatParser:
    """The strict parser: defusedxml's expat reader, which refuses every entity declaration
    (internal ones expand, external ones read files or URLs). A DOCTYPE naming an external
    DTD (RSS 0.91's Netscape one) is allowed: feedparser turns external entities off, so
    it is never fetched."""
    return DefusedExpatParser(*args, forbid_entities=True, forbid_external=False, **kwargs)


def _partial(parser: Any) -> feedparser.FeedParserDict:
    """What feedparser.parse returns, from a parser stopped after the entries we keep."""
    return feedparser.FeedParserDict(feed=parser.feeddata, entries=parser.entries,
                                      version=parser.version or "", bozo=0, namespaces={})


# ---------------------------------------------------------------- the hooks

def _text_counts(parser: Any) -> dict[int, list[Any]]:
    # id(pieces) -> [pieces, characters]: the list is held, so its id is never reused
    # while it is counted.
    return parser.__dict__.setdefault("_korpo_text", {})


def _capped(original: Callable[..., None]) -> Callable[..., None]:
    def text_handler(self: Any, text: Any, *args: Any, **kwargs: Any) -> None:
        budget = _budget()
        if budget is None or not self.elementstack:
            original(self, text, *args, **kwargs)
            return
        budget.tick()
        pieces = self.elementstack[-1][2]
        counted = _text_counts(self).setdefault(id(pieces), [pieces, 0])
        room = MAX_TEXT_CHARS - counted[1]
        if room <= 0:
            return  # past the element's cap: the rest of its text is dropped
        if isinstance(text, str) and len(text) > room and original.__name__ == "handle_data":
            text = text[:room]
        before = len(pieces)
        original(self, text, *args, **kwargs)
        counted[1] += sum(len(piece) for piece in pieces[before:])
    text_handler.__name__ = original.__name__
    text_handler.__wrapped__ = original  # type: ignore[attr-defined]
    return text_handler


def _guarded_starttag(original: Callable[..., None]) -> Callable[..., None]:
    def unknown_starttag(self: Any, tag: str, attrs: list[tuple[str, str]]) -> None:
        budget = _budget()
        if budget is not None:
            budget.check()
            if self.depth >= MAX_DEPTH:
                raise FeedTooComplex(f"too complex to parse: nested deeper than {MAX_DEPTH}")
            if len(attrs) > MAX_ATTRIBUTES:
                raise FeedTooComplex(
                    f"too complex to parse: more than {MAX_ATTRIBUTES} attributes on <{tag}>")
            if tag in ("item", "entry") and len(self.entries) >= budget.max_entries:
                raise _Enough(self)
        original(self, tag, attrs)
    unknown_starttag.__wrapped__ = original  # type: ignore[attr-defined]
    return unknown_starttag


def _guarded_start_element_ns(original: Callable[..., None]) -> Callable[..., None]:
    # Before feedparser's own attribute loop, which is quadratic in their number.
    def startElementNS(self: Any, name: Any, qname: Any, attrs: Any) -> None:  # noqa: N802
        if _budget() is not None and len(attrs) > MAX_ATTRIBUTES:
            raise FeedTooComplex(
                f"too complex to parse: more than {MAX_ATTRIBUTES} attributes on an element")
        original(self, name, qname, attrs)
    startElementNS.__wrapped__ = original  # type: ignore[attr-defined]
    return startElementNS


def _short_author(original: Callable[..., None]) -> Callable[..., None]:
    def _sync_author_detail(self: Any, key: str = "author") -> None:
        context = self._get_context()
        value = context.get(key)
        if isinstance(value, str) and len(value) > MAX_AUTHOR_CHARS:
            context[key] = value[:MAX_AUTHOR_CHARS]
        original(self, key)
    _sync_author_detail.__wrapped__ = original  # type: ignore[attr-defined]
    return _sync_author_detail


def _no_entities(original: Callable[..., Any]) -> Callable[..., Any]:
    # feedparser keeps the "safe" internal entities of a DOCTYPE for its loose parser, which
    # expands them without limit: one 50 KB entity used 40,000 times is 2 GB.
    def replace_doctype(data: bytes) -> Any:
        version, data, entities = original(data)
        if entities and _budget() is not None:
            raise FeedTooComplex("too complex to parse: the document declares entities")
        return version, data, entities
    replace_doctype.__wrapped__ = original  # type: ignore[attr-defined]
    return replace_doctype


def install() -> None:
    """Wrap feedparser's methods once (idempotent). The wrappers do nothing outside
    `parsing`, so feedparser used elsewhere (the bench's sequential loop) is unchanged."""
    mixin = feedparser.mixin._FeedParserMixin
    if getattr(mixin.unknown_starttag, "__wrapped__", None) is not None:
        return
    for name in ("handle_data", "handle_charref", "handle_entityref"):
        setattr(mixin, name, _capped(getattr(mixin, name)))
    mixin.unknown_starttag = _guarded_starttag(mixin.unknown_starttag)
    mixin._sync_author_detail = _short_author(mixin._sync_author_detail)
    strict = feedparser.parsers.strict._StrictFeedParser
    strict.startElementNS = _guarded_start_element_ns(strict.startElementNS)
    feedparser.api.replace_doctype = _no_entities(feedparser.api.replace_doctype)
    # Also what keeps feedparser from asking xml.sax for libxml2's driver on every parse
    # (never installed; each failed import searched sys.path under the import lock).
    feedparser.api.PREFERRED_XML_PARSERS[:] = [SAX_DRIVER]
