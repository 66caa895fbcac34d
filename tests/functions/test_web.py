"""The web function's pages, called as Lambda would (payload 1.0 events, in-process moto):
sessions, form guards, escaping, headers, assets. The browser journeys are in tests/e2e."""
from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import load_event, make_post
from web_pages import (
    FORM,
    HOST,
    ME,
    headers_of,
    page_event,
    session_cookie,
    signed_in,
    text_of,
)


def test_every_console_event_gets_an_honest_answer(web):
    assert web(load_event("web/signin_page"))["statusCode"] == 200
    assert web(load_event("web/news_signed_out"))["statusCode"] == 303
    manage = web(load_event("web/manage_signed_out"))
    assert manage["statusCode"] == 303
    assert headers_of(manage)["location"] == "/signin?next=/manage"
    assert web(load_event("web/leaderboard"))["statusCode"] == 303  # the cookie is a placeholder
    assert web(load_event("web/static_missing"))["statusCode"] == 404
    # Sign-up by invitation (the template's default): the form is refused, saying whom to ask.
    closed = web(load_event("web/signup_wrong_domain"))
    assert closed["statusCode"] == 403 and "sur invitation" in closed["body"]


def test_the_sign_up_console_event_with_open_sign_up(web, monkeypatch):
    from korpo import settings

    monkeypatch.setenv("KORPO_SIGN_UP", "open")
    settings.current.cache_clear()
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
        assert f'formaction="/news/post-1/share/{target}"' in body
    assert '<input type="hidden" name="t" value="token-1">' in body
    # The words are the employee's to change; the disclosure is not in the box.
    box = body.split('<textarea id="text" name="text"')[1].split("</textarea>")[0]
    assert box.endswith(">Title post-1") and "#collaborateur" in body
    assert "<svg" in body
    # Its form leads to the networks' pages (through this site): the CSP lets it, there only.
    csp = headers_of(answer)["content-security-policy"]
    assert "form-action 'self' https://www.linkedin.com https://x.com" in csp
    assert "form-action 'self';" in headers_of(web(page_event(
        "/news", headers=signed_in())))["content-security-policy"]
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


def test_the_employees_own_words_are_shared_and_the_disclosure_stays(web):
    make_post("post-1")
    for words, expected in (("Fier de cette équipe !", "Fier de cette équipe !"),
                            ("Sans la ligne #collaborateur", "Sans la ligne"),
                            ("", "Title post-1")):
        answer = web(page_event("/news/{post_id}/share/{target}",
                                params={"post_id": "post-1", "target": "x"},
                                query={"t": "token-1", "text": words}, headers=signed_in()))
        text = parse_qs(urlsplit(headers_of(answer)["location"]).query)["text"][0]
        assert text.startswith(f"{expected} https://{HOST}/l/"), text
        assert text.endswith(" #collaborateur") and text.count("#collaborateur") == 1


def test_the_words_go_through_the_mastodon_question(web):
    make_post("post-1")
    ask = web(page_event("/news/{post_id}/share/{target}",
                         params={"post_id": "post-1", "target": "mastodon"},
                         query={"t": "token-1", "text": "À lire & partager"},
                         headers=signed_in()))
    location = headers_of(ask)["location"]
    assert location == "/news/post-1/mastodon?text=%C3%80%20lire%20%26%20partager"
    question = web(page_event("/news/{post_id}/mastodon", params={"post_id": "post-1"},
                              query={"text": "À lire & partager"}, headers=signed_in()))
    assert '<input type="hidden" name="text" value="À lire &amp; partager">' in question["body"]
    saved = web(page_event("/news/{post_id}/mastodon", method="POST",
                           params={"post_id": "post-1"}, headers=form_headers(),
                           body="csrf=token-1&instance=mastodon.social&text=%C3%80%20lire"))
    # The saved server's page (a form may not redirect to another site) links on, words kept.
    assert headers_of(saved)["location"] == "/news/post-1/mastodon?saved=1&text=%C3%80%20lire"
    ready = web(page_event("/news/{post_id}/mastodon", params={"post_id": "post-1"},
                           query={"saved": "1", "text": "À lire"},
                           headers={"cookie": signed_in()["cookie"] + "; korpo_mastodon=mastodon.social"}))
    assert ('href="/news/post-1/share/mastodon?t=token-1&amp;text=%C3%80%20lire"'
            in ready["body"])


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
    # A form's redirects stay on this site (Chromium applies `form-action 'self'` to each
    # hop): it leads to a page with a link to the server, which the employee follows.
    assert headers_of(saved)["location"] == "/news/post-1/mastodon?saved=1"
    ready = web(page_event("/news/{post_id}/mastodon", params={"post_id": "post-1"},
                           query={"saved": "1"},
                           headers={"cookie": f"{session_cookie()}; "
                                              "korpo_mastodon=mastodon.social"}))
    assert ready["statusCode"] == 200
    assert 'href="/news/post-1/share/mastodon?t=token-1"' in ready["body"]
    assert "form-action 'self'" in headers_of(ready)["content-security-policy"]
    opened = web(page_event("/news/{post_id}/share/{target}",
                            params={"post_id": "post-1", "target": "mastodon"},
                            query={"t": "token-1"},
                            headers={"cookie": f"{session_cookie()}; "
                                               "korpo_mastodon=mastodon.social"}))
    assert headers_of(opened)["location"].startswith("https://mastodon.social/share?text=")


def test_forms_from_another_site_or_without_the_token_are_refused(web):
    make_post("post-1")
    foreign = web(page_event("/news/{post_id}/mastodon", method="POST",
                             params={"post_id": "post-1"},
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


@pytest.mark.parametrize("name", ["%FF%FE", "Ann%C3", "%ED%A0%80", "Ann%00", "Ann%1B%5B2J",
                                  "Ann%C2%85"])
def test_a_field_that_is_not_text_refuses_the_form_and_stores_nothing(web, name):
    """Bytes that are not UTF-8 (percent-encoded or not) are refused, never kept as U+FFFD;
    so are NUL and the other control characters, whatever the field."""
    from korpo.people.profiles import get_profile

    web(page_event("/profile", headers=signed_in()))  # made on the first visit
    before = get_profile(ME)
    answer = web(page_event("/profile", method="POST", headers=form_headers(),
                            body=f"csrf=token-1&display_name={name}&language=fr"))
    assert answer["statusCode"] == 400 and "Le formulaire n’a pas pu être lu." in answer["body"]
    assert get_profile(ME) == before
    raw = web(page_event("/profile", method="POST", headers=form_headers(),
                         body=None) | {"body": base64.b64encode(
                             b"csrf=token-1&display_name=Ann\xff").decode(),
                             "isBase64Encoded": True})
    assert raw["statusCode"] == 400 and get_profile(ME) == before


@pytest.mark.parametrize("value", ["\ufffd", "a\x00b", "\x1b"])
def test_a_query_string_that_is_not_text_is_refused(web, value):
    """The gateway decodes the query string; U+FFFD is what it leaves of bytes that were not
    UTF-8 (`?month=%FF`), and no page reads a control character either."""
    answer = web(page_event("/leaderboard", query={"month": value}, headers=signed_in()))
    assert answer["statusCode"] == 400
    assert "Cette adresse n’a pas pu être lue." in answer["body"]
    assert headers_of(answer)["content-security-policy"].startswith("default-src 'none'")


def test_a_form_of_the_wrong_type_is_refused_with_the_security_headers(web):
    """Chalice answers a POST whose content type the route does not take (415) before any
    page runs: the answer still carries every header a page does."""
    answer = web(page_event("/signin", method="POST", body='{"email": "a"}',
                            headers={"content-type": "application/json"}))
    headers = headers_of(answer)
    assert answer["statusCode"] == 415
    for name, value in render_security_headers().items():
        assert headers[name.lower()] == value
    assert headers["cache-control"] == "no-store"


def render_security_headers() -> dict:
    from webapp import render

    return render.security_headers("", https=True)


def test_the_language_switch_is_remembered_and_stays_on_this_site(web):
    answer = web(page_event("/language", method="POST",
                            headers={"content-type": FORM, "origin": f"https://{HOST}"},
                            body="language=en&next=https%3A%2F%2Fevil.example"))
    assert headers_of(answer)["location"] == "/"
    assert answer["multiValueHeaders"]["Set-Cookie"][0].startswith("korpo_lang=en;")
    english = web(page_event("/signin", headers={"cookie": "korpo_lang=en"}))
    assert "Sign in" in english["body"] and headers_of(english)["content-language"] == "en"


def test_the_profile_names_every_wrong_field_at_once(web):
    import re

    web(page_event("/profile", headers=signed_in()))
    wrong = web(page_event("/profile", method="POST", headers=form_headers(),
                           body="csrf=token-1&display_name=&team_id=nope&language=fr"))
    summary = wrong["body"].split('class="error-summary"')[1].split("</div>")[0]
    assert re.findall(r'<a href="#([a-z_]+)">', summary) == ["display_name", "team_id"]
    # The summary takes the focus as the page loads, with no inline script (the CSP).
    assert 'class="error-summary" role="alert" tabindex="-1" autofocus' in wrong["body"]


def test_a_form_shown_again_is_reloaded_as_its_page_never_sent_again(web):
    """Every form that succeeds redirects (303); one shown again with its errors tells the
    browser (app.js, history.replaceState) which page a reload should GET."""
    web(page_event("/profile", headers=signed_in()))
    referer = {"referer": f"https://{HOST}/profile?saved=1"}
    wrong = web(page_event("/profile", method="POST", headers=form_headers(**referer),
                           body="csrf=token-1&display_name="))
    assert '<body data-reload-url="/profile?saved=1">' in wrong["body"]
    # Posted to an address with no page (an action), from another site's Referer: the
    # address posted to, never the other site.
    make_post("post-1")
    refused = web(page_event("/news/{post_id}/mastodon", method="POST",
                             params={"post_id": "post-1"},
                             headers=form_headers(referer="https://evil.example/x"),
                             body="csrf=token-1&instance="))
    assert '<body data-reload-url="/news/post-1/mastodon">' in refused["body"]
    assert "data-reload-url" not in web(page_event("/profile", headers=signed_in()))["body"]


def test_the_switch_and_the_profile_are_one_language_setting(web):
    from korpo.people.profiles import get_profile

    web(page_event("/profile", headers=signed_in()))  # the profile exists
    switch = signed_in(**{"content-type": FORM, "origin": f"https://{HOST}"})
    # Without the session's token (another site's form): this browser only.
    web(page_event("/language", method="POST", headers=switch, body="language=en&next=/news"))
    assert get_profile(ME).language is None
    moved = web(page_event("/language", method="POST", headers=switch,
                           body="language=en&next=/profile&csrf=token-1"))
    assert headers_of(moved)["location"] == "/profile"
    assert get_profile(ME).language == "en"
    page = web(page_event("/profile", headers={"cookie": session_cookie() + "; korpo_lang=en"}))
    assert 'id="language" name="language" value="en" checked' in page["body"]
    assert "browser" not in page["body"]  # no second, hidden setting
    footer = page["body"].split('action="/language"')[1].split("</form>")[0]
    assert 'name="csrf" value="token-1"' in footer
    web(page_event("/language", method="POST", headers=switch,
                   body="language=fr&next=/news&csrf=token-1"))
    assert get_profile(ME).language == "fr"


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
    from korpo.board import standings

    standings.set_score("2026-11", ME, 30)
    standings.set_score("2026-11", "someone-else", 50)
    answer = web(page_event("/leaderboard", query={"month": "2026-11"}, headers=signed_in()))
    assert answer["statusCode"] == 200, answer["body"]
    assert "numéro 2 avec 30\u00a0korpos" in answer["body"]
    bad = web(page_event("/leaderboard", query={"month": "2026-13"}, headers=signed_in()))
    assert bad["statusCode"] == 400


# ------------------------------------------------------------------ points, shop, profile

def form_headers(**extra: str) -> dict:
    return signed_in(**{"content-type": FORM, "origin": f"https://{HOST}", **extra})


def give_points(points: int, employee_id: str = ME) -> None:
    from korpo.models import BalanceModel

    BalanceModel(*BalanceModel.key(employee_id), points=points).save()


def test_my_points_show_the_balance_and_say_when_there_is_nothing_yet(web):
    give_points(1234)
    body = web(page_event("/points", headers=signed_in()))["body"]
    assert "Votre solde\u00a0: 1\u202f234\u00a0korpos" in body
    assert "Rien pour l’instant" in body


def test_the_balance_is_in_the_header_of_every_signed_in_page(web):
    import re

    give_points(1234)
    make_post("post-1")
    for path, params in (("/news", None), ("/news/{post_id}", {"post_id": "post-1"}),
                         ("/leaderboard", None), ("/shop", None), ("/profile", None)):
        body = web(page_event(path, params=params, headers=signed_in()))["body"]
        header = body.split('<header class="site-header">')[1].split("</header>")[0]
        balance = re.search(r'<a class="balance" href="/points">(.*?)</a>', header).group(1)
        assert "1\u202f234\u00a0korpos" in balance, path
    assert 'class="balance"' not in web(page_event("/signin"))["body"]  # a stranger's page


def test_the_shop_lists_rewards_as_text_and_what_is_missing(web):
    from korpo.shop.rewards import create_reward

    give_points(50)
    create_reward("mug", "<img src=x onerror=alert(1)> Mug", 40, kind="company", stock=2)
    create_reward("trip", "Trip", 400, kind="gift_card")
    body = web(page_event("/shop", headers=signed_in()))["body"]
    assert "&lt;img src=x onerror=alert(1)&gt; Mug" in body and "<img src=x" not in body
    assert 'href="/shop/mug"' in body and 'href="/shop/trip"' not in body
    assert "Encore 350\u00a0korpos à gagner." in body


def _card(body: str, title: str) -> str:
    """The words of a reward's card in the shop (spaces, non-breaking ones too, as one)."""
    for card in body.split('<article class="card reward">')[1:]:
        if f"<h2>{title}</h2>" in card:
            return text_of(card.split("</article>")[0])
    raise AssertionError(f"no card for {title}")


@pytest.mark.parametrize("language,texts", [
    ("en", {"obtained": "Obtained", "twice": "Obtained 2 times",
            "limit_one": "Limit reached: one per person.",
            "limit_two": "Limit reached: 2 per person.", "stock": "Out of stock for now.",
            "missing": "1,840 korpos more to go.", "redeem": "Redeem"}),
    ("fr", {"obtained": "Obtenue", "twice": "Obtenue 2 fois",
            "limit_one": "Limite atteinte : une par personne.",
            "limit_two": "Limite atteinte : 2 par personne.", "stock": "Épuisé pour le moment.",
            "missing": "Encore 1 840 korpos à gagner.", "redeem": "Échanger"}),
])
def test_the_shop_says_why_a_reward_cannot_be_redeemed_instead_of_offering_it(
        web, language, texts):
    """After a reward's per-person limit was reached, the shop still offered to redeem it.
    Each reward says its state: redeemable, obtained, limit reached, out of stock, or how
    many points are missing."""
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward

    give_points(200)
    create_reward("cap", "Cap", 10, per_employee_limit=1)
    create_reward("pen", "Pen", 10, per_employee_limit=2)
    create_reward("mug", "Mug", 10, stock=1)
    create_reward("car", "Car", 2000)
    create_reward("tea", "Tea", 10)
    for reward_id in ("cap", "pen", "pen", "mug"):
        redemptions.redeem(ME, reward_id, notify=False)
    who = signed_in(**{"accept-language": language})
    body = web(page_event("/shop", headers=who))["body"]
    cap, pen, mug = _card(body, "Cap"), _card(body, "Pen"), _card(body, "Mug")
    assert texts["obtained"] in cap and texts["limit_one"] in cap
    assert texts["twice"] in pen and texts["limit_two"] in pen
    assert texts["obtained"] in mug and texts["stock"] in mug
    assert texts["missing"] in _card(body, "Car")
    for reward_id in ("cap", "pen", "mug", "car"):
        assert f'href="/shop/{reward_id}"' not in body
    assert 'href="/shop/tea"' in body and texts["redeem"] in _card(body, "Tea")
    # The check page of a reward at its limit says so, with no button to redeem.
    check = web(page_event("/shop/{reward_id}", params={"reward_id": "cap"}, headers=who))
    assert texts["limit_one"] in text_of(check["body"]) and 'name="request_id"' not in check[
        "body"]
    # A cancel gives the limit back: the reward is offered again.
    [cap_redemption] = [r for r in redemptions.redemptions_of(ME) if r.reward_id == "cap"]
    redemptions.cancel(cap_redemption.redemption_id, by="admin", notify=False)
    assert 'href="/shop/cap"' in web(page_event("/shop", headers=who))["body"]


def test_redeeming_twice_with_one_form_redeems_once(web):
    from korpo.shop import redemptions, wallet
    from korpo.shop.rewards import create_reward

    give_points(100)
    create_reward("mug", "Mug", 40, kind="company", stock=5)
    check = web(page_event("/shop/{reward_id}", params={"reward_id": "mug"}, headers=signed_in()))
    token = check["body"].split('name="request_id" value="')[1].split('"')[0]
    for _ in range(2):
        answer = web(page_event("/shop/{reward_id}", method="POST", params={"reward_id": "mug"},
                                headers=form_headers(), body=f"csrf=token-1&request_id={token}"))
        assert answer["statusCode"] == 303
        assert headers_of(answer)["location"].startswith("/shop/redemptions?done=")
    assert len(redemptions.redemptions_of(ME)) == 1 and wallet.balance_of(ME) == 60
    listed = web(page_event("/shop/redemptions", query={"done": headers_of(answer)["location"]
                                                         .split("done=")[1]},
                            headers=signed_in()))["body"]
    assert "Votre demande pour «\u202fMug\u202f» est enregistrée." in listed and "Demandé" in listed


def test_a_refused_redemption_says_why_and_debits_nothing(web):
    from korpo.shop import wallet
    from korpo.shop.rewards import create_reward

    give_points(10)
    create_reward("mug", "Mug", 40, kind="company")
    answer = web(page_event("/shop/{reward_id}", method="POST", params={"reward_id": "mug"},
                            headers=form_headers(), body="csrf=token-1&request_id=abcdefgh123"))
    assert answer["statusCode"] == 409
    assert "pas encore assez de korpos" in answer["body"]
    assert wallet.balance_of(ME) == 10
    for reward_id in ("nope", "x" * 300):
        missing = web(page_event("/shop/{reward_id}", params={"reward_id": reward_id},
                                 headers=signed_in()))
        assert missing["statusCode"] == 404


def test_a_redemption_needs_the_session_token(web):
    from korpo.shop import wallet
    from korpo.shop.rewards import create_reward

    give_points(100)
    create_reward("mug", "Mug", 40, kind="company")
    answer = web(page_event("/shop/{reward_id}", method="POST", params={"reward_id": "mug"},
                            headers=form_headers(), body="request_id=abcdefgh123"))
    assert answer["statusCode"] == 403 and wallet.balance_of(ME) == 100


def test_the_profile_is_checked_saved_and_sets_the_language(web):
    from korpo.people.profiles import get_profile
    from korpo.people.teams import create_team

    web(page_event("/profile", headers=signed_in()))  # made on the first visit
    sales = create_team("Sales")
    wrong = web(page_event("/profile", method="POST", headers=form_headers(),
                           body="csrf=token-1&display_name=&team_id=nope&language=fr"))
    assert wrong["statusCode"] == 400 and "error-summary" in wrong["body"]
    saved = web(page_event("/profile", method="POST", headers=form_headers(),
                           body=f"csrf=token-1&display_name=Ann+%3Cb%3E&team_id={sales.team_id}"
                                "&named_on_board=no&language=en&weekly_digest=yes"))
    assert headers_of(saved)["location"] == "/profile?saved=1"
    assert "korpo_lang=en;" in " ".join(saved["multiValueHeaders"]["Set-Cookie"])
    profile = get_profile(ME)
    assert (profile.display_name, profile.team_id, profile.named_on_board, profile.language,
            profile.weekly_digest) == ("Ann <b>", sales.team_id, False, "en", True)
    page = web(page_event("/profile", headers={"cookie": session_cookie() + "; korpo_lang=en"}))
    assert 'value="Ann &lt;b&gt;"' in page["body"]


def test_my_data_downloads_as_json_with_nothing_of_others(web):
    import json

    from korpo.tracking import links

    make_post("post-1")
    web(page_event("/profile", headers=signed_in()))
    links.get_or_create(ME, "post-1", "x")
    links.get_or_create("someone-else", "post-1", "x")
    answer = web(page_event("/profile/export", headers=signed_in()))
    headers = headers_of(answer)
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["content-disposition"].startswith("attachment;")
    data = json.loads(answer["body"])
    assert data["employee_id"] == ME and [link["network"] for link in data["links"]] == ["x"]
    assert "someone-else" not in answer["body"]


def test_deleting_the_account_needs_a_tick_then_signs_out_for_good(web):
    from korpo.people import employees, profiles

    web(page_event("/profile", headers=signed_in()))
    unticked = web(page_event("/profile/delete", method="POST", headers=form_headers(),
                              body="csrf=token-1"))
    assert unticked["statusCode"] == 400 and not employees.is_deleted(ME)
    gone = web(page_event("/profile/delete", method="POST", headers=form_headers(),
                          body="csrf=token-1&confirm=yes"))
    assert headers_of(gone)["location"] == "/signin?done=deleted"
    cleared = " ".join(gone["multiValueHeaders"]["Set-Cookie"])
    assert "korpo_session=; Max-Age=0" in cleared and "korpo_refresh=; Max-Age=0" in cleared
    assert employees.is_deleted(ME)
    # A session cookie from before the deletion ended with it, and makes no profile again.
    again = web(page_event("/profile", headers=signed_in()))
    assert headers_of(again)["location"] == "/signin"
    assert employees.is_deleted(ME) and profiles.get_profile(ME) is None


def test_the_share_sheets_own_ways_record_an_intent_once_a_day(web):
    from korpo.models import EventModel

    make_post("post-1")
    for network in ("copy", "copy", "native"):
        answer = web(page_event("/news/{post_id}/intent", method="POST",
                                params={"post_id": "post-1"}, headers=form_headers(),
                                body=f"csrf=token-1&network={network}"))
        assert answer["statusCode"] == 204
    intents = [e for e in EventModel.scan() if e.type == "share_intent"]
    assert sorted(e.network for e in intents) == ["copy", "native"]
    refused = web(page_event("/news/{post_id}/intent", method="POST", params={"post_id": "post-1"},
                             headers=form_headers(), body="csrf=token-1&network=evil"))
    assert refused["statusCode"] == 400


def test_opening_a_network_records_the_share_intent(web):
    from korpo.models import EventModel

    make_post("post-1")
    web(page_event("/news/{post_id}/share/{target}", params={"post_id": "post-1",
                                                             "target": "whatsapp"},
                   query={"t": "token-1"}, headers=signed_in()))
    assert [(e.type, e.network) for e in EventModel.scan()] == [("share_intent", "whatsapp")]


def test_the_team_board_ranks_teams(web):
    answer = web(page_event("/leaderboard/teams", query={"month": "2026-11"}, headers=signed_in()))
    assert answer["statusCode"] == 200
    assert "Aucune équipe" in answer["body"]


def test_a_team_board_where_nobody_earned_says_so_and_ranks_no_one(web):
    import boto3

    from korpo import settings
    from korpo.people.teams import create_team

    sales, _ops = create_team("Sales"), create_team("Ops")
    empty = web(page_event("/leaderboard/teams", query={"month": "2026-11"},
                           headers=signed_in()))["body"]
    assert "Aucune équipe n’a encore gagné" in empty and "<table" not in empty
    boto3.client("dynamodb").put_item(TableName=settings.current().scores_table, Item={
        "pk": {"S": f"STATS#team#{sales.team_id}"}, "sk": {"S": "DAY#2026-11-03"},
        "c": {"M": {"points": {"N": "40"}}}})
    ranked = text_of(web(page_event("/leaderboard/teams", query={"month": "2026-11"},
                                    headers=signed_in()))["body"])
    assert "1 Sales 40" in ranked and "Ops" not in ranked.split("Pas encore")[0]
    assert "Pas encore au classement : Ops." in ranked  # text_of folds every space


def test_sharing_for_a_running_challenge_carries_it_and_a_finished_one_does_not(web):
    from datetime import datetime, timedelta, timezone

    from korpo.models import ChallengeModel, EventModel, LinkModel

    now = datetime.now(timezone.utc)
    ChallengeModel.create("launch", "Launch <week>", now - timedelta(days=1),
                          now + timedelta(days=1), multiplier=2).save()
    ChallengeModel.create("old", "Old", now - timedelta(days=9), now - timedelta(days=2)).save()
    make_post("post-1")
    news = web(page_event("/news", headers=signed_in()))["body"]
    assert 'href="/news?challenge=launch"' in news and "?challenge=old" not in news
    chosen = web(page_event("/news", query={"challenge": "launch"}, headers=signed_in()))["body"]
    assert "«\u202fLaunch &lt;week&gt;\u202f»" in chosen and 'href="/news/post-1?challenge=launch"' in chosen
    sheet = web(page_event("/news/{post_id}", params={"post_id": "post-1"},
                           query={"challenge": "launch"}, headers=signed_in()))["body"]
    assert 'formaction="/news/post-1/share/x"' in sheet
    assert '<input type="hidden" name="challenge" value="launch">' in sheet
    web(page_event("/news/{post_id}/share/{target}", params={"post_id": "post-1", "target": "x"},
                   query={"t": "token-1", "challenge": "launch"}, headers=signed_in()))
    web(page_event("/news/{post_id}/share/{target}", params={"post_id": "post-1",
                                                             "target": "bluesky"},
                   query={"t": "token-1", "challenge": "old"}, headers=signed_in()))
    by_network = {link.network: link.challenge_id for link in LinkModel.scan()
                  if link.network in ("x", "bluesky")}
    assert by_network == {"x": "launch", "bluesky": None}
    assert {e.network: e.challenge_id for e in EventModel.scan()} == {"x": "launch",
                                                                      "bluesky": None}


def test_a_post_without_an_http_address_is_shown_but_never_linked_nor_shared(web):
    post = make_post("bad", url="javascript:alert(document.cookie)")
    post.image_url = "https://img.example/x.png\" onerror=\"alert(1)"
    post.save()
    news = web(page_event("/news", headers=signed_in()))["body"]
    assert "Title bad" in news and "javascript:" not in news and 'onerror="' not in news
    sheet = web(page_event("/news/{post_id}", params={"post_id": "bad"}, headers=signed_in()))
    assert sheet["statusCode"] == 404


def test_a_french_page_says_everything_in_french(web):
    """Counts in the right plural, the points by their name, the QR code's title, French
    spacing: nothing English or clumsy left on a French page."""
    from datetime import datetime, timedelta, timezone

    from korpo import brand, settings
    from korpo.board import standings
    from korpo.models import ChallengeModel
    from korpo.months import month_of
    from korpo.shop.rewards import create_reward

    brand.save({"points_name": "étoiles"})
    now = datetime.now(timezone.utc)
    ChallengeModel.create("launch", "Launch", now - timedelta(days=1), now + timedelta(days=1),
                          multiplier=2, bonus=5).save()
    make_post("post-1")
    news = text_of(web(page_event("/news", headers=signed_in()))["body"])
    assert "étoiles × 2" in news and "+5 étoiles par action" in news and "points" not in news
    create_reward("one", "One", 10, kind="company", stock=1)
    create_reward("two", "Two", 10, kind="company", stock=2)
    shop = text_of(web(page_event("/shop", headers=signed_in()))["body"])
    assert "1 restant " in shop and "2 restants" in shop and "(s)" not in shop
    standings.set_score(month_of(now, settings.current().zone), ME, 3)
    board = web(page_event("/leaderboard", headers=signed_in()))["body"]
    assert '<caption class="visually-hidden">Le premier</caption>' in board
    sheet = web(page_event("/news/{post_id}", params={"post_id": "post-1"},
                           headers=signed_in()))["body"]
    assert "<title>Le code QR de votre lien</title>" in sheet and "QR code" not in sheet
    assert "Votre code QR" in sheet


def text_of(html: str) -> str:
    from web_pages import text_of as words

    return words(html)
