"""An employee's profile: what they choose to show and how Korpo speaks to them.

Korpo stores a work email, a display name and these choices; nothing about personal social
accounts (the Mastodon instance is a server's name, for the share page, not an account).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from korpo.fields import FieldError, check_all
from korpo.languages import LANGUAGES
from korpo.models import EmployeeModel
from korpo.people import employees, teams
from korpo.people.employees import Identity

MAX_DISPLAY_NAME = 60
# No social account of the employee's: the Mastodon server a share opens on is remembered by
# their browser only (docs/decisions.md, "Share targets").
EDITABLE = ("display_name", "team_id", "named_on_board", "language", "weekly_digest")


class InvalidProfile(FieldError):
    """A field that cannot be stored as given. `message_key` is a short stable code the web
    layer translates ("display_name.too_long"); `field` names the form field (`errors`:
    every wrong one)."""

    def __init__(self, field: str, message_key: str) -> None:
        super().__init__(f"{field}: {message_key}")
        self.field = field
        self.message_key = message_key


@dataclass(frozen=True)
class Profile:
    employee_id: str
    email: str
    display_name: str
    team_id: str | None
    named_on_board: bool
    language: str | None
    weekly_digest: bool
    created_at: datetime

    @classmethod
    def from_model(cls, item: EmployeeModel) -> Profile:
        return cls(employee_id=item.employee_id, email=item.email,
                   display_name=item.display_name, team_id=item.team,
                   named_on_board=item.named_on_board is not False,
                   language=item.language, weekly_digest=bool(item.weekly_digest),
                   created_at=item.created_at)

    def as_dict(self) -> dict[str, Any]:
        return {"employee_id": self.employee_id, "email": self.email,
                "display_name": self.display_name, "team_id": self.team_id,
                "named_on_board": self.named_on_board, "language": self.language,
                "weekly_digest": self.weekly_digest,
                "created_at": self.created_at.isoformat()}


def get_profile(employee_id: str) -> Profile | None:
    try:
        return Profile.from_model(EmployeeModel.get(*EmployeeModel.key(employee_id)))
    except DoesNotExist:
        return None


def ensure_profile(identity: Identity, language: str | None = None) -> Profile:
    """The profile, made on the employee's first visit (AccountDeleted after a deletion).
    `language`: the pages' language, kept as the profile's when it has none (the one language
    setting: the switch, the profile and the e-mails share it)."""
    profile = Profile.from_model(employees.ensure_profile(
        identity, language=language if language in LANGUAGES else None))
    if profile.language is None and language in LANGUAGES:
        return update_profile(profile.employee_id, language=language)
    return profile


# ------------------------------------------------------------------ validation


def clean_display_name(raw: object) -> str:
    try:
        return teams.clean_name(raw, MAX_DISPLAY_NAME, field="display_name")
    except teams.InvalidTeam as error:
        raise InvalidProfile("display_name", error.message_key) from None


def _clean_one(name: str, value: Any) -> Any:
    if name == "display_name":
        return clean_display_name(value)
    if name == "team_id":
        if value is None or value == "":
            return None
        if not isinstance(value, str) or teams.get_team(value) is None:
            raise InvalidProfile("team_id", "team_id.unknown")
        return value
    if name in ("named_on_board", "weekly_digest"):
        if not isinstance(value, bool):
            raise InvalidProfile(name, f"{name}.not_boolean")
        return value
    if value is not None and value not in LANGUAGES:  # language
        raise InvalidProfile("language", "language.unsupported")
    return value


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Each given field checked (InvalidProfile names every wrong one); unknown fields too."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise InvalidProfile(unknown[0], "field.unknown")
    names = list(fields)
    values = check_all(*(lambda name=name: _clean_one(name, fields[name]) for name in names),
                       error=InvalidProfile)
    return dict(zip(names, values))


class ProfileNotFound(LookupError):
    pass


def update_profile(employee_id: str, /, **fields: Any) -> Profile:
    """Store the given fields (each validated first: nothing is written if one is wrong). Any
    name may be among them, `employee_id` too (refused as unknown: positional-only here)."""
    clean = clean_fields(fields)
    try:
        item = EmployeeModel.get(*EmployeeModel.key(employee_id))
    except DoesNotExist:
        raise ProfileNotFound(employee_id) from None
    if not clean:
        return Profile.from_model(item)
    attribute = {"display_name": EmployeeModel.display_name, "team_id": EmployeeModel.team,
                 "named_on_board": EmployeeModel.named_on_board,
                 "language": EmployeeModel.language,
                 "weekly_digest": EmployeeModel.weekly_digest}
    actions = [attribute[name].remove() if value is None else attribute[name].set(value)
               for name, value in clean.items()]
    if "display_name" in clean:  # the directory is alphabetical
        actions.append(EmployeeModel.gsi1sk.set(EmployeeModel.directory_index(
            employee_id, clean["display_name"])["gsi1sk"]))
        actions.append(EmployeeModel.gsi1pk.set("EMPLOYEES"))
    item.update(actions=actions, condition=EmployeeModel.pk.exists())
    return Profile.from_model(item)
