"""The weekly digest: to each employee who opted in, the week's new posts, the running
challenges and their own points of the week, in their language, once per employee and week.

The week is the brand's (Monday 00:00 to Monday 00:00 in its zone): the schedule fires on
Monday morning and sends the week that just ended. What all employees share (posts,
challenges) is read once per run; each employee costs a claim (one conditional put), a Query
of their week's ledger and one SES call.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Callable
from urllib.parse import quote
from zoneinfo import ZoneInfo

from korpo.announcements import mailing, texts
from korpo.announcements.unsubscribe import check_secret, url_for
from korpo.mail import Mail, Send, one_line
from korpo.models import ChallengeModel, EmployeeModel, PostModel
from korpo.models.base import sort_time
from korpo.models.catalog import POSTS_PK
from korpo.people.directory import every_employee
from korpo.scoring.ledger import points_between

POSTS_SHOWN = 8
POSTS_READ = 50
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class InvalidWeek(ValueError):
    pass


@dataclass(frozen=True)
class Week:
    key: str  # ISO week of the brand's calendar, "2026-W49"
    start: datetime  # Monday 00:00, brand zone (aware)
    end: datetime  # the next Monday 00:00 (excluded)

    @property
    def mail_key(self) -> str:
        return f"digest#{self.key}"


def week_starting(monday: date, zone: ZoneInfo) -> Week:
    year, number, _ = monday.isocalendar()
    start = datetime.combine(monday, day_time(0), zone)
    return Week(f"{year}-W{number:02d}", start,
                datetime.combine(monday + timedelta(days=7), day_time(0), zone))


def previous_week(now: datetime, zone: ZoneInfo) -> Week:
    """The last full week before `now` (on Monday morning: the week that just ended)."""
    today = now.astimezone(zone).date()
    return week_starting(today - timedelta(days=today.weekday() + 7), zone)


def parse_week(text: str, zone: ZoneInfo) -> Week:
    match = _WEEK.match(text) if isinstance(text, str) else None
    if not match:
        raise InvalidWeek(f"week must look like 2026-W49, got {text!r}")
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise InvalidWeek(f"no such week: {text!r}") from None
    return week_starting(monday, zone)


@dataclass(frozen=True)
class News:
    """What every employee's digest of a week shares."""
    posts: list[PostModel] = field(default_factory=list)  # newest first, at most POSTS_READ
    challenges: list[ChallengeModel] = field(default_factory=list)  # running at `now`


def news_of(week: Week, now: datetime) -> News:
    """Two Queries: the week's visible posts (gsi1, by publish time) and the challenges
    running now (gsi1, started before now, filtered on their end)."""
    visible = (PostModel.hidden == False) | PostModel.hidden.does_not_exist()  # noqa: E712
    posts = list(PostModel.gsi1.query(
        POSTS_PK, PostModel.gsi1sk.between(sort_time(week.start), sort_time(week.end)),
        filter_condition=visible, scan_index_forward=False, limit=POSTS_READ))
    challenges = [c for c in ChallengeModel.gsi1.query(
        "CHALLENGES", ChallengeModel.gsi1sk <= sort_time(now) + "~") if c.ends_at > now]
    return News(posts, sorted(challenges, key=lambda c: c.ends_at))


def compose(employee: EmployeeModel, news: News, points: int, week: Week, *, brand: str,
            points_name: str, zone: ZoneInfo, base_url: str, unsubscribe_url: str) -> Mail | None:
    """The employee's digest, or None when the week has nothing for them (no post, no
    challenge, no points)."""
    if not news.posts and not news.challenges and points == 0:
        return None
    lang = texts.language_of(employee.language)
    t = lambda key, **values: texts.text(lang, key, **values)  # noqa: E731
    last_day = week.end - timedelta(days=1)
    subject = t("digest.subject", brand=brand, start=texts.day(week.start, lang, zone),
                end=texts.day(last_day, lang, zone))
    lines = [t("digest.hello", name=one_line(employee.display_name, 60)), ""]
    lines.append(t("digest.points", points=texts.number(points, lang), points_name=points_name)
                 if points else t("digest.no_points", points_name=points_name))
    if news.posts:
        lines += ["", t("digest.posts")]
        for post in news.posts[:POSTS_SHOWN]:
            lines += [f"- {one_line(post.title, 200)}",
                      f"  {base_url}/news/{quote(post.post_id, safe='')}"]
        if len(news.posts) > POSTS_SHOWN:
            lines.append(t("digest.more_posts", count=len(news.posts) - POSTS_SHOWN,
                           url=f"{base_url}/news"))
    if news.challenges:
        lines += ["", t("digest.challenges")]
        for challenge in news.challenges:
            until = t("digest.until", date=texts.day(challenge.ends_at, lang, zone))
            lines += [f"- {one_line(challenge.title, 200)} ({until})",
                      f"  {base_url}/news?challenge={quote(challenge.challenge_id, safe='')}"]
    lines += texts.footer(lang, unsubscribe_url)
    return Mail(employee.email, subject, "\n".join(lines) + "\n", unsubscribe_url, lang)


def _profile(employee_id: str) -> EmployeeModel | None:
    try:
        return EmployeeModel.get(*EmployeeModel.key(employee_id))
    except EmployeeModel.DoesNotExist:
        return None


def send_weekly(week: Week, now: datetime, *, brand: str, points_name: str, zone: ZoneInfo,
                base_url: str, visitor_secret: str, send: Send | None,
                time_left: Callable[[], float], employee_id: str | None = None,
                dry_run: bool = False) -> dict:
    """Send the week's digest to everyone who opted in (or to `employee_id` only). A dry run
    composes without claiming or sending: with `employee_id`, it returns that e-mail."""
    check_secret(visitor_secret)
    news = news_of(week, now)
    summary: dict = {"week": week.key, "posts": len(news.posts),
                     "challenges": len(news.challenges)}

    def compose_for(employee: EmployeeModel) -> Mail | None:
        return compose(employee, news,
                       points_between(employee.employee_id, week.start, week.end), week,
                       brand=brand, points_name=points_name, zone=zone, base_url=base_url,
                       unsubscribe_url=url_for(base_url, employee.employee_id, visitor_secret))

    if employee_id is not None:
        profile = _profile(employee_id)
        if profile is None:
            return {**summary, "status": "no_such_employee"}
        employees = [profile]
    else:
        employees = every_employee()
    if dry_run:
        if employee_id is not None:
            mail = compose_for(employees[0])
            return {**summary, "status": "dry_run", "opted_in": bool(employees[0].weekly_digest),
                    "already_sent": mailing.was_sent(employee_id, week.mail_key),
                    "subject": mail.subject if mail else None,
                    "body": mail.body if mail else None}
        return {**summary, "status": "dry_run",
                "opted_in": sum(1 for _ in mailing.opted_in(employees))}
    if send is None:
        return {**summary, "status": "no_sender"}
    counts = mailing.send_each(mailing.opted_in(employees), week.mail_key, now, compose_for,
                               send, time_left)
    status = "incomplete" if counts.pop("stopped") else "done"
    return {**summary, "status": status, **counts}
