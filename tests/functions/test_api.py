from __future__ import annotations

import base64

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
    from korpo.board.standings import set_score

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

    from korpo.board import monthly
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


def test_the_pools_pre_sign_up_trigger_refuses_other_domains(aws):
    handler = load_handler("CognitoTriggersFunction")
    event = load_event("cognito_triggers/pre_sign_up")
    assert handler(event, LambdaContext("cognito_triggers")) == event
    with pytest.raises(Exception, match="work email"):
        handler(load_event("cognito_triggers/pre_sign_up_refused"),
                LambdaContext("cognito_triggers"))
    # A trigger it does not answer comes back unchanged: Cognito goes on as without it.
    other = {"triggerSource": "PostConfirmation_ConfirmSignUp", "request": {}}
    assert handler(other, LambdaContext("cognito_triggers")) == other


def test_lists_rewards_and_challenges(api):
    from datetime import datetime, timezone

    from korpo.models import ChallengeModel, RewardModel

    RewardModel.create("mug", "Mug", 100, stock=5).save()
    start, end = datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 30,
                                                                      tzinfo=timezone.utc)
    ChallengeModel.create("launch", "Launch week", start, end, multiplier=2).save()
    rewards = body_of(api("api/list_rewards", claims=BOB))
    assert rewards == {"rewards": [{"reward_id": "mug", "title": "Mug", "cost": 100,
                                    "description": None, "stock": 5, "kind": "company",
                                    "per_employee_limit": None, "retired": False}]}
    challenges = body_of(api("api/list_challenges", claims=BOB))["challenges"]
    assert [c["title"] for c in challenges] == ["Launch week"]



# ---------------------------------------------------------------- admin: stats and rules

@pytest.fixture
def award(aws):
    """award_points, its rules read afresh (the warm module caches them for a minute) before
    and after the test, so no test sees another's rules."""
    import sys

    handler = load_handler("AwardPointsFunction")
    rules = sys.modules["korpo_fn_award_points"]._rules
    rules.clear()
    yield lambda records: handler({"Records": records}, LambdaContext("award_points"))
    rules.clear()


def test_admin_stats_sum_the_days_and_merge_unique_visitors(api, award):
    from test_award_points import _click_record, _image

    day1, day2 = "2026-11-20T10:00:00.000000+0000", "2026-11-21T10:00:00.000000+0000"
    records = [_image(_click_record(f"c{n}", "emp-st", at, n, klass), visitor_key=visitor,
                      post_id="p-stats")
               for n, (at, klass, visitor) in enumerate([
                   (day1, "human", "v1"), (day1, "human", "v2"), (day1, "bot", "v9"),
                   (day2, "human", "v3")], start=1)]
    award(records)

    answer = api("api/admin_stats", claims=ADMIN,
                 query={"dimension": "post", "key": "p-stats", "from": "2026-11-01",
                        "to": "2026-11-30"})

    assert answer["statusCode"] == 200
    body = body_of(answer)
    assert [(d["day"], d["human_clicks"], d["unique_visitors"]) for d in body["days"]] == [
        ("2026-11-20", 2, 2), ("2026-11-21", 1, 1)]
    assert body["totals"]["human_clicks"] == 3 and body["totals"]["bot_clicks"] == 1
    assert body["totals"]["unique_visitors"] == 3
    assert body["totals"]["points"] == 30
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-30")
    # A day range without the clicks has none.
    empty = body_of(api("api/admin_stats", claims=ADMIN,
                        query={"dimension": "post", "key": "p-stats", "from": "2026-10-01",
                               "to": "2026-10-31"}))
    assert empty["days"] == [] and empty["totals"]["unique_visitors"] == 0


@pytest.mark.parametrize("query", [
    {"dimension": "planet", "key": "p1"}, {"dimension": "post"},
    {"dimension": "post", "key": "x" * 129},
    {"dimension": "post", "key": "p1", "from": "2026-13-01"},
    {"dimension": "post", "key": "p1", "from": "2026-11-30", "to": "2026-11-01"},
    {"dimension": "post", "key": "p1", "from": "2025-01-01", "to": "2026-11-01"},
])
def test_admin_stats_refuse_questions_they_cannot_answer(api, query):
    assert api("api/admin_stats", claims=ADMIN, query=query)["statusCode"] == 400


def test_stats_and_rules_are_for_admins_only(api):
    assert api("api/admin_stats", claims=ANN)["statusCode"] == 403
    assert api("api/admin_get_rules", claims=ANN)["statusCode"] == 403
    assert api("api/admin_put_rules", claims=ANN, body={"points_per_click": 1000}
               )["statusCode"] == 403


def test_rules_an_admin_saves_are_what_award_points_applies(api, award):
    from test_award_points import _click_record, _totals

    before = body_of(api("api/admin_get_rules", claims=ADMIN))
    assert before["overrides"] == {} and before["effective"] == before["defaults"]

    saved = api("api/admin_put_rules", claims=ADMIN,
                body={"points_per_click": 3, "points_per_conversion": {"signup": 80, "*": 20}})

    assert saved["statusCode"] == 200
    body = body_of(saved)
    assert body["overrides"] == {"points_per_click": 3,
                                 "points_per_conversion": {"signup": 80, "*": 20}}
    assert body["effective"]["points_per_click"] == 3
    assert body["effective"]["daily_cap_per_employee"] == before["defaults"][
        "daily_cap_per_employee"]
    assert body_of(api("api/admin_get_rules", claims=ADMIN)) == body
    award([_click_record("r1", "emp-rules", "2026-11-22T10:00:00.000000+0000", 1)])
    assert _totals("emp-rules", "2026-11") == (1, 3, 3)


@pytest.mark.parametrize("body", [
    {"points_per_click": -1}, {"points_per_click": "5"}, {"points_per_click": True},
    {"points_per_click": 100_001}, {"nope": 1}, {"points_per_conversion": {"Bad Type": 5}},
    {"points_per_conversion": [1, 2]}, {"daily_cap_per_type": {"clicks": 5}},
    {"pixel_conversions_earn": "yes"}, [1, 2],
])
def test_rules_that_would_not_score_as_meant_are_refused(api, body):
    api("api/admin_put_rules", claims=ADMIN, body={"signup_bonus": 7})

    answer = api("api/admin_put_rules", claims=ADMIN, body=body)

    assert answer["statusCode"] == 400
    assert body_of(api("api/admin_get_rules", claims=ADMIN))["overrides"] == {"signup_bonus": 7}


def test_a_post_with_a_non_http_url_cannot_be_shared(api):
    make_post("js", url="javascript:alert(1)")
    response = api("api/share_post", path_params={"post_id": "js"}, claims=ANN,
                   body={"network": "linkedin"})
    assert response["statusCode"] == 422 and "javascript" not in response["body"]


# The api's own security headers, on every answer (chalice_routes.answer_with).
API_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}


def _assert_api_headers(answer: dict) -> None:
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    for name, value in API_HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("name", ["nul\u0000", "escape\u001b[2J", "lone \udcff surrogate",
                                  "replaced \ufffd", "c1\u0085"])
def test_a_json_body_that_is_not_text_is_refused_and_stores_nothing(api, name):
    from korpo.people.profiles import get_profile

    api("api/get_me", claims=ANN)
    before = get_profile("sub-ann")
    answer = api("api/update_profile", claims=ANN, body={"display_name": name})
    assert answer["statusCode"] == 400, answer["body"]
    assert get_profile("sub-ann") == before
    _assert_api_headers(answer)
    nested = api("api/update_profile", claims=ANN, body={"display_name": "Ann",
                                                          "x": [{name: 1}]})
    assert nested["statusCode"] == 400 and get_profile("sub-ann") == before


def test_a_json_body_of_bytes_that_are_not_utf8_is_refused(api):
    event = http_event("api/update_profile", claims=ANN)
    event["body"] = base64.b64encode(b'{"display_name": "Ann\xff"}').decode()
    event["isBase64Encoded"] = True
    answer = load_handler("ApiFunction")(event, LambdaContext("api"))
    assert answer["statusCode"] == 400
    _assert_api_headers(answer)


@pytest.mark.parametrize("month", ["\ufffd", "2026-11\u0000"])
def test_a_query_string_that_is_not_text_is_refused(api, month):
    answer = api("api/get_board", claims=ANN, query={"month": month})
    assert answer["statusCode"] == 400
    assert body_of(answer)["code"] == "invalid_query"
    _assert_api_headers(answer)


def test_every_api_answer_carries_the_security_headers(api):
    for answer in (api("api/get_me", claims=ANN),  # 200
                   api("api/admin_list_feeds", claims=ANN),  # 403
                   load_handler("ApiFunction")(http_event("api/get_me") | {
                       "path": "/me/nothing-here"}, LambdaContext("api"))):  # 404
        _assert_api_headers(answer)
    wrong_method = http_event("api/get_me", claims=ANN)
    wrong_method["httpMethod"] = wrong_method["requestContext"]["httpMethod"] = "PUT"
    answer = load_handler("ApiFunction")(wrong_method, LambdaContext("api"))
    assert answer["statusCode"] == 405
    _assert_api_headers(answer)
    broken = http_event("api/update_profile", claims=ANN)
    broken["body"] = "{not json"
    answer = load_handler("ApiFunction")(broken, LambdaContext("api"))
    assert answer["statusCode"] == 400
    _assert_api_headers(answer)
