"""Pure parts of track_click: visitor keys, self cookies, user agents, referrers, signatures."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from korpo.tracking import agents, conversions, visitors
from korpo.tracking.clicks import first_click_id

SECRET = "s" * 40
PARIS = ZoneInfo("Europe/Paris")


# ------------------------------------------------------------------ visitor keys

def test_visitor_key_is_stable_within_a_day_and_unlinkable_across_days():
    keys = visitors.DayKeys(SECRET)
    today, tomorrow = date(2026, 11, 22), date(2026, 11, 23)
    a = visitors.visitor_key(keys.for_day(today), "198.51.100.7", "UA")
    assert a == visitors.visitor_key(keys.for_day(today), "198.51.100.7", "UA")
    assert a != visitors.visitor_key(keys.for_day(tomorrow), "198.51.100.7", "UA")
    assert a != visitors.visitor_key(keys.for_day(today), "198.51.100.8", "UA")
    assert a != visitors.visitor_key(keys.for_day(today), "198.51.100.7", "UA2")
    assert a != visitors.visitor_key(visitors.DayKeys("t" * 40).for_day(today),
                                     "198.51.100.7", "UA")
    assert "198" not in a and len(a) == 32


def test_the_day_is_the_brand_s_day():
    late = datetime(2026, 11, 22, 23, 30, tzinfo=timezone.utc)  # 00:30 on the 23rd in Paris
    assert visitors.local_day(late, PARIS) == date(2026, 11, 23)


def test_no_secret_no_key():
    with pytest.raises(visitors.MissingSecret):
        visitors.DayKeys("").for_day(date(2026, 11, 22))


@given(ip=st.text(max_size=40), ua=st.text(max_size=200))
def test_first_click_ids_look_like_event_ids(ip, ua):
    key = visitors.visitor_key(visitors.DayKeys(SECRET).for_day(date(2026, 11, 22)), ip, ua)
    event_id = first_click_id(date(2026, 11, 22), PARIS, key, "Ab3dEf7hJk")
    assert len(event_id) == 28 and all(c in "0123456789abcdef" for c in event_id)
    assert event_id == first_click_id(date(2026, 11, 22), PARIS, key, "Ab3dEf7hJk")
    assert event_id != first_click_id(date(2026, 11, 22), PARIS, key, "Ab3dEf7hJm")


# ------------------------------------------------------------------ self cookie

def test_self_cookie_round_trip_and_forgery():
    value = visitors.self_cookie_value(SECRET, "emp-1")
    assert visitors.is_self_click(f"a=1; korpo_emp={value}; b=2", SECRET, "emp-1")
    assert not visitors.is_self_click(f"korpo_emp={value}", SECRET, "emp-2")
    assert not visitors.is_self_click("korpo_emp=emp-1", SECRET, "emp-1")
    assert not visitors.is_self_click(None, SECRET, "emp-1")
    header = visitors.self_cookie_header(SECRET, "emp-1")
    assert header.startswith(f"korpo_emp={value};") and "HttpOnly" in header
    assert "Secure" in header and "Path=/l/" in header
    assert "Secure" not in visitors.self_cookie_header(SECRET, "emp-1", secure=False)


@given(employee=st.text(min_size=1, max_size=40), forged=st.text(max_size=64))
def test_a_cookie_is_never_accepted_unless_made_with_the_secret(employee, forged):
    if forged != visitors.self_cookie_value(SECRET, employee):
        assert not visitors.is_self_click(f"korpo_emp={forged}", SECRET, employee)


# ------------------------------------------------------------------ agents and referrers

@pytest.mark.parametrize("ua,device,browser", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36", "desktop", "Chrome"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Mobile Safari/537.36", "mobile", "Chrome Mobile"),
    ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", "tablet", "Mobile Safari"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "desktop",
     "Firefox"),
])
def test_device_class_and_browser_family(ua, device, browser):
    agent = agents.describe(ua)
    assert (agent.is_bot, agent.device, agent.browser) == (False, device, browser)


@pytest.mark.parametrize("ua", ["", "curl/8.5.0", "python-requests/2.32",
                                "Mozilla/5.0 (compatible; bingbot/2.0)",
                                "Mozilla/5.0 (Macintosh) Applebot/0.1"])
def test_scripts_and_crawlers_are_bots(ua):
    assert agents.describe(ua).is_bot


@pytest.mark.parametrize("referer,network", [
    (None, "direct"), ("", "direct"), ("https://www.linkedin.com/feed/", "linkedin"),
    ("https://lnkd.in/abc", "linkedin"), ("android-app://com.linkedin.android/", "linkedin"),
    ("https://t.co/xyz", "x"), ("https://x.com/someone", "x"),
    ("https://l.facebook.com/l.php", "facebook"), ("https://mastodon.social/@a", "mastodon"),
    ("https://bsky.app/profile/a", "bluesky"), ("https://mail.google.com/", "email"),
    ("https://outlook.office.com/mail/", "email"), ("https://example.org/", "other"),
    ("not a url at all", "other"), ("http://[::1", "other"),
])
def test_referrer_networks(referer, network):
    assert agents.referrer_network(referer) == network


# ------------------------------------------------------------------ signatures (properties)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
TS = str(int(NOW.timestamp()))


@given(body=st.binary(max_size=512), secret=st.text(min_size=1, max_size=64))
def test_a_correct_signature_verifies(body, secret):
    conversions.verify(secret, TS, conversions.signature(secret, TS, body), body, NOW)


@given(body=st.binary(min_size=1, max_size=256), position=st.integers(min_value=0),
       flip=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_breaks_the_signature(body, position, flip):
    signed = conversions.signature(SECRET, TS, body)
    index = position % len(body)
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1:]
    with pytest.raises(conversions.BadSignature):
        conversions.verify(SECRET, TS, signed, tampered, NOW)


@given(other=st.text(min_size=1, max_size=64), body=st.binary(max_size=128))
def test_another_secret_never_verifies(other, body):
    if other != SECRET:
        with pytest.raises(conversions.BadSignature):
            conversions.verify(SECRET, TS, conversions.signature(other, TS, body), body, NOW)


@given(skew=st.integers(min_value=-10_000, max_value=10_000))
def test_the_five_minute_window(skew):
    ts = str(int(NOW.timestamp()) + skew)
    body = b'{"a":1}'
    signed = conversions.signature(SECRET, ts, body)
    if abs(skew) <= conversions.WINDOW_SECONDS:
        conversions.verify(SECRET, ts, signed, body, NOW)
    else:
        with pytest.raises(conversions.StaleTimestamp):
            conversions.verify(SECRET, ts, signed, body, NOW)


@given(ts=st.text(max_size=20), signed=st.text(max_size=80))
def test_garbage_headers_are_refused_never_crash(ts, signed):
    with pytest.raises(conversions.ConversionRefused):
        conversions.verify(SECRET, ts, signed, b"{}", NOW)


@given(external_id=st.from_regex(r"[\x21-\x7e]{1,128}", fullmatch=True))
def test_conversion_ids_are_deterministic_and_never_click_ids(external_id):
    cid = conversions.conversion_id(external_id)
    assert cid == conversions.conversion_id(external_id) and len(cid) == 28
    assert cid.startswith("cv")


def test_signature_format_matches_the_documented_shell_recipe():
    import hashlib
    import hmac

    body = b'{"click_id":"x"}'
    expected = hmac.new(SECRET.encode(), f"{TS}.".encode() + body, hashlib.sha256).hexdigest()
    assert conversions.signature(SECRET, TS, body) == f"sha256={expected}"
    assert int(time.time()) > 0
