"""The walking skeleton, end to end over HTTP against the local stack (`make run`'s).

sign in -> poll the feeds -> list posts -> get a share link -> a visitor follows it -> the
stream is pumped -> the board shows the employee's points -> the month is reset -> the
archived board is still readable. Everything goes through the template's routes, the JWT
authorizer, the stream pump and the handlers, as deployed.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")


@pytest.fixture(scope="module")
def employee(stack):
    """The first demo employee, signed in with Cognito (moto) as the web app would."""
    import boto3

    email, password, _admin = stack.demo.logins[0]
    cognito = boto3.client("cognito-idp", region_name=stack.resources.region,
                           endpoint_url=stack.moto_url)
    tokens = cognito.initiate_auth(
        ClientId=stack.resources.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password})["AuthenticationResult"]
    return {"email": email, "auth": {"Authorization": f"Bearer {tokens['IdToken']}"}}


def test_the_api_refuses_calls_without_a_valid_token(stack):
    answer = requests.get(f"{stack.gateway_url}/me", timeout=10)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}
    forged = requests.get(f"{stack.gateway_url}/me", timeout=10,
                          headers={"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig"})
    assert forged.status_code == 401


def test_an_unknown_route_is_the_web_apps_own_404_page(stack):
    """Through the gateway, as API Gateway routes it: `$default` takes the path to the web
    function, which answers its page in the visitor's language; under an API prefix, the
    JWT authorizer answers first, then the api's JSON."""
    for path in ("/no/such/route", "/newz", "/shop/redemptions/xyz"):
        answer = requests.get(f"{stack.gateway_url}{path}", timeout=10,
                              headers={"Accept-Language": "fr"})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "Page introuvable" in answer.text and "Not Found" not in answer.text
        assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert requests.get(f"{stack.gateway_url}/me/nothing", timeout=10).status_code == 401


def test_walking_skeleton(stack, employee):
    g, auth = stack.gateway_url, employee["auth"]

    me = requests.get(f"{g}/me", headers=auth, timeout=30)
    assert me.status_code == 200, me.text
    employee_id = me.json()["employee_id"]
    assert me.json()["points_name"] == stack.resources.parameters["PointsName"]

    polled = requests.post(f"{g}/_local/invoke/PollFeedsFunction",
                           json={"all": True, "force": True}, timeout=60)
    assert polled.status_code == 200, polled.text

    posts = requests.get(f"{g}/posts", headers=auth, timeout=30)
    assert posts.status_code == 200, posts.text
    listed = posts.json()["posts"]
    assert listed, "the demo feeds gave no post"
    post = listed[0]
    assert {"post_id", "title", "url"} <= set(post)

    share = requests.post(f"{g}/posts/{post['post_id']}/share", headers=auth,
                          json={"network": "linkedin"}, timeout=30)
    assert share.status_code in (200, 201), share.text
    link = share.json()
    assert link["network"] == "linkedin" and link["post_id"] == post["post_id"]
    assert link["url"] == f"{g}/l/{link['code']}"  # on this gateway, not a deployed one

    from helpers import SAFARI_NAVIGATION

    visit = requests.get(link["url"], allow_redirects=False, timeout=30,
                         headers={"User-Agent": BROWSER, **SAFARI_NAVIGATION})
    assert visit.status_code == 302, visit.text
    landed, wanted = urlsplit(visit.headers["Location"]), urlsplit(post["url"])
    assert (landed.scheme, landed.netloc, landed.path) == (
        wanted.scheme, wanted.netloc, wanted.path)
    assert parse_qs(landed.query)["utm_source"] == ["linkedin"]
    # The brand's page really is there (the demo site on 127.0.0.1).
    assert requests.get(visit.headers["Location"], timeout=10).status_code == 200

    pumped = requests.post(f"{g}/_local/pump", timeout=60)
    assert pumped.status_code == 200
    assert {"delivered", "filtered", "failed"} <= set(pumped.json())
    assert pumped.json()["failed"] == 0

    month = datetime.now(ZoneInfo(stack.resources.parameters["TimeZone"])).strftime("%Y-%m")
    board = requests.get(f"{g}/board", headers=auth, timeout=30)
    assert board.status_code == 200, board.text
    standings = board.json()
    assert standings["month"] == month and standings["archived"] is False
    mine = [row for row in standings["top"] if row["employee_id"] == employee_id]
    assert mine and mine[0]["score"] > 0 and mine[0]["rank"] == 1
    assert standings["me"]["score"] == mine[0]["score"]
    assert requests.get(f"{g}/me", headers=auth, timeout=30).json()["balance"] > 0

    reset = requests.post(f"{g}/_local/invoke/ResetMonthlyFunction", json={"month": month},
                          timeout=60)
    assert reset.status_code == 200, reset.text
    # The winner and the admins got the announcement (moto's SES keeps it).
    assert reset.json()["announcement"]["status"] == "sent"
    emails = requests.get(f"{g}/_local/emails", timeout=30)
    assert "the winners of" in emails.text, emails.text

    archived = requests.get(f"{g}/board", params={"month": month}, headers=auth, timeout=30)
    assert archived.status_code == 200, archived.text
    frozen = archived.json()
    assert frozen["month"] == month and frozen["archived"] is True
    assert [(r["employee_id"], r["score"]) for r in frozen["top"]][:1] == [
        (employee_id, mine[0]["score"])]


def test_the_demo_printed_a_share_link_on_this_gateway(stack):
    assert stack.demo_share_url and stack.demo_share_url.startswith(f"{stack.gateway_url}/l/")


def test_a_function_error_is_reported_like_lambda_invoke(stack):
    answer = requests.post(f"{stack.gateway_url}/_local/invoke/ResetMonthlyFunction",
                           json={"month": "not-a-month"}, timeout=30)
    assert answer.status_code == 500
    assert answer.headers["x-amz-function-error"] == "Unhandled"
    assert answer.json()["errorType"]


def test_the_token_command_signs_in_against_the_running_stack(stack, capsys):
    from infra.local_stack import main

    email = stack.demo.logins[1][0]
    assert main(["token", email, "--gateway", stack.gateway_url]) == 0
    token = capsys.readouterr().out.strip()
    me = requests.get(f"{stack.gateway_url}/me", timeout=30,
                      headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == email
    assert main(["token", email, "--password", "wrong-password-1",
                 "--gateway", stack.gateway_url]) == 1


def test_an_admin_route_sees_the_admins_group(stack):
    admin = next(email for email, _pw, is_admin in stack.demo.logins if is_admin)
    other = next(email for email, _pw, is_admin in stack.demo.logins if not is_admin)
    for email, expected in ((admin, 200), (other, 403)):
        token = stack.sign_in(email)["IdToken"]
        answer = requests.get(f"{stack.gateway_url}/admin/feeds", timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == expected, answer.text


def test_points_buy_a_reward_and_the_email_is_listed_locally(stack, employee):
    """After the skeleton's click: a cheap reward is redeemed over HTTP, once for a form sent
    twice, and the e-mail shows at /_local/emails."""
    from korpo.shop.rewards import create_reward

    g, auth = stack.gateway_url, employee["auth"]
    balance = requests.get(f"{g}/me", headers=auth, timeout=30).json()["balance"]
    assert balance > 0, "run after test_walking_skeleton"
    create_reward("e2e-sticker", "A sticker", balance, kind="company", stock=5)
    form = {"request_id": "e2e-form-token-1"}
    made = requests.post(f"{g}/rewards/e2e-sticker/redeem", headers=auth, json=form, timeout=30)
    again = requests.post(f"{g}/rewards/e2e-sticker/redeem", headers=auth, json=form,
                          timeout=30)
    assert made.status_code == 201, made.text
    assert made.headers["content-type"] == "application/json"
    assert again.json()["redemption_id"] == made.json()["redemption_id"]
    assert made.json()["balance"] == 0
    poor = requests.post(f"{g}/rewards/e2e-sticker/redeem", headers=auth, timeout=30)
    assert (poor.status_code, poor.json()["code"]) == (409, "insufficient_balance")
    mine = requests.get(f"{g}/me/redemptions", headers=auth, timeout=30).json()
    assert [r["reward_title"] for r in mine["redemptions"]] == ["A sticker"]
    emails = requests.get(f"{g}/_local/emails", timeout=30).json()["emails"]
    redeemed = [e for e in emails if "A sticker" in e["subject"]]
    assert [e["to"] for e in redeemed] == [[employee["email"]]]  # the admin is the employee
    ledger = requests.get(f"{g}/me/ledger", headers=auth, timeout=30).json()
    # Every movement of the balance, newest first: the redemption, then what earned it.
    redemption, click = ledger["lines"][:2]
    assert (redemption["kind"], redemption["points"], redemption["reward_title"]) == (
        "redemption", -balance, "A sticker")
    assert click["reason"] == "visitor_click"
    assert click["network"] == "linkedin" and click["post_title"]
    assert sum(line["points"] for line in ledger["lines"]) == ledger["balance"] == 0
