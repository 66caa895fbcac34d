"""The local stack's own endpoints and its stand-ins for what moto's Cognito lacks, over HTTP
against `make run`'s stack."""
from __future__ import annotations

import time
from contextlib import contextmanager

import requests

from infra.server import boto_session

SENDER = "korpo@example.com"  # the local stack verifies it (infra/resources.py)


def test_sent_emails_are_listed_without_dumping_moto(stack, monkeypatch):
    """GET /_local/emails read moto's whole state (/moto-api/data.json): 78 s, then a 500,
    once the tables had grown. It reads moto's SES now, bounded by `limit`."""
    ses = boto_session(stack.resources.region).client("ses", endpoint_url=stack.moto_url)
    for n in range(3):
        ses.send_email(Source=SENDER, Destination={"ToAddresses": [f"p{n}@example.com"]},
                       Message={"Subject": {"Data": f"Hello {n}"},
                                "Body": {"Text": {"Data": f"Body {n}"}}})
    raw = ("From: korpo@example.com\r\nTo: digest@example.com\r\nSubject: Your week\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nThree shares.\r\n")
    ses.send_raw_email(Source=SENDER, Destinations=["digest@example.com"],
                       RawMessage={"Data": raw.encode()})

    real_get = requests.get
    dumps: list[str] = []

    def spy(url: str, *args, **kwargs):
        if "/moto-api/" in url:
            dumps.append(url)
        return real_get(url, *args, **kwargs)

    monkeypatch.setattr(requests, "get", spy)  # the stack serves from this process
    started = time.perf_counter()
    answer = real_get(f"{stack.gateway_url}/_local/emails", timeout=10)
    assert answer.status_code == 200 and time.perf_counter() - started < 2
    assert dumps == []
    emails = answer.json()["emails"]
    assert [m["subject"] for m in emails[-4:]] == ["Hello 0", "Hello 1", "Hello 2",
                                                   "Your week"]
    assert emails[-1]["to"] == ["digest@example.com"] and "Three shares." in emails[-1]["body"]
    last = real_get(f"{stack.gateway_url}/_local/emails?limit=1", timeout=10).json()["emails"]
    assert [m["subject"] for m in last] == ["Your week"]
    for hostile in ("abc", "0", "-1", "100000", "1e3"):
        assert real_get(f"{stack.gateway_url}/_local/emails?limit={hostile}",
                        timeout=10).status_code == 400


@contextmanager
def _sign_up_open(stack):
    """The pool as SignUp=open makes it, for this block (moto runs in this process)."""
    from moto.cognitoidp.models import cognitoidp_backends

    pool = cognitoidp_backends[stack.resources.account_id][stack.resources.region].user_pools[
        stack.resources.user_pool_id]
    saved = pool.extended_config.get("AdminCreateUserConfig")
    pool.extended_config["AdminCreateUserConfig"] = {**(saved or {}),
                                                     "AllowAdminCreateUserOnly": False}
    try:
        yield
    finally:
        pool.extended_config["AdminCreateUserConfig"] = saved


def test_cognito_calls_moto_lacks_are_answered_as_cognito_answers_them(stack):
    """ResendConfirmationCode and RevokeToken are missing from moto, and its
    ConfirmForgotPassword fails on an unknown address: the pages that use them answered 500."""
    cognito = stack.cognito()
    client = stack.resources.user_pool_client_id
    with _sign_up_open(stack):  # the template's default is SignUp=invite
        cognito.sign_up(ClientId=client, Username="waiting@example.com",
                        Password="correct-horse-42",
                        UserAttributes=[{"Name": "email", "Value": "waiting@example.com"}])
    sent = cognito.resend_confirmation_code(ClientId=client, Username="waiting@example.com")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    # The template's client hides which addresses have an account (PreventUserExistenceErrors).
    cognito.resend_confirmation_code(ClientId=client, Username="nobody@example.com")
    try:
        cognito.confirm_forgot_password(ClientId=client, Username="nobody@example.com",
                                        ConfirmationCode="123456", Password="new-horse-4242")
    except cognito.exceptions.CodeMismatchException:
        pass
    else:
        raise AssertionError("an unknown address must be refused")

    email, password, _admin = next(login for login in stack.demo.logins if not login[2])
    tokens = stack.sign_in(email, password)
    cognito.revoke_token(ClientId=client, Token=tokens["RefreshToken"])
    try:
        cognito.initiate_auth(ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH",
                              AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    except cognito.exceptions.NotAuthorizedException:
        pass
    else:
        raise AssertionError("a revoked refresh token must not renew anything")


def test_the_web_pages_that_call_them_answer_in_words(stack):
    """Through the gateway, as a browser: no 500."""
    g = stack.gateway_url
    session = requests.Session()
    session.get(f"{g}/signup/confirm", timeout=10)
    resent = session.post(f"{g}/signup/resend", data={"email": "someone@example.com"},
                          headers={"Origin": g}, allow_redirects=False, timeout=10)
    assert resent.status_code == 303
    reset = session.post(f"{g}/password/reset", headers={"Origin": g}, allow_redirects=False,
                         data={"email": "ghost@example.com", "code": "123456",
                               "password": "new-horse-4242"}, timeout=10)
    assert reset.status_code == 400
