"""/manage/channels: an admin adds a channel by its site's URL, polls it now, edits, pauses,
resumes and deletes it, and reads its health; the poller never undoes an admin's edit."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from feed_server import FeedServer
from web_pages import ME, as_admin, form, headers_of, page_event, signed_in, text_of

from korpo.feeds.guard import ALLOW_PRIVATE_ENV

PAGE = """<!doctype html><html><head><title>Korpo Demo</title>
<link rel="alternate" type="application/rss+xml" title="Korpo Demo News" href="/feed/">
</head><body>hello</body></html>"""


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")  # the site is on 127.0.0.1: tests only
    with FeedServer() as srv:
        srv.serve("/", body=PAGE.encode(), content_type="text/html; charset=utf-8")
        srv.serve("/feed/", "wordpress.xml", content_type="application/rss+xml")
        yield srv


def admin_en(**headers: str) -> dict:
    """An admin whose browser asks for English (the event's own asks for French)."""
    return as_admin(**{"accept-language": "en", **headers})


def now() -> datetime:
    return datetime.now(timezone.utc)


def add(web, url: str, **fields) -> dict:
    return web(form("/manage/channels", {"url": url, **fields}, who=admin_en()))


def added_id(answer: dict) -> str:
    assert answer["statusCode"] == 303, answer["body"][:800]
    location = headers_of(answer)["location"]
    assert location.endswith("?done=added")
    return location.split("/manage/channels/")[1].split("?")[0]


def channel_page(web, feed_id: str, **query) -> dict:
    return web(page_event("/manage/channels/{feed_id}", params={"feed_id": feed_id},
                          query=query or None, headers=admin_en()))


def poll_now(web, feed_id: str) -> dict:
    """Poll now, then the page it redirects to (a reload of that page never polls again)."""
    from urllib.parse import parse_qsl, urlsplit

    answer = post(web, "/manage/channels/{feed_id}/poll", feed_id)
    assert answer["statusCode"] == 303, answer["body"][:800]
    location = urlsplit(headers_of(answer)["location"])
    assert location.path == f"/manage/channels/{feed_id}"
    return channel_page(web, feed_id, **dict(parse_qsl(location.query)))


def post(web, path: str, feed_id: str, **fields) -> dict:
    return web(form(path, fields, params={"feed_id": feed_id}, who=admin_en()))


def news(web, **who) -> str:
    answer = web(page_event("/news", headers=signed_in(**who)))
    assert answer["statusCode"] == 200, answer["body"][:500]
    return answer["body"]


def words_of(body: str) -> str:
    """What a person reads: text_of with the entities decoded (an apostrophe is &#39;)."""
    return html.unescape(text_of(body))


def version_of(body: str) -> str:
    return re.search(r'name="version" value="(\d+)"', body).group(1)


# ---------------------------------------------------------------- add, poll now, news

def test_a_site_url_becomes_a_channel_and_poll_now_brings_its_posts_to_the_news(web, site):
    from korpo.feeds import store

    feed_id = added_id(add(web, site.url("/"), interval_minutes="30"))
    feed = store.get_feed(feed_id)
    assert (feed.url, feed.site_url, feed.title, int(feed.interval_minutes)) == (
        site.url("/feed/"), site.url("/"), "Korpo Demo News", 30)

    listed = web(page_event("/manage/channels", headers=admin_en()))
    assert listed["statusCode"] == 200
    assert "Korpo Demo News" in listed["body"] and "New: not polled yet" in listed["body"]
    assert "Meet the team: support" not in news(web)

    polled = poll_now(web, feed_id)
    assert polled["statusCode"] == 200, polled["body"][:800]
    assert "Polled now: 2 new posts, 0 updated." in words_of(polled["body"])
    assert "Meet the team: support" in news(web)
    again = poll_now(web, feed_id)
    assert "Polled now: 0 new posts, 0 updated." in words_of(again["body"])
    # A made-up outcome in the address is no outcome: numbers only, known words only.
    forged = channel_page(web, feed_id, polled="<b>", created="9" * 9)["body"]
    assert "Polled now" not in forged
    assert ">OK<" in channel_page(web, feed_id)["body"]


@pytest.mark.parametrize("fields, field, words", [
    ({"url": ""}, "url", "Enter the address of a site, a profile or a feed."),
    ({"url": "ftp://brand.example.com/feed"}, "url",
     "Korpo only reads public http and https addresses."),
    ({"url": "http://169.254.169.254/latest/meta-data/"}, "url",
     "Korpo only reads public http and https addresses."),
    ({"url": "SITE/nothing"}, "url", "Korpo could not reach this address."),
    ({"url": "SITE/plain"}, "url", "Korpo found no feed it can read at this address."),
    ({"url": "SITE/", "interval_minutes": "2"}, "interval_minutes",
     "Enter a number of minutes from 5 to 10080"),
    ({"url": "SITE/", "interval_minutes": "soon"}, "interval_minutes",
     "Enter a number of minutes from 5 to 10080"),
    ({"url": "SITE/", "title": "x" * 201}, "title", "200 characters or fewer"),
    ({"url": "SITE/", "team": "no-such-team"}, "audience", "Choose teams from the list."),
])
def test_a_refused_channel_says_why_next_to_the_field_and_saves_nothing(web, site, fields,
                                                                       field, words):
    from korpo.feeds import store
    from korpo.people import teams

    teams.create_team("Sales")  # the audience's boxes are shown
    site.serve("/plain", body=b"<html><head></head><body>no feed</body></html>",
               content_type="text/html")
    fields = {k: v.replace("SITE/", site.url("/")) for k, v in fields.items()}
    answer = add(web, fields.pop("url"), **fields)

    assert answer["statusCode"] == 400
    body = answer["body"]
    error = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', body, re.S)
    assert error and words in words_of(error.group(1)), body[:3000]
    assert f'href="#{field}"' in body  # the summary links to the field
    assert store.list_feeds() == []



def summary_links(body: str) -> list[str]:
    """The fields the error summary at the top links to, in its order."""
    summary = body.split('class="error-summary"')[1].split("</div>")[0]
    return re.findall(r'<a href="#([a-z_]+)">', summary)


def test_every_refused_field_is_named_at_once_before_any_fetch(web, site):
    from korpo.feeds import store

    answer = add(web, "", title="x" * 201, interval_minutes="2", team="no-such-team")
    assert answer["statusCode"] == 400
    assert summary_links(answer["body"]) == ["url", "title", "interval_minutes", "audience"]
    assert site.requests == []  # nothing fetched: the settings were wrong
    assert store.list_feeds() == []


def test_refusals_are_in_french_for_a_french_admin(web, site):
    answer = web(form("/manage/channels", {"url": ""}, who=as_admin(**{"accept-language": "fr"})))
    assert answer["statusCode"] == 400
    assert "Saisissez l’adresse d’un site, d’un profil ou d’un flux." in words_of(answer["body"])


def test_the_production_guard_refuses_a_local_address(web, site, monkeypatch):
    monkeypatch.delenv(ALLOW_PRIVATE_ENV)
    answer = add(web, site.url("/"))
    assert answer["statusCode"] == 400
    assert "Korpo only reads public http and https addresses." in words_of(answer["body"])
    assert "private or loopback" in answer["body"]  # the detail, for the admin


# ---------------------------------------------------------------- edit, pause, resume, delete

def test_an_admin_edits_title_interval_and_audience(web, site):
    from korpo.feeds import store
    from korpo.people import teams

    sales = teams.create_team("Sales")
    feed_id = added_id(add(web, site.url("/")))
    page = channel_page(web, feed_id)["body"]
    saved = post(web, "/manage/channels/{feed_id}", feed_id, title="Our blog",
                 interval_minutes="60", team=sales.team_id, version=version_of(page))

    assert saved["statusCode"] == 303
    assert headers_of(saved)["location"] == f"/manage/channels/{feed_id}?done=saved"
    feed = store.get_feed(feed_id)
    assert (feed.title, int(feed.interval_minutes), feed.audience, int(feed.version)) == (
        "Our blog", 60, {sales.team_id}, 1)
    shown = channel_page(web, feed_id, done="saved")["body"]
    assert "Channel saved." in shown and 'value="Our blog"' in shown and "checked" in shown

    listed = web(page_event("/manage/channels", headers=admin_en()))["body"]
    assert "Teams: Sales" in words_of(listed)


def test_a_stale_edit_form_is_refused_and_nothing_is_overwritten(web, site):
    from korpo.feeds import store

    feed_id = added_id(add(web, site.url("/")))
    old_form = version_of(channel_page(web, feed_id)["body"])
    post(web, "/manage/channels/{feed_id}", feed_id, title="First admin",
         interval_minutes="15", version=old_form)

    late = post(web, "/manage/channels/{feed_id}", feed_id, title="Second admin",
                interval_minutes="15", version=old_form)
    assert late["statusCode"] == 409
    assert "Someone changed this channel since you opened it." in late["body"]
    assert 'value="First admin"' in late["body"]  # what it is now, to check
    assert store.get_feed(feed_id).title == "First admin"


def test_a_bad_edit_says_why_and_changes_nothing(web, site):
    from korpo.feeds import store

    feed_id = added_id(add(web, site.url("/"), title="Kept"))
    answer = post(web, "/manage/channels/{feed_id}", feed_id, title="Kept",
                  interval_minutes="100000", version="0")
    assert answer["statusCode"] == 400
    assert 'id="interval_minutes-error"' in answer["body"]
    assert int(store.get_feed(feed_id).interval_minutes) == 15


def test_a_paused_channel_is_never_due_until_resumed(web, site):
    from korpo.feeds import poll, store

    feed_id = added_id(add(web, site.url("/")))
    paused = post(web, "/manage/channels/{feed_id}/pause", feed_id)
    assert headers_of(paused)["location"] == f"/manage/channels/{feed_id}?done=paused"
    assert store.due_feeds(now() + timedelta(days=400), 10) == []
    assert poll.poll_due(force=True).outcomes == []  # "all" leaves it alone too
    page = channel_page(web, feed_id)["body"]
    assert "Resume polling" in page and "Not while paused" in page and ">Paused<" in page

    # Poll now still works on a paused channel (an admin asked), and it stays paused.
    post(web, "/manage/channels/{feed_id}/poll", feed_id)
    assert store.get_feed(feed_id).paused and store.due_feeds(now() + timedelta(days=2), 10) == []

    resumed = post(web, "/manage/channels/{feed_id}/resume", feed_id)
    assert headers_of(resumed)["location"].endswith("?done=resumed")
    assert [f.feed_id for f in store.due_feeds(now() + timedelta(minutes=1), 10)] == [feed_id]


def test_deleting_a_channel_needs_a_tick_and_keeps_shared_links_working(web, site,
                                                                        track_click):
    from korpo.content import posts
    from korpo.feeds import store
    from korpo.tracking import links

    feed_id = added_id(add(web, site.url("/")))
    post(web, "/manage/channels/{feed_id}/poll", feed_id)
    (shared, *_rest) = posts.list_posts()
    link = links.get_or_create(ME, shared.post_id, "linkedin")

    confirm = web(page_event("/manage/channels/{feed_id}/delete", params={"feed_id": feed_id},
                             headers=admin_en()))
    assert confirm["statusCode"] == 200 and "keep earning points" in confirm["body"]
    unticked = post(web, "/manage/channels/{feed_id}/delete", feed_id)
    assert unticked["statusCode"] == 400 and 'id="confirm-error"' in unticked["body"]
    assert store.get_feed(feed_id)

    deleted = post(web, "/manage/channels/{feed_id}/delete", feed_id, confirm="yes")
    assert headers_of(deleted)["location"] == "/manage/channels?done=deleted"
    with pytest.raises(store.FeedNotFound):
        store.get_feed(feed_id)
    assert shared.title not in news(web)
    sheet = web(page_event("/news/{post_id}", params={"post_id": shared.post_id},
                           headers=signed_in()))
    assert sheet["statusCode"] == 404  # no new share of it
    followed = track_click(link.code)
    assert followed["statusCode"] == 302
    assert followed["headers"]["Location"].startswith(shared.url.split("?")[0])
    gone = channel_page(web, feed_id)
    assert gone["statusCode"] == 404

    # The same site added again: its posts are back (the same ids).
    assert added_id(add(web, site.url("/"))) == feed_id
    assert shared.title in news(web)


# ---------------------------------------------------------------- health

def test_a_failing_channel_says_what_is_wrong_in_plain_words(web, site):
    from korpo.feeds import store

    feed_id = added_id(add(web, site.url("/")))
    site.serve("/feed/", body=b"gone", status=404)
    polled = poll_now(web, feed_id)
    words = "The feed's address no longer exists (the site answers “not found”)."
    assert "Polled now: the poll failed." in words_of(polled["body"])
    assert words in words_of(polled["body"])
    feed = store.get_feed(feed_id)
    assert feed.consecutive_failures == 1
    listed = web(page_event("/manage/channels", headers=admin_en()))["body"]
    assert ">Failing<" in listed and words in words_of(listed)
    page = channel_page(web, feed_id)["body"]
    assert "HTTP 404" in page and "Last success" in page


def test_hostile_titles_and_errors_are_shown_escaped(web, site):
    from korpo.feeds import store
    from korpo.models import FeedModel

    feed_id = added_id(add(web, site.url("/"), title='<script>alert("t")</script>'))
    feed = store.get_feed(feed_id)
    FeedModel(**{**feed.attribute_values, "consecutive_failures": 1, "last_polled_at": now(),
                 "last_error": "<img src=x onerror=alert(1)>"}).save()
    for body in (web(page_event("/manage/channels", headers=admin_en()))["body"],
                 channel_page(web, feed_id)["body"],
                 web(page_event("/manage/channels/{feed_id}/delete", params={
                     "feed_id": feed_id}, headers=admin_en()))["body"]):
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in body


# ---------------------------------------------------------------- audience

def test_a_channel_for_chosen_teams_shows_only_in_their_news(web, site):
    from korpo.models import EmployeeModel
    from korpo.people import teams

    sales, tech = teams.create_team("Sales"), teams.create_team("Tech")
    EmployeeModel(*EmployeeModel.key(ME), employee_id=ME, email="ann.lee@example.com",
                  display_name="Ann", team=tech.team_id, created_at=now()).save()
    feed_id = added_id(add(web, site.url("/"), team=sales.team_id))
    post(web, "/manage/channels/{feed_id}/poll", feed_id)
    from korpo.content import posts

    (one, *_rest) = posts.list_posts()
    assert one.title not in news(web)  # Ann is in Tech
    assert web(page_event("/news/{post_id}", params={"post_id": one.post_id},
                          headers=signed_in()))["statusCode"] == 404

    EmployeeModel(*EmployeeModel.key(ME), employee_id=ME, email="ann.lee@example.com",
                  display_name="Ann", team=sales.team_id, created_at=now()).save()
    assert one.title in news(web)


# ---------------------------------------------------------------- the poller and an edit

def test_an_edit_during_a_poll_is_never_overwritten_by_the_poller(aws):
    """The poller reads the feed, an admin edits it, the poller records its health: the
    put carries the version it read, fails, and is applied again to the edited feed."""
    from korpo.feeds import channels, store

    feed = store.add_feed("https://brand.example.com/feed.xml", title="Old")
    as_the_poller_read_it = store.get_feed(feed.feed_id)

    channels.edit_channel(feed.feed_id, version=0, title="New name", interval_minutes=60,
                          audience=None)
    polled_at = now()
    store.record_success(as_the_poller_read_it, polled_at, etag='"v2"', title="Feed's own")

    after = store.get_feed(feed.feed_id)
    assert (after.title, int(after.interval_minutes), int(after.version)) == ("New name", 60, 1)
    assert after.etag == '"v2"' and after.last_success_at == polled_at
    assert after.next_poll_at == polled_at + timedelta(minutes=60)  # the admin's interval


def test_a_pause_during_a_poll_stays_paused(aws):
    from korpo.feeds import channels, store

    feed = store.add_feed("https://brand.example.com/feed.xml")
    as_the_poller_read_it = store.get_feed(feed.feed_id)
    channels.pause_channel(feed.feed_id)
    store.record_failure(as_the_poller_read_it, now(), "HTTP 500", status=500)

    after = store.get_feed(feed.feed_id)
    assert after.paused and after.consecutive_failures == 1
    assert store.due_feeds(now() + timedelta(days=3), 10) == []


def test_a_feed_stored_before_versions_still_records_its_health(aws):
    from korpo.feeds import store
    from korpo.models import FeedModel

    feed = store.add_feed("https://brand.example.com/feed.xml")
    legacy = {k: v for k, v in feed.attribute_values.items() if k not in ("version", "paused")}
    FeedModel(**legacy).save()
    store.record_success(store.get_feed(feed.feed_id), now(), etag='"v3"')
    assert store.get_feed(feed.feed_id).etag == '"v3"'
