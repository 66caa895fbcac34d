"""Challenges run from /manage: create, edit, end through the pages; what employees see of
them on the news (goal and progress); a destination-URL challenge's links; and the job
referral's signed application and hire conversions, end to end."""
from __future__ import annotations

import html
import re
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from helpers import make_post
from web_pages import SECRET, headers_of, page_event, text_of
from web_pages import as_admin as admin_headers
from web_pages import form as web_form
from web_pages import signed_in as employee_headers

from infra.functions import LambdaContext, load_handler, load_module

PARIS = ZoneInfo("Europe/Paris")
CONVERSION_SECRET = "conversion-secret-for-challenges-0123456789"
HOSTILE = '<script>alert("x")</script>'


EN = {"accept-language": "en"}  # the console event's browser asks for French


def signed_in() -> dict:
    return employee_headers(**EN)


def as_admin() -> dict:
    return admin_headers(**EN)


def form(resource: str, fields: dict, **options) -> dict:
    options.setdefault("who", as_admin())
    if "accept-language" not in options["who"]:
        options["who"] = {**options["who"], **EN}
    return web_form(resource, fields, **options)


def _local(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _fields(**overrides: str) -> dict[str, str]:
    """A valid form: a post challenge starting now, for a week, doubling points."""
    now = _now()
    fields = {"title": "Launch week", "description": "Share the launch.", "subject": "post",
              "post_id": "post-1", "destination": "", "starts_at": _local(now),
              "ends_at": _local(now + timedelta(days=7)), "reward": "multiplier",
              "multiplier": "2", "bonus": "", "kind": "product_launch",
              "goal": "human_clicks", "goal_type": "", "goal_target": "100"}
    fields.update(overrides)
    return fields


def test_a_challenge_can_start_now_without_typing_a_time(web, monkeypatch):
    make_post("post-1")
    page = web(page_event("/manage/challenges/new", query={"t": "a-form-token-0123456789"},
                          headers=as_admin()))["body"]
    assert 'id="start" name="start" value="now" checked' in page  # the new form's default
    # The time typed in the field is ignored, however far in the past it is.
    made = _create(web, start="now", starts_at="2020-01-01T10:00")
    assert _now() - timedelta(minutes=1) < made.starts_at <= _now()
    from korpo.content import challenges

    assert challenges.status_of(made, _now()) == "running"


def _all_challenges():
    from korpo.models import ChallengeModel

    return list(ChallengeModel.gsi1.query("CHALLENGES"))


def _create(web, **overrides: str):
    """Creates a challenge through the page; returns it as stored."""
    before = {c.challenge_id for c in _all_challenges()}
    answer = web(form("/manage/challenges/new", _fields(**overrides)))
    assert answer["statusCode"] == 303, answer["body"][:2000]
    assert headers_of(answer)["location"] == "/manage/challenges?done=created"
    (made,) = [c for c in _all_challenges() if c.challenge_id not in before]
    return made


@pytest.fixture
def news(web):
    make_post("post-1")
    return web


# ------------------------------------------------------------------ create, edit, end


def test_an_admin_creates_a_challenge_and_employees_see_its_goal(news):
    web = news
    page = web(page_event("/manage/challenges/new", query={"t": "a-form-token-0123456789"},
                          headers=as_admin()))
    assert page["statusCode"] == 200
    assert "Europe/Paris" in text_of(page["body"])  # the zone of the date-times is said

    made = _create(web)

    assert (made.title, made.post_id, made.destination, made.kind) == (
        "Launch week", "post-1", None, "product_launch")
    assert (float(made.multiplier), made.goal, int(made.goal_target)) == (
        2.0, "human_clicks", 100)
    assert made.starts_at <= _now() < made.ends_at
    listed = web(page_event("/manage/challenges", headers=as_admin(),
                            query={"done": "created"}))
    words = text_of(listed["body"])
    assert "The challenge is saved" in words
    assert "Launch week" in words and "Goal: Human clicks, 0 of 100 (0%)" in words
    assert '<progress max="100" value="0"' in listed["body"]

    mine = web(page_event("/news", headers=signed_in()))
    words = text_of(mine["body"])
    assert "Launch week" in words and "Product launch" in words
    assert "Goal: Human clicks, 0 of 100 (0%)" in words
    # Its card goes straight to its post's share sheet, for the challenge.
    assert f'href="/news/post-1?challenge={made.challenge_id}"' in mine["body"]


def test_a_new_challenge_is_announced_once_and_an_edit_is_not(news):
    """Created from the page: recorded for announcing (the webhooks, unconfigured here, and
    the opted-in employees' e-mails, which send_digest sends); an edit announces nothing."""
    from korpo.models import AnnouncementModel

    web = news
    made = _create(web, title=HOSTILE)
    [pending] = list(AnnouncementModel.gsi1.query(AnnouncementModel.PENDING))
    assert (pending.challenge_id, pending.title) == (made.challenge_id, HOSTILE)
    assert pending.link.endswith(f"/news?challenge={made.challenge_id}")
    edited = web(form("/manage/challenges/{challenge_id}",
                      {**_fields(title="Renamed"), "version": str(made.version or 0)},
                      params={"challenge_id": made.challenge_id}))
    assert edited["statusCode"] == 303, text_of(edited["body"])[-800:]
    assert len(list(AnnouncementModel.gsi1.query(AnnouncementModel.PENDING))) == 1


def test_the_pages_speak_french(news):
    web = news
    _create(web, kind="job_referral", goal="conversions", goal_type="hire", goal_target="3")
    french = {"cookie": signed_in()["cookie"] + "; korpo_lang=fr"}
    mine = text_of(web(page_event("/news", headers=french))["body"])
    assert "Recrutement par cooptation" in mine
    assert "Objectif : conversions « hire », 0 sur 3 (0 %)" in mine
    admin = {"cookie": as_admin()["cookie"] + "; korpo_lang=fr"}
    assert "Créer un défi" in text_of(web(page_event(
        "/manage/challenges/new", query={"t": "a-form-token-0123456789"}, headers=admin))["body"])


@pytest.mark.parametrize("field,value,message", [
    ("title", "", "Enter a title."),
    ("title", "x" * 121, "at most 120 characters"),
    ("description", "d" * 1001, "at most 1,000 characters"),
    ("subject", "", "Choose what employees share"),
    ("post_id", "no-such-post", "no longer in the news"),
    ("starts_at", "tomorrow", "Enter the start as a date and a time."),
    ("starts_at", "2020-01-01T10:00", "The start must be now or later."),
    ("ends_at", "2020-01-01T10:00", "The end must be after the start."),
    ("ends_at", "", "Enter the end as a date and a time."),
    ("reward", "", "Choose how the challenge rewards employees."),
    ("multiplier", "1", "greater than 1 and at most 10"),
    ("multiplier", "11", "greater than 1 and at most 10"),
    ("multiplier", "1e3", "greater than 1 and at most 10"),
    ("kind", "pyramid", "Choose the kind of challenge."),
    ("goal", "likes", "Choose what the goal counts."),
    ("goal_target", "0", "Enter a target from 1 to 1,000,000."),
    ("goal_target", "-5", "Enter a target from 1 to 1,000,000."),
])
def test_a_wrong_field_is_said_next_to_it_and_nothing_is_written(news, field, value, message):
    answer = news(form("/manage/challenges/new", _fields(**{field: value})))
    assert answer["statusCode"] == 400
    body = answer["body"]
    assert f'id="{field}-error"' in body and message in html.unescape(body)
    assert f'href="#{field}"' in body  # the summary links to the field
    assert _all_challenges() == []


@pytest.mark.parametrize("destination,message", [
    ("javascript:alert(1)", "starting with https://"),
    ("ftp://example.com/x", "starting with https://"),
    ("https://", "starting with https://"),
    ("https://user:pw@example.com/", "starting with https://"),
    ("http://localhost:8080/admin", "private network"),
    ("http://10.0.0.7/", "private network"),
    ("http://169.254.169.254/latest/meta-data/", "private network"),
    ("http://[::1]/", "private network"),
    ("http://intranet/", "private network"),
    # Every spelling of an address a browser accepts (issue 20): each was accepted before.
    ("https://127.1/", "private network"),
    ("http://10.1/", "private network"),
    ("http://0x7f.1/", "private network"),
    ("http://0177.0.0.1/", "private network"),
    ("http://169.254.43518/", "private network"),
    ("http://2130706433/", "private network"),
    ("http://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11/", "private network"),
    ("http://%31%32%37.0.0.1/", "private network"),
    ("http://[::ffff:10.0.0.1]/", "private network"),
    ("http://127.0.0.1\\@example.com/", "private network"),  # a browser goes to 127.0.0.1
    ("http:/192.168.1.1/", "private network"),
    ("", "Enter the web address"),
])
def test_a_destination_must_be_a_public_web_address(news, destination, message):
    answer = news(form("/manage/challenges/new", _fields(subject="url", post_id="",
                                                         destination=destination)))
    assert answer["statusCode"] == 400
    assert 'id="destination-error"' in answer["body"]
    assert message in html.unescape(answer["body"])
    assert _all_challenges() == []


def test_a_bonus_and_a_conversions_goal_are_checked_too(news):
    bad = news(form("/manage/challenges/new", _fields(
        reward="bonus", bonus="5000", goal="conversions", goal_type="Hire Me")))
    assert bad["statusCode"] == 400
    assert 'id="bonus-error"' in bad["body"] and 'id="goal_type-error"' in bad["body"]
    made = _create(news, reward="bonus", bonus="25", multiplier="",
                   goal="conversions", goal_type="signup")
    assert (float(made.multiplier), int(made.bonus), made.goal_type) == (1.0, 25, "signup")


def test_hostile_text_is_shown_escaped_to_admins_and_employees(news):
    web = news
    made = _create(web, title=HOSTILE, description=HOSTILE + "\nline two")
    for answer in (web(page_event("/manage/challenges", headers=as_admin())),
                   web(page_event("/manage/challenges/{challenge_id}", headers=as_admin(),
                                  params={"challenge_id": made.challenge_id})),
                   web(page_event("/manage/challenges/{challenge_id}/end", headers=as_admin(),
                                  params={"challenge_id": made.challenge_id})),
                   web(page_event("/news", headers=signed_in())),
                   web(page_event("/news/{post_id}", headers=signed_in(),
                                  params={"post_id": "post-1"},
                                  query={"challenge": made.challenge_id}))):
        assert answer["statusCode"] == 200
        assert "<script>alert" not in answer["body"]
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in answer["body"]
    # The id derived from the title is its words (not its tags) and a random part.
    assert re.fullmatch(r"alert-x-[0-9a-f]{6}", made.challenge_id)


def test_an_upcoming_challenge_can_change_everything(news):
    web = news
    start = _now() + timedelta(days=2)
    made = _create(web, starts_at=_local(start), ends_at=_local(start + timedelta(days=1)))
    listed = text_of(web(page_event("/manage/challenges", headers=as_admin()))["body"])
    assert listed.index("Upcoming") < listed.index("Launch week") < listed.index("Ended")
    assert "Launch week" not in text_of(web(page_event("/news", headers=signed_in()))["body"])

    later = start + timedelta(days=3)
    answer = web(form("/manage/challenges/{challenge_id}", _fields(
        title="Launch week, moved", subject="url", post_id="",
        destination="https://jobs.example.com/offer/42", starts_at=_local(later),
        ends_at=_local(later + timedelta(days=2)), version=str(made.version)),
        params={"challenge_id": made.challenge_id}))
    assert answer["statusCode"] == 303, answer["body"][:2000]
    assert headers_of(answer)["location"] == "/manage/challenges?done=saved"

    from korpo.content import challenges, posts

    saved = challenges.get_challenge(made.challenge_id)
    assert (saved.title, saved.destination, saved.post_id) == (
        "Launch week, moved", "https://jobs.example.com/offer/42", None)
    assert saved.starts_at.replace(second=0, microsecond=0) == \
        later.replace(second=0, microsecond=0)
    assert saved.gsi1sk.startswith(saved.starts_at.strftime("%Y-%m-%dT%H:%M"))
    own = posts.get_post(saved.share_post_id)
    assert (own.url, own.title, own.gsi1pk) == (saved.destination, saved.title,
                                                "CHALLENGE_POSTS")


def test_editing_a_running_challenge_applies_from_then_on(news):
    web = news
    made = _create(web)
    answer = web(form("/manage/challenges/{challenge_id}", _fields(
        title="Launch week II", multiplier="3", subject="url", post_id="",
        destination="https://evil.example.com/", starts_at="2099-01-01T00:00",
        version=str(made.version)), params={"challenge_id": made.challenge_id}))
    assert answer["statusCode"] == 303, answer["body"][:2000]

    from korpo.content import challenges
    from korpo.scoring import store

    saved = challenges.get_challenge(made.challenge_id)
    # Its start and its post were fixed when it started; the new terms apply from the edit.
    assert (saved.title, saved.post_id, saved.destination, saved.starts_at) == (
        "Launch week II", "post-1", None, made.starts_at)
    (loaded,) = [c for c in store.load_challenges() if c.challenge_id == made.challenge_id]
    edit_time = saved.earlier_terms[0].until
    assert loaded.terms_at(made.starts_at) == (2.0, 0)
    assert loaded.terms_at(edit_time - timedelta(microseconds=1)) == (2.0, 0)
    assert loaded.terms_at(edit_time) == (3.0, 0)
    assert loaded.applies_to_all is False

    # Its end cannot be moved into the past (ending is its own, confirmed, action).
    past = web(form("/manage/challenges/{challenge_id}", _fields(
        ends_at=_local(_now() - timedelta(hours=1)), version=str(saved.version)),
        params={"challenge_id": made.challenge_id}))
    assert past["statusCode"] == 400 and 'id="ends_at-error"' in past["body"]


def test_two_admins_editing_at_once_the_second_is_told(news):
    made = _create(news)
    first = news(form("/manage/challenges/{challenge_id}", _fields(
        title="First", version=str(made.version)), params={"challenge_id": made.challenge_id}))
    assert first["statusCode"] == 303
    second = news(form("/manage/challenges/{challenge_id}", _fields(
        title="Second", version=str(made.version)), params={"challenge_id": made.challenge_id}))
    assert second["statusCode"] == 409
    assert "Another administrator changed this challenge" in text_of(second["body"])
    from korpo.content import challenges

    assert challenges.get_challenge(made.challenge_id).title == "First"


def test_ending_asks_first_then_ends_now_and_keeps_its_history(news):
    web = news
    made = _create(web)
    params = {"challenge_id": made.challenge_id}
    confirm = web(page_event("/manage/challenges/{challenge_id}/end", headers=as_admin(),
                             params=params))
    assert confirm["statusCode"] == 200
    assert "End the challenge now" in text_of(confirm["body"])
    from korpo.content import challenges

    assert challenges.status_of(challenges.get_challenge(made.challenge_id), _now()) == \
        "running"

    ended = web(form("/manage/challenges/{challenge_id}/end", {}, params=params))
    assert headers_of(ended)["location"] == "/manage/challenges?done=ended"
    saved = challenges.get_challenge(made.challenge_id)
    assert saved.ended_at is not None and saved.ends_at == saved.ended_at
    assert (saved.title, saved.starts_at) == (made.title, made.starts_at)
    listed = text_of(web(page_event("/manage/challenges", headers=as_admin()))["body"])
    assert listed.index("Ended") < listed.index("Launch week")
    assert "Launch week" not in text_of(web(page_event("/news", headers=signed_in()))["body"])
    # Its share sheet now shares without it.
    sheet = web(page_event("/news/{post_id}", headers=signed_in(),
                           params={"post_id": "post-1"}, query={"challenge": made.challenge_id}))
    assert "For the challenge" not in text_of(sheet["body"])

    # Ending again changes nothing; an ended challenge is not edited.
    again = web(form("/manage/challenges/{challenge_id}/end", {}, params=params))
    assert again["statusCode"] == 303
    assert challenges.get_challenge(made.challenge_id).ends_at == saved.ends_at
    edit = web(form("/manage/challenges/{challenge_id}", _fields(), params=params))
    assert edit["statusCode"] == 409
    view = web(page_event("/manage/challenges/{challenge_id}", headers=as_admin(),
                          params=params))
    assert view["statusCode"] == 200 and "<form method=\"post\" action=\"/manage/challenges/" \
        not in view["body"]


def test_cancelling_an_upcoming_challenge_means_it_never_runs(news):
    start = _now() + timedelta(days=1)
    made = _create(news, starts_at=_local(start), ends_at=_local(start + timedelta(days=1)))
    news(form("/manage/challenges/{challenge_id}/end", {},
              params={"challenge_id": made.challenge_id}))
    from korpo.content import challenges
    from korpo.scoring import store

    saved = challenges.get_challenge(made.challenge_id)
    assert challenges.status_of(saved, start + timedelta(hours=1)) == "ended"
    (loaded,) = [c for c in store.load_challenges() if c.challenge_id == made.challenge_id]
    assert not loaded.active_at(start) and not loaded.active_at(start + timedelta(hours=1))


def test_an_unknown_challenge_is_404_and_an_employee_gets_403(news):
    missing = news(page_event("/manage/challenges/{challenge_id}", headers=as_admin(),
                              params={"challenge_id": "nope"}))
    assert missing["statusCode"] == 404
    employee = news(form("/manage/challenges/new", _fields(), who=signed_in()))
    assert employee["statusCode"] == 403 and _all_challenges() == []


# ------------------------------------------------------------------ links, clicks, conversions


@pytest.fixture
def edge(web, monkeypatch):
    """The web pages and track_click with the same secrets, and award_points to pay."""
    from helpers import put_secrets

    put_secrets(monkeypatch, visitor_hash_secret=SECRET, conversion_secret=CONVERSION_SECRET)
    load_handler("TrackClickFunction")
    track = load_module("functions/track_click")
    award = load_handler("AwardPointsFunction")
    awarding = sys.modules["korpo_fn_award_points"]
    awarding._challenges.clear()
    awarding._rules.clear()
    make_post("post-1")
    yield web, track, award
    awarding._challenges.clear()
    awarding._rules.clear()


def _employee_link(web, challenge) -> str:
    """The employee's link from the challenge's share sheet (as they would copy it)."""
    sheet = web(page_event("/news/{post_id}", headers=signed_in(),
                           params={"post_id": challenge.share_post_id},
                           query={"challenge": challenge.challenge_id}))
    assert sheet["statusCode"] == 200, sheet["body"][:1000]
    assert "For the challenge" in text_of(sheet["body"])
    return re.search(r'id="copy-link" type="text" readonly value="[^"]*/l/(\w{10})"',
                     sheet["body"]).group(1)


def _award_everything(award) -> None:
    from korpo.models import EventModel

    award({"replay_event_ids": [e.event_id for e in EventModel.scan()]},
          LambdaContext("award_points"))


def test_a_url_challenge_is_shared_through_its_own_post_kept_out_of_the_news(edge):
    web, track, award = edge
    from test_track_click import _click, _click_id

    made = _create(web, subject="url", post_id="",
                   destination="https://careers.example.com/jobs/42?src=site",
                   goal_target="2")
    from korpo.content import posts
    from korpo.tracking import links

    news_posts, _ = posts.news_page(20)
    assert [p.post_id for p in news_posts] == ["post-1"]  # its own post is not news
    assert made.share_post_id not in [p.post_id for p in posts.list_posts(50)]

    code = _employee_link(web, made)
    link = links.resolve(code)
    assert (link.challenge_id, link.post_id, link.destination) == (
        made.challenge_id, made.share_post_id, made.destination)

    answer = _click(track.handler, code)
    assert answer["statusCode"] == 302
    parts = urlsplit(answer["headers"]["Location"])
    assert (parts.netloc, parts.path) == ("careers.example.com", "/jobs/42")
    query = parse_qs(parts.query)
    assert query["src"] == ["site"] and query["korpo_click"] == [_click_id(answer)]

    _award_everything(award)
    mine = text_of(web(page_event("/news", headers=signed_in()))["body"])
    assert "Goal: Human clicks, 1 of 2 (50%)" in mine
    admin = web(page_event("/manage/challenges", headers=as_admin()))["body"]
    assert '<progress max="2" value="1"' in admin
    # Sharing another post "for" this challenge is refused by the domain itself.
    with pytest.raises(links.ChallengeNotFound):
        links.get_or_create("someone", "post-1", "copy", challenge_id=made.challenge_id)


def test_a_job_referral_pays_application_and_hire_conversions_with_its_multiplier(edge):
    web, track, award = edge
    from test_conversions import _conversion
    from test_track_click import _click, _click_id
    from web_pages import ME

    from korpo import settings
    from korpo.scoring import store
    from korpo.scoring.award import ledger_entries

    store.save_rules({"points_per_click": 10,
                      "points_per_conversion": {"application": 50, "hire": 500, "*": 0}})
    made = _create(web, title="Refer a backend engineer", kind="job_referral",
                   subject="url", post_id="", destination="https://ats.example.com/jobs/7",
                   multiplier="2", goal="conversions", goal_type="hire", goal_target="3")
    code = _employee_link(web, made)
    click_id = _click_id(_click(track.handler, code))

    # The applicant-tracking system's server reports, signed as any /conversions report.
    for kind, external_id in (("application", "ats-app-991"), ("hire", "ats-hire-991")):
        answer = _conversion(track.handler, {"click_id": click_id, "type": kind,
                                             "external_id": external_id},
                             secret=CONVERSION_SECRET)
        assert answer["statusCode"] == 201, answer["body"]
    again = _conversion(track.handler, {"click_id": click_id, "type": "hire",
                                        "external_id": "ats-hire-991"},
                        secret=CONVERSION_SECRET)
    assert again["statusCode"] == 200  # a retried report is a duplicate

    from korpo.models import EventModel

    conversions = [e for e in EventModel.scan() if e.type == "conversion"]
    assert {(e.conversion_type, e.challenge_id) for e in conversions} == {
        ("application", made.challenge_id), ("hire", made.challenge_id)}
    assert all(e.click_at is not None for e in conversions)

    _award_everything(award)
    entries = sorted((e["type"], e["points"], e["rule"])
                     for e in ledger_entries(settings.current().scores_table, ME))
    rule = f"+challenge:{made.challenge_id}"
    assert entries == [("click", 20, "human_click" + rule),
                       ("conversion", 100, "conversion:application" + rule),
                       ("conversion", 1000, "conversion:hire" + rule)]
    mine = text_of(web(page_event("/news", headers=signed_in()))["body"])
    assert "Goal: “hire” conversions, 1 of 3 (33%)" in mine


def test_a_hire_after_the_referral_challenge_ended_is_paid_by_the_click_time(aws):
    from korpo.scoring.rules import Award, Challenge, Rules, ScoredEvent, award_for

    start = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    referral = Challenge("refer", start, start + timedelta(days=7), 2.0,
                         applies_to_all=False,
                         earlier_terms=((start + timedelta(days=1), 3.0, 0),))
    rules = Rules(points_per_conversion={"hire": 500})

    def hire(click_at):
        return ScoredEvent("h", "conversion", "human", "e", start + timedelta(days=30),
                           challenge_id="refer", conversion_type="hire", click_at=click_at)

    assert award_for(hire(start + timedelta(hours=2)), rules, [referral]).points == 1500
    assert award_for(hire(start + timedelta(days=2)), rules, [referral]).points == 1000
    assert award_for(hire(start + timedelta(days=8)), rules, [referral]).points == 500
    # An event not shared for it earns nothing extra from a challenge of its own post.
    other = ScoredEvent("c", "click", "human", "e", start + timedelta(hours=3))
    assert award_for(other, Rules(points_per_click=10), [referral]) == Award(10, "human_click")


def test_local_times_are_read_in_the_brands_zone():
    from korpo.content.challenges import checked_destination, parse_local

    assert parse_local("2026-07-01T10:30", PARIS) == datetime(2026, 7, 1, 8, 30,
                                                              tzinfo=timezone.utc)
    assert parse_local("2026-12-01 10:30", PARIS) == datetime(2026, 12, 1, 9, 30,
                                                              tzinfo=timezone.utc)
    for bad in ("2026-02-30T10:00", "2026-12-01T25:00", "", "2026-12-01", "10:30"):
        assert parse_local(bad, PARIS) is None
    assert checked_destination("https://example.com/a?b=c") == ("https://example.com/a?b=c",
                                                                 None)
    assert checked_destination("https://93.184.216.34/") == ("https://93.184.216.34/", None)
    assert checked_destination("http://192.168.1.1/") == (None, "destination_private")
    assert checked_destination("https://printer.local/") == (None, "destination_private")
    assert checked_destination("https://example.com:99999/") == (None, "destination_invalid")
    # Stored as browsers read it: what was checked is what the public's browser follows.
    assert checked_destination("HTTPS://Jobs.Example.COM/offre-été") == (
        "https://jobs.example.com/offre-%C3%A9t%C3%A9", None)


def test_the_api_lists_challenges_with_their_goal_and_progress(news, api):
    from helpers import body_of, claims_for

    made = _create(news, goal="conversions", goal_type="hire", goal_target="5")
    (listed,) = body_of(api("api/list_challenges",
                            claims=claims_for("bob", "bob@example.com")))["challenges"]
    assert (listed["challenge_id"], listed["kind"], listed["status"],
            listed["share_post_id"]) == (made.challenge_id, "product_launch", "running",
                                         "post-1")
    assert listed["goal"] == {"counts": "conversions", "conversion_type": "hire", "target": 5}
    assert listed["progress"] == 0
