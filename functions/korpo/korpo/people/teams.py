"""Teams an admin keeps (employees pick theirs in the profile) and the monthly team board.

The team board reads one item per team: award_points' stats counters per team and day
(`STATS#team#{id}` / `DAY#…`, korpo.scoring.award) already hold each day's points, so a
month is a Query of its days per team. No Scan, no extra write on the award path; the read
grows with the number of teams (tens), not employees.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from pynamodb.exceptions import UpdateError

from korpo import aws, settings, texts
from korpo.ids import stable_id
from korpo.models import EmployeeModel, TeamModel
from korpo.months import parse, utc_now

MAX_NAME = 60


class InvalidTeam(ValueError):
    """message_key: a short stable code the web layer translates."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str


@dataclass(frozen=True)
class TeamStanding:
    rank: int
    team_id: str
    name: str
    score: int


def clean_name(raw: object, max_length: int = MAX_NAME, field: str = "name") -> str:
    """1..max_length characters by the one rule for people's text (korpo.texts)."""
    if not isinstance(raw, str):
        raise InvalidTeam(f"{field}.required")
    try:
        return texts.clean(raw, max_length, required=True)
    except texts.TextRefused as refused:
        raise InvalidTeam(f"{field}.{_KEYS[refused.reason]}") from None


_KEYS = {"required": "required", "too_long": "too_long", "invalid": "invalid_characters"}


def list_teams() -> list[Team]:
    return [Team(t.team_id, t.name) for t in TeamModel.gsi1.query("TEAMS")]


def get_team(team_id: str) -> Team | None:
    from pynamodb.exceptions import DoesNotExist

    if not isinstance(team_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", team_id):
        return None
    try:
        t = TeamModel.get(*TeamModel.key(team_id))
    except DoesNotExist:
        return None
    return Team(t.team_id, t.name)


def create_team(name: str, team_id: str | None = None) -> Team:
    """A team (idempotent on its id: the id derives from the name unless given)."""
    name = clean_name(name)
    team_id = team_id or stable_id("team", name.casefold())[:12]
    TeamModel(*TeamModel.key(team_id), gsi1sk=f"{name.casefold()}#{team_id}", team_id=team_id,
              name=name, created_at=utc_now()).save()
    return Team(team_id, name)


class TeamNotFound(LookupError):
    pass


def _name_taken(name: str, except_id: str | None = None) -> bool:
    folded = name.casefold()
    return any(t.name.casefold() == folded and t.team_id != except_id for t in list_teams())


def add_team(name: str, request_id: str | None = None) -> Team:
    """An admin's new team: InvalidTeam("name.taken") if a team has that name already. Its id
    is new even if a deleted team had the name: the old team's figures stay its own. With a
    `request_id` (the form's token) the id derives from it: the form sent again returns the
    team it made the first time (not "name taken")."""
    name = clean_name(name)
    if request_id:
        team_id = stable_id("team-request", request_id)[:12]
        made = get_team(team_id)
        if made is not None:
            return made
    else:
        team_id = stable_id("team", name.casefold(), secrets.token_hex(8))[:12]
    if _name_taken(name):
        raise InvalidTeam("name.taken")
    return create_team(name, team_id)


def rename_team(team_id: str, name: str) -> Team:
    """The same team (its id, members and history) under a new name; validated as a new
    team's name is."""
    name = clean_name(name)
    if get_team(team_id) is None:
        raise TeamNotFound(team_id)
    if _name_taken(name, except_id=team_id):
        raise InvalidTeam("name.taken")
    TeamModel(*TeamModel.key(team_id)).update(
        actions=[TeamModel.name.set(name), TeamModel.gsi1sk.set(f"{name.casefold()}#{team_id}")],
        condition=TeamModel.pk.exists())
    return Team(team_id, name)


def members_of(team_id: str) -> list[str]:
    """The employee ids whose profile names the team: the directory's Query, filtered (an
    admin's rare action; it grows with the employees, never a Scan)."""
    return [e.employee_id for e in EmployeeModel.gsi1.query(
        "EMPLOYEES", filter_condition=EmployeeModel.team == team_id)]


def delete_team(team_id: str) -> int:
    """Delete the team; its members become team-less (returns how many). Its daily stats
    counters stay (past periods keep their figures); the team board no longer lists it."""
    if get_team(team_id) is None:
        raise TeamNotFound(team_id)
    # The team first: from now on nobody can pick it, then each member is cleared (only if
    # the profile still names it: a member who just picked another team keeps theirs).
    TeamModel(*TeamModel.key(team_id)).delete()
    members = members_of(team_id)
    for employee_id in members:
        try:
            EmployeeModel(*EmployeeModel.key(employee_id)).update(
                actions=[EmployeeModel.team.remove()],
                condition=EmployeeModel.team == team_id)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
    return len(members)


def month_days(month: str) -> tuple[str, str]:
    year, mon = (int(p) for p in parse(month).split("-"))
    first = date(year, mon, 1)
    last = date(year + (mon == 12), mon % 12 + 1, 1) - timedelta(days=1)
    return first.isoformat(), last.isoformat()


def team_points(team_id: str, month: str, table: str | None = None) -> int:
    """The team's points in a brand month: the sum of its days' `points` counters."""
    table = table or settings.current().scores_table
    first, last = month_days(month)
    args = {"TableName": table, "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {":pk": {"S": f"STATS#team#{team_id}"},
                                          ":a": {"S": f"DAY#{first}"},
                                          ":b": {"S": f"DAY#{last}"}},
            "ProjectionExpression": "#c.#p", "ExpressionAttributeNames": {"#c": "c",
                                                                           "#p": "points"}}
    total = 0
    dynamodb = aws.client("dynamodb")
    while True:
        page = dynamodb.query(**args)
        for raw in page.get("Items", []):
            total += int((aws.from_ddb(raw).get("c") or {}).get("points", 0))
        if "LastEvaluatedKey" not in page:
            return total
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def team_board(month: str) -> list[TeamStanding]:
    """Every team's points of the month, best first; ties share a rank (1, 1, 3)."""
    scored = sorted(((team_points(t.team_id, month), t) for t in list_teams()),
                    key=lambda st: (-st[0], st[1].name.casefold(), st[1].team_id))
    out: list[TeamStanding] = []
    for position, (score, team) in enumerate(scored, start=1):
        rank = out[-1].rank if out and out[-1].score == score else position
        out.append(TeamStanding(rank, team.team_id, team.name, score))
    return out
