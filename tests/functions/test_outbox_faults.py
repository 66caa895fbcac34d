"""SES and the webhooks fail: the messages wait in the outbox (korpo.outbox), send_digest's
15-minute run tries them again, and none is ever sent twice; a redemption's e-mail is never
lost. Faults are injected into the functions' own AWS calls (infra/faults.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from helpers import body_of, claims_for, load_event
from mail_helpers import SENDER, add_employee, verify_sender
from webhook_server import WebhookServer, loopback

from infra.faults import FAULTS, SES_THROTTLED, SES_UNAVAILABLE, Fault, Killed
from infra.functions import LambdaContext, load_handler

BOB = claims_for("emp-bob", "bob@example.com")


@pytest.fixture(autouse=True)
def no_fault_left():
    yield
    FAULTS.remove()


@pytest.fixture
def sender(aws, monkeypatch):
    from helpers import put_secrets

    from korpo import settings

    verify_sender()
    put_secrets(monkeypatch, visitor_hash_secret="v" * 64)
    monkeypatch.setenv("KORPO_SENDER_EMAIL", SENDER)
    settings.current.cache_clear()
    return SENDER


def _sent() -> list[tuple[str, str]]:
    """(to, subject) of every e-mail SES took."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return [(m.destinations["ToAddresses"][0], m.subject)
            for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
            if hasattr(m, "subject")]


def _retry_run(monkeypatch, at: datetime | None = None) -> dict:
    """send_digest's 15-minute run (the template's `announcements` schedule), at `at`."""
    from korpo import settings

    handler = load_handler("SendDigestFunction")
    module = __import__("sys").modules["korpo_fn_send_digest"]
    # Its settings as a new container reads them (an earlier test's import kept others), its
    # secrets read by itself from SSM, not from another function's cache.
    settings.current.cache_clear()
    monkeypatch.setattr(module, "_settings", settings.current())
    if at is not None:
        monkeypatch.setattr(module, "utc_now", lambda: at)
    return handler(load_event("send_digest/announcements"), LambdaContext("send_digest", 900))


def _redeem(api) -> str:
    from korpo.models import BalanceModel
    from korpo.shop.rewards import create_reward

    add_employee("emp-bob", "Bob")
    create_reward("mug", "Mug", 100, kind="company", stock=5)
    BalanceModel(*BalanceModel.key("emp-bob")).update(actions=[BalanceModel.points.add(100)])
    made = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "mug"},
               body={"request_id": "form-token-1"})
    assert made["statusCode"] == 201, made
    return body_of(made)["redemption_id"]


@pytest.mark.parametrize("error", [SES_THROTTLED, SES_UNAVAILABLE], ids=["throttled", "503"])
def test_a_redemptions_email_ses_refused_is_sent_later_once(sender, api, monkeypatch, error):
    with FAULTS.active(Fault("ses.SendEmail", function="ApiFunction", **error)) as (fault,):
        redemption = _redeem(api)
    assert fault.fired == 1 and _sent() == []  # SES refused; the redemption stands
    later = datetime.now(timezone.utc) + timedelta(minutes=15)
    with FAULTS.active(Fault("ses.SendEmail", function="SendDigestFunction", times=1, **error)):
        first = _retry_run(monkeypatch, later)
    assert first["outbox"] == {"tried": 1, "pending": 1} and _sent() == []
    assert _retry_run(monkeypatch, later)["outbox"] == {"tried": 0}  # backing off
    done = _retry_run(monkeypatch, later + timedelta(hours=1))
    assert done["outbox"] == {"tried": 1, "sent": 1}
    assert [to for to, _ in _sent()] == ["bob@example.com"]
    assert _retry_run(monkeypatch, later + timedelta(days=1))["outbox"] == {"tried": 0}
    console = load_handler("SendDigestFunction")(load_event("send_digest/outbox_retry"),
                                                 LambdaContext("send_digest", 900))
    assert console == {"outbox": {"tried": 0}} and len(_sent()) == 1
    # The same form sent again redeems nothing new, and e-mails nothing new.
    again = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "mug"},
                body={"request_id": "form-token-1"})
    assert body_of(again)["redemption_id"] == redemption and len(_sent()) == 1


def test_a_try_killed_after_ses_took_it_is_never_resent_by_itself(sender, api, monkeypatch):
    from korpo.models import OutboxModel

    with FAULTS.active(Fault("ses.SendEmail", function="ApiFunction", **SES_THROTTLED)):
        _redeem(api)
    later = datetime.now(timezone.utc) + timedelta(minutes=15)
    with FAULTS.active(Fault("ses.SendEmail", function="SendDigestFunction", kill_after=1)):
        with pytest.raises(Killed):
            _retry_run(monkeypatch, later)
    assert len(_sent()) == 1  # SES took it; the function died before marking it sent
    after_lease = _retry_run(monkeypatch, later + timedelta(minutes=10))
    assert after_lease["outbox"] == {"tried": 1, "unknown": 1} and len(_sent()) == 1
    assert _retry_run(monkeypatch, later + timedelta(days=2))["outbox"] == {"tried": 0}
    (item,) = list(OutboxModel.scan(OutboxModel.pk.startswith("OUTBOX#")))
    assert item.status == "unknown"  # kept, logged as an error: docs/operations.md
    # An operator who finds it never arrived resends it, from send_digest's console.
    handler = load_handler("SendDigestFunction")
    example = load_event("send_digest/outbox_resend")  # a key that is not there: nothing
    assert handler(example, LambdaContext("send_digest")) == {"resent": {
        example["outbox_resend"][0]: False}}
    resent = handler({"outbox_resend": [item.message_key]}, LambdaContext("send_digest"))
    assert resent == {"resent": {item.message_key: True}}
    assert _retry_run(monkeypatch, later + timedelta(days=2))["outbox"] == {"tried": 1,
                                                                             "sent": 1}
    assert len(_sent()) == 2


def test_the_winners_e_mails_and_posts_wait_for_ses_and_slack_and_go_once(sender, monkeypatch):
    from dataclasses import replace

    from helpers import put_secrets

    from korpo import settings
    from korpo.board.standings import set_score

    for employee, name, points in (("a", "Ann", 30), ("b", "Bob", 20)):
        add_employee(employee, name)
        set_score("2026-10", employee, points)
    with WebhookServer(statuses=[503, 503]) as slack:
        put_secrets(monkeypatch, slack_webhook_url=slack.url, visitor_hash_secret="v" * 64)
        settings.current.cache_clear()
        monkeypatch.setenv("KORPO_SENDER_EMAIL", SENDER)
        reset = load_handler("ResetMonthlyFunction")
        module = __import__("sys").modules["korpo_fn_reset_monthly"]
        monkeypatch.setattr(module, "_settings", replace(settings.current(),
                                                         sender_email=SENDER))
        real = module.post_winners
        monkeypatch.setattr(module, "post_winners", lambda *a, **k: real(
            *a, allow=loopback, deadline_s=2.0, **k))
        digest = load_handler("SendDigestFunction")  # its webhooks may reach 127.0.0.1 too
        webhooks = __import__("korpo.announcements.webhooks", fromlist=["x"])
        real_deliver = webhooks.outbox_deliver
        monkeypatch.setattr(webhooks, "outbox_deliver", lambda targets, sender_email="", **k:
                            real_deliver(targets, sender_email, **{"allow": loopback, **k}))
        with FAULTS.active(Fault("ses.SendEmail", function="ResetMonthlyFunction",
                                 when=lambda p: p["Destination"]["ToAddresses"] == [
                                     "ann@example.com"], **SES_THROTTLED)):
            first = reset(load_event("reset_monthly/freeze_month"),
                          LambdaContext("reset_monthly"))
            again = reset(load_event("reset_monthly/freeze_month"),
                          LambdaContext("reset_monthly"))
        assert first["webhooks"] == {"slack": "retry_later"} and again["webhooks"] == {}
        assert [to for to, _ in _sent()] == ["bob@example.com"]
        later = datetime.now(timezone.utc) + timedelta(hours=2)
        retried = _retry_run(monkeypatch, later)["outbox"]
        assert digest is not None and retried == {"tried": 2, "sent": 1, "pending": 1}
        assert _retry_run(monkeypatch, later + timedelta(hours=1))["outbox"] == {
            "tried": 1, "sent": 1}
        for hours in (2, 30):
            assert _retry_run(monkeypatch, later + timedelta(hours=hours))["outbox"] == {
                "tried": 0}
        assert sorted(to for to, _ in _sent()) == ["ann@example.com", "bob@example.com"]
        assert [r["json"]["text"] for r in slack.received].count(
            slack.received[-1]["json"]["text"]) == 3  # two 503s, then the one post
