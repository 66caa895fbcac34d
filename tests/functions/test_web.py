"""The web function's pages, called as Lambda would (payload 1.0 events, in-process moto):
sessions, form guards, escaping, headers, assets. The browser journeys are in tests/e2e."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers import load_event, make_post

SECRET = "s" * 64
ME = "7f3e2c1a-1111-4a2b-9c3d-0123456789ab"
HOST = "abc123.execute-api.eu-west-1.amazonaws.com"
FORM = "application/x-www-form-urlencoded"


def page_event(resource: str, *, method: str = "GET", params: dict | None = None,
               query: dict | None = None, headers: dict | None = None,
               body: str | None = None) -> dict:
    """events/web/signin_page.json retargeted at another route of the web function."""
    event = load_event("web/signin_page")
    path = resource
    for key, value in (params or {}).items():
        path = path.replace("{" + key + "}", value)
    event.update(resource=resource, path=path, httpMethod=method, pathParameters=params,
                 queryStringParameters=query, body=body,
                 multiValueQueryStringParameters={k: [v] for k, v in query.items()}
                 if query else None)
    event["requestContext"].update(resourcePath=resource, path=path, httpMethod=method,
                                   resourceId=f"{method} {resource}")
    for key, value in (headers or {}).items():
        event["headers"][key] = value
        event["multiValueHeaders"][key] = [value]
    return event


@pytest.fixture
def web(aws, monkeypatch):
    """call(event) -> the Lambda answer of the web function."""
    from infra.functions import LambdaContext, load_handler
    from korpo import settings

    monkeypatch.setenv("KORPO_VISITOR_SECRET", SECRET)
    monkeypatch.setenv("KORPO_DISCLOSURE_LINE", "#collaborateur")
    monkeypatch.delenv("KORPO_PUBLIC_BASE_URL")
    settings.current.cache_clear()
    handler = load_handler("WebFunction")
    return lambda event: handler(event, LambdaContext("web"))


def session_cookie(employee_id: str = ME, expires_in: int = 600, csrf: str = "token-1") -> str:
    from webapp import session

    value = session.encode(session.session_key(SECRET), session.Session(
        employee_id, "ann.lee@example.com", "Ann", False, csrf, int(time.time()) + expires_in))
    return f"korpo_session={value}"


def signed_in(**headers: str) -> dict:
    return {"cookie": session_cookie(), **headers}


def headers_of(answer: dict) -> dict:
    return {k.lower(): v for k, v in (answer.get("headers") or {}).items()}


def test_every_console_event_gets_an_honest_answer(web):
    assert web(load_event("web/signin_page"))["statusCode"] == 200
    assert web(load_event("web/news_signed_out"))["statusCode"] == 303
    assert web(load_event("web/leaderboard"))["statusCode"] == 303  # the cookie is a placeholder
    assert web(load_event("web/static_missing"))["statusCode"] == 404
    refused = web(load_event("web/signup_wrong_domain"))
    assert refused["statusCode"] == 400 and "professionnelle" in refused["body"]


def test_a_page_has_a_strict_csp_and_is_never_cached(web):
    answer = web(load_event("web/signin_page"))
    headers = headers_of(answer)
    assert headers["content-type"] == "text/html; charset=utf-8"
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert headers["strict-transport-security"].startswith("max-age=")
    # The browser asked for French first.
    assert headers["content-language"] == "fr" and "Se connecter" in answer["body"]


def test_framing_is_allowed_only_for_the_parameters_https_origins(web, monkeypatch):
    from korpo import settings

    monkeypatch.setenv("KORPO_FRAME_ANCESTORS", "https://intranet.example.com 'unsafe-inline'; "
                                                "script-src * http://evil.example")
    settings.current.cache_clear()
    headers = headers_of(web(load_event("web/signin_page")))
    assert headers["content-security-policy"].endswith(
        "frame-ancestors https://intranet.example.com")
    assert "x-frame-options" not in headers


def test_signed_out_pages_send_to_the_sign_in_page_and_back(web):
    answer = web(page_event("/leaderboard", query={"month": "2026-11"}))
    assert answer["statusCode"] == 303
    assert headers_of(answer)["location"] == "/signin?next=/leaderboard%3Fmonth%3D2026-11"


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example", "/\\evil.example",
                                    "/ok\r\nSet-Cookie: x=1", "javascript:alert(1)"])
def test_sign_in_never_sends_anyone_to_another_site(web, target):
    answer = web(page_event("/signin", query={"next": target}, headers=signed_in()))
    assert answer["statusCode"] == 303 and headers_of(answer)["location"] == "/news"


@pytest.mark.parametrize("cookie", [
    "korpo_session=not-a-session",
    "korpo_session=eyJzdWIiOiJ4In0.c2lnbmF0dXJl",  # a payload with a made-up signature
    "korpo_session=" + "x" * 5000,
    "=\x00; korpo_session",
])
def test_a_forged_or_malformed_session_is_no_session(web, cookie):
    answer = web(page_event("/news", headers={"cookie": cookie}))
    assert answer["statusCode"] == 303 and "/signin" in headers_of(answer)["location"]


def test_a_session_signed_with_another_secret_or_expired_is_refused(web):
    from webapp import session

    forged = session.encode(session.session_key("another-secret" * 4), session.Session(
        ME, "ann.lee@example.com", None, True, "t", int(time.time()) + 600))
    assert web(page_event("/news", headers={"cookie": f"korpo_session={forged}"}))[
        "statusCode"] == 303
    expired = session_cookie(expires_in=-1)
    assert web(page_event("/news", headers={"cookie": expired}))["statusCode"] == 303


def test_the_news_escapes_titles_and_shows_only_sanitised_summaries(web):
    post = make_post("post-x")
    post.title = '<script>alert("x")</script> & <b>bold</b>'
    post.summary_html = "<p>Kept <strong>markup</strong></p>"
    post.save()
    hidden = make_post("post-hidden", hidden=True)
    answer = web(page_event("/news", headers=signed_in()))
    assert answer["statusCode"] == 200, answer["body"]
    body = answer["body"]
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in body
    assert "<p>Kept <strong>markup</strong></p>" in body
    assert hidden.title not in body


def test_the_news_pages_through_older_posts(web):
    from datetime import datetime, timedelta, timezone

    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for n in range(13):
        make_post(f"p{n:02d}", published=start + timedelta(hours=n))
    first = web(page_event("/news", headers=signed_in()))["body"]
    assert "Title p12" in first and "Title p03" in first and "Title p02" not in first
    cursor = first.split("/news?before=")[1].split('"')[0]
    second = web(page_event("/news", query={"before": parse_qs(f"b={cursor}")["b"][0]
                                            .replace("&amp;", "&")}, headers=signed_in()))
    assert "Title p02" in second["body"] and "Title p03" not in second["body"]


def test_the_share_sheet_offers_every_network_and_a_qr_code(web):
    make_post("post-1")
    answer = web(page_event("/news/{post_id}", params={"post_id": "post-1"}, headers=signed_in()))
    assert answer["statusCode"] == 200, answer["body"]
    body = answer["body"]
    for target in ("linkedin", "x", "facebook", "mastodon", "bluesky", "whatsapp", "email"):
        assert f"/news/post-1/share/{target}?t=token-1" in body
    assert "<svg" in body and "#collaborateur</p>" in body
    again = web(page_event("/news/{post_id}", params={"post_id": "post-1"}, headers=signed_in()))
    assert again["body"] == body  # the same links every time


def test_a_hidden_or_unknown_post_cannot_be_shared(web):
    make_post("gone", hidden=True)
    for post_id in ("gone", "nope"):
        answer = web(page_event("/news/{post_id}", params={"post_id": post_id},
                                headers=signed_in()))
        assert answer["statusCode"] == 404


def test_a_target_opens_the_networks_page_with_the_tracked_link_and_disclosure(web):
    make_post("post-1")
    answer = web(page_event("/news/{post_id}/share/{target}",
                            params={"post_id": "post-1", "target": "linkedin"},
                            query={"t": "token-1"}, headers=signed_in()))
    assert answer["statusCode"] == 303
    location = urlsplit(headers_of(answer)["location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "www.linkedin.com",
                                                                 "/feed/")
    text = parse_qs(location.query)["text"][0]
    assert text.startswith("Title post-1 https://") and text.endswith(" #collaborateur")
    assert f"https://{HOST}/l/" in text


def test_a_target_without_the_session_token_records_nothing(web):
    from korpo.models import LinkOwnerModel

    make_post("post-1")
    for token in (None, "forged"):
        answer = web(page_event("/news/{post_id}/share/{target}",
                                params={"post_id": "post-1", "target": "x"},
                                query={"t": token} if token else None, headers=signed_in()))
        assert headers_of(answer)["location"] == "/news/post-1"
    assert list(LinkOwnerModel.query(f"EMP#{ME}")) == []


def test_mastodon_asks_for_the_server_once_and_checks_it(web):
    make_post("post-1")
    ask = web(page_event("/news/{post_id}/share/{target}",
                         params={"post_id": "post-1", "target": "mastodon"},
                         query={"t": "token-1"}, headers=signed_in()))
    assert headers_of(ask)["location"] == "/news/post-1/mastodon"
    form_headers = signed_in(**{"content-type": FORM, "origin": f"https://{HOST}"})
    for bad in ("", "javascript:alert(1)", "127.0.0.1", "a b.social", "x" * 300):
        refused = web(page_event("/news/{post_id}/mastodon", method="POST",
                                 params={"post_id": "post-1"}, headers=form_headers,
                                 body=f"csrf=token-1&instance={bad}"))
        assert refused["statusCode"] == 400, bad
    saved = web(page_event("/news/{post_id}/mastodon", method="POST", params={"post_id": "post-1"},
                           headers=form_headers,
                           body="csrf=token-1&instance=https%3A%2F%2FMastodon.Social%2F%40me"))
    assert saved["statusCode"] == 303
    assert "korpo_mastodon=mastodon.social;" in " ".join(
        saved["multiValueHeaders"]["Set-Cookie"])
    opened = web(page_event("/news/{post_id}/share/{target}",
                            params={"post_id": "post-1", "target": "mastodon"},
                            query={"t": "token-1"},
                            headers={"cookie": session_cookie() + "; korpo_mastodon=mastodon.social"}))
    assert headers_of(opened)["location"].startswith("https://mastodon.social/share?text=")


def test_forms_from_another_site_or_without_the_token_are_refused(web):
    make_post("post-1")
    foreign = web(page_event("/news/{post_id}/mastodon", method="POST", params={"post_id": "post-1"},
                             headers=signed_in(**{"content-type": FORM,
                                                  "origin": "https://evil.example"}),
                             body="csrf=token-1&instance=mastodon.social"))
    assert foreign["statusCode"] == 403
    tokenless = web(page_event("/news/{post_id}/mastodon", method="POST",
                               params={"post_id": "post-1"},
                               headers=signed_in(**{"content-type": FORM}),
                               body="instance=mastodon.social"))
    assert tokenless["statusCode"] == 403


def test_an_oversized_form_is_refused_before_it_is_read(web):
    answer = web(page_event("/signup", method="POST",
                            headers={"content-type": FORM, "origin": f"https://{HOST}"},
                            body="email=" + "a" * 20000))
    assert answer["statusCode"] == 413


def test_the_language_switch_is_remembered_and_stays_on_this_site(web):
    answer = web(page_event("/language", method="POST",
                            headers={"content-type": FORM, "origin": f"https://{HOST}"},
                            body="language=en&next=https%3A%2F%2Fevil.example"))
    assert headers_of(answer)["location"] == "/"
    assert answer["multiValueHeaders"]["Set-Cookie"][0].startswith("korpo_lang=en;")
    english = web(page_event("/signin", headers={"cookie": "korpo_lang=en"}))
    assert "Sign in" in english["body"] and headers_of(english)["content-language"] == "en"


def test_static_assets_are_content_hashed_and_cached_for_a_year(web):
    page = web(load_event("web/signin_page"))["body"]
    css = page.split('<link rel="stylesheet" href="')[1].split('"')[0]
    name = css.rsplit("/", 1)[1]
    answer = web(page_event("/static/{name}", params={"name": name}))
    headers = headers_of(answer)
    assert answer["statusCode"] == 200 and headers["content-type"] == "text/css; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert web(page_event("/static/{name}", params={"name": name},
                          headers={"if-none-match": headers["etag"]}))["statusCode"] == 304
    assert web(page_event("/static/{name}", params={"name": "app.css"}))["statusCode"] == 404


def test_the_board_shows_my_rank_and_refuses_a_made_up_month(web):
    from korpo import board

    board.set_score("2026-11", ME, 30)
    board.set_score("2026-11", "someone-else", 50)
    answer = web(page_event("/leaderboard", query={"month": "2026-11"}, headers=signed_in()))
    assert answer["statusCode"] == 200, answer["body"]
    assert "numéro 2 avec 30\u00a0korpos" in answer["body"]
    bad = web(page_event("/leaderboard", query={"month": "2026-13"}, headers=signed_in()))
    assert bad["statusCode"] == 400


def test_every_web_route_of_the_template_is_served(web):
    """The template declares each page (the gateway routes only what it declares) and the
    function answers each: no route left out on either side."""
    from infra.functions import load_module
    from infra.template import function_events, load_template

    declared = {(p["Method"], p["Path"]) for f, _e, p in function_events(load_template(), "HttpApi")
                if f == "WebFunction"}
    app = load_module("functions/web").app
    served = {(method, path) for path, entries in app.routes.items() for method in entries}
    assert declared == served
