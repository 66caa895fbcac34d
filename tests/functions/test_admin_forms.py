"""Every create form of /manage creates once, however often it is sent: the rewards', the
challenges', a post added by hand, the teams' (each through its form token, kept in the
page's address so that Back then send again carries the same one), and the channels' (a
channel's id is its feed's URL)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from feed_server import FeedServer
from helpers import make_post
from web_pages import as_admin, form, headers_of, page_event

from korpo.feeds.guard import ALLOW_PRIVATE_ENV


def _local(at: datetime) -> str:
    return at.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def _challenge_fields(title: str) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    return {"title": title, "description": "", "subject": "post", "post_id": "post-1",
            "destination": "", "starts_at": _local(now),
            "ends_at": _local(now + timedelta(days=7)), "reward": "multiplier",
            "multiplier": "2", "bonus": "", "kind": "campaign", "goal": "human_clicks",
            "goal_type": "", "goal_target": "100"}


def _rewards() -> list:
    from korpo.shop.rewards import list_rewards

    return list_rewards(include_retired=True)


def _challenges() -> list:
    from korpo.content.challenges import list_challenges

    return list_challenges()


def _manual_posts() -> list:
    from korpo.content.posts import MANUAL_FEED
    from korpo.models import PostModel

    return [p for p in PostModel.gsi1.query("POSTS") if p.feed_id == MANUAL_FEED]


def _teams() -> list:
    from korpo.people.teams import list_teams

    return list_teams()


# (page, the form's fields as first sent, what changed before sending again, what it made)
FORMS = {
    "reward": ("/manage/rewards/new", {"title": "Mug", "kind": "company", "cost": "300",
                                       "stock": "", "description": "", "per_employee_limit": ""},
               {"title": "Mug, again"}, _rewards),
    "challenge": ("/manage/challenges/new", _challenge_fields("Launch"),
                  {"title": "Launch, renamed"}, _challenges),
    "post": ("/manage/posts/new", {"url": "https://brand.example.com/office",
                                   "title": "Our office", "image_url": "", "text": ""},
             {"title": "Our new office"}, _manual_posts),
    "team": ("/manage/teams", {"name": "Sales"}, {"name": "Sales, again"}, _teams),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_create_form_sent_twice_creates_once(web, name):
    path, fields, changed, made = FORMS[name]
    make_post("post-1")
    # The page gives itself a token in its address: a browser's Back comes back to it.
    first = web(page_event(path, headers=as_admin()))
    assert first["statusCode"] == 303
    location = headers_of(first)["location"]
    assert urlsplit(location).path == path
    token = parse_qs(urlsplit(location).query)["t"][0]
    shown = web(page_event(path, query={"t": token}, headers=as_admin()))
    assert shown["statusCode"] == 200
    assert re.search(rf'name="request_id" value="{re.escape(token)}"', shown["body"])

    sent = web(form(path, {**fields, "request_id": token}))
    assert sent["statusCode"] == 303, sent["body"][:1500]
    # Back (the same address, so the same token), the fields as the browser restored them,
    # perhaps changed, then sent again: nothing new.
    again = web(form(path, {**fields, **changed, "request_id": token}))
    assert again["statusCode"] == 303, again["body"][:1500]
    assert headers_of(again)["location"] == headers_of(sent)["location"]
    assert len(made()) == 1

    # Another visit of the page is another token: a second one can be made on purpose.
    other = web(page_event(path, headers=as_admin()))
    other_token = parse_qs(urlsplit(headers_of(other)["location"]).query)["t"][0]
    assert other_token != token
    different = {**fields, **({"name": "Marketing"} if name == "team" else {}),
                 "request_id": other_token}
    assert web(form(path, different))["statusCode"] == 303
    assert len(made()) == 2


def test_a_token_that_is_not_one_gets_a_fresh_one(web):
    for hostile in ("", "x", "a" * 65, "<script>", "../../etc"):
        answer = web(page_event("/manage/rewards/new", query={"t": hostile},
                                headers=as_admin()))
        assert answer["statusCode"] == 303
        token = parse_qs(urlsplit(headers_of(answer)["location"]).query)["t"][0]
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}", token)


def test_a_channel_added_twice_is_one_channel(web, monkeypatch):
    from korpo.feeds.store import list_feeds

    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")  # the site is on 127.0.0.1: tests only
    with FeedServer() as site:
        site.serve("/feed/", "wordpress.xml", content_type="application/rss+xml")
        fields = {"url": site.url("/feed/"), "interval_minutes": "15"}
        first = web(form("/manage/channels", fields))
        again = web(form("/manage/channels", fields))
    assert first["statusCode"] == again["statusCode"] == 303
    assert headers_of(again)["location"] == headers_of(first)["location"]
    assert len(list_feeds()) == 1
