"""Shared fixtures: a moto account whose tables are created from template.yaml itself."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The layer's package and the repo root (infra/) import as they do in Lambda and locally.
for path in (ROOT / "functions" / "korpo", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.pop("AWS_ENDPOINT_URL", None)

STACK = "korpo-test"

from web_pages import web  # noqa: E402,F401 - the web function's fixture, for every test

from infra.calls import install as _record_aws_calls  # noqa: E402

# Every AWS call a function makes in this session, for the IAM proof that runs last
# (tests/infra/test_least_privilege.py; infra/calls.py).
_record_aws_calls()


def pytest_configure(config):
    config.addinivalue_line("markers", "after_all: runs after every other test (the IAM "
                            "proof judges the calls they made)")


def pytest_deselected(items):
    _DESELECTED.extend(items)


_DESELECTED: list = []


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """`after_all` tests run last, whatever the order of collection."""
    last = [item for item in items if item.get_closest_marker("after_all")]
    items[:] = [item for item in items if not item.get_closest_marker("after_all")] + last


def whole_suite(session) -> str | None:
    """None when this session runs every test of tests/ (nothing deselected, every file
    collected), else what it left out: unused grants are judged on the whole suite only."""
    if _DESELECTED:
        return f"{len(_DESELECTED)} test(s) deselected"
    collected = {Path(item.path).resolve() for item in session.items}
    left_out = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py")
                      if p.resolve() not in collected)
    return f"not collected: {', '.join(left_out[:5])}…" if left_out else None


# What Cognito does and moto lacks (ResendConfirmationCode, RevokeToken…), as the local stack
# has it: in-process moto too.
from infra import moto_cognito  # noqa: E402

moto_cognito.install()


@pytest.fixture
def aws(monkeypatch):
    """In-process moto with the template's tables; settings and models bound to them."""
    import boto3
    from moto import mock_aws

    from infra.template import create_tables, load_template
    from korpo import settings
    from korpo.models import bind_tables

    env = {
        "KORPO_CATALOG_TABLE": f"{STACK}-catalog",
        "KORPO_EVENTS_TABLE": f"{STACK}-events",
        "KORPO_SCORES_TABLE": f"{STACK}-scores",
        "KORPO_TIME_ZONE": "Europe/Paris",
        "KORPO_POINTS_PER_CLICK": "10",
        "KORPO_ALLOWED_EMAIL_DOMAINS": "example.com",
        "KORPO_PUBLIC_BASE_URL": "https://go.example.com",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # in-process moto, not a server
    settings.current.cache_clear()
    with mock_aws():
        create_tables(boto3.client("dynamodb"), load_template(), STACK)
        bind_tables(settings.current())
        yield settings.current()
    settings.current.cache_clear()


@pytest.fixture
def api(aws):
    """Call the api function with an events/ request: api("api/get_me", claims=...)."""
    from helpers import http_event
    from infra.functions import LambdaContext, load_handler

    handler = load_handler("ApiFunction")

    def call(name: str, **kwargs):
        return handler(http_event(name, **kwargs), LambdaContext("api"))

    return call


@pytest.fixture
def track_click(web):  # noqa: F811 - web is the fixture imported above
    """follow(code) -> track_click's answer to a click on that share link (payload 1.0)."""
    from helpers import http_event
    from infra.functions import LambdaContext, load_handler

    handler = load_handler("TrackClickFunction")

    def follow(code: str) -> dict:
        return handler(http_event("track_click/follow_link", path_params={"code": code}),
                       LambdaContext("track_click"))
    return follow


@pytest.fixture(scope="module")
def stack():
    """The local stack (`make run`'s), seeded, its streams pumped on their own: for the
    end-to-end modules and the smoke's. One per module, so a module's data never meets
    another's."""
    from helpers import local_stack

    yield from local_stack()


@pytest.fixture(scope="module")
def stack_by_hand():
    """The local stack, seeded, with no scheduler nor pump thread: the test fires and pumps
    (stack.invoke, stack.pump()) and so sees each step."""
    from helpers import local_stack

    yield from local_stack(auto=False)


@pytest.fixture(scope="module")
def shared(stack):
    """For the end-to-end modules (each names its own `stack`): a post, an employee signed in
    (with the self cookie GET /me set), their share link."""
    import requests

    from helpers import make_post

    make_post("e2e-post", url=f"{stack.gateway_url}/_local")
    email = stack.demo.logins[1][0]
    auth = {"Authorization": f"Bearer {stack.sign_in(email)['IdToken']}"}
    me = requests.get(f"{stack.gateway_url}/me", headers=auth, timeout=30)
    assert me.status_code == 200, me.text
    set_cookie = me.headers["Set-Cookie"]
    assert "korpo_emp=" in set_cookie and "Path=/l/" in set_cookie and "HttpOnly" in set_cookie
    share = requests.post(f"{stack.gateway_url}/posts/e2e-post/share", headers=auth,
                          json={"network": "linkedin"}, timeout=30)
    assert share.status_code == 200, share.text
    return {"url": share.json()["url"], "cookie": set_cookie.split(";")[0],
            "employee_id": me.json()["employee_id"]}
