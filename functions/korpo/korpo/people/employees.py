"""Employees: the profile made on their first visit (who may sign up: korpo.people.signup,
named here too for the callers that know it by this module).

Korpo stores a work email and a display name, nothing about personal social accounts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from pynamodb.exceptions import DoesNotExist, PutError

from korpo.models import DeletedEmployeeModel, EmployeeModel, EventModel
from korpo.models.events import RAW_EVENT_TTL_DAYS, save_once
from korpo.months import utc_now
from korpo.people import newcomers


class AccountDeleted(LookupError):
    """The account was deleted (a token issued before still verifies for up to an hour):
    no profile is made again under its id."""


@dataclass(frozen=True)
class Identity:
    """The verified claims the gateway's authorizer hands us."""
    employee_id: str
    email: str
    name: str | None = None
    is_admin: bool = False
    username: str | None = None  # cognito:username (AdminDeleteUser takes it)


def default_display_name(identity: Identity) -> str:
    if identity.name:
        return identity.name
    local = identity.email.split("@", 1)[0]
    return local.replace(".", " ").replace("_", " ").title() or "Employee"


def ensure_profile(identity: Identity, now: datetime | None = None,
                   language: str | None = None) -> EmployeeModel:
    """The profile, made on the first visit (in `language`: the one the pages were shown in,
    so that e-mails speak it too)."""
    try:
        found = EmployeeModel.get(*EmployeeModel.key(identity.employee_id))
    except DoesNotExist:
        pass
    else:
        if found.gsi1pk is None:  # made before the directory: filed on this visit, once
            index = EmployeeModel.directory_index(found.employee_id, found.display_name)
            found.update(actions=[EmployeeModel.gsi1pk.set(index["gsi1pk"]),
                                  EmployeeModel.gsi1sk.set(index["gsi1sk"])])
        return found
    if is_deleted(identity.employee_id):
        raise AccountDeleted(identity.employee_id)
    name = default_display_name(identity)
    # A first visit: no longer a newcomer (invited or signed up); the invitation's language
    # is the profile's first choice, then the pages' one.
    arrived = newcomers.arrived(identity.email) if identity.email else None
    profile = EmployeeModel(*EmployeeModel.key(identity.employee_id),
                            employee_id=identity.employee_id, email=identity.email,
                            display_name=name, created_at=now or utc_now(),
                            language=(arrived.language if arrived and arrived.language
                                      else language),
                            **EmployeeModel.directory_index(identity.employee_id, name))
    try:
        profile.save(condition=EmployeeModel.pk.does_not_exist())
    except PutError as error:  # two first requests at once: the other one made it
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return EmployeeModel.get(*EmployeeModel.key(identity.employee_id))
    record_signup(identity.employee_id, profile.created_at)
    return profile


def record_signup(employee_id: str, at: datetime) -> None:
    """One `employee_signup` event per employee (a deterministic id, written once): award_points
    pays the SignupBonus rule for it, exactly once like any event."""
    event = EventModel(f"signup-{employee_id}", type="employee_signup", at=at,
                       employee_id=employee_id,
                       expires_at=int((at + timedelta(days=RAW_EVENT_TTL_DAYS)).timestamp()))
    save_once(event)


def is_deleted(employee_id: str) -> bool:
    try:
        DeletedEmployeeModel.get(*DeletedEmployeeModel.key(employee_id), consistent_read=True)
        return True
    except DoesNotExist:
        return False


def display_names(employee_ids: Iterable[str], viewer: str | None = None) -> dict[str, str]:
    """Names as others see them, one BatchGet for a board page: the display name, or a
    stable pseudonym for an employee who chose not to be named (the viewer always sees their
    own name). Unknown ids (deleted accounts) are simply absent."""
    from korpo.people.names import pseudonym

    keys = [EmployeeModel.key(e) for e in dict.fromkeys(employee_ids)]
    return {p.employee_id: (p.display_name if p.named_on_board is not False
                            or p.employee_id == viewer else pseudonym(p.employee_id))
            for p in EmployeeModel.batch_get(keys)}


def profiles_of(employee_ids: Iterable[str]) -> dict[str, EmployeeModel]:
    """The profiles of the given employees, one BatchGet: what admins see (real names and
    work e-mails, to hand over a reward); deleted accounts are absent."""
    keys = [EmployeeModel.key(e) for e in dict.fromkeys(employee_ids)]
    return {p.employee_id: p for p in EmployeeModel.batch_get(keys)}
