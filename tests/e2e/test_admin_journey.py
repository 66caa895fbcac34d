"""The admin's web app as a community manager uses it, once (English, a phone's width), with an
employee and a visitor in browsers of their own, against the local stack:

sign in as the demo admin -> add a channel by its site URL (the demo careers page: its feed is
discovered) -> poll it now -> its post shows in the news -> create a challenge on that post ->
add a reward -> an employee shares the challenge's post -> a visitor clicks -> the stream is
pumped -> the stats page and its CSV show the human click -> the employee redeems the reward ->
the admin fulfils it with a message -> the employee sees it fulfilled, message and all ->
the admin invites a newcomer (sign-up is by invitation: the template's default), in French;
the newcomer signs in with the temporary password from the invitation (the local stack's
stand-in e-mail) and chooses their own.

Every admin page is checked by axe-core (no serious or critical violation), for sideways
scrolling at 360 px and for console errors; screenshots go to `.screenshots/admin/`.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from browsers import (
    CHROME_UA, assert_page_is_sound, browser_or_skip, collect_console_errors, desktop_context,
    document_methods, phone_context,
)

SHOTS = Path(__file__).resolve().parents[2] / ".screenshots" / "admin"
ADMIN, EMPLOYEE = "ann@example.com", "chloe@example.com"
JOB = "Senior platform engineer (Lyon or remote)"


@pytest.fixture(scope="module")
def browser():
    with browser_or_skip() as launched:
        yield launched


def sign_in(page, gateway: str, email: str) -> None:
    from infra.demo.seed import DEMO_PASSWORD

    page.goto(f"{gateway}/signin")
    page.get_by_label("Work email").fill(email)
    page.get_by_label(re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/news")


def local(at: datetime) -> str:
    """A datetime-local field's value in the brand's zone (the demo's: Europe/Paris)."""
    return at.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def test_an_admin_runs_a_challenge_and_sees_what_it_brought(stack, browser):
    g = stack.gateway_url
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = phone_context(browser, "en")
    page = admin.new_page()
    errors = collect_console_errors(page)
    sign_in(page, g, ADMIN)

    page.get_by_role("link", name="Manage").click()
    assert_page_is_sound(page, SHOTS / "01-manage.png", errors)

    # A channel by its site's address: the feed it advertises is found and read.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Channels").click()
    page.get_by_label("Address of a site, a profile or a feed").fill(stack.demo_site.careers_url)
    page.get_by_role("button", name="Add the channel").click()
    expect(page.locator(".notice")).to_be_visible()  # on the new channel's page
    assert "Korpo Demo Careers" in page.locator("h1").inner_text()
    assert_page_is_sound(page, SHOTS / "02-channel-added.png", errors)
    page.get_by_role("button", name="Poll now").click()
    expect(page.locator(".notice")).to_contain_text(re.compile(r"Polled now: \d+ new posts?,"))
    assert_page_is_sound(page, SHOTS / "03-channel.png", errors)
    loads = document_methods(page)
    page.reload()  # the channel's page again: it is not polled again
    assert loads == ["GET"] and "polled=ok" in page.url
    page.goto(f"{g}/news")
    assert JOB in page.locator("main").inner_text()

    # A challenge on the job's post, starting now: twice the points, a goal of ten human
    # clicks. Sent half filled first: every missing answer is named at once, at the top.
    page.goto(f"{g}/manage/challenges/new")
    page.get_by_role("button", name="Create the challenge").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert summary.locator("a").count() >= 4  # title, what is shared, the end, the target
    assert_page_is_sound(page, SHOTS / "04a-challenge-errors.png", errors)
    summary.get_by_role("link", name="Enter a title.").click()
    expect(page.get_by_label("Title")).to_be_focused()
    page.get_by_label("Title").fill("Refer a <b>platform</b> engineer")
    page.get_by_label("A post of the news").check()
    page.get_by_label("Post (if you chose a post)").select_option(label=JOB)
    now = datetime.now(ZoneInfo("UTC"))
    expect(page.get_by_label("Now", exact=True)).to_be_checked()
    page.get_by_label("End", exact=True).fill(local(now + timedelta(days=14)))
    page.get_by_label("It multiplies the points they earn").check()
    page.get_by_label("Multiplier (if it multiplies)").fill("2")
    page.get_by_label("Job referral").check()
    page.get_by_label("Human clicks").check()
    page.get_by_label("Target").fill("10")
    assert_page_is_sound(page, SHOTS / "04-challenge-new.png", errors)
    page.get_by_role("button", name="Create the challenge").click()
    expect(page.locator(".notice")).to_be_visible()
    assert "/manage/challenges" in page.url
    assert "Refer a <b>platform</b> engineer" in page.locator("main").inner_text()
    assert_page_is_sound(page, SHOTS / "05-challenges.png", errors)

    # A reward for the shop.
    page.goto(f"{g}/manage/rewards/new")
    page.get_by_label("Title").fill("Team lunch")
    page.get_by_label("Price in korpos").fill("10")
    page.get_by_label("Stock (optional)").fill("2")
    page.get_by_role("button", name="Add the reward").click()
    assert "Team lunch" in page.locator("main").inner_text()
    assert_page_is_sound(page, SHOTS / "06-rewards.png", errors)
    # Back, and the form (as the browser restored it) sent again: still one reward.
    page.go_back()
    assert "/manage/rewards/new?t=" in page.url
    assert page.get_by_label("Title").input_value() in ("Team lunch", "")
    page.get_by_label("Title").fill("Team lunch")
    page.get_by_label("Price in korpos").fill("10")
    page.get_by_role("button", name="Add the reward").click()
    assert page.locator("main").inner_text().count("Team lunch") == 1

    # An employee shares the challenge's post on LinkedIn.
    employee = phone_context(browser, "en")
    requested: list[str] = []
    employee.on("request", lambda request: requested.append(request.url))
    mine = employee.new_page()
    sign_in(mine, g, EMPLOYEE)
    card = mine.locator(".challenge", has_text="Refer a <b>platform</b> engineer")
    assert "0 of 10" in card.inner_text()
    card.locator("a.button").first.click()
    assert "challenge=" in mine.url
    with employee.expect_page() as popup:
        mine.get_by_role("button", name="LinkedIn", exact=True).click()
    popup.value.close()
    shared = next(u for u in requested if u.startswith("https://www.linkedin.com/"))
    link = re.search(r"http://127\.0\.0\.1:\d+/l/[A-Za-z0-9]+",
                     parse_qs(urlsplit(shared).query)["text"][0]).group(0)

    # A visitor clicks it, in a browser of their own.
    visitor = browser.new_context(user_agent=CHROME_UA, locale="en-GB")
    landing = visitor.new_page()
    landing.goto(link)
    assert "/careers/senior-platform-engineer.html" in landing.url
    visitor.close()

    # The stats show the click (the stream is pumped as Lambda's poller would).
    for _ in range(10):
        stack.pump()
        page.goto(f"{g}/manage/stats")
        reach = page.locator(".stats-figures div", has_text="Reach (human clicks)")
        if reach.locator("dd").inner_text().strip() not in ("", "0"):
            break
    assert int(reach.locator("dd").inner_text().replace(",", "")) >= 1
    assert_page_is_sound(page, SHOTS / "07-stats.png", errors)
    page.get_by_label("Show").select_option(label="Refer a <b>platform</b> engineer")
    page.get_by_role("button", name="Show the figures").click()
    reach = page.locator(".stats-figures div", has_text="Reach (human clicks)")
    assert reach.locator("dd").inner_text().strip() == "1"
    assert_page_is_sound(page, SHOTS / "08-stats-challenge.png", errors)
    href = page.locator('a[href^="/manage/stats.csv?"]', has_text="Download").first
    answer = page.request.get(g + href.get_attribute("href"))
    assert answer.ok and "text/csv" in answer.headers["content-type"]
    rows = list(csv.reader(io.StringIO(answer.text().lstrip("\ufeff"))))
    assert any("human" in " ".join(row).lower() and "1" in row for row in rows), rows[:12]

    # The employee redeems the lunch; the admin fulfils it with a message.
    mine.goto(f"{g}/leaderboard")  # the click's points
    mine.goto(f"{g}/shop")
    mine.locator('a.button', has_text="Redeem").filter(has_text="Team lunch").click()
    mine.get_by_role("button", name=re.compile("^Redeem")).click()
    assert "Requested" in mine.locator("main").inner_text()

    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Redemptions").click()
    assert_page_is_sound(page, SHOTS / "09-redemptions.png", errors)
    page.get_by_role("link", name="Team lunch").click()
    page.get_by_label("Message to the employee (optional)").fill("Friday, 12:30, <i>canteen</i>")
    assert_page_is_sound(page, SHOTS / "10-redemption.png", errors)
    page.get_by_role("button", name="Fulfil and e-mail the employee").click()
    expect(page.locator(".notice")).to_be_visible()

    mine.goto(f"{g}/shop/redemptions")
    words = mine.locator("main").inner_text()
    assert "Fulfilled" in words and "Friday, 12:30, <i>canteen</i>" in words

    # The other admin pages open and are sound too.
    for name, shot in (("Posts", "11-posts"), ("Employees", "12-employees"),
                       ("Teams", "13-teams"), ("Settings", "14-settings")):
        page.get_by_role("navigation", name="Administration").get_by_role(
            "link", name=name).click()
        assert_page_is_sound(page, SHOTS / f"{shot}.png", errors)

    # An invitation, in French; a line of another domain is refused, in words.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Employees").click()
    page.get_by_role("link", name="Invite employees").click()
    page.get_by_label("Work e-mail addresses").fill("noa@example.com\nsomeone@gmail.com")
    page.get_by_label("Language of the invitations").select_option("fr")
    page.get_by_role("button", name="Send the invitations").click()
    expect(page.locator(".notice")).to_contain_text("Invitations sent: 1.")
    assert "gmail.com is not one of this programme" in page.locator("main").inner_text()
    assert_page_is_sound(page, SHOTS / "15-invited.png", errors)
    page.get_by_role("link", name="Back to the employees").click()
    assert re.search(r"noa@example\.com\s+Invited until", page.locator("main").inner_text())

    sent = requests.get(f"{g}/_local/emails", timeout=30).json()["emails"]
    (mail,) = [m for m in sent if m["to"] == ["noa@example.com"]]
    assert mail["subject"].endswith(" : votre invitation") and f"{g}/signin" in mail["body"]
    newcomer = phone_context(browser, "fr")
    hers = newcomer.new_page()
    her_errors = collect_console_errors(hers)
    hers.goto(f"{g}/signin")
    hers.get_by_label("Adresse e-mail professionnelle").fill("noa@example.com")
    hers.get_by_label(re.compile("^Mot de passe")).fill(mail["temporary_password"])
    hers.get_by_role("button", name="Se connecter").click()
    hers.wait_for_url("**/signin/new-password**")
    assert_page_is_sound(hers, SHOTS / "16-new-password.png", her_errors)
    hers.get_by_label("Nouveau mot de passe").fill("own-horse-4242")
    hers.get_by_role("button", name="Enregistrer mon mot de passe").click()
    hers.wait_for_url("**/news")
    newcomer.close()
    employee.close()
    admin.close()

    # On a desktop the admin pages use the width: the menu beside the page, the figures four
    # across, the stats' periods one tap away.
    desk = desktop_context(browser, "en").new_page()
    desk_errors = collect_console_errors(desk)
    sign_in(desk, g, ADMIN)
    desk.goto(f"{g}/manage/stats")
    desk.get_by_role("link", name="Last month").click()
    assert "from=" in desk.url and desk.get_by_role("link", name="Last month").get_attribute(
        "aria-current") == "page"
    desk.get_by_role("link", name="This month").click()
    menu = desk.get_by_role("navigation", name="Administration").bounding_box()
    heading = desk.locator("h1").bounding_box()
    assert menu["x"] + menu["width"] <= heading["x"]  # side by side, not stacked
    figures = desk.locator(".stats-figures > div")
    assert len({round(figures.nth(i).bounding_box()["y"]) for i in range(4)}) == 1
    assert_page_is_sound(desk, SHOTS / "15-desktop-stats.png", desk_errors)
    for path, shot in (("/manage/challenges/new", "16-desktop-challenge"),
                       ("/manage/employees", "17-desktop-employees"),
                       ("/manage/channels", "18-desktop-channels")):
        desk.goto(g + path)
        assert_page_is_sound(desk, SHOTS / f"{shot}.png", desk_errors)
    desk.context.close()
