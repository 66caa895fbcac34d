"""The employee's web app as a person uses it: Playwright drives Debian's Chromium, headless,
against the local stack (`make run`'s, with SignUp=open), at a phone's size.

sign up -> confirm (moto takes any code): signed in on the news -> sign out and in again -> -> share a post on LinkedIn
(the share page carries the tracked link and the disclosure) -> a visitor opens the link in a
second browser -> the stream is pumped -> the employee's board and ledger show the points ->
redeem a reward -> it shows in my redemptions (and its e-mail is sent) -> the profile and the
team board -> delete the account (signed out; the sign-in is refused). Once in English, once
in French. Every page is checked by axe-core (no serious or critical
violation), for horizontal scrolling at 360 px, and for console errors (a CSP violation is
one); a screenshot of each goes to `.screenshots/` (git-ignored) to be looked at.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
import requests

from browsers import (
    CHROME_UA, assert_page_is_sound, browser_or_skip, collect_console_errors, document_methods,
    phone_context,
)
from mastodon_server import HOST as MASTODON, MastodonServer

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".screenshots"
TEXTS = {
    "en": {"signin": "Sign in", "signout": "Sign out", "board": "Board",
           "create": "Create my account", "disclosure": "#employee",
           "own_words": "Proud of this one: have a look!",
           "ledger": "A visitor opened your LinkedIn share of", "redeem": "Redeem",
           "requested": "Requested", "save": "Save", "saved": "Your profile is saved.",
           "delete": "Delete my account", "confirm_delete": "I want my account deleted",
           "wrong": "The email or the password is not right.",
           "confirm": "Confirm", "continue": "Continue", "obtained": "Obtained",
           "out_of_stock": "Out of stock for now.", "redeemed": "You redeemed “Sticker",
           "open_mastodon": f"Share on {MASTODON}",
           "standing": re.compile(r"You are number \d+ with [1-9][\d,]*\u00a0korpos")},
    "fr": {"signin": "Se connecter", "signout": "Se déconnecter", "board": "Classement",
           "disclosure": "#collaborateur",
           "own_words": "Fière de cette équipe\u00a0: à lire\u202f!",
           "ledger": "Un visiteur a ouvert votre partage LinkedIn de", "redeem": "Échanger",
           "requested": "Demandé", "save": "Enregistrer", "saved": "Votre profil est enregistré.",
           "delete": "Supprimer mon compte",
           "confirm_delete": "Je veux que mon compte soit supprimé",
           "wrong": "L’adresse e-mail ou le mot de passe n’est pas le bon.",
           "create": "Créer mon compte", "confirm": "Confirmer", "continue": "Continuer",
           "obtained": "Obtenue", "out_of_stock": "Épuisé pour le moment.",
           "redeemed": "Vous avez échangé «\u202fSticker",
           "open_mastodon": f"Partager sur {MASTODON}",
           "standing": re.compile(r"Vous êtes numéro \d+ avec [1-9][\d\u202f]*\u00a0korpos")},
}


@pytest.fixture(scope="module")
def stack():
    """The local stack with open sign-up (SignUp=open): this journey starts at /signup."""
    from infra.local_stack import start

    running = start(port=0, moto_port=0, seed=True, background=True, quiet=True,
                    parameters={"SignUp": "open"})
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def mastodon():
    """The employee's Mastodon instance, played by a server on 127.0.0.1."""
    with MastodonServer() as instance:
        yield instance


@pytest.fixture(scope="module")
def browser(mastodon):
    with browser_or_skip(mastodon.resolver_rule) as launched:
        yield launched


def tab_to(page, selector: str, most: int = 12) -> None:
    """Press Tab until the element is focused: it can be reached by keyboard."""
    for _ in range(most):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable by keyboard on {page.url}")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_sign_up_share_and_see_the_points(stack, browser, mastodon, language):
    g, texts = stack.gateway_url, TEXTS[language]
    shots = SCREENSHOTS / language
    shots.mkdir(parents=True, exist_ok=True)
    email = f"web-{language}-{secrets.token_hex(4)}@example.com"
    password = "correct-horse-42"

    # The stand-in Mastodon instance's certificate is its own (tests/mastodon_server.py).
    employee = phone_context(browser, language, ignore_https_errors=True)
    # Every request the employee's browser makes: the networks' share pages it is sent to
    # never load (nothing resolves but 127.0.0.1), but their URLs are here to read.
    requested: list[str] = []
    employee.on("request", lambda request: requested.append(request.url))
    page = employee.new_page()
    errors = collect_console_errors(page)

    page.goto(f"{g}/")
    assert page.url.endswith("/signin")
    assert_page_is_sound(page, shots / "01-signin.png", errors)
    page.get_by_role("link", name=re.compile("Create an account|Créer un compte")).click()

    # A domain outside the allowed list is refused before anything is created.
    page.get_by_label(re.compile("Work email|Adresse e-mail professionnelle")).fill(
        "someone@gmail.com")
    page.get_by_label(re.compile("^(Password|Mot de passe)")).fill(password)
    page.get_by_role("button", name=texts["create"]).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_focused()  # read first by a screen reader
    assert_page_is_sound(page, shots / "02-signup-error.png", errors)
    # Its link moves to the field; a reload loads the page, it never sends the form again.
    page.locator(".error-summary a").first.click()
    expect(page.locator("#email")).to_be_focused()
    loads = document_methods(page)
    page.reload()
    assert loads == ["GET"] and page.url.endswith("/signup")

    page.get_by_label(re.compile("Work email|Adresse e-mail professionnelle")).fill(email)
    page.get_by_label(re.compile("^(Password|Mot de passe)")).fill(password)
    page.get_by_role("button", name=texts["create"]).click()
    assert page.url.endswith("/signup/confirm")
    assert page.get_by_label(re.compile("Work email|Adresse e-mail professionnelle")
                             ).input_value() == email
    page.get_by_label("Code").fill("123456")  # moto accepts any code
    assert_page_is_sound(page, shots / "03-confirm.png", errors)
    page.get_by_role("button", name=texts["confirm"], exact=True).click()

    # The code was enough: the news, signed in, the password not asked again.
    page.wait_for_url("**/news?done=welcome")
    expect(page.locator(".notice")).to_be_visible()
    assert_page_is_sound(page, shots / "04-news-welcome.png", errors)
    # Tokens stay out of reach of scripts: no cookie is readable from the page.
    assert page.evaluate("document.cookie") == ""

    # Signed out, then in again by keyboard only: the skip link comes first, then the form's
    # fields in order.
    page.get_by_role("button", name=texts["signout"]).click()
    page.wait_for_url("**/signin?done=signed_out")
    assert_page_is_sound(page, shots / "04b-signed-out.png", errors)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/news")
    assert_page_is_sound(page, shots / "05-news.png", errors)

    # The demo's running challenge: share for it, in three taps (challenge, post, network).
    page.locator(".challenge a.button").first.click()
    expect(page.locator(".notice")).to_be_visible()
    assert "challenge=" in page.url
    page.locator("article.post a.button").first.click()
    assert "/news/" in page.url and "challenge=" in page.url
    assert_page_is_sound(page, shots / "06-share.png", errors)
    # The phone's own share menu is offered only where the browser has one (this one has
    # none); the text is the employee's to change, the disclosure line is not.
    expect(page.locator("[data-native]")).to_be_hidden()
    phone = employee.new_page()  # a browser that has a share menu (as phones do) shows it
    phone.add_init_script("navigator.share = () => Promise.resolve();")
    phone.goto(page.url)
    expect(phone.locator("[data-native]")).to_be_visible()
    phone.close()
    box = page.get_by_label(re.compile("^(Your text|Votre texte)$"))
    assert box.input_value() and texts["disclosure"] not in box.input_value()
    box.fill(texts["own_words"])

    with employee.expect_page() as popup:
        page.get_by_role("button", name="LinkedIn", exact=True).click()
    popup.value.wait_for_load_state()
    popup.value.close()
    shared = urlsplit(next(u for u in requested if u.startswith("https://www.linkedin.com/")))
    assert shared.path == "/feed/"
    text = parse_qs(shared.query)["text"][0]
    assert text.startswith(texts["own_words"] + " http") and text.endswith(
        " " + texts["disclosure"])
    link = re.search(r"http://127\.0\.0\.1:\d+/l/[A-Za-z0-9]+", text).group(0)

    # Mastodon, the first time: the employee names their server, then opens it. Chromium
    # keeps a form from redirecting to a site its page's CSP does not name (form-action): the
    # page that follows the server's form is this site's, and the employee opens it from there.
    shared_before = len(mastodon.shared)  # the server serves both languages' runs
    with employee.expect_page() as popup:
        page.get_by_role("button", name="Mastodon", exact=True).click()
    asked = popup.value
    asked_errors = collect_console_errors(asked)
    asked.wait_for_load_state()
    assert "/mastodon" in urlsplit(asked.url).path
    assert_page_is_sound(asked, shots / "06b-mastodon-server.png", asked_errors)
    asked.get_by_label(re.compile("^(Server|Serveur)")).fill(MASTODON)
    asked.get_by_role("button", name=texts["continue"]).click()
    assert_page_is_sound(asked, shots / "06c-mastodon-open.png", asked_errors)
    asked.get_by_role("link", name=texts["open_mastodon"]).click()
    asked.wait_for_url(f"https://{MASTODON}/share?**")
    assert len(mastodon.shared) == shared_before + 1
    assert mastodon.shared[-1].startswith(texts["own_words"])  # the words went through
    assert mastodon.shared[-1].endswith(" " + texts["disclosure"]) and "/l/" in mastodon.shared[-1]
    asked.close()
    # The next time (a share sheet shown since: its CSP names the server this browser
    # keeps), the button goes straight to the server.
    page.reload()
    page.get_by_label(re.compile("^(Your text|Votre texte)$")).fill(texts["own_words"])
    with employee.expect_page() as popup:
        page.get_by_role("button", name="Mastodon", exact=True).click()
    popup.value.wait_for_url(f"https://{MASTODON}/share?**")
    popup.value.close()
    assert len(mastodon.shared) == shared_before + 2

    # The first page and every page after it: nothing but this site was asked for.
    foreign = [u for u in requested if not u.startswith(
        (g, "https://www.linkedin.com/", f"https://{MASTODON}/"))]
    assert not foreign, foreign

    # A visitor opens the link in another browser, as a person (not headless) would.
    visitor = browser.new_context(user_agent=CHROME_UA, locale="en-GB")
    visitor_page = visitor.new_page()
    visitor_page.goto(link)
    assert "utm_source=korpo" in visitor_page.url or "korpo_click=" in visitor_page.url
    visitor.close()

    for _ in range(10):
        stack.pump()
        page.goto(f"{g}/leaderboard")
        if texts["standing"].search(page.locator(".standing").inner_text()):
            break
    assert texts["standing"].search(page.locator(".standing").inner_text())
    assert_page_is_sound(page, shots / "07-board.png", errors)
    page.get_by_role("link", name=re.compile("^(Teams|Équipes)$")).click()
    assert_page_is_sound(page, shots / "08-team-board.png", errors)

    # My points: the ledger says why, in words.
    page.get_by_role("link", name="Points").click()
    assert texts["ledger"] in page.locator(".ledger").inner_text()
    assert_page_is_sound(page, shots / "09-points.png", errors)

    # A reward the balance affords; its title is text, even with markup in it.
    from korpo.shop.rewards import create_reward

    reward_id = f"web-sticker-{language}"
    create_reward(reward_id, "Sticker <b>pack</b>", 10, kind="company", stock=1)
    page.get_by_role("link", name=re.compile("^(Shop|Boutique)$")).click()
    assert "Sticker <b>pack</b>" in page.locator("main").inner_text()
    assert_page_is_sound(page, shots / "10-shop.png", errors)
    page.locator(f'a[href="/shop/{reward_id}"]').click()
    assert_page_is_sound(page, shots / "11-redeem.png", errors)
    page.get_by_role("button", name=re.compile(f"^{texts['redeem']}")).click()
    assert "/shop/redemptions" in page.url
    expect(page.locator(".notice")).to_be_visible()
    assert texts["requested"] in page.locator("main").inner_text()
    assert_page_is_sound(page, shots / "12-redemptions.png", errors)
    sent = requests.get(f"{g}/_local/emails", timeout=10).json()["emails"]
    assert any(m["to"] == [email] and "Sticker" in m["subject"] for m in sent)

    # The shop says why the sticker cannot be redeemed again; the points add up.
    page.get_by_role("link", name=re.compile("^(Shop|Boutique)$")).click()
    # (the stack is the module's: the other language's sticker is there too, not obtained)
    card = page.locator("article.reward", has_text="Sticker <b>pack</b>").filter(
        has_text=texts["obtained"])
    assert texts["obtained"] in card.inner_text() and texts["out_of_stock"] in card.inner_text()
    expect(card.get_by_role("link", name=re.compile(f"^{texts['redeem']}"))).to_have_count(0)
    assert_page_is_sound(page, shots / "12b-shop-after.png", errors)
    page.get_by_role("link", name="Points").click()
    moves = page.locator(".ledger").inner_text()
    assert texts["redeemed"] in moves and "-10" in moves
    balance = int(re.sub(r"\D", "", page.locator(".standing").inner_text()))
    points = [int(re.sub(r"[^\d-]", "", p))
              for p in page.locator(".ledger-points").all_inner_texts()]
    assert sum(points) == balance
    assert_page_is_sound(page, shots / "12c-points-after.png", errors)

    # The profile: a team, and a pseudonym on the board.
    page.get_by_role("link", name=re.compile("^(Profile|Profil)$")).click()
    page.get_by_label(re.compile("^(Team|Équipe)$")).select_option(index=1)
    page.locator("#named-no").check()
    page.get_by_role("button", name=texts["save"]).click()
    assert page.locator(".notice").inner_text().strip() == texts["saved"]
    assert page.locator("#named-no").is_checked()
    assert_page_is_sound(page, shots / "13-profile.png", errors)

    # Deleting the account signs out for good.
    page.get_by_role("link", name=texts["delete"]).click()
    page.get_by_role("button", name=texts["delete"]).click()  # not confirmed: an error
    expect(page.locator(".error-message")).to_be_visible()
    assert_page_is_sound(page, shots / "14-delete.png", errors)
    page.get_by_label(texts["confirm_delete"]).check()
    page.get_by_role("button", name=texts["delete"]).click()
    assert "/signin" in page.url
    page.get_by_label(re.compile("Work email|Adresse e-mail professionnelle")).fill(email)
    page.get_by_label(re.compile("^(Password|Mot de passe)")).fill(password)
    page.get_by_role("button", name=texts["signin"]).click()
    assert texts["wrong"] in page.locator(".error-summary").inner_text()
    employee.close()
