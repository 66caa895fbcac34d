"""feeds.sanitize on plain strings: what survives is formatting and http(s) links only."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from korpo.feeds.sanitize import ALLOWED_TAGS, clean_html, plain_text, safe_url


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def tags_of(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Collect()
    parser.feed(fragment)
    parser.close()
    return parser.tags


def test_keeps_formatting_and_http_links():
    out = clean_html('<p>Hi <strong>there</strong> <a href="https://e.example.com/x" '
                     'title="t">link</a><br><img src="https://e.example.com/i.png" alt="i"></p>')
    assert out == ('<p>Hi <strong>there</strong> <a href="https://e.example.com/x" title="t" '
                   'rel="noopener noreferrer nofollow">link</a><br>'
                   '<img src="https://e.example.com/i.png" alt="i"></p>')


@pytest.mark.parametrize("dangerous, kept", [
    ('<script>alert(1)</script>ok', "ok"),
    ("<style>p{color:red}</style>ok", "ok"),
    ('<p onclick="steal()">ok</p>', "<p>ok</p>"),
    ('<img src="https://e.example.com/i.png" onerror="steal()">',
     '<img src="https://e.example.com/i.png">'),
    ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<img src="data:image/png;base64,AAAA">', "<img>"),
    ('<iframe src="https://evil.example.net/"></iframe>ok', "ok"),
    ('<svg onload="steal()"><circle/></svg>ok', "ok"),
    ('<form action="https://evil.example.net/"><input name="p"></form>ok', "ok"),
    ('<a href="/relative">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<p style="position:fixed" class="x" id="y">ok</p>', "<p>ok</p>"),
    ("<!-- hidden -->ok", "ok"),
])
def test_removes_what_could_run_or_mislead(dangerous, kept):
    assert clean_html(dangerous) == kept


@pytest.mark.parametrize("empty", [None, "", "   ", "<script>x</script>", "<!-- x -->"])
def test_nothing_visible_is_none(empty):
    assert clean_html(empty) is None


def test_plain_text_drops_tags_decodes_entities_and_collapses_space():
    assert plain_text("  We are <b>hiring</b> &amp; growing\n\t<script>x()</script> ") == (
        "We are hiring & growing")
    assert plain_text(None) == "" and plain_text("") == ""
    assert plain_text("1 &lt; 2") == "1 < 2"


@pytest.mark.parametrize("url, expected", [
    ("https://e.example.com/a?b=c#d", "https://e.example.com/a?b=c#d"),
    ("  http://e.example.com/  ", "http://e.example.com/"),
    ("https://e.example.com/a b", "https://e.example.com/a%20b"),
    ("javascript:alert(1)", None),
    ("JAVASCRIPT:alert(1)", None),
    ("data:text/html,<script>1</script>", None),
    ("/relative/path", None),
    ("//e.example.com/protocol-relative", None),
    ("ftp://e.example.com/file", None),
    ("https://", None),
    ("https://e.example.com/\x00", None),
    ("http://[::1", None),
    ("", None),
    (None, None),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected


_FRAGMENTS = st.sampled_from([
    "<script>alert(1)</script>", "<SCRIPT SRC=https://evil.example.net/x.js></SCRIPT>",
    '<a href="javascript:alert(1)">', '<a href=" javascript:alert(1)">',
    "<a href='jav&#x09;ascript:x'>",
    '<img src=x onerror=alert(1)>', '<svg/onload=alert(1)>', '<iframe src="https://e.example.net">',
    '<p style="x:expression(alert(1))">', "<math><mi>", '<object data="x">', "<embed src=x>",
    "<base href=https://evil.example.net/>", '<meta http-equiv="refresh" content="0">',
    "<p>", "</p>", "<b>", "</b>", "<a href='https://ok.example.com/'>", "</a>", "<ul><li>",
    "<!--", "-->", "<![CDATA[", "]]>", "<", ">", "&", '"', "'", "=", "text", " ",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS | st.text(max_size=8), max_size=25))
def test_output_only_ever_holds_allowed_tags_and_http_urls(parts):
    out = clean_html("".join(parts)) or ""
    for tag, attrs in tags_of(out):
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert not name.startswith("on")
            if name in ("href", "src"):
                assert value and value.startswith(("http://", "https://"))
