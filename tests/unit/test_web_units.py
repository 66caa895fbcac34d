"""The web app's pure parts: sessions, languages and their catalogues, share targets."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions" / "web"))

from korpo.people import accounts
from korpo.tracking import share_targets
from webapp import i18n, session  # noqa: E402
from webapp.pages import frame_ancestors, local_path  # noqa: E402

KEY = session.session_key("k" * 64)


def make(**changes) -> session.Session:
    values = dict(employee_id="e-1", email="a@example.com", name=None, is_admin=False,
                  csrf="c", expires_at=int(time.time()) + 60,
                  issued_at=round(time.time() - 3540, 3))
    values.update(changes)
    return session.Session(**values)


def test_a_session_survives_its_cookie_and_nothing_else_does():
    made = make(is_admin=True, name="Ann <b>")
    value = session.encode(KEY, made)
    assert session.decode(KEY, value) == made
    payload, signature = value.split(".")
    assert session.decode(KEY, f"{payload}x.{signature}") is None
    assert session.decode(session.session_key("other" * 13), value) is None
    assert session.decode(KEY, None) is None and session.decode(KEY, "") is None


def test_a_session_says_when_it_was_made_to_the_millisecond():
    """A sign-out ends every session made before it (korpo.people.access): a session made a
    moment after must not round down to before it."""
    made = session.new_session("e-1", "a@example.com", None, False, now=1_800_000_000.1234)
    assert made.issued_at == 1_800_000_000.123
    assert session.decode(KEY, session.encode(KEY, made)).issued_at == 1_800_000_000.123
    # A cookie made before the field existed: an hour before its end.
    older = session.encode(KEY, make(issued_at=0.0))
    assert session.decode(KEY, older).issued_at == make().expires_at - session.SESSION_SECONDS


@given(st.text(max_size=300))
def test_decoding_any_text_never_raises(text):
    assert session.decode(KEY, text) is None or "." in text


def test_the_session_key_is_its_own():
    assert session.session_key("k" * 64) != b"k" * 32
    assert session.session_key("k" * 64) != session.session_key("j" * 64)


def test_an_expired_session_says_so():
    assert make(expires_at=int(time.time()) - 1).expired()
    assert not make().expired()


@pytest.mark.parametrize("header, expected", [
    ("korpo_session=a.b; korpo_lang=fr", {"korpo_session": "a.b", "korpo_lang": "fr"}),
    ("garbage\x00=;;", {}), ("x" * 9000, {}), (None, {}),
])
def test_cookies_are_read_defensively(header, expected):
    assert session.cookies_of(header) == expected


@pytest.mark.parametrize("header, language", [
    ("fr-CA,fr;q=0.9,en;q=0.8", "fr"), ("de-DE,de;q=0.9,en;q=0.5,fr;q=0.4", "en"),
    ("en;q=0.2, fr;q=0.9", "fr"), ("de", None), ("fr;q=0", None), ("fr;q=abc", None),
    ("x" * 1000, None), ("", None),
])
def test_the_browsers_language(header, language):
    assert i18n.from_accept_language(header) == language


def test_the_switch_wins_over_the_profile_and_the_browser():
    assert i18n.choose("en", "fr", "fr-FR") == "en"
    assert i18n.choose(None, "fr", "en-GB") == "fr"
    assert i18n.choose("klingon", None, "de-DE") == "en"


def test_every_visible_string_is_translated_into_french():
    from infra.catalogues import extract, missing

    assert len(list(extract())) > 50  # the extraction finds the templates and the code
    assert missing("fr") == []


def test_numbers_points_and_dates_follow_the_language():
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    fr = i18n.Formatter("fr", ZoneInfo("Europe/Paris"), "korpos")
    en = i18n.Formatter("en", ZoneInfo("Europe/Paris"), "korpos")
    assert fr.points(12345) == "12\u202f345\u00a0korpos"
    assert en.points(12345) == "12,345\u00a0korpos"
    late = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)  # already December in Paris
    assert fr.date(late) == "1 déc. 2026" and en.date(late) == "Dec 1, 2026"
    assert fr.month("2026-11") == "novembre 2026" and en.month("2026-11") == "November 2026"


@pytest.mark.parametrize("target", ["/news", "/news?channel=a", "/leaderboard"])
def test_local_paths_pass(target):
    assert local_path(target) == target


@pytest.mark.parametrize("target", ["", None, "https://evil.example", "//evil.example",
                                    "/\\evil.example", "news", "/a\nb", "/" + "a" * 600,
                                    "/\u3002evil.example", "/caf\u00e9", "/a b", "/\x00"])
def test_other_sites_are_never_a_destination(target):
    # Not ASCII (an ideographic full stop, an accent), a space, a control character: never a
    # Location header, which a gateway could not send (a browser percent-encodes its links).
    assert local_path(target) == "/news"


@pytest.mark.parametrize("location, sent", [
    ("/news?page=2", "/news?page=2"),
    ("https://example.com/a%20b?q=1#top", "https://example.com/a%20b?q=1#top"),
    ("/\u3002evil.example", "/%E3%80%82evil.example"),
    ("https://example.com/caf\u00e9 au lait", "https://example.com/caf%C3%A9%20au%20lait"),
    ("/a\r\nSet-Cookie: x=1", "/a%0D%0ASet-Cookie:%20x=1"),
])
def test_a_location_is_always_sendable_ascii(location, sent):
    import chalice_routes

    assert chalice_routes.sendable_headers({"Location": location}) == {"Location": sent}


def test_a_header_no_gateway_could_send_is_dropped_not_the_answer():
    import chalice_routes

    kept = chalice_routes.sendable_headers({
        "Content-Type": "text/html", "X-Name": "Zo\u00eb", "X-Break": "a\nb",
        "Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]})
    assert kept == {"Content-Type": "text/html", "Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]}


def test_only_https_origins_may_frame_the_app():
    assert frame_ancestors("https://a.example https://b.example:8443") == (
        "https://a.example https://b.example:8443")
    assert frame_ancestors("* 'self' http://a.example https://ok.example; x") == ""


SHARE = share_targets.ShareText("Launch <day>  \n now", "https://go.example.com/l/abc",
                                "#employee")


@pytest.mark.parametrize("target, host, field", [
    ("linkedin", "www.linkedin.com", "text"), ("x", "x.com", "text"),
    ("bluesky", "bsky.app", "text"), ("whatsapp", "wa.me", "text"),
    ("mastodon", "mastodon.social", "text"), ("facebook", "www.facebook.com", "quote"),
])
def test_each_network_gets_the_link_and_the_disclosure_last(target, host, field):
    url = urlsplit(share_targets.share_page_url(target, SHARE, "mastodon.social"))
    assert (url.scheme, url.netloc) == ("https", host)
    text = parse_qs(url.query)[field][0]
    assert text == "Launch <day> now https://go.example.com/l/abc #employee"


@pytest.mark.parametrize("edited, words", [
    ("My own words", "My own words"),
    ("  Two\r\nlines  with   spaces ", "Two\nlines with spaces"),
    ("Typed the line too #employee", "Typed the line too"),  # not twice
    ("À lire\u202f! Vraiment\u00a0: oui", "À lire\u202f! Vraiment\u00a0: oui"),  # kept
    ("a\x00b\x1bc\u2028d", "a b c d"),
    ("x" * 900, "x" * share_targets.MAX_SUGGESTED_CHARS),
    ("\n\n\n\n\n\nfar\n\n\n\n\n\ndown", "far\n\n\ndown"),
    ("   ", "Launch <day> now"), (None, "Launch <day> now"),  # nothing: the title
])
def test_the_employees_words_come_first_and_the_disclosure_stays_last(edited, words):
    from dataclasses import replace

    text = replace(SHARE, edited=edited).text()
    assert text == f"{words} https://go.example.com/l/abc #employee"


@pytest.mark.parametrize("target", share_targets.TARGETS)
def test_every_share_page_is_a_form_target_the_csp_names(target):
    """The share sheet's form reaches the networks through a redirect, which the CSP's
    form-action must allow: each network's page is in PAGE_ORIGINS (Mastodon: the server)."""
    url = urlsplit(share_targets.share_page_url(target, SHARE, "mastodon.social"))
    origin = "mailto:" if url.scheme == "mailto" else f"{url.scheme}://{url.netloc}"
    assert origin in share_targets.PAGE_ORIGINS or origin == "https://mastodon.social"


def test_email_carries_the_same_text():
    url = urlsplit(share_targets.share_page_url("email", SHARE))
    assert url.scheme == "mailto"
    assert parse_qs(url.query)["body"][0].endswith("https://go.example.com/l/abc #employee")


@pytest.mark.parametrize("raw, host", [
    ("mastodon.social", "mastodon.social"), ("@me@Fosstodon.org", "fosstodon.org"),
    ("https://mastodon.social/@me", "mastodon.social"), ("me@piaille.fr", "piaille.fr"),
    ("münchen.social", "xn--mnchen-3ya.social"),
])
def test_mastodon_servers_are_read_from_what_people_type(raw, host):
    assert share_targets.mastodon_instance(raw) == host


@pytest.mark.parametrize("raw", ["", "localhost", "127.0.0.1", "javascript:alert(1)",
                                 "a b.social", "evil.example:8080", "x" * 300, "[::1]"])
def test_a_mastodon_server_must_be_a_public_host_name(raw):
    with pytest.raises(share_targets.InvalidInstance):
        share_targets.mastodon_instance(raw)


def test_an_id_token_from_cognito_is_read_and_a_broken_one_refused():
    import base64
    import json

    payload = base64.urlsafe_b64encode(json.dumps(
        {"sub": "s", "email": "a@example.com", "cognito:groups": ["admins"]}).encode()).decode()
    assert accounts.id_token_claims(f"h.{payload.rstrip('=')}.sig")["sub"] == "s"
    with pytest.raises(accounts.AccountError):
        accounts.id_token_claims("not-a-token")
