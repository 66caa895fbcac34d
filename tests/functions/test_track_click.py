from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from helpers import http_event, make_post
from infra.functions import LambdaContext, load_handler


@pytest.fixture
def handler(aws):
    return load_handler("TrackClickFunction")


def _items(model):
    return list(model.scan())


def test_redirects_to_stored_destination_with_tracking_and_writes_one_click(handler):
    from korpo import links
    from korpo.models import EventModel

    make_post("p1", url="https://blog.example.com/launch?ref=rss#top")
    link = links.get_or_create("emp-1", "p1", "linkedin")

    response = handler(http_event("track_click/follow_link", path_params={"code": link.code}),
                       LambdaContext("track_click"))

    assert response["statusCode"] == 302
    location = response["headers"]["Location"]
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https", "blog.example.com", "/launch", "top")
    query = parse_qs(parts.query)
    assert query["ref"] == ["rss"]
    assert query["utm_source"] == ["linkedin"]
    events = _items(EventModel)
    assert len(events) == 1
    click = events[0]
    assert query["korpo_click"] == [click.event_id]
    assert (click.type, click.employee_id, click.post_id, click.code, click.klass) == (
        "click", "emp-1", "p1", link.code, "human")
    assert click.expires_at > click.at.timestamp()


def test_unknown_code_is_a_small_404_page_and_writes_nothing(handler):
    from korpo.models import EventModel

    response = handler(http_event("track_click/unknown_code"), LambdaContext("track_click"))
    assert response["statusCode"] == 404
    assert "text/html" in response["headers"]["Content-Type"]
    assert "Traceback" not in response["body"]
    assert _items(EventModel) == []


def test_malformed_code_is_404_without_a_lookup(handler):
    response = handler(http_event("track_click/follow_link", path_params={"code": "../../etc"}),
                       LambdaContext("track_click"))
    assert response["statusCode"] == 404


def test_each_click_is_its_own_event(handler):
    from korpo import links
    from korpo.models import EventModel

    make_post("p1")
    link = links.get_or_create("emp-1", "p1", "x")
    for _ in range(3):
        handler(http_event("track_click/follow_link", path_params={"code": link.code}),
                LambdaContext("track_click"))
    assert len({e.event_id for e in _items(EventModel)}) == 3
