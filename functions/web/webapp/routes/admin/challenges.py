"""Challenges: the list (upcoming, running, ended, each with its goal's progress), a new one,
editing one, ending one (after a confirm page). The rules are korpo.content.challenges'."""
from __future__ import annotations

from chalice import Blueprint, Response

from korpo.content import challenges
from korpo.models import ChallengeModel
from korpo.months import utc_now
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Redirect, Visit
from webapp.routes.admin.common import admin_page, request_id

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

AREA = "challenges"
ENDED_SHOWN = 20  # the newest ended ones; older ones stay in the stats
DONE = {
    "created": N_("The challenge is saved. Employees see it from its start."),
    "saved": N_("Your changes are saved. They apply from now on."),
    "ended": N_("The challenge has ended. Its results stay in the stats."),
}
# What each of korpo.content.challenges' codes says, next to its field.
MESSAGES = {
    "title_missing": N_("Enter a title."),
    "title_long": N_("Enter a title of at most 120 characters."),
    "description_long": N_("Enter a description of at most 1,000 characters."),
    "title_invalid": N_("Enter a title without control characters."),
    "description_invalid": N_("Enter a description without control characters."),
    "subject_missing": N_("Choose what employees share: a post or a web address."),
    "post_missing": N_("Choose the post employees share."),
    "post_unknown": N_("This post is no longer in the news. Choose another one."),
    "destination_missing": N_("Enter the web address employees share."),
    "destination_invalid": N_("Enter a full web address starting with https:// or http://, "
                              "like https://example.com/jobs."),
    "destination_private": N_("Enter a public web address: addresses of a private network "
                              "cannot be shared."),
    "starts_invalid": N_("Enter the start as a date and a time."),
    "starts_past": N_("The start must be now or later."),
    "ends_invalid": N_("Enter the end as a date and a time."),
    "ends_before_start": N_("The end must be after the start."),
    "ends_past": N_("The end must be in the future. To stop the challenge now, end it."),
    "ends_too_late": N_("A challenge lasts at most a year."),
    "reward_missing": N_("Choose how the challenge rewards employees."),
    "multiplier_invalid": N_("Enter a multiplier greater than 1 and at most 10, like 2 or "
                             "1.5."),
    "bonus_invalid": N_("Enter a bonus from 1 to 1,000 %(points)s."),
    "kind_missing": N_("Choose the kind of challenge."),
    "goal_missing": N_("Choose what the goal counts."),
    "goal_type_invalid": N_("Enter the conversion type in lower case, like application or "
                            "hire."),
    "goal_target_invalid": N_("Enter a target from 1 to 1,000,000."),
}


def _found(challenge_id: str) -> ChallengeModel:
    try:
        return challenges.get_challenge(challenge_id)
    except challenges.ChallengeNotFound:
        raise PageError(404, N_("This challenge does not exist.")) from None


def _with_progress(visit: Visit, found: list[ChallengeModel], now) -> list[tuple]:
    return [(c, challenges.progress(c, visit.settings.scores_table, visit.settings.zone, now))
            for c in found]


@pages.route("/manage/challenges")
def list_challenges(visit: Visit) -> Response:
    visit.admin()
    now = utc_now()
    groups: dict[str, list[ChallengeModel]] = {"running": [], "upcoming": [], "ended": []}
    for challenge in challenges.list_challenges():  # latest start first
        groups[challenges.status_of(challenge, now)].append(challenge)
    groups["upcoming"].reverse()  # soonest first
    return admin_page(visit, "admin/challenges.html", AREA, done=DONE,
                      running=_with_progress(visit, groups["running"], now),
                      upcoming=groups["upcoming"],
                      ended=_with_progress(visit, groups["ended"][:ENDED_SHOWN], now),
                      more_ended=max(0, len(groups["ended"]) - ENDED_SHOWN))


def _form_page(visit: Visit, challenge: ChallengeModel | None, values: dict[str, str],
               errors: dict[str, str], status: int = 200, conflict: bool = False,
               token: str = "") -> Response:
    now = utc_now()
    return admin_page(visit, "admin/challenge_form.html", AREA, status=status,
                      request_id=token,
                      challenge=challenge, values=values, errors=errors, conflict=conflict,
                      state=challenges.status_of(challenge, now) if challenge else "new",
                      posts=challenges.shareable_posts(challenge), kinds=challenges.KINDS,
                      zone=visit.settings.time_zone,
                      progress=challenges.progress(challenge, visit.settings.scores_table,
                                                   visit.settings.zone, now)
                      if challenge else None)


def _values_of(challenge: ChallengeModel, zone) -> dict[str, str]:
    """The form's fields as the challenge has them."""
    multiplier = float(challenge.multiplier or 1)
    return {
        "title": challenge.title, "description": challenge.description or "",
        "subject": "url" if challenge.destination else "post" if challenge.post_id else "",
        "post_id": challenge.post_id or "", "destination": challenge.destination or "",
        "start": "at", "starts_at": challenges.local_input(challenge.starts_at, zone),
        "ends_at": challenges.local_input(challenge.ends_at, zone),
        "reward": "bonus" if challenge.bonus and multiplier == 1 else "multiplier",
        "multiplier": f"{multiplier:g}" if multiplier != 1 else "",
        "bonus": str(int(challenge.bonus)) if challenge.bonus else "",
        "kind": challenge.kind or "", "goal": challenge.goal or "",
        "goal_type": challenge.goal_type or "",
        "goal_target": str(int(challenge.goal_target)) if challenge.goal_target else "",
        "version": str(challenge.version or 0),
    }


def _errors(visit: Visit, invalid: challenges.InvalidChallenge) -> dict[str, str]:
    return {name: visit.gettext(MESSAGES[code], points=visit.settings.points_name)
            for name, code in invalid.errors.items()}


@pages.route("/manage/challenges/new", methods=("GET", "POST"))
def new_challenge(visit: Visit) -> Response:
    who = visit.admin()
    token = request_id(visit)
    if visit.request.method == "GET":
        return _form_page(visit, None, {"start": "now", "reward": "multiplier",
                                        "multiplier": "2", "kind": "campaign",
                                        "goal": "human_clicks"}, {}, token=token)
    try:
        spec = challenges.read_form(visit.form, visit.settings.zone, utc_now())
    except challenges.InvalidChallenge as invalid:
        return _form_page(visit, None, visit.form, _errors(visit, invalid), status=400,
                          token=token)
    challenge = challenges.create_challenge(spec, who.employee_id, utc_now(),
                                            request_id=token or None)
    # Slack and Teams now (a few seconds at most, never failing the page; once: a form sent
    # again finds it announced); the e-mails to the employees who opted in go out from
    # send_digest's next run.
    from korpo.announcements.challenges import announce_new_challenge

    announce_new_challenge(challenge, visit.base_url)
    raise Redirect("/manage/challenges?done=created")


@pages.route("/manage/challenges/{challenge_id}", methods=("GET", "POST"))
def edit_challenge(visit: Visit, challenge_id: str) -> Response:
    who = visit.admin()
    challenge = _found(challenge_id)
    zone = visit.settings.zone
    if visit.request.method == "GET":
        return _form_page(visit, challenge, _values_of(challenge, zone), {})
    now = utc_now()
    if challenges.status_of(challenge, now) == "ended":
        raise PageError(409, N_("This challenge has ended: it can no longer be changed."))
    try:
        spec = challenges.read_form(visit.form, zone, now, current=challenge)
        version = visit.field("version")
        challenges.update_challenge(challenge.challenge_id, spec, who.employee_id, now,
                                    version=int(version) if version.isdigit() else None)
    except challenges.InvalidChallenge as invalid:
        return _form_page(visit, challenge, visit.form, _errors(visit, invalid), status=400)
    except challenges.ChangedMeanwhile:
        fresh = challenges.get_challenge(challenge.challenge_id)
        return _form_page(visit, fresh, _values_of(fresh, zone), {}, status=409,
                          conflict=True)
    except challenges.ChallengeEnded:
        raise PageError(409, N_("This challenge has ended: it can no longer be changed.")
                        ) from None
    raise Redirect("/manage/challenges?done=saved")


@pages.route("/manage/challenges/{challenge_id}/end", methods=("GET", "POST"))
def end_challenge(visit: Visit, challenge_id: str) -> Response:
    """A confirm page, then the end: now, its history kept."""
    who = visit.admin()
    challenge = _found(challenge_id)
    now = utc_now()
    if visit.request.method == "POST":
        challenges.end_challenge(challenge.challenge_id, who.employee_id, now)
        raise Redirect("/manage/challenges?done=ended")
    if challenges.status_of(challenge, now) == "ended":
        raise Redirect("/manage/challenges")
    return admin_page(visit, "admin/challenge_end.html", AREA, challenge=challenge,
                      state=challenges.status_of(challenge, now))
