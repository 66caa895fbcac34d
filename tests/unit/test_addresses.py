"""Destinations are judged as browsers read them (issue 20): the WHATWG URL Standard's host
parser turns `127.1`, `0x7f.1`, `0177.0.0.1`, `169.254.43518` or fullwidth digits into the
address a browser visits, and that address is what korpo.addresses judges. The production
parser is pywhatwgurl (pure Python); the tests hold it to Ada, the C++ parser Node.js uses
(ada-url, a dev dependency), on the standard's IPv4 cases and on generated hosts."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from korpo import addresses
from korpo.addresses import INVALID, PRIVATE, destination_refusal, web_destination

# Accepted before issue 20 (the admin's destination check parsed hosts as Python does).
ISSUE_20 = ["https://127.1/", "http://10.1", "http://0x7f.1/", "http://0177.0.0.1/",
            "http://169.254.43518/", "http://169.254.169.254/latest/meta-data/"]


@pytest.mark.parametrize("url", ISSUE_20)
def test_every_spelling_of_a_private_address_is_refused(url):
    assert destination_refusal(url, allow_private=False) == PRIVATE


# The IPv4 parser of the URL Standard (url.spec.whatwg.org, "IPv4 parser"), the cases of
# web-platform-tests' url/resources/urltestdata.json that exercise it: what a browser makes
# of each host (None: the URL is invalid, a browser refuses to go there).
WHATWG_IPV4 = {
    "http://0x7f.0.0.0x7f/": "127.0.0.127",
    "http://0x7f.0.0.0x7g/": "0x7f.0.0.0x7g",  # the last part is no number: a domain
    "http://192.168.257/": "192.168.1.1",  # three parts: the last one fills 16 bits
    "http://0xffffffff/": "255.255.255.255",
    "http://4294967295/": "255.255.255.255",
    "http://0x7f000001/": "127.0.0.1",
    "http://017700000001/": "127.0.0.1",
    "http://127.000.000.001/": "127.0.0.1",
    "http://0x.0x.0/": "0.0.0.0",
    "http://1.2.3.4./": "1.2.3.4",  # one trailing dot is dropped
    "http://0X7F.1/": "127.0.0.1",
    "http://%30x7f.1/": "127.0.0.1",  # percent-decoded first
    "http://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11/": "127.0.0.1",  # UTS 46
    "http://\u2460\u2461\u2466.0.0.1/": "127.0.0.1",  # circled digits map to digits
    "http://0x100.0.0.1/": None,  # a part over 255 before the last
    "http://256.0.0.1/": None,
    "http://192.168.0.257/": None,
    "http://0xffffffff1/": None,
    "http://4294967296/": None,
    "http://1.2.3.4.5/": None,
    "http://1.2.3.08/": None,  # 08 is no octal number
    "http://09.2.3.4/": None,
    "http://foo.09/": None,  # ends in a number that is none
    "http://foo.0x4/": None,
    "http://0..0x300/": None,
}


@pytest.mark.parametrize("url,host", WHATWG_IPV4.items(), ids=list(WHATWG_IPV4))
def test_hosts_are_parsed_as_the_url_standard_says(url, host):
    import ada_url

    if host is None:
        assert destination_refusal(url, allow_private=True) == INVALID
        with pytest.raises(ValueError):
            ada_url.URL(url)
        return
    assert ada_url.URL(url).hostname == host  # the reference agrees with the table
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        assert web_destination(url, allow_private=True) == ada_url.URL(url).href
        return
    verdict = destination_refusal(url, allow_private=False)
    assert verdict == (None if ip.is_global and addresses.refusal(ip) is None else PRIVATE)
    if verdict is None:
        assert web_destination(url) == ada_url.URL(url).href


@pytest.mark.parametrize("url,reason", [
    ("http://[::ffff:127.0.0.1]/", PRIVATE),  # IPv4 inside IPv6
    ("http://[::127.0.0.1]/", PRIVATE),
    ("http://[fe80::1%25lo]/", INVALID),  # a zone is no URL's
    ("http://[::1]:80/", PRIVATE),
    ("http://localhost/", PRIVATE), ("http://LOCALHOST./", PRIVATE),
    ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/", PRIVATE),  # fullwidth
    ("http://printer.local/", PRIVATE), ("http://metadata.google.internal/", PRIVATE),
    ("http://nas.home.arpa/", PRIVATE), ("http://intranet/", PRIVATE),
    ("http://127.0.0.1\\@example.com/", PRIVATE),  # a backslash ends the host in a browser
    ("http:/10.0.0.1/", PRIVATE), ("http:\\\\10.0.0.1/", PRIVATE),
    ("http://a..example.com/", INVALID),
    ("https://user:pw@example.com/", INVALID), ("http://a@b:c@example.com/", INVALID),
    ("ftp://example.com/", INVALID), ("javascript:alert(1)", INVALID), ("//example.com/", INVALID),
    ("http://exa mple.com/", INVALID), ("http://example.com/\tjavascript:", INVALID),
    ("https://example.com:99999/", INVALID), ("", INVALID), (None, INVALID), (42, INVALID),
    ("http://" + "a" * 9000 + ".com/", INVALID),
    ("https://example.com/a?b=c#d", None), ("http://93.184.216.34/", None),
    ("http://[2001:4860:4860::8888]/", None), ("https://b\u00fccher.de/", None),
    ("http://evil.example\\@10.0.0.1/", None),  # a browser goes to evil.example
])
def test_destinations(url, reason):
    assert destination_refusal(url, allow_private=False) == reason


def test_a_destination_is_kept_as_browsers_serialize_it():
    with pytest.raises(addresses.RefusedDestination) as refused:
        web_destination("https://example.com/a b")  # a browser would encode it; we refuse
    assert refused.value.reason == INVALID
    assert web_destination("HTTPS://B\u00fccher.DE:443/\u00e9?q=\u00e9#x") == (
        "https://xn--bcher-kva.de/%C3%A9?q=%C3%A9#x")
    assert web_destination("http://evil.example\\@10.0.0.1/") == "http://evil.example/@10.0.0.1/"


def test_the_local_switch_lets_loopback_and_private_networks_through_not_metadata():
    for url in ("http://127.0.0.1:3000/blog/", "http://0x7f.1/", "http://10.1/",
                "http://localhost:8000/"):
        assert destination_refusal(url, allow_private=True) is None, url
    for url in ("http://169.254.169.254/", "http://169.254.43518/", "http://[fe80::1]/",
                "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/"):
        assert destination_refusal(url, allow_private=True) == PRIVATE, url


def test_the_switch_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv(addresses.ALLOW_PRIVATE_ENV, raising=False)
    assert destination_refusal("http://127.0.0.1/") == PRIVATE
    monkeypatch.setenv(addresses.ALLOW_PRIVATE_ENV, "1")
    assert destination_refusal("http://127.0.0.1/") is None


@pytest.mark.parametrize("spelling", ["0x7f.1", "0177.0.0.1", "127.1", "2130706433",
                                      "169.254.43518"])
def test_a_feed_fetch_resolves_every_spelling_and_refuses_the_address(spelling):
    """The poller's URLs: a fetch is checked on the address it connects to, after the
    resolver has read the spelling (feeds.guard.resolve), so it needs no URL parser."""
    from korpo.feeds import guard

    with pytest.raises(guard.ForbiddenAddress):
        guard.resolve(spelling, 80, allow_private=False)


# Hosts made of what IPv4 spellings are made of: digits, dots, hex markers, percent signs,
# fullwidth digits and ideographic full stops (no letter n, so no punycode label: the two
# parsers' IDNA tables differ in what they refuse, never in what a digit maps to).
_HOST_PARTS = st.sampled_from(["0", "1", "7", "8", "9", "127", "255", "256", "0x", "0X", "7f",
                               "ff", "a", "e", ".", ".", "..", "%2e", "%31", "\uff11",
                               "\uff17", "\u3002", "\u2460", "4294967295", "017700000001"])


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(_HOST_PARTS, min_size=1, max_size=9),
       scheme=st.sampled_from(["http://", "https://", "http:/", "http:\\\\"]))
def test_what_we_let_through_is_where_a_browser_goes(parts, scheme):
    """Never a different host than a browser's: whatever the check accepts, Ada parses to
    the same URL; and whatever Ada reads as a refused address, the check refuses."""
    import ada_url

    url = scheme + "".join(parts) + "/x"
    try:
        browser = ada_url.URL(url)
    except ValueError:
        browser = None
    verdict = destination_refusal(url, allow_private=False)
    if verdict is None:
        assert browser is not None and web_destination(url) == browser.href, url
    if browser is not None and browser.host_type in (1, 2):  # IPv4, IPv6
        ip = ipaddress.ip_address(browser.hostname.strip("[]"))
        if addresses.refusal(ip) is not None:
            assert verdict == PRIVATE, url
