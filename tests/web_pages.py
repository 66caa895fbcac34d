"""Calling the web function's pages as Lambda would (payload 1.0 events, in-process moto), as
a stranger, an employee or an admin: shared by the page tests of tests/functions."""
from __future__ import annotations

import contextlib
import re
import time
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import pytest

from helpers import load_event

SECRET = "s" * 64
ME = "7f3e2c1a-1111-4a2b-9c3d-0123456789ab"
BOSS = "0a0b0c0d-2222-4a2b-9c3d-0123456789ab"
HOST = "abc123.execute-api.eu-west-1.amazonaws.com"
FORM = "application/x-www-form-urlencoded"


def page_event(resource: str, *, method: str = "GET", params: dict | None = None,
               query: dict | None = None, headers: dict | None = None,
               body: str | None = None) -> dict:
    """events/web/signin_page.json retargeted at another route of the web function."""
    event = load_event("web/signin_page")
    path = resource
    for key, value in (params or {}).items():
        path = path.replace("{" + key + "}", value)
    event.update(resource=resource, path=path, httpMethod=method, pathParameters=params,
                 queryStringParameters=query, body=body,
                 multiValueQueryStringParameters={k: [v] for k, v in query.items()}
                 if query else None)
    event["requestContext"].update(resourcePath=resource, path=path, httpMethod=method,
                                   resourceId=f"{method} {resource}")
    for key, value in (headers or {}).items():
        event["headers"][key] = value
        event["multiValueHeaders"][key] = [value]
    return event


@pytest.fixture
def web(aws, monkeypatch):
    """call(event) -> the Lambda answer of the web function."""
    from helpers import put_secrets
    from infra.functions import LambdaContext, load_handler

    monkeypatch.setenv("KORPO_DISCLOSURE_LINE", "#collaborateur")
    monkeypatch.delenv("KORPO_PUBLIC_BASE_URL")
    put_secrets(monkeypatch, visitor_hash_secret=SECRET)  # in moto's SSM, as deployed
    handler = load_handler("WebFunction")
    return lambda event: handler(event, LambdaContext("web"))


@contextlib.contextmanager
def web_with_user_pool(monkeypatch: Any, name: str) -> Iterator[tuple[Callable, Any, str, str]]:
    """The web function against a user pool of moto's (in-process, inside `aws`), with the
    template's password policy and open sign-up (SignUp=open): yields (call(event), the
    cognito client, pool id, client id)."""
    import boto3

    from helpers import put_secrets
    from infra.functions import LambdaContext, load_handler
    from korpo import aws as korpo_aws

    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(
        PoolName=name, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireLowercase": True,
                                     "RequireNumbers": True, "RequireUppercase": False,
                                     "RequireSymbols": False}})["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    monkeypatch.setenv("KORPO_USER_POOL_ID", pool)
    monkeypatch.setenv("KORPO_USER_POOL_CLIENT_ID", client)
    monkeypatch.setenv("KORPO_SIGN_UP", "open")
    monkeypatch.delenv("KORPO_PUBLIC_BASE_URL")
    put_secrets(monkeypatch, visitor_hash_secret=SECRET)
    korpo_aws.reset_clients()
    handler = load_handler("WebFunction")
    try:
        yield (lambda event: handler(event, LambdaContext("web"))), cognito, pool, client
    finally:
        korpo_aws.reset_clients()


def session_cookie(employee_id: str = ME, expires_in: int = 600, csrf: str = "token-1",
                   admin: bool = False, email: str = "ann.lee@example.com",
                   name: str = "Ann") -> str:
    from webapp import session

    value = session.encode(session.session_key(SECRET), session.Session(
        employee_id, email, name, admin, csrf, int(time.time()) + expires_in))
    return f"korpo_session={value}"


def signed_in(**headers: str) -> dict:
    return {"cookie": session_cookie(), **headers}


def as_admin(**headers: str) -> dict:
    return {"cookie": session_cookie(BOSS, admin=True, email="boss@example.com", name="Bo"),
            **headers}


def headers_of(answer: dict) -> dict:
    return {k.lower(): v for k, v in (answer.get("headers") or {}).items()}


def form(resource: str, fields: dict, *, params: dict | None = None,
         who: dict | None = None) -> dict:
    """A POSTed form of this site, with the session's token (an admin's unless `who`)."""
    # `who={}` is a stranger (no session), not the default admin.
    headers = {"content-type": FORM, "origin": f"https://{HOST}",
               **(as_admin() if who is None else who)}
    return page_event(resource, method="POST", params=params, headers=headers,
                      body=urlencode({"csrf": "token-1", **fields}))


def cookies_of(answer: dict) -> dict[str, str]:
    """The cookies an answer sets, by name (a cleared one is "")."""
    out = {}
    for line in answer.get("multiValueHeaders", {}).get("Set-Cookie", []):
        name, _, rest = line.partition("=")
        out[name] = rest.split(";", 1)[0]
    return out


def jar(cookies: dict[str, str]) -> str:
    """A Cookie header sending back those that are set."""
    return "; ".join(f"{k}={v}" for k, v in cookies.items() if v)


def text_of(html: str) -> str:
    """A page's words without its tags (what a person reads), spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@contextlib.contextmanager
def web_with_template_pool(monkeypatch: Any, sign_up: str = "invite") -> Iterator[Any]:
    """The web function against the template's own user pool, client and admins group (in
    moto, in-process, inside `aws`), made with `SignUp=<sign_up>`, and Cognito's part that
    moto lacks played by infra/cognito.py: invitations get a temporary password and an
    e-mail written by the template's CustomMessage trigger (the real handler), kept in
    `.stand_in.outbox`. Yields a namespace: call(event), cognito, pool, client, stand_in."""
    from types import SimpleNamespace

    import boto3

    from helpers import put_secrets

    from infra.cognito import CognitoStandIn
    from infra.functions import LambdaContext, load_handler
    from infra.resources import cognito_triggers, create_identity
    from infra.template import load_template
    from korpo import aws as korpo_aws, settings

    template = load_template()
    identity = create_identity(boto3.session.Session(), template, "korpo-test",
                               {"SignUp": sign_up})
    pool, client = identity.user_pool_id, identity.user_pool_client_id
    put_secrets(monkeypatch, visitor_hash_secret=SECRET)  # in moto's SSM, as deployed
    monkeypatch.setenv("KORPO_USER_POOL_ID", pool)
    monkeypatch.setenv("KORPO_USER_POOL_CLIENT_ID", client)
    monkeypatch.setenv("KORPO_SIGN_UP", sign_up)
    monkeypatch.delenv("KORPO_PUBLIC_BASE_URL", raising=False)
    settings.current.cache_clear()
    korpo_aws.reset_clients()
    trigger = load_handler(cognito_triggers(template)["CustomMessage"])
    stand_in = CognitoStandIn(log=lambda _line: None)
    stand_in.add_pool(pool, lambda event: trigger(event, LambdaContext("cognito_triggers")))
    handler = load_handler("WebFunction")
    with stand_in:
        try:
            yield SimpleNamespace(call=lambda event: handler(event, LambdaContext("web")),
                                  cognito=boto3.client("cognito-idp"), pool=pool,
                                  client=client, stand_in=stand_in)
        finally:
            korpo_aws.reset_clients()
