"""The public edge as a function URL (`PublicEdge=function-url`), end to end over HTTP against
the local stack: the API gives share links on the function URL's host, which serves them
(payload 2.0 events: infra/function_urls.py), the pixel and its own 404 page; links on the
API's host, shared before a switch, keep working."""
from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from test_track_click_edge import _events, _visit


@pytest.fixture(scope="module")
def stack():
    from helpers import local_stack

    yield from local_stack(auto=False, parameters={"PublicEdge": "function-url"})


@pytest.fixture(scope="module")
def share(stack):
    from helpers import make_post

    make_post("url-post", url=f"{stack.gateway_url}/_local")
    email = stack.demo.logins[1][0]
    auth = {"Authorization": f"Bearer {stack.sign_in(email)['IdToken']}"}
    answer = requests.post(f"{stack.gateway_url}/posts/url-post/share", headers=auth,
                           json={"network": "linkedin"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_share_links_are_on_the_function_url_which_serves_them(stack, share):
    (url,) = stack.function_urls.values()
    assert url.startswith("http://127.0.0.1:") and url != stack.gateway_url + "/"
    assert share["url"] == f"{url.rstrip('/')}/l/{share['code']}"
    first = _visit(share["url"], Referer="https://www.linkedin.com/feed/")
    assert first.status_code == 302, first.text
    click_id = parse_qs(urlsplit(first.headers["Location"]).query)["korpo_click"][0]
    (click,) = [e for e in _events(stack) if e["type"] == "click"]
    assert (click["event_id"], click["klass"], click["referrer"]) == (
        click_id, "human", "linkedin")
    # The same link on the API's host (shared before a switch of edge) still answers.
    old = _visit(f"{stack.gateway_url}/l/{share['code']}")
    assert old.status_code == 302
    pixel = requests.get(f"{url}c.gif", params={"click_id": click_id, "type": "lead"},
                         timeout=30)
    assert pixel.status_code == 200 and pixel.headers["Content-Type"] == "image/gif"
    assert pixel.content == base64.b64decode(
        "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
    missing = _visit(f"{url}robots.txt")
    assert missing.status_code == 404 and "This link does not work" in missing.text
