"""The stack's secrets come from SSM Parameter Store (moto here), each read once per container,
never from the functions' environment (korpo/secrets.py)."""
from __future__ import annotations

import time

import boto3
import pytest
from botocore.exceptions import ClientError

from bench.counting import record_calls
from helpers import SECRETS_PATH, http_event, make_post, put_secrets
from korpo import secrets, settings
from korpo.secrets import MissingSecret, SecretStore, SecretUnavailable

VISITOR = "v" * 64
CONVERSION = "c" * 64


def _ssm_reads(calls: list) -> list[dict]:
    return [params for service, operation, params in calls
            if (service, operation) == ("ssm", "GetParameter")]


def test_a_secret_is_read_once_per_container_with_decryption(aws, monkeypatch):
    from dataclasses import replace

    put_secrets(monkeypatch, visitor_hash_secret=VISITOR, conversion_secret=CONVERSION)
    current = settings.current()
    with record_calls() as calls:
        values = {current.visitor_secret for _ in range(5)}
        # Copies of the settings (the brand's overlay makes one a minute) share the store.
        values.add(replace(current, points_name="stars").visitor_secret)
    assert values == {VISITOR}
    assert _ssm_reads(calls) == [{"Name": f"{SECRETS_PATH}/visitor-hash-secret",
                                  "WithDecryption": True}]
    with record_calls() as calls:
        assert current.conversion_secret == CONVERSION  # read at its own first use
        assert current.visitor_secret == VISITOR
    assert [p["Name"] for p in _ssm_reads(calls)] == [f"{SECRETS_PATH}/conversion-secret"]


def test_a_missing_required_secret_fails_clearly_until_it_exists(aws, monkeypatch):
    put_secrets(monkeypatch, visitor_hash_secret=VISITOR)
    current = settings.current()

    with pytest.raises(MissingSecret, match=f"{SECRETS_PATH}/conversion-secret does not "
                                            "exist: `make deploy` creates"):
        current.conversion_secret
    # Not remembered as missing: once the deployer creates it, the container reads it.
    boto3.client("ssm").put_parameter(Name=f"{SECRETS_PATH}/conversion-secret",
                                      Value=CONVERSION, Type="SecureString")
    assert current.conversion_secret == CONVERSION


def test_a_missing_optional_secret_means_no_webhook_and_is_asked_once(aws, monkeypatch):
    put_secrets(monkeypatch, visitor_hash_secret=VISITOR,
                teams_webhook_url=" https://x.logic.azure.com/workflows/1 ")
    from korpo.announcements import webhooks

    current = settings.current()
    with record_calls() as calls:
        assert [current.slack_webhook_url for _ in range(3)] == ["", "", ""]
        assert current.teams_webhook_url == "https://x.logic.azure.com/workflows/1"
        assert list(webhooks.configured(current.slack_webhook_url,
                                        current.teams_webhook_url)) == ["teams"]
    assert [p["Name"] for p in _ssm_reads(calls)] == [
        f"{SECRETS_PATH}/slack-webhook-url", f"{SECRETS_PATH}/teams-webhook-url"]


def test_ssm_failing_is_not_a_missing_secret():
    from aws_lambda_powertools.utilities.parameters import GetParameterError

    class Throttled:
        def get(self, name, **_options):
            try:
                raise ClientError({"Error": {"Code": "ThrottlingException",
                                             "Message": "Rate exceeded"}}, "GetParameter")
            except ClientError as error:  # as Powertools does: wrapped, raised while handling
                raise GetParameterError(str(error))

    store = SecretStore("/korpo/s", provider=Throttled)
    with pytest.raises(SecretUnavailable, match="/korpo/s/slack-webhook-url.*Rate exceeded"):
        store.get(secrets.SLACK_WEBHOOK)  # an optional secret too: not taken for "not set"


def test_no_secret_from_the_environment_and_none_in_a_repr(aws, monkeypatch):
    leaked = {"KORPO_VISITOR_SECRET": VISITOR, "KORPO_CONVERSION_SECRET": CONVERSION,
              "KORPO_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"}
    from_env = settings.from_env(leaked)
    assert (from_env.visitor_secret, from_env.conversion_secret,
            from_env.slack_webhook_url) == ("", "", "")

    put_secrets(monkeypatch, visitor_hash_secret=VISITOR)
    current = settings.current()
    assert current.visitor_secret == VISITOR
    assert VISITOR not in repr(current) and VISITOR not in repr(current.secret_store)


def test_given_values_need_no_ssm():
    store = SecretStore(values={secrets.VISITOR_HASH: VISITOR})
    assert (store.get(secrets.VISITOR_HASH), store.get(secrets.CONVERSION)) == (VISITOR, None)
    with pytest.raises(ValueError, match="no such secret"):
        SecretStore(values={"visitor_secret": VISITOR})


def test_no_handler_reads_a_secret_at_import(aws, monkeypatch):
    """A cold start (every handler imported afresh, the path set) reads nothing: the secrets
    wait for their first use (.ci/check_build.py imports them with no AWS at all)."""
    from infra.functions import forget_handlers, function_specs, load_handler

    put_secrets(monkeypatch, visitor_hash_secret=VISITOR, conversion_secret=CONVERSION)
    forget_handlers()
    with record_calls() as calls:
        for function in function_specs():
            load_handler(function)
    assert _ssm_reads(calls) == []


def test_a_track_click_container_reads_each_secret_once_at_its_first_use(aws, monkeypatch):
    """The visitor-hash-secret at the first click only, the conversion-secret at the first
    signed conversion only."""
    from infra.functions import LambdaContext, load_handler
    from korpo.tracking import links

    put_secrets(monkeypatch, visitor_hash_secret=VISITOR, conversion_secret=CONVERSION)
    make_post("post-1")
    link = links.get_or_create("emp-1", "post-1", "linkedin")
    handler = load_handler("TrackClickFunction")

    with record_calls() as calls:
        for i in range(3):
            event = http_event("track_click/follow_link", path_params={"code": link.code})
            event["requestContext"]["identity"]["sourceIp"] = f"192.0.2.{i}"
            assert handler(event, LambdaContext("track_click"))["statusCode"] == 302
        _sign_twice(handler)
    assert [p["Name"].rsplit("/", 1)[1] for p in _ssm_reads(calls)] == [
        "visitor-hash-secret", "conversion-secret"]


def _sign_twice(handler) -> None:
    """Two conversions signed with the conversion-secret: checked (not 401), refused only as
    their click is unknown."""
    from infra.functions import LambdaContext
    from korpo.tracking import conversions

    body = b'{"click_id": "%s", "type": "signup", "external_id": "o-1"}' % (b"0" * 28)
    event = http_event("track_click/conversion_signed")
    ts = str(int(time.time()))
    event["headers"].update({"x-korpo-timestamp": ts,
                             "x-korpo-signature": conversions.signature(CONVERSION, ts, body)})
    event["body"] = body.decode()
    for _ in range(2):
        assert handler(event, LambdaContext("track_click"))["statusCode"] == 422


def test_track_click_without_its_secrets_still_redirects(aws, monkeypatch):
    from infra.functions import LambdaContext, load_handler
    from korpo.models import EventModel
    from korpo.tracking import links

    put_secrets(monkeypatch)  # the path, and no parameter under it
    make_post("post-1")
    link = links.get_or_create("emp-1", "post-1", "linkedin")
    handler = load_handler("TrackClickFunction")

    answer = handler(http_event("track_click/follow_link", path_params={"code": link.code}),
                     LambdaContext("track_click"))
    assert answer["statusCode"] == 302
    assert "korpo_click" not in answer["headers"]["Location"]  # not counted: no click id
    assert list(EventModel.scan()) == []
    conversion = handler(http_event("track_click/conversion_signed"),
                         LambdaContext("track_click"))
    assert (conversion["statusCode"], conversion["headers"]["Retry-After"]) == (503, "5")
