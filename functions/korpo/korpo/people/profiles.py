"""An employee's profile: what they choose to show and how Korpo speaks to them.

Korpo stores a work email, a display name and these choices; nothing about personal social
accounts (the Mastodon instance is a server's name, for the share page, not an account).
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from korpo.models import EmployeeModel
from korpo.people import employees, teams
from korpo.people.employees import Identity

LANGUAGES = ("en", "fr")
MAX_DISPLAY_NAME = 60
EDITABLE = ("display_name", "team_id", "named_on_board", "language", "weekly_digest",
            "mastodon_instance")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidProfile(ValueError):
    """A field that cannot be stored as given. `message_key` is a short stable code the web
    layer translates ("display_name.too_long"); `field` names the form field."""

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
    mastodon_instance: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, item: EmployeeModel) -> Profile:
        return cls(employee_id=item.employee_id, email=item.email,
                   display_name=item.display_name, team_id=item.team,
                   named_on_board=item.named_on_board is not False,
                   language=item.language, weekly_digest=bool(item.weekly_digest),
                   mastodon_instance=item.mastodon_instance, created_at=item.created_at)

    def as_dict(self) -> dict[str, Any]:
        return {"employee_id": self.employee_id, "email": self.email,
                "display_name": self.display_name, "team_id": self.team_id,
                "named_on_board": self.named_on_board, "language": self.language,
                "weekly_digest": self.weekly_digest,
                "mastodon_instance": self.mastodon_instance,
                "created_at": self.created_at.isoformat()}


def get_profile(employee_id: str) -> Profile | None:
    try:
        return Profile.from_model(EmployeeModel.get(*EmployeeModel.key(employee_id)))
    except DoesNotExist:
        return None


def ensure_profile(identity: Identity) -> Profile:
    """The profile, made on the employee's first visit (AccountDeleted after a deletion)."""
    return Profile.from_model(employees.ensure_profile(identity))


# ------------------------------------------------------------------ validation


def clean_display_name(raw: object) -> str:
    try:
        return teams.clean_name(raw, MAX_DISPLAY_NAME, field="display_name")
    except teams.InvalidTeam as error:
        raise InvalidProfile("display_name", error.message_key) from None


def clean_mastodon_instance(raw: object) -> str | None:
    """A bare hostname ("mastodon.social", IDNA allowed): no scheme, path, port, user or IP
    literal. The share page builds https://{host}/share from it, so nothing else may pass."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise InvalidProfile("mastodon_instance", "mastodon_instance.invalid")
    value = raw.strip().rstrip(".").lower()
    if not value or len(value) > 253:
        raise InvalidProfile("mastodon_instance", "mastodon_instance.invalid")
    if any(c in value for c in "/:@?#\\ %[]") or any(unicodedata.category(c)[0] in "CZ"
                                                       for c in value):
        raise InvalidProfile("mastodon_instance", "mastodon_instance.not_a_hostname")
    if _is_ip(value):
        raise InvalidProfile("mastodon_instance", "mastodon_instance.ip_address")
    try:
        ascii_host = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidProfile("mastodon_instance", "mastodon_instance.invalid") from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or (
            labels[-1].isdigit()):
        raise InvalidProfile("mastodon_instance", "mastodon_instance.not_a_hostname")
    return value


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Each given field checked (InvalidProfile on the first wrong one); unknown fields too."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise InvalidProfile(unknown[0], "field.unknown")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "display_name":
            out[name] = clean_display_name(value)
        elif name == "team_id":
            if value is None or value == "":
                out[name] = None
            elif not isinstance(value, str) or teams.get_team(value) is None:
                raise InvalidProfile("team_id", "team_id.unknown")
            else:
                out[name] = value
        elif name in ("named_on_board", "weekly_digest"):
            if not isinstance(value, bool):
                raise InvalidProfile(name, f"{name}.not_boolean")
            out[name] = value
        elif name == "language":
            if value is not None and value not in LANGUAGES:
                raise InvalidProfile("language", "language.unsupported")
            out[name] = value
        elif name == "mastodon_instance":
            out[name] = clean_mastodon_instance(value)
    return out


class ProfileNotFound(LookupError):
    pass


def update_profile(employee_id: str, **fields: Any) -> Profile:
    """Store the given fields (each validated first: nothing is written if one is wrong)."""
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
                 "weekly_digest": EmployeeModel.weekly_digest,
                 "mastodon_instance": EmployeeModel.mastodon_instance}
    actions = [attribute[name].remove() if value is None else attribute[name].set(value)
               for name, value in clean.items()]
    item.update(actions=actions, condition=EmployeeModel.pk.exists())
    return Profile.from_model(item)
