"""`make smoke`: it passes against the local stack, and fails when it should."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from infra.smoke import channels, pages, target
from infra.smoke.report import FAILED, OK, SKIPPED, WARNING

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "functions" / "web"))
CHECKS = ("home page (en)", "home page (fr)", "static assets", "channels", "bot click",
          "dead-letter queues")


def smoke(stack, *args: str) -> tuple[int, dict[str, str]]:
    """Run `python -m infra.smoke` as `make smoke` does: its exit status, and each check's
    line with its detail lines."""
    done = subprocess.run([sys.executable, "-m", "infra.smoke", "--url", stack.gateway_url,
                           "--wait", "15", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    blocks: dict[str, str] = {}
    name = None
    for line in done.stdout.splitlines():
        if line.startswith(" ") and name:
            blocks[name] += "\n" + line
        else:
            name = next((n for n in CHECKS if line[9:].startswith(f"{n}:")), None)
            if name:
                blocks[name] = line
    assert set(blocks) == set(CHECKS), done.stdout + done.stderr
    return done.returncode, blocks


def states(lines: dict[str, str]) -> dict[str, str]:
    return {name: line.split()[0] for name, line in lines.items()}


# ------------------------------------------------------------------ against the local stack

def test_the_smoke_passes_against_the_local_stack(stack):
    status, lines = smoke(stack)
    assert status == 0, lines
    assert states(lines) == dict.fromkeys(CHECKS, OK), lines
    assert "recorded as bot" in lines["bot click"] and "paid nothing" in lines["bot click"]


def test_a_message_in_a_dead_letter_queue_fails_the_smoke(stack):
    sqs = target.local_target(requests.Session(), stack.gateway_url).client("sqs")
    queue = stack.resources.queues["ClickFallbackDeadLetterQueue"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"v": 1, "item": {}}))
    try:
        status, lines = smoke(stack)
    finally:
        sqs.purge_queue(QueueUrl=queue)
    assert status == 1
    assert states(lines) == {**dict.fromkeys(CHECKS, OK), "dead-letter queues": FAILED}, lines
    assert "ClickFallbackDeadLetterQueue holds 1" in lines["dead-letter queues"]
    assert "start-message-move-task" in lines["dead-letter queues"]  # what to do about it


def test_a_bot_click_recorded_as_human_and_paid_fails_the_smoke(stack, monkeypatch):
    from korpo.tracking import agents

    judged = agents.verdict  # the stack's track_click runs in this process: make it credulous
    monkeypatch.setattr(agents, "verdict", lambda user_agent, evidence: agents.Verdict(
        agents.HUMAN, judged(user_agent, evidence).agent, evidence))
    status, lines = smoke(stack)
    assert status == 1
    assert states(lines)["bot click"] == FAILED, lines
    assert "recorded as human, not bot" in lines["bot click"]
    assert re.search(r"a ledger line pays it [1-9]\d* points \(human_click", lines["bot click"])


def test_an_unknown_link_fails_and_the_smoke_says_where_it_looked(stack):
    status, lines = smoke(stack, "--link", f"{stack.gateway_url}/l/AAAAAAAAAA")
    assert status == 1 and states(lines)["bot click"] == FAILED
    assert "no share link 'AAAAAAAAAA'" in lines["bot click"]


# ------------------------------------------------------------------ the judgements, alone

def test_the_web_apps_own_headers_pass_and_weaker_ones_do_not():
    from webapp.pages import frame_ancestors
    from webapp.render import security_headers

    for allowed, https in (("", False), ("", True), ("https://intranet.example.com", True)):
        sent = {**security_headers(frame_ancestors(allowed), https), "Cache-Control": "no-store"}
        assert pages.header_problems(sent, https) == []
    sent = {**security_headers("", True), "Cache-Control": "no-store"}
    weaker = {
        "Content-Security-Policy": sent["Content-Security-Policy"].replace(
            "script-src 'self'", "script-src 'self' 'unsafe-inline'"),
        "X-Frame-Options": None, "Cache-Control": "max-age=60",
        "Strict-Transport-Security": "max-age=60", "Referrer-Policy": "unsafe-url",
    }
    problems = pages.header_problems(
        {k: v for k, v in {**sent, **weaker}.items() if v is not None}, True)
    assert problems == [
        "CSP script-src is 'self' 'unsafe-inline', not 'self'",
        "CSP allows 'unsafe-inline'",
        "X-Frame-Options is not DENY (frame-ancestors 'none')",
        "Referrer-Policy is 'unsafe-url', not same-origin",
        "Cache-Control is 'max-age=60', not no-store",
        "Strict-Transport-Security max-age below a year",
    ]
    assert pages.header_problems({}, False)[:2] == ["no Content-Security-Policy",
                                                    "X-Content-Type-Options is not nosniff"]


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def feed(feed_id: str, **values):
    from korpo.models import FeedModel

    base = dict(feed_id=feed_id, url=f"https://{feed_id}.example.com/feed",
                next_poll_at=NOW + timedelta(minutes=10), created_at=NOW - timedelta(days=9),
                last_polled_at=NOW - timedelta(minutes=5),
                last_success_at=NOW - timedelta(minutes=5))
    return FeedModel(*FeedModel.key(feed_id), **{**base, **values})


def failing(feed_id: str, error: str = "HTTP 503", status: int | None = 503, **values):
    return feed(feed_id, consecutive_failures=3, last_error=error, last_status=status,
                **values)


def test_channels_fail_the_smoke_only_for_what_points_at_the_deployment():
    judge = channels.judge
    assert judge([], NOW).state == SKIPPED
    healthy = [feed("blog"), feed("new", last_polled_at=None, last_success_at=None),
               feed("paused", paused=True, next_poll_at=NOW - timedelta(days=3))]
    assert judge(healthy, NOW).state == OK
    assert judge(healthy, NOW).message.startswith("1 ok, 1 waiting for a first poll, 1 paused")
    site_down = judge(healthy + [failing("down")], NOW)
    assert site_down.state == WARNING and "down" in site_down.details[0]
    for broken in (failing("never", last_success_at=None),
                   failing("bug", error="internal error: KeyError: 'x'", status=None),
                   feed("late", next_poll_at=NOW - timedelta(minutes=31))):
        result = judge(healthy + [failing("down"), broken], NOW)
        assert result.state == FAILED, broken.feed_id
        assert broken.feed_id in result.details[0] and "down" in result.details[1]
    assert judge([feed("due", next_poll_at=NOW - timedelta(minutes=29))], NOW).state == OK


# ------------------------------------------------------------------ where the resources are

class Answers:
    """A stand-in for requests.Session: GET answers one JSON body."""

    def __init__(self, body):
        self.body, self.asked = body, []

    def get(self, url, timeout):
        self.asked.append(url)
        return type("Answer", (), {"status_code": 200, "json": lambda _self: self.body})()


def test_only_a_local_stack_on_this_machine_is_believed():
    info = {"stack_name": "s", "region": "eu-west-1", "moto_url": "http://127.0.0.1:5000",
            "tables": dict.fromkeys(target.TABLES, "t"),
            "queues": dict.fromkeys(target.QUEUES + ("ClickFallbackQueue",), "q")}
    found = target.local_target(Answers(info), "http://127.0.0.1:3000/")
    assert found.endpoint_url == "http://127.0.0.1:5000"
    assert set(found.queues) == set(target.QUEUES)  # the dead-letter queues only
    away = Answers(info)
    assert target.local_target(away, "https://korpo.example.com") is None and not away.asked
    assert target.local_target(Answers({**info, "moto_url": "http://10.0.0.8:5000"}),
                               "http://127.0.0.1:3000") is None


def test_a_deployed_stack_is_found_through_cloudformation(monkeypatch, tmp_path):
    import boto3
    from moto import mock_aws

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # the module's local stack sets it
    monkeypatch.setattr(target, "SAMCONFIG", tmp_path / "samconfig.toml")
    (tmp_path / "samconfig.toml").write_text(
        'version = 0.1\n[default.global.parameters]\nstack_name = "acme"\n'
        '[default.deploy.parameters]\nregion = "eu-west-3"\n')
    assert target.samconfig_defaults(tmp_path / "samconfig.toml") == {
        "stack_name": "acme", "region": "eu-west-3"}
    table = {"Type": "AWS::DynamoDB::Table", "Properties": {
        "BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}}
    resources = {logical: {**table, "Properties": {**table["Properties"],
                                                  "TableName": f"acme-{logical}"}}
                 for logical in target.TABLES}
    resources.update({logical: {"Type": "AWS::SQS::Queue",
                                "Properties": {"QueueName": f"acme-{logical}"}}
                      for logical in target.QUEUES})
    with mock_aws():
        with pytest.raises(target.TargetError, match="cannot read stack acme in eu-west-3"):
            target.deployed_target(None, None)
        boto3.client("cloudformation", region_name="eu-west-3").create_stack(
            StackName="acme", TemplateBody=json.dumps({"Resources": resources, "Outputs": {
                "WebAppUrl": {"Value": "https://abc.execute-api.eu-west-3.amazonaws.com/"}}}))
        found = target.deployed_target(None, None)
    assert (found.stack_name, found.region, found.endpoint_url) == ("acme", "eu-west-3", None)
    assert found.tables == {logical: f"acme-{logical}" for logical in target.TABLES}
    assert found.queues["AwardFailureQueue"].endswith("/acme-AwardFailureQueue")
    assert found.web_url == "https://abc.execute-api.eu-west-3.amazonaws.com/"
    assert found.environment() == {"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "eu-west-3"}
