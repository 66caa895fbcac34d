"""The weekly digest: the week's posts, the running challenges and my points, in my language,
once per employee and week however often the schedule fires; and its one-click unsubscribe."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest

from helpers import load_event, make_post
from infra.functions import LambdaContext, load_handler
from mail_helpers import SENDER, add_employee, body_of, sent_mails, verify_sender
from web_pages import FORM, HOST, SECRET, headers_of, page_event, signed_in, text_of

PARIS = ZoneInfo("Europe/Paris")
# Monday 7 December 2026, 08:00 in Paris: the digest of 30 November to 6 December (2026-W49).
MONDAY = datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)


def test_the_week_is_the_brands_last_full_week():
    from korpo.announcements.digest import InvalidWeek, parse_week, previous_week

    week = previous_week(MONDAY, PARIS)
    assert week.key == "2026-W49" and week.mail_key == "digest#2026-W49"
    assert week.start == datetime(2026, 11, 30, tzinfo=PARIS)
    assert week.end == datetime(2026, 12, 7, tzinfo=PARIS)
    # Sunday 23:30 UTC is already Monday in Paris: the same week closes.
    assert previous_week(datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc), PARIS) == week
    assert parse_week("2026-W49", PARIS) == week
    assert parse_week("2026-W53", PARIS).start == datetime(2026, 12, 28, tzinfo=PARIS)
    for bad in ("2026-49", "2026-W54", "2025-W53", "W49", 49, "2026-W49; drop"):
        with pytest.raises(InvalidWeek):
            parse_week(bad, PARIS)


def _earn(employee_id: str, at: datetime, event_id: str) -> None:
    from korpo.scoring.award import Context, process
    from korpo.scoring.rules import Rules, ScoredEvent
    from korpo import settings

    ctx = Context(rules=Rules(points_per_click=10), zone=PARIS,
                  scores_table=settings.current().scores_table)
    assert not process([ScoredEvent(event_id, "click", "human", employee_id, at)], ctx).failed


@pytest.fixture
def week_of_news(aws):
    """Ann (French) earned 30 korpos in the week and 10 before it; Bob nothing; Cy did not
    opt in. Two posts in the week (one hidden), one before it; a challenge running."""
    from korpo.models import ChallengeModel

    verify_sender()
    add_employee("e-ann", "Ann", language="fr")
    add_employee("e-bob", "Bob")
    add_employee("e-cy", "Cy", digest=False)
    in_week = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    make_post("fresh", published=in_week).update(actions=[
        __import__("korpo.models", fromlist=["PostModel"]).PostModel.title.set(
            "<script>alert(1)</script> & *launch*")])
    make_post("hidden", published=in_week, hidden=True)
    make_post("old", published=datetime(2026, 11, 29, 22, 0, tzinfo=timezone.utc))  # W48, Paris
    ChallengeModel.create("launch", "Launch week", in_week, MONDAY + timedelta(days=3)).save()
    ChallengeModel.create("over", "Old one", in_week - timedelta(days=20),
                          in_week - timedelta(days=10)).save()
    for n, at in enumerate((in_week, in_week + timedelta(hours=1), in_week + timedelta(days=2))):
        _earn("e-ann", at, f"ev-{n}")
    _earn("e-ann", datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc), "ev-before")
    return aws


def _digest(monkeypatch, now: datetime = MONDAY):
    """send_digest with its secret (the unsubscribe tokens' key) in moto's SSM, as deployed."""
    from dataclasses import replace

    from helpers import put_secrets
    from korpo import settings

    put_secrets(monkeypatch, visitor_hash_secret=SECRET)
    handler = load_handler("SendDigestFunction")
    module = __import__("sys").modules["korpo_fn_send_digest"]
    monkeypatch.setattr(module, "_settings", replace(
        settings.current(), sender_email=SENDER, web_base_url="https://go.example.com"))
    monkeypatch.setattr(module, "utc_now", lambda: now)
    return lambda event: handler(event, LambdaContext("send_digest", timeout_s=900))


def test_the_digest_goes_once_per_week_even_when_fired_twice(week_of_news, monkeypatch):
    run = _digest(monkeypatch)
    first = run(load_event("send_digest/scheduled"))
    assert first == {"week": "2026-W49", "posts": 1, "challenges": 1, "status": "done",
                     "sent": 2, "skipped": 0, "empty": 0, "failed": 0}
    second = run(load_event("send_digest/scheduled"))
    assert second["sent"] == 0 and second["skipped"] == 2
    mails = sent_mails()
    assert sorted(m["To"] for m in mails) == ["ann@example.com", "bob@example.com"]  # not Cy

    ann = next(m for m in mails if m["To"] == "ann@example.com")
    assert ann["Subject"] == "Korpo Demo : votre semaine, du 30 novembre 2026 au 6 décembre 2026"
    body = body_of(ann)
    assert "Bonjour Ann," in body and "vous avez gagné 30 korpos" in body  # not the 10 before
    assert "- <script>alert(1)</script> & *launch*\n  https://go.example.com/news/fresh" in (
        body.replace("\r\n", "\n"))
    assert "Title hidden" not in body and "Title old" not in body
    assert "Launch week (jusqu’au 10 décembre 2026)" in body and "Old one" not in body
    assert "https://go.example.com/news?challenge=launch" in body
    assert ann["List-Unsubscribe"] == f"<{_unsubscribe_url(body)}>"
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    bob = body_of(next(m for m in mails if m["To"] == "bob@example.com"))
    assert "Hello Bob," in bob and "You earned no korpos this week" in bob
    assert "Stop these e-mails: https://go.example.com/unsubscribe?t=e-bob." in bob


def test_a_week_with_nothing_for_someone_sends_them_nothing(aws, monkeypatch):
    verify_sender()
    add_employee("e-bob", "Bob")
    result = _digest(monkeypatch)(load_event("send_digest/scheduled"))
    assert (result["sent"], result["empty"]) == (0, 1) and sent_mails() == []


def test_an_ses_failure_releases_the_claim_and_the_next_run_sends_it(week_of_news,
                                                                      monkeypatch):
    from korpo.announcements import mailing

    run = _digest(monkeypatch)
    module = __import__("sys").modules["korpo_fn_send_digest"]
    real = module._sender

    def failing_for_bob():
        send = real()

        def maybe(mail):
            if mail.to == "bob@example.com":
                raise RuntimeError("Throttling")
            send(mail)
        return maybe

    monkeypatch.setattr(module, "_sender", failing_for_bob)
    first = run({"week": "2026-W49"})
    assert (first["sent"], first["failed"]) == (1, 1)
    assert not mailing.was_sent("e-bob", "digest#2026-W49")
    monkeypatch.setattr(module, "_sender", real)
    second = run({"week": "2026-W49"})
    assert (second["sent"], second["skipped"]) == (1, 1)
    assert sorted(m["To"] for m in sent_mails()) == ["ann@example.com", "bob@example.com"]


def test_the_console_dry_run_shows_one_employees_digest_and_sends_nothing(week_of_news,
                                                                          monkeypatch):
    from korpo.announcements import mailing

    event = load_event("send_digest/dry_run_one_employee")
    event.update(employee_id="e-ann", week="2026-W49")
    result = _digest(monkeypatch)(event)
    assert result["status"] == "dry_run" and result["opted_in"] is True
    assert result["already_sent"] is False and "30 korpos" in result["body"]
    assert sent_mails() == [] and not mailing.was_sent("e-ann", "digest#2026-W49")
    assert _digest(monkeypatch)({"employee_id": "nobody", "dry_run": True})["status"] == (
        "no_such_employee")
    with pytest.raises(ValueError):
        _digest(monkeypatch)({"dry_run": "yes"})
    with pytest.raises(ValueError):
        _digest(monkeypatch)({"week": "next week"})


def test_without_a_sender_nothing_is_claimed(week_of_news, monkeypatch):
    from dataclasses import replace

    from korpo.announcements import mailing

    run = _digest(monkeypatch)
    module = __import__("sys").modules["korpo_fn_send_digest"]
    monkeypatch.setattr(module, "_settings", replace(module._settings, sender_email=""))
    assert run(load_event("send_digest/scheduled"))["status"] == "no_sender"
    assert not mailing.was_sent("e-ann", "digest#2026-W49")


# ------------------------------------------------------------------ one-click unsubscribe

def _unsubscribe_url(body: str) -> str:
    return next(word for word in body.split() if "/unsubscribe?t=" in word)


def _query(url: str) -> dict:
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _digest_opt_in(employee_id: str) -> bool:
    from korpo.models import EmployeeModel

    return EmployeeModel.get(*EmployeeModel.key(employee_id)).weekly_digest


def test_the_mail_clients_one_click_post_unsubscribes_without_a_session(week_of_news, web,
                                                                        monkeypatch):
    run = _digest(monkeypatch)
    run(load_event("send_digest/scheduled"))
    bob = next(m for m in sent_mails() if m["To"] == "bob@example.com")
    url = bob["List-Unsubscribe"].strip("<>")
    # RFC 8058: the receiver's server POSTs this body to that URL: no cookie, no form
    # token, no Origin of ours (or a foreign one).
    answer = web(page_event("/unsubscribe", method="POST", query=_query(url), headers={
        "content-type": FORM, "origin": "https://mail.example.net", "accept-language": "en"},
        body="List-Unsubscribe=One-Click"))
    assert answer["statusCode"] == 200 and "no more e-mails" in answer["body"]
    assert _digest_opt_in("e-bob") is False and _digest_opt_in("e-ann") is True
    assert "bob" not in answer["body"].lower()  # never whose e-mail it was

    next_week = _digest(monkeypatch, now=MONDAY + timedelta(days=7))(
        load_event("send_digest/scheduled"))
    assert next_week["sent"] + next_week["empty"] == 1  # Ann only
    multipart = web(page_event("/unsubscribe", method="POST", query=_query(url), headers={
        "content-type": "multipart/form-data; boundary=x"},
        body='--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
             'One-Click\r\n--x--\r\n'))
    assert multipart["statusCode"] == 200  # again: the same answer, nothing more to stop


def test_the_page_asks_first_then_unsubscribes(week_of_news, web):
    from korpo.announcements.unsubscribe import token_for

    token = token_for("e-ann", SECRET)
    shown = web(page_event("/unsubscribe", query={"t": token}, headers={"accept-language": "en"}))
    assert shown["statusCode"] == 200
    assert "Stop the e-mails" in shown["body"] and _digest_opt_in("e-ann") is True
    assert "ann@example.com" not in shown["body"] and "Ann" not in text_of(shown["body"])
    # The page's own button, with a signed-in session of someone else: still only the token.
    posted = web(page_event("/unsubscribe", method="POST", query={"t": token}, headers={
        "content-type": FORM, "origin": f"https://{HOST}", **signed_in()},
        body=urlencode({"t": token})))
    # Then to the page that says so: a reload asks nothing, and stops nothing again.
    assert posted["statusCode"] == 303 and _digest_opt_in("e-ann") is False
    assert headers_of(posted)["location"] == "/unsubscribe?done=1"
    done = web(page_event("/unsubscribe", query={"done": "1"}, headers={"accept-language": "en"}))
    assert done["statusCode"] == 200 and "no more e-mails" in done["body"]
    french = web(page_event("/unsubscribe", query={"t": token},
                            headers={"accept-language": "fr-FR"}))
    assert "Ne plus recevoir" in french["body"]


@pytest.mark.parametrize("token", [
    None, "", "e-ann", "e-ann.", "e-ann.AAAAAAAAAAAAAAAAAAAAAA", "e-bob.{mac_of_ann}",
    "../e-ann.{mac_of_ann}", "x" * 500, "{other_secret}", "e-ann.{mac_of_ann}=",
])
def test_a_forged_token_is_refused_and_changes_nothing(week_of_news, web, token):
    from korpo.announcements.unsubscribe import token_for

    genuine = token_for("e-ann", SECRET)
    if token is not None:
        token = token.format(mac_of_ann=genuine.split(".")[1],
                             other_secret=token_for("e-ann", "o" * 64))
    query = {"t": token} if token is not None else None
    shown = web(page_event("/unsubscribe", query=query, headers={"accept-language": "en"}))
    assert shown["statusCode"] == 400 and "This link does not work" in shown["body"]
    posted = web(page_event("/unsubscribe", method="POST", query=query,
                            headers={"content-type": FORM}, body="List-Unsubscribe=One-Click"))
    assert posted["statusCode"] == 400
    assert _digest_opt_in("e-ann") is True and _digest_opt_in("e-bob") is True


def test_a_deleted_account_is_answered_like_any_other(aws, web):
    from korpo.announcements.unsubscribe import token_for

    token = token_for("e-gone", SECRET)
    answer = web(page_event("/unsubscribe", method="POST", query={"t": token},
                            headers={"content-type": FORM}, body="List-Unsubscribe=One-Click"))
    assert answer["statusCode"] == 200
    from korpo.models import EmployeeModel

    with pytest.raises(EmployeeModel.DoesNotExist):
        EmployeeModel.get(*EmployeeModel.key("e-gone"))


def test_the_template_schedules_it_on_monday_0800_brand_time_and_the_local_stack_fires_it():
    from infra.scheduler import Expression
    from infra.template import function_events, load_template

    schedules = {name: props for fn, name, props in function_events(load_template(), "ScheduleV2")
                 if fn == "SendDigestFunction"}
    monday = schedules["MondayMorning"]
    assert monday["Input"] == '{"source": "schedule"}'
    expression = Expression(monday["ScheduleExpression"], "Europe/Paris")
    # After Monday 08:00 in winter (07:00 UTC) comes the next Monday's, whatever the DST.
    assert expression.next_after(datetime(2026, 12, 2, tzinfo=timezone.utc)) == MONDAY
    assert expression.next_after(datetime(2026, 3, 24, tzinfo=timezone.utc)) == datetime(
        2026, 3, 30, 6, 0, tzinfo=timezone.utc)  # CEST since 29 March
    assert schedules["PendingAnnouncements"]["ScheduleExpression"] == "rate(15 minutes)"


def test_without_the_secret_nothing_is_claimed_nor_sent(week_of_news, monkeypatch):
    from helpers import with_secrets
    from korpo.announcements import mailing
    from korpo.announcements.unsubscribe import MissingSecret

    run = _digest(monkeypatch)
    module = __import__("sys").modules["korpo_fn_send_digest"]
    monkeypatch.setattr(module, "_settings", with_secrets(module._settings,
                                                          visitor_hash_secret="short"))
    with pytest.raises(MissingSecret):
        run(load_event("send_digest/scheduled"))
    assert not mailing.was_sent("e-ann", "digest#2026-W49") and sent_mails() == []
