from __future__ import annotations

import pytest

from helpers import body_of, claims_for, http_event, load_event, make_post
from infra.functions import LambdaContext, load_handler

ANN = claims_for("sub-ann", "ann.lee@example.com")
BOB = claims_for("sub-bob", "bob@example.com")
ADMIN = claims_for("sub-admin", "admin@example.com", admin=True)


def test_me_creates_the_profile_once_and_shows_the_balance(api):
    first = api("api/get_me", claims=ANN)
    assert first["statusCode"] == 200
    assert body_of(first) == {"employee_id": "sub-ann", "display_name": "Ann Lee",
                              "email": "ann.lee@example.com", "balance": 0,
                              "points_name": "korpos", "brand": "Korpo Demo"}
    assert body_of(api("api/get_me", claims=ANN)) == body_of(first)


def test_no_claims_is_refused(api):
    event = http_event("api/get_me")
    event["requestContext"].pop("authorizer", None)
    response = load_handler("ApiFunction")(event, LambdaContext("api"))
    assert response["statusCode"] == 403


def test_share_returns_the_same_link_each_time(api):
    make_post("p1")
    first = api("api/share_post", path_params={"post_id": "p1"}, claims=ANN,
                body={"network": "linkedin"})
    again = api("api/share_post", path_params={"post_id": "p1"}, claims=ANN,
                body={"network": "linkedin"})
    other = api("api/share_post", path_params={"post_id": "p1"}, claims=ANN,
                body={"network": "x"})
    assert first["statusCode"] == 200
    link = body_of(first)
    assert link["url"] == f"https://go.example.com/l/{link['code']}"
    assert body_of(again) == link
    assert body_of(other)["code"] != link["code"]
    # The code carries nothing of the employee or the post.
    assert "ann" not in link["code"].lower() and "p1" not in link["code"]


@pytest.mark.parametrize("kwargs,status", [
    ({"path_params": {"post_id": "nope"}, "body": {"network": "linkedin"}}, 404),
    ({"path_params": {"post_id": "p1"}, "body": {"network": "myspace"}}, 400),
    ({"path_params": {"post_id": "p1"}, "body": ["not", "an", "object"]}, 400),
])
def test_share_refuses_bad_input(api, kwargs, status):
    make_post("p1")
    assert api("api/share_post", claims=ANN, **kwargs)["statusCode"] == status


def test_hidden_posts_cannot_be_shared(api):
    make_post("secret", hidden=True)
    response = api("api/share_post", path_params={"post_id": "secret"}, claims=ANN,
                   body={"network": "linkedin"})
    assert response["statusCode"] == 404


def test_board_shows_top_and_my_rank_without_emails(api):
    from korpo.board import set_score

    api("api/get_me", claims=ANN)
    api("api/get_me", claims=BOB)
    for employee, score in (("sub-ann", 30), ("sub-bob", 50)):
        set_score("2026-10", employee, score)  # the entry and its rank buckets
    board = body_of(api("api/get_board_past_month", claims=ANN))
    assert board["month"] == "2026-10" and board["archived"] is False
    assert [(e["rank"], e["display_name"], e["score"]) for e in board["top"]] == [
        (1, "Bob", 50), (2, "Ann Lee", 30)]
    assert board["me"] == {"rank": 2, "score": 30}
    assert "@" not in str(board)


def test_board_of_a_frozen_month_reads_the_archive(api):
    from datetime import datetime, timezone

    from korpo import monthly
    from korpo.models import BoardEntryModel

    BoardEntryModel(*BoardEntryModel.key("2026-10", "sub-ann"), board="2026-10", score=30,
                    employee_id="sub-ann").save()
    monthly.freeze("2026-10", datetime(2026, 11, 1, tzinfo=timezone.utc))
    # A late event changes the live board, never the frozen archive.
    BoardEntryModel(*BoardEntryModel.key("2026-10", "sub-ann"), board="2026-10", score=99,
                    employee_id="sub-ann").save()
    board = body_of(api("api/get_board_past_month", claims=ANN))
    assert board["archived"] is True and board["frozen_at"].startswith("2026-11-01")
    assert board["top"][0]["score"] == 30 and board["me"] == {"rank": 1, "score": 30}


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"limit": "many"}])
def test_board_refuses_bad_query(api, query):
    assert api("api/get_board", claims=ANN, query=query)["statusCode"] == 400


def test_admin_routes_need_the_admins_group(api, monkeypatch):
    from feed_server import FeedServer
    from korpo.feeds.guard import ALLOW_PRIVATE_ENV

    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")  # the feed is served from 127.0.0.1
    assert api("api/admin_list_feeds", claims=ANN)["statusCode"] == 403
    with FeedServer() as server:  # a feed is read before it is saved (discovery)
        url = server.serve("/feed.xml", "rss_blog.xml")
        added = api("api/admin_add_feed", claims=ADMIN, body={"url": url, "title": "Blog"})
    assert added["statusCode"] == 201
    feeds = body_of(api("api/admin_list_feeds", claims=ADMIN))["feeds"]
    assert [f["url"] for f in feeds] == [url]
    bad = api("api/admin_add_feed", claims=ADMIN, body={"url": "javascript:alert(1)"})
    assert bad["statusCode"] == 400


def test_pre_sign_up_refuses_other_domains(aws):
    handler = load_handler("ApiFunction")
    event = load_event("api/pre_sign_up")
    assert handler(event, LambdaContext("api")) == event
    event["request"]["userAttributes"]["email"] = "mallory@gmail.com"
    with pytest.raises(Exception, match="work email"):
        handler(event, LambdaContext("api"))


def test_lists_rewards_and_challenges(api):
    from datetime import datetime, timezone

    from korpo.models import ChallengeModel, RewardModel

    RewardModel.create("mug", "Mug", 100, stock=5).save()
    start, end = datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 30,
                                                                      tzinfo=timezone.utc)
    ChallengeModel.create("launch", "Launch week", start, end, multiplier=2).save()
    rewards = body_of(api("api/list_rewards", claims=BOB))
    assert rewards == {"rewards": [{"reward_id": "mug", "title": "Mug", "cost": 100,
                                    "description": None, "stock": 5}]}
    challenges = body_of(api("api/list_challenges", claims=BOB))["challenges"]
    assert [c["title"] for c in challenges] == ["Launch week"]

