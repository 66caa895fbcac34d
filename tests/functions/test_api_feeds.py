"""Admin routes of issue 4 through the real api handler: adding a channel (discovery and
validation before saving), feed health, hiding and showing a post again."""
from __future__ import annotations

import pytest
from feed_server import FeedServer
from helpers import body_of, claims_for, http_event, make_post

from infra.functions import LambdaContext, load_handler
from korpo.feeds.guard import ALLOW_PRIVATE_ENV

ANN = claims_for("sub-ann", "ann.lee@example.com")
ADMIN = claims_for("sub-admin", "admin@example.com", admin=True)

PAGE = """<!doctype html><html><head><title>Korpo Demo</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Comments" href="/broken.xml">
<link rel="alternate" type="application/rss+xml" title="Korpo Demo News" href="/feed/">
</head><body>hello</body></html>"""


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")  # the site is on 127.0.0.1: tests only
    with FeedServer() as srv:
        srv.serve("/", body=PAGE.encode(), content_type="text/html; charset=utf-8")
        srv.serve("/broken.xml", body=b"<html>not a feed</html>", content_type="text/html")
        srv.serve("/feed/", "wordpress.xml", content_type="application/rss+xml")
        yield srv


def add(api, **body):
    return api("api/admin_add_feed", claims=ADMIN, body=body)


def test_a_site_url_is_turned_into_its_feed(api, site):
    answer = add(api, url=site.url("/"), interval_minutes=30)

    assert answer["statusCode"] == 201
    feed = body_of(answer)
    assert feed["url"] == site.url("/feed/")  # the first advertised feed that parses
    assert feed["site_url"] == site.url("/")
    assert feed["title"] == "Korpo Demo News"  # the feed's own title when the admin gives none
    assert feed["interval_minutes"] == 30 and feed["entries_found"] == 2
    assert feed["health"] == "new"
    listed = body_of(api("api/admin_list_feeds", claims=ADMIN))["feeds"]
    assert [f["feed_id"] for f in listed] == [feed["feed_id"]]


@pytest.mark.parametrize("fixture, content_type", [
    ("jsonfeed_1_1.json", "application/feed+json"), ("youtube.xml", "application/atom+xml"),
    ("mastodon.rss", "application/rss+xml")])
def test_a_feed_url_is_validated_and_kept_as_given(api, site, fixture, content_type):
    url = site.serve(f"/{fixture}", fixture, content_type=content_type)
    answer = add(api, url=url, title="Mine")
    assert answer["statusCode"] == 201
    assert (body_of(answer)["url"], body_of(answer)["title"]) == (url, "Mine")


@pytest.mark.parametrize("path, body, content_type, message", [
    ("/plain", b"<html><head></head><body>no feed here</body></html>", "text/html",
     "links to none"),
    ("/only-broken", b'<link rel="alternate" type="application/rss+xml" href="/broken.xml">',
     "text/html", "none could be read"),
])
def test_nothing_usable_is_a_clear_error_and_nothing_is_saved(api, site, path, body,
                                                             content_type, message):
    answer = add(api, url=site.serve(path, body=body, content_type=content_type))

    assert answer["statusCode"] == 400 and message in body_of(answer)["Message"]
    assert body_of(api("api/admin_list_feeds", claims=ADMIN))["feeds"] == []


def test_a_json_feed_declaring_its_version_over_http_is_added(api, site):
    body = (b'{"version": "http://jsonfeed.org/version/1", "title": "Old style", "items": '
            b'[{"id": "1", "url": "https://micro.example.com/1", "content_text": "Hi"}]}')
    answer = add(api, url=site.serve("/feed.json", body=body, content_type="application/json"))

    assert answer["statusCode"] == 201, body_of(answer)
    assert body_of(answer)["title"] == "Old style" and body_of(answer)["entries_found"] == 1


@pytest.mark.parametrize("body, content_type", [
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": "nope"}', "application/json"),
    (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]><rss version="2.0"><channel>'
     b"<title>&e;</title></channel></rss>", "application/rss+xml"),
])
def test_a_feed_that_cannot_be_read_says_why_not_that_it_links_to_none(api, site, body,
                                                                     content_type):
    answer = add(api, url=site.serve("/odd", body=body, content_type=content_type))

    message = body_of(answer)["Message"]
    assert answer["statusCode"] == 400 and "links to none" not in message
    assert "looks like a feed but cannot be read" in message


def test_unreachable_and_refused_urls_are_clear_errors(api, site, monkeypatch):
    missing = add(api, url=site.url("/gone"))
    assert missing["statusCode"] == 400 and "HTTP 404" in body_of(missing)["Message"]

    monkeypatch.delenv(ALLOW_PRIVATE_ENV)  # production: the loopback site is refused
    refused = add(api, url=site.url("/"))
    assert refused["statusCode"] == 400 and "refused" in body_of(refused)["Message"]
    metadata = add(api, url="http://169.254.169.254/latest/meta-data/")
    assert metadata["statusCode"] == 400 and "refused" in body_of(metadata)["Message"]
    assert body_of(api("api/admin_list_feeds", claims=ADMIN))["feeds"] == []


@pytest.mark.parametrize("body", [{}, {"url": 42}, {"url": "ftp://e.example.com/f"},
                                  {"url": "https://e.example.com/", "interval_minutes": 1},
                                  {"url": "https://e.example.com/", "title": 7}])
def test_bad_requests_are_refused_before_any_fetch(api, site, body):
    site.requests.clear()
    assert add(api, **body)["statusCode"] == 400
    assert site.requests == []


# ---------------------------------------------------------------- hiding a post

def test_hiding_a_post_removes_it_and_marks_its_links(api):
    from korpo.models import LinkModel
    from korpo.tracking import links

    make_post("p1")
    make_post("p2")
    shared = [links.get_or_create(emp, "p1", "linkedin") for emp in ("sub-ann", "sub-bob")]
    other = links.get_or_create("sub-ann", "p2", "x")

    forbidden = api("api/admin_hide_post", claims=ANN, path_params={"post_id": "p1"})
    assert forbidden["statusCode"] == 403
    hidden = api("api/admin_hide_post", claims=ADMIN, path_params={"post_id": "p1"})

    assert hidden["statusCode"] == 200
    assert body_of(hidden)["hidden"] is True and body_of(hidden)["links_marked"] == 2
    assert [p["post_id"] for p in body_of(api("api/list_posts", claims=ANN))["posts"]] == ["p2"]
    assert all(LinkModel.get(*LinkModel.key(link.code)).hidden for link in shared)
    assert not LinkModel.get(*LinkModel.key(other.code)).hidden
    # No new link for a hidden post.
    share = api("api/share_post", claims=claims_for("sub-cy", "cy@example.com"),
                path_params={"post_id": "p1"}, body={"network": "x"})
    assert share["statusCode"] == 404
    admin_view = {p["post_id"]: p for p in
                  body_of(api("api/admin_list_posts", claims=ADMIN))["posts"]}
    assert admin_view["p1"]["hidden"] is True and admin_view["p1"]["hidden_at"]

    shown = api("api/admin_unhide_post", claims=ADMIN, path_params={"post_id": "p1"})
    assert body_of(shown)["hidden"] is False and body_of(shown)["links_marked"] == 2
    assert not any(LinkModel.get(*LinkModel.key(link.code)).hidden for link in shared)
    assert {p["post_id"] for p in body_of(api("api/list_posts", claims=ANN))["posts"]} == {
        "p1", "p2"}


def test_hiding_an_unknown_post_is_a_404(api):
    answer = api("api/admin_hide_post", claims=ADMIN, path_params={"post_id": "nope"})
    assert answer["statusCode"] == 404


def test_a_hidden_posts_share_link_earns_nothing_end_to_end(api, monkeypatch):
    """Hide (api) -> the link is marked -> track_click answers 404 and records no click ->
    award_points has nothing to pay."""
    from helpers import put_secrets
    from korpo.models import EventModel
    from korpo.shop import wallet
    from korpo.tracking import links

    put_secrets(monkeypatch, visitor_hash_secret="v" * 32, conversion_secret="c" * 32)
    make_post("p1")
    link = links.get_or_create("emp-1", "p1", "linkedin")
    assert api("api/admin_hide_post", claims=ADMIN,
               path_params={"post_id": "p1"})["statusCode"] == 200

    click = http_event("track_click/follow_link", path_params={"code": link.code})
    answer = load_handler("TrackClickFunction")(click, LambdaContext("track_click"))

    assert answer["statusCode"] == 404
    assert list(EventModel.scan()) == []  # no click recorded: award_points has nothing to pay
    assert wallet.balance_of("emp-1") == 0
