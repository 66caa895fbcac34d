"""Announcements: a new challenge and the monthly winners reach Slack and Teams (escaped for
each, bounded in time, retried on 5xx, never failing the caller) and, for a challenge, the
e-mails of the employees who opted in, sent once by send_digest's run."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from helpers import load_event
from mail_helpers import SENDER, add_employee, body_of, sent_mails, verify_sender
from webhook_server import WebhookServer, closed_port_url, loopback

from infra.functions import LambdaContext, load_handler

HOSTILE = ("<!channel> *bold* <script>alert(1)</script> @here [x](https://evil.example) "
           "{{DATE(2026-01-01T00:00:00Z)}}")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


# ------------------------------------------------------------------ each medium's escaping

def test_slack_never_reads_admin_text_as_markup_or_a_mention():
    from korpo.announcements.webhooks import Message, slack_payload

    payload = slack_payload(Message(HOSTILE, [HOSTILE], "https://go.example.com/news"))
    raw = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in raw and "<script>" not in raw and "<" not in raw
    assert "@here" not in raw  # a word joiner sits between @ and here
    header = payload["blocks"][0]["text"]
    assert header["type"] == "plain_text" and header["text"].startswith("&lt;!channel&gt; *bold*")
    assert payload["blocks"][1]["text"]["type"] == "plain_text"  # no mrkdwn: *bold* stays text
    assert payload["mrkdwn"] is False and payload["text"].startswith("&lt;!channel&gt;")
    assert payload["blocks"][2]["elements"][0]["url"] == "https://go.example.com/news"


def test_teams_shows_admin_text_only_in_text_runs_which_read_no_markdown():
    from korpo.announcements.webhooks import Message, teams_payload

    card = teams_payload(Message(HOSTILE, [HOSTILE], "https://go.example.com/news"))
    content = card["attachments"][0]["content"]
    assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert {block["type"] for block in content["body"]} == {"RichTextBlock"}  # no TextBlock
    runs = [inline for block in content["body"] for inline in block["inlines"]]
    assert all(run["type"] == "TextRun" for run in runs)
    assert runs[0]["text"].startswith("<!channel> *bold* <script>")  # shown as typed
    assert "{{DATE" not in json.dumps(content)  # the one function a TextRun would run
    assert content["actions"] == [{"type": "Action.OpenUrl", "title": "Open",
                                   "url": "https://go.example.com/news"}]


@pytest.mark.parametrize("kind,url", [
    ("slack", "https://hooks.slack.com/services/T0/B0/secret"),
    ("teams", "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/"
              "paths/invoke?api-version=2016-06-01&sig=x"),
    ("teams", "https://default1234.56.environment.api.powerplatform.com:443/powerautomate/"
              "automations/direct/workflows/abc/triggers/manual/paths/invoke"),
    ("teams", "https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi"),
])
def test_the_webhook_hosts_of_slack_and_teams_are_accepted(kind, url):
    from korpo.announcements.webhooks import check_url

    assert check_url(kind, url) == url


@pytest.mark.parametrize("kind,url", [
    ("slack", "http://hooks.slack.com/services/T0/B0/secret"),  # not https
    ("slack", "https://hooks.slack.com.evil.example/services/x"),
    ("slack", "https://evil.example/?hooks.slack.com"),
    ("slack", "https://user@hooks.slack.com/services/x"),
    ("slack", "https://hooks.slack.com:8443/services/x"),
    ("slack", "https://prod-1.westeurope.logic.azure.com/workflows/x"),  # Teams' host for Slack
    ("teams", "https://logic.azure.com.evil.example/workflows/x"),
    ("teams", "https://evil-logic.azure.com.example/x"),
    ("teams", "https://127.0.0.1/hook"),
    ("teams", "https://hooks.slack.com/services/x"),
    ("teams", "javascript:alert(1)"),
    ("teams", ""),
])
def test_any_other_webhook_address_is_refused(kind, url):
    from korpo.announcements.webhooks import WebhookRefused, check_url, post

    with pytest.raises(WebhookRefused):
        check_url(kind, url)
    assert post(kind, url, {}).status == "refused"  # never sent, never raised


# ------------------------------------------------------------------ posting: bounded, retried

def test_a_500_is_retried_and_the_200_after_it_posts():
    from korpo.announcements.webhooks import post

    with WebhookServer([500, 200]) as hook:
        delivery = post("slack", hook.url, {"text": "hi"}, allow=loopback, backoff_s=0.01)
    assert (delivery.status, delivery.attempts) == ("posted", 2)
    assert [r["json"] for r in hook.received] == [{"text": "hi"}, {"text": "hi"}]
    assert hook.received[0]["content_type"] == "application/json; charset=utf-8"


def test_a_webhook_that_keeps_failing_gives_up_after_three_tries_and_a_4xx_at_once():
    from korpo.announcements.webhooks import post

    with WebhookServer([503, 502, 500, 500]) as hook:
        delivery = post("teams", hook.url, {}, allow=loopback, backoff_s=0.01)
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 3, "HTTP 500")
    with WebhookServer([404]) as hook:
        delivery = post("teams", hook.url, {}, allow=loopback, backoff_s=0.01)
    assert (delivery.status, delivery.attempts, len(hook.received)) == ("failed", 1, 1)


def test_a_slow_or_absent_webhook_costs_at_most_the_deadline_and_never_raises():
    from korpo.announcements.webhooks import post

    with WebhookServer(delay_s=2.0) as hook:
        started = time.monotonic()
        delivery = post("slack", hook.url, {}, allow=loopback, deadline_s=1.0,
                        read_timeout=0.4, backoff_s=0.05)
        took = time.monotonic() - started
    assert delivery.status == "failed" and delivery.error == "ReadTimeout"
    assert delivery.attempts >= 2 and took < 1.5
    down = post("slack", closed_port_url(), {}, allow=loopback, backoff_s=0.01)
    assert down.status == "failed" and down.error == "ConnectionError"
    assert "127.0.0.1" not in down.error  # the URL is a secret: only the error's class


# ------------------------------------------------------------------ a new challenge

def _challenge(challenge_id: str = "launch", title: str = HOSTILE, **extra):
    from korpo.models import ChallengeModel

    challenge = ChallengeModel.create(challenge_id, title, NOW - timedelta(hours=1),
                                      NOW + timedelta(days=14),
                                      description="Share the *launch* <b>now</b>", **extra)
    challenge.save()
    return challenge


def _config(aws, slack: str = "", teams: str = ""):
    from helpers import with_secrets

    return with_secrets(aws, slack_webhook_url=slack, teams_webhook_url=teams)


def test_a_new_challenge_is_posted_to_slack_and_teams_once(aws):
    from korpo.announcements.challenges import announce_new_challenge
    from korpo.models import AnnouncementModel

    challenge = _challenge()
    with WebhookServer() as slack, WebhookServer() as teams:
        config = _config(aws, slack.url, teams.url)
        first = announce_new_challenge(challenge, "https://go.example.com", now=NOW,
                                       config=config, allow=loopback)
        again = announce_new_challenge(challenge, "https://go.example.com", now=NOW,
                                       config=config, allow=loopback)
    assert first == {"status": "announced", "webhooks": {"slack": "posted", "teams": "posted"},
                     "emails": "queued"}
    assert again == {"status": "already_announced"}
    assert len(slack.received) == 1 and len(teams.received) == 1
    posted = json.dumps(slack.received[0]["json"], ensure_ascii=False)
    assert "<!channel>" not in posted and "<script>" not in posted
    assert "https://go.example.com/news?challenge=launch" in posted
    record = AnnouncementModel.get(*AnnouncementModel.key("challenge#launch"))
    assert record.gsi1pk == AnnouncementModel.PENDING
    assert json.loads(record.webhooks) == {"slack": "posted", "teams": "posted"}


def test_a_webhook_down_never_fails_the_challenge(aws):
    from korpo.announcements.challenges import ChallengeNews, announce_new_challenge

    news = ChallengeNews("hiring", "We are hiring", NOW, NOW + timedelta(days=7),
                         kind="job_referral")
    with WebhookServer([500, 500, 500]) as slack:
        started = time.monotonic()
        answer = announce_new_challenge(news, "https://go.example.com", now=NOW,
                                        config=_config(aws, slack.url, closed_port_url()),
                                        allow=loopback, deadline_s=2.0)
    # A bound, not a speed: the 2 s deadline cuts the retries short (without it, three tries
    # with backoff against a server that answers 500 would take far longer); the margin is for
    # a loaded machine.
    assert time.monotonic() - started < 12
    assert answer["status"] == "announced"
    assert answer["webhooks"] == {"slack": "failed", "teams": "failed"}
    assert "Job referral" in json.dumps(slack.received[0]["json"])


def test_without_webhooks_a_challenge_is_only_recorded_for_the_emails(aws):
    from korpo.announcements.challenges import announce_new_challenge

    answer = announce_new_challenge(_challenge(), "https://go.example.com", now=NOW,
                                    config=_config(aws))
    assert answer == {"status": "announced", "webhooks": {}, "emails": "queued"}


def _send_digest(aws, monkeypatch, now: datetime = NOW):
    from dataclasses import replace

    from helpers import with_secrets

    handler = load_handler("SendDigestFunction")
    module = __import__("sys").modules["korpo_fn_send_digest"]
    monkeypatch.setattr(module, "_settings", with_secrets(replace(
        module._settings, sender_email=SENDER, web_base_url="https://go.example.com"),
        visitor_hash_secret="s" * 64))
    monkeypatch.setattr(module, "utc_now", lambda: now)
    return lambda event: handler(event, LambdaContext("send_digest", timeout_s=900))


def test_the_challenges_emails_go_once_to_those_who_opted_in(aws, monkeypatch):
    from korpo.announcements.challenges import announce_new_challenge
    from korpo.models import AnnouncementModel

    verify_sender()
    add_employee("e-ann", "Ann", language="fr")
    add_employee("e-bob", "Bob")
    add_employee("e-cy", "Cy", digest=False)
    announce_new_challenge(_challenge(), "https://go.example.com", now=NOW, config=_config(aws))
    run = _send_digest(aws, monkeypatch)

    first = run(load_event("send_digest/announcements"))
    assert first["announcements"] == [{"challenge_id": "launch", "status": "done", "sent": 2,
                                       "skipped": 0, "empty": 0, "failed": 0}]
    mails = sent_mails()
    assert sorted(m["To"] for m in mails) == ["ann@example.com", "bob@example.com"]
    bob = next(m for m in mails if m["To"] == "bob@example.com")
    assert bob["Subject"].startswith("Korpo Demo: a new challenge, <!channel> *bold*")
    body = body_of(bob)  # plain text only: nothing in it is ever read as HTML
    assert "<script>alert(1)</script>" in body and "Share the *launch* <b>now</b>" in body
    assert "Take part: https://go.example.com/news?challenge=launch" in body
    assert bob["List-Unsubscribe"].startswith("<https://go.example.com/unsubscribe?t=e-bob.")
    assert bob["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    ann = next(m for m in mails if m["To"] == "ann@example.com")
    assert "Pour participer" in body_of(ann) and ann["Content-Language"] == "fr"

    assert run(load_event("send_digest/announcements")) == {"announcements": [], "outbox": {"tried": 0}}
    record = AnnouncementModel.get(*AnnouncementModel.key("challenge#launch"))
    assert record.gsi1pk is None and record.emails_sent == 2 and record.done_at is not None
    # Put back in the queue (a retried run): every employee was claimed, no one gets two.
    record.update(actions=[AnnouncementModel.gsi1pk.set(AnnouncementModel.PENDING),
                           AnnouncementModel.gsi1sk.set("x")])
    again = run(load_event("send_digest/announcements"))
    assert again["announcements"][0]["skipped"] == 2 and len(sent_mails()) == 2


def test_a_challenge_over_before_its_emails_is_dropped(aws, monkeypatch):
    from korpo.announcements.challenges import announce_new_challenge

    verify_sender()
    add_employee("e-bob", "Bob")
    announce_new_challenge(_challenge(), "https://go.example.com", now=NOW, config=_config(aws))
    late = _send_digest(aws, monkeypatch, now=NOW + timedelta(days=30))
    assert late(load_event("send_digest/announcements"))["announcements"] == [
        {"challenge_id": "launch", "status": "ended"}]
    assert sent_mails() == []


# ------------------------------------------------------------------ the monthly winners

def _reset(monkeypatch, slack: str):
    """reset_monthly with its secrets in (moto's) SSM, read as deployed: the webhook, and the
    key of the pseudonyms of winners who chose not to be named."""
    from dataclasses import replace

    from helpers import put_secrets
    from korpo import settings

    put_secrets(monkeypatch, slack_webhook_url=slack, visitor_hash_secret="v" * 64)
    handler = load_handler("ResetMonthlyFunction")
    module = __import__("sys").modules["korpo_fn_reset_monthly"]
    monkeypatch.setattr(module, "_settings", replace(
        settings.current(), web_base_url="https://go.example.com"))
    real = module.post_winners
    monkeypatch.setattr(module, "post_winners", lambda *args, **kwargs: real(
        *args, allow=loopback, deadline_s=2.0, **kwargs))
    return lambda event: handler(event, LambdaContext("reset_monthly"))


def test_the_winners_reach_slack_once_with_their_names_escaped(aws, monkeypatch):
    from korpo.board.standings import set_score
    from korpo.models import EmployeeModel
    from korpo.people.names import pseudonym

    add_employee("a", "<!here> Ann")
    add_employee("b", "Bob Hidden").update(actions=[EmployeeModel.named_on_board.set(False)])
    set_score("2026-10", "a", 30)
    set_score("2026-10", "b", 20)
    with WebhookServer() as slack:
        reset = _reset(monkeypatch, slack.url)
        dry = reset(load_event("reset_monthly/dry_run"))
        first = reset(load_event("reset_monthly/freeze_month"))
        second = reset(load_event("reset_monthly/freeze_month"))
    assert dry["webhooks"] == {"would_post": ["slack"]}
    assert first["webhooks"] == {"slack": "posted"} and second["webhooks"] == {}
    assert len(slack.received) == 1
    posted = json.dumps(slack.received[0]["json"], ensure_ascii=False)
    assert "the winners of October 2026" in posted and "&lt;!here&gt; Ann" in posted
    assert "<!here>" not in posted
    assert "Bob Hidden" not in posted and pseudonym("b") in posted  # named as they chose
    assert "https://go.example.com/leaderboard?month=2026-10" in posted


def test_slack_speaks_the_brands_language_whatever_the_winners_speak(aws, monkeypatch):
    from korpo import brand
    from korpo.board.standings import set_score

    brand.save({"language": "fr"})
    add_employee("a", "Ann", language="en")
    set_score("2026-10", "a", 1234)
    with WebhookServer() as slack:
        _reset(monkeypatch, slack.url)(load_event("reset_monthly/freeze_month"))
    posted = json.dumps(slack.received[0]["json"], ensure_ascii=False)
    assert "les gagnants d’octobre 2026" in posted and "Voir le classement" in posted
    assert "1\u202f234 korpos" in posted and "winners" not in posted


def test_a_new_challenge_is_told_in_the_brands_language(aws):
    from dataclasses import replace

    from korpo.announcements.challenges import announce_new_challenge

    with WebhookServer() as slack:
        announce_new_challenge(_challenge(kind="job_referral"), "https://go.example.com",
                               now=NOW, config=replace(_config(aws, slack.url), language="fr"),
                               allow=loopback)
    posted = json.dumps(slack.received[0]["json"], ensure_ascii=False)
    assert "Nouveau défi" in posted and "Participer" in posted
    assert "Recrutement par cooptation" in posted and "décembre 2026" in posted
    assert "New challenge" not in posted and "Take part" not in posted


def test_a_webhook_down_never_stops_the_month_being_frozen(aws, monkeypatch):
    from korpo.board import monthly
    from korpo.board.standings import set_score

    set_score("2026-10", "a", 30)
    summary = _reset(monkeypatch, closed_port_url())(load_event("reset_monthly/freeze_month"))
    assert summary["webhooks"] == {"slack": "retry_later"}  # the outbox tries again
    assert monthly.month_state("2026-10").status == "frozen"
    assert monthly.month_state("2026-10").announced_at is not None


def test_slacks_limits_count_the_escaped_text():
    from korpo.announcements.webhooks import Message, slack_payload

    header = slack_payload(Message("<&>" * 100))["blocks"][0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…")
    assert "&am…" not in header and "&l…" not in header  # never a cut entity
