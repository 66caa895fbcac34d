"""Challenges as admins run them: create, edit, end; and the goal's progress employees see.

A challenge names what employees share for it: a post of the news, or a destination URL. A
URL challenge is shared through a post of its own (`challenge-{id}`, filed under
CHALLENGE_POSTS, so the news and the admins' post lists never show it): share links, the
share sheet, hiding and the stats then work as for any post (docs/decisions.md).

Times are instants (UTC); admins type them as local date-times of the brand's zone. While a
challenge runs its start and its subject are fixed (links were shared for them); an edit of
its terms (multiplier, bonus) applies from then on: the earlier terms are kept with the time
they ended (korpo.scoring.rules.Challenge.terms_at). Ending sets its end to now.

Announcing a new challenge is another module's work: `create_challenge`'s callers (the admin
page) are where it is called.
"""
from __future__ import annotations

import html
import re
import secrets
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Mapping
from zoneinfo import ZoneInfo

import nh3
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from korpo import texts
from korpo.addresses import PRIVATE, RefusedDestination, web_destination
from korpo.board import stats
from korpo.content import posts
from korpo.ids import stable_id
from korpo.models import ChallengeModel, ChallengeRequestModel, PostModel
from korpo.models.base import sort_time, transaction_connection
from korpo.models.catalog import POSTS_PK, ChallengeTerms
from korpo.tracking.links import safe_destination

KINDS = ("campaign", "product_launch", "job_referral")
GOALS = ("human_clicks", "conversions")
SUBJECTS = ("post", "url")
REWARDS = ("multiplier", "bonus")
TITLE_MAX = 120
DESCRIPTION_MAX = 1000
DESTINATION_MAX = 2000
MULTIPLIER_MAX = 10
BONUS_MAX = 1000
TARGET_MAX = 1_000_000
LONGEST = timedelta(days=366)
START_GRACE = timedelta(minutes=10)  # a start typed as "now" is a minute old when it arrives
CONVERSION_GRACE = timedelta(days=90)  # clicks live 90 days: a conversion can follow that late
OWN_POSTS_PK = "CHALLENGE_POSTS"
OWN_POSTS_FEED = "challenges"
RECENT_POSTS = 30

_CONVERSION_TYPE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # as conversions.validate
_LOCAL_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})$")


class InvalidChallenge(ValueError):
    """`errors`: form field -> a short stable code the web layer translates."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ChallengeNotFound(LookupError):
    pass


class ChallengeEnded(ValueError):
    """An ended challenge keeps its history as it was: it is no longer edited."""


class ChangedMeanwhile(ValueError):
    """Another admin saved the challenge since this form was shown."""


@dataclass(frozen=True)
class ChallengeSpec:
    """What an admin's form says, checked (read_form)."""
    title: str
    description: str | None
    post_id: str | None
    destination: str | None
    starts_at: datetime
    ends_at: datetime
    multiplier: float
    bonus: int
    kind: str
    goal: str
    goal_type: str | None
    goal_target: int


@dataclass(frozen=True)
class Progress:
    goal: str
    goal_type: str | None
    target: int
    reached: int

    @property
    def percent(self) -> int:
        return min(100, self.reached * 100 // self.target) if self.target else 0


# ------------------------------------------------------------------ reading


def status_of(challenge: ChallengeModel, now: datetime) -> str:
    """upcoming | running | ended."""
    if challenge.ended_at is not None or now >= challenge.ends_at:
        return "ended"
    return "upcoming" if now < challenge.starts_at else "running"


def get_challenge(challenge_id: str) -> ChallengeModel:
    if not challenge_id or len(challenge_id) > 100:
        raise ChallengeNotFound(challenge_id)
    try:
        return ChallengeModel.get(*ChallengeModel.key(challenge_id), consistent_read=True)
    except DoesNotExist:
        raise ChallengeNotFound(challenge_id) from None


def list_challenges() -> list[ChallengeModel]:
    """Every challenge, latest start first (one Query; a brand runs tens a year)."""
    return list(ChallengeModel.gsi1.query("CHALLENGES", scan_index_forward=False))


def running(now: datetime) -> list[ChallengeModel]:
    """The running ones, soonest end first."""
    return sorted((c for c in list_challenges() if status_of(c, now) == "running"),
                  key=lambda c: (c.ends_at, c.challenge_id))


def progress(challenge: ChallengeModel, scores_table: str, zone: ZoneInfo,
             now: datetime) -> Progress | None:
    """The goal's progress from the challenge's stats counters: one Query over its days (a
    conversions goal also over the 90 days after its end, when its clicks still convert).
    None: no goal, or not started."""
    if not challenge.goal or not challenge.goal_target or now < challenge.starts_at:
        return None
    last = challenge.ends_at + (CONVERSION_GRACE if challenge.goal == "conversions"
                                else timedelta(0))
    days = stats.day_range(scores_table, "challenge", challenge.challenge_id,
                           _day(challenge.starts_at, zone), _day(min(last, now), zone))
    counter = ("human_clicks" if challenge.goal == "human_clicks"
               else f"conversions:{challenge.goal_type}")
    return Progress(challenge.goal, challenge.goal_type, int(challenge.goal_target),
                    sum(int(day.get(counter, 0)) for day in days))


def shareable_posts(current: ChallengeModel | None = None) -> list[PostModel]:
    """The posts an admin picks from: the newest of the news (and the one already chosen)."""
    found = posts.list_posts(RECENT_POSTS)
    if current is not None and current.post_id and all(
            p.post_id != current.post_id for p in found):
        chosen = posts.get_post(current.post_id)
        if chosen is not None:
            found.append(chosen)
    return found


def _day(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d")


# ------------------------------------------------------------------ checking a form


def local_input(at: datetime, zone: ZoneInfo) -> str:
    """An instant as a datetime-local field shows it (the brand's zone)."""
    return at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def parse_local(text: str, zone: ZoneInfo) -> datetime | None:
    """"2026-12-24T18:30" in the brand's zone -> the UTC instant; None when it is not one."""
    match = _LOCAL_TIME.match((text or "").strip())
    if not match:
        return None
    try:
        day = date.fromisoformat(match.group(1))
        hour, minute = int(match.group(2)), int(match.group(3))
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    except ValueError:
        return None
    return local.astimezone(timezone.utc)


def checked_destination(url: str) -> tuple[str | None, str | None]:
    """(the destination as browsers read it, None), or (None, why it may not be a
    challenge's: a code). http(s) with a public host, as every share link
    (korpo.addresses, links.safe_destination): a redirect of the brand's must not lead the
    public into someone's network. No DNS: nothing is fetched from it."""
    if len(url) > DESTINATION_MAX:
        return None, "destination_invalid"
    try:
        return web_destination(url), None
    except RefusedDestination as refused:
        return None, ("destination_private" if refused.reason == PRIVATE
                      else "destination_invalid")


def _number(text: str) -> float | None:
    text = (text or "").strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,7}(\.\d{1,2})?", text):
        return None
    return float(text)


def _whole(text: str) -> int | None:
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


_REASONS = {"required": "missing", "too_long": "long", "invalid": "invalid"}


def _text(fields: Mapping[str, str], name: str, limit: int, errors: dict[str, str], *,
          lines: bool = False, required: bool = False) -> str | None:
    """The field by the one rule for people's text (korpo.texts); its error code in `errors`
    ("title_missing", "title_long", "title_invalid"…). A title's runs of spaces become one,
    a description's lines are stripped."""
    try:
        value = texts.clean(fields.get(name, ""), limit, lines=lines, required=required)
    except texts.TextRefused as refused:
        errors[name] = f"{name}_{_REASONS[refused.reason]}"
        return None
    if value is None:
        return None
    if lines:
        return "\n".join(line.strip() for line in value.split("\n"))
    return " ".join(value.split())


def read_form(fields: Mapping[str, str], zone: ZoneInfo, now: datetime,
              current: ChallengeModel | None = None) -> ChallengeSpec:
    """The form's challenge, or InvalidChallenge with a code per wrong field. For a running
    challenge (`current`), the start and the subject stay as they are."""
    errors: dict[str, str] = {}
    is_running = current is not None and status_of(current, now) == "running"

    title = _text(fields, "title", TITLE_MAX, errors, required=True) or ""
    description = _text(fields, "description", DESCRIPTION_MAX, errors, lines=True)

    post_id = destination = None
    if is_running:
        post_id, destination = current.post_id, current.destination
    else:
        subject = fields.get("subject", "")
        if subject not in SUBJECTS:
            errors["subject"] = "subject_missing"
        elif subject == "post":
            post_id = fields.get("post_id", "").strip()
            post = posts.get_post(post_id) if 0 < len(post_id) <= 200 else None
            if post is None or post.hidden or post.gsi1pk != POSTS_PK \
                    or not safe_destination(post.url):
                errors["post_id"] = "post_missing" if not post_id else "post_unknown"
                post_id = None
        else:
            typed = fields.get("destination", "").strip()
            destination, why = checked_destination(typed) if typed else (
                None, "destination_missing")
            if why:
                errors["destination"] = why

    if is_running:
        starts_at = current.starts_at
    elif fields.get("start") == "now":  # the form's "Now": no time to type, none to miss
        starts_at = now
    else:
        starts_at = parse_local(fields.get("starts_at", ""), zone)
        if starts_at is None:
            errors["starts_at"] = "starts_invalid"
        elif starts_at < now - START_GRACE:
            errors["starts_at"] = "starts_past"
        elif starts_at < now:
            starts_at = now
    ends_at = parse_local(fields.get("ends_at", ""), zone)
    if ends_at is None:
        errors["ends_at"] = "ends_invalid"
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "ends_before_start"
    elif ends_at <= now:
        errors["ends_at"] = "ends_past"
    elif starts_at is not None and ends_at - starts_at > LONGEST:
        errors["ends_at"] = "ends_too_late"

    multiplier, bonus = 1.0, 0
    reward = fields.get("reward", "")
    if reward not in REWARDS:
        errors["reward"] = "reward_missing"
    elif reward == "multiplier":
        value = _number(fields.get("multiplier", ""))
        if value is None or not 1 < value <= MULTIPLIER_MAX:
            errors["multiplier"] = "multiplier_invalid"
        else:
            multiplier = value
    else:
        whole = _whole(fields.get("bonus", ""))
        if whole is None or not 1 <= whole <= BONUS_MAX:
            errors["bonus"] = "bonus_invalid"
        else:
            bonus = whole

    kind = fields.get("kind", "")
    if kind not in KINDS:
        errors["kind"] = "kind_missing"
    goal = fields.get("goal", "")
    goal_type = None
    if goal not in GOALS:
        errors["goal"] = "goal_missing"
    elif goal == "conversions":
        goal_type = fields.get("goal_type", "").strip().lower()
        if not _CONVERSION_TYPE.match(goal_type):
            errors["goal_type"] = "goal_type_invalid"
    target = _whole(fields.get("goal_target", ""))
    if target is None or not 1 <= target <= TARGET_MAX:
        errors["goal_target"] = "goal_target_invalid"

    if errors:
        raise InvalidChallenge(errors)
    return ChallengeSpec(title, description, post_id, destination, starts_at, ends_at,
                         multiplier, bonus, kind, goal, goal_type, target)


# ------------------------------------------------------------------ writing


def title_text(title: str) -> str:
    """A title's words as a reader sees them: tags dropped, entities read ("R&amp;D" is
    "R&D"). Admin text is always shown as text; this is for the id made from it."""
    return html.unescape(nh3.clean(title, tags=set(), clean_content_tags=set()))


def new_challenge_id(title: str) -> str:
    """Readable in stats and URLs, unguessable enough: "spring-launch-3f9a1c", made from the
    title's words, not its markup ("<b>Spring</b> launch" too)."""
    ascii_title = unicodedata.normalize("NFKD", title_text(title)).encode(
        "ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:40].strip("-")
    return f"{slug or 'challenge'}-{secrets.token_hex(3)}"


def _own_post(challenge_id: str, spec: ChallengeSpec, now: datetime) -> PostModel:
    post_id = ChallengeModel.own_post_id(challenge_id)
    return PostModel(*PostModel.key(post_id), gsi1pk=OWN_POSTS_PK,
                     gsi1sk=f"{sort_time(spec.starts_at)}#{post_id}", post_id=post_id,
                     feed_id=OWN_POSTS_FEED, title=spec.title, url=spec.destination or "",
                     published_at=spec.starts_at, first_seen_at=now,
                     content_hash=f"challenge:{challenge_id}")


def create_challenge(spec: ChallengeSpec, by: str, now: datetime,
                     request_id: str | None = None) -> ChallengeModel:
    """Saves a new challenge (and a URL challenge's own post, in the same transaction).
    With a `request_id` (the form's token), the token is claimed in that transaction too:
    the form sent again returns the challenge it made the first time, and makes no other.
    Nothing is announced here: the caller does it (docs/web.md), for a new challenge only
    (`created_at` is `now`)."""
    digest = stable_id("challenge", request_id) if request_id else None
    if digest is not None and (made := _made_by(digest)) is not None:
        return made
    for _ in range(3):
        challenge_id = new_challenge_id(spec.title)
        challenge = ChallengeModel.create(
            challenge_id, spec.title, spec.starts_at, spec.ends_at,
            description=spec.description, multiplier=spec.multiplier, bonus=spec.bonus,
            kind=spec.kind, post_id=spec.post_id, destination=spec.destination,
            goal=spec.goal, goal_type=spec.goal_type, goal_target=spec.goal_target,
            created_at=now, updated_at=now, updated_by=by)
        try:
            if spec.destination or digest:
                with TransactWrite(connection=transaction_connection()) as tx:
                    tx.save(challenge, condition=ChallengeModel.pk.does_not_exist())
                    if spec.destination:
                        tx.save(_own_post(challenge_id, spec, now),
                                condition=PostModel.pk.does_not_exist())
                    if digest:
                        tx.save(ChallengeRequestModel(
                            *ChallengeRequestModel.key(digest), challenge_id=challenge_id,
                            created_at=now), condition=ChallengeRequestModel.pk.does_not_exist())
            else:
                challenge.save(condition=ChallengeModel.pk.does_not_exist())
            return challenge
        except (PutError, TransactWriteError) as error:
            if error.cause_response_code not in ("ConditionalCheckFailedException",
                                                 "TransactionCanceledException"):
                raise
            if digest is not None and (made := _made_by(digest)) is not None:
                return made  # the same form, sent at the same moment: its first sending won
            # the id's random part collided: draw another
    raise RuntimeError("could not allocate a challenge id")


def _made_by(digest: str) -> ChallengeModel | None:
    """The challenge a form's token already made, if any."""
    try:
        claim = ChallengeRequestModel.get(*ChallengeRequestModel.key(digest),
                                          consistent_read=True)
        return ChallengeModel.get(*ChallengeModel.key(claim.challenge_id), consistent_read=True)
    except DoesNotExist:
        return None


def update_challenge(challenge_id: str, spec: ChallengeSpec, by: str, now: datetime,
                     version: int | None = None) -> ChallengeModel:
    """Applies an edit (read_form checked it against the challenge as it was). `version`: the
    one the form was made from; ChangedMeanwhile when another admin saved since."""
    challenge = get_challenge(challenge_id)
    state = status_of(challenge, now)
    if state == "ended":
        raise ChallengeEnded(challenge_id)
    if version is not None and (challenge.version or 0) != version:
        raise ChangedMeanwhile(challenge_id)
    if state == "running":
        # The start and the subject were fixed when it started (read_form keeps them).
        spec = replace(spec, starts_at=challenge.starts_at, post_id=challenge.post_id,
                       destination=challenge.destination)
        old = (float(challenge.multiplier or 1), int(challenge.bonus or 0))
        if old != (spec.multiplier, spec.bonus):
            challenge.earlier_terms = list(challenge.earlier_terms or []) + [
                ChallengeTerms(until=now, multiplier=old[0], bonus=old[1])]
    had_url = bool(challenge.destination)
    for name in ("title", "description", "post_id", "destination", "starts_at", "ends_at",
                 "multiplier", "bonus", "kind", "goal", "goal_type", "goal_target"):
        setattr(challenge, name, getattr(spec, name))
    challenge.gsi1sk = f"{sort_time(spec.starts_at)}#{challenge_id}"
    challenge.updated_at, challenge.updated_by = now, by
    try:
        challenge.save()  # conditioned on the version read (VersionAttribute)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise ChangedMeanwhile(challenge_id) from None
        raise
    _follow_subject(challenge, spec, had_url, now)
    return challenge


def _follow_subject(challenge: ChallengeModel, spec: ChallengeSpec, had_url: bool,
                    now: datetime) -> None:
    """A URL challenge's own post follows its title and destination; it is hidden (its links
    withdrawn) when the challenge is shared through a post of the news instead."""
    own_id = ChallengeModel.own_post_id(challenge.challenge_id)
    own = posts.get_post(own_id)
    if spec.destination:
        if own is None:
            _own_post(challenge.challenge_id, spec, now).save()
            return
        own.update(actions=[PostModel.title.set(spec.title),
                            PostModel.url.set(spec.destination)])
        if own.hidden and not had_url:
            posts.unhide_post(own_id)
    elif had_url and own is not None and not own.hidden:
        posts.hide_post(own_id, now)


def end_challenge(challenge_id: str, by: str, now: datetime) -> ChallengeModel:
    """Ends it now: its end becomes this instant, its history (events, stats, ledger) stays.
    An upcoming one never runs. Ending an ended one changes nothing."""
    challenge = get_challenge(challenge_id)
    if status_of(challenge, now) == "ended":
        return challenge
    ends_at = now if now >= challenge.starts_at else challenge.starts_at  # upcoming: never runs
    try:
        challenge.update(actions=[ChallengeModel.ends_at.set(ends_at),
                                  ChallengeModel.ended_at.set(now),
                                  ChallengeModel.updated_at.set(now),
                                  ChallengeModel.updated_by.set(by)])
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise ChangedMeanwhile(challenge_id) from None
        raise
    return challenge
