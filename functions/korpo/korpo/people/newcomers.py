"""Accounts that exist in the user pool but have never signed in: invited by an admin, or
signed up on the open /signup page. The admins' list shows them beside the employees (who
have a profile), each with its state; the first sign-in makes the profile and forgets the
newcomer (employees.ensure_profile).

Why a Catalog item rather than Cognito's ListUsers: the list is a Query of one gsi1
partition, paged like the directory, and never grows with the employees who did sign in;
ListUsers can filter on one status but cannot tell "never signed in" from "signed in",
and its quota is shared with every admin call of the account.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from korpo import aws
from korpo.ids import stable_id
from korpo.models import NewcomerModel
from korpo.models.catalog import NEWCOMERS_PK
from korpo.models.base import sort_time
from korpo.months import utc_now
from korpo.people import directory

# How long an invitation's temporary password works: the user pool's
# TemporaryPasswordValidityDays (template.yaml; tests/infra keeps the two equal).
INVITATION_DAYS = 7
INVITED, SIGNED_UP = "invited", "signed_up"
MAX_PAGE = 100

# The states the admins' list shows (employees with a profile are "active" or "deactivated").
STATE_INVITED, STATE_EXPIRED, STATE_NEVER = "invited", "invitation_expired", "never_signed_in"


class AlreadyKnown(Exception):
    """The address already has a newcomer item: `newcomer` is it."""

    def __init__(self, newcomer: Newcomer) -> None:
        super().__init__(newcomer.email)
        self.newcomer = newcomer


@dataclass(frozen=True)
class Newcomer:
    newcomer_id: str
    email: str
    kind: str  # invited | signed_up
    since: datetime
    language: str | None
    sign_in_url: str | None
    invited_by: str | None
    employee_id: str | None
    times_sent: int

    def state(self, now: datetime | None = None) -> str:
        """invited, invitation_expired (its temporary password no longer works: send it
        again), or never_signed_in (signed up on the open page, never came back)."""
        if self.kind != INVITED:
            return STATE_NEVER
        if (now or utc_now()) >= self.since + timedelta(days=INVITATION_DAYS):
            return STATE_EXPIRED
        return STATE_INVITED

    def expires_at(self) -> datetime | None:
        return self.since + timedelta(days=INVITATION_DAYS) if self.kind == INVITED else None

    @classmethod
    def from_model(cls, item: NewcomerModel) -> Newcomer:
        return cls(newcomer_id=item.newcomer_id, email=item.email, kind=item.kind,
                   since=item.since, language=item.language, sign_in_url=item.sign_in_url,
                   invited_by=item.invited_by, employee_id=item.employee_id,
                   times_sent=int(item.times_sent or 1))


@dataclass(frozen=True)
class Page:
    newcomers: list[Newcomer]
    next_cursor: str | None


def newcomer_id(email: str) -> str:
    return stable_id("newcomer", email.strip().lower())


def record(email: str, kind: str, *, language: str | None = None,
           sign_in_url: str | None = None, invited_by: str | None = None,
           employee_id: str | None = None, now: datetime | None = None) -> Newcomer:
    """A new newcomer item, only if the address has none (AlreadyKnown otherwise)."""
    email = email.strip().lower()
    ident, since = newcomer_id(email), now or utc_now()
    item = NewcomerModel(*NewcomerModel.key(ident), gsi1sk=f"{sort_time(since)}#{ident}",
                         newcomer_id=ident, email=email, kind=kind, since=since,
                         language=language, sign_in_url=sign_in_url, invited_by=invited_by,
                         employee_id=employee_id, times_sent=1)
    try:
        item.save(condition=NewcomerModel.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        found = get(ident)
        if found is None:  # gone meanwhile (signed in, withdrawn): try once more
            return record(email, kind, language=language, sign_in_url=sign_in_url,
                          invited_by=invited_by, employee_id=employee_id, now=now)
        raise AlreadyKnown(found) from None
    return Newcomer.from_model(item)


def get(ident: str) -> Newcomer | None:
    try:
        return Newcomer.from_model(NewcomerModel.get(*NewcomerModel.key(ident),
                                                     consistent_read=True))
    except DoesNotExist:
        return None


def of_email(email: str) -> Newcomer | None:
    """One GetItem, eventually consistent: what the invitation trigger reads."""
    try:
        return Newcomer.from_model(NewcomerModel.get(*NewcomerModel.key(newcomer_id(email))))
    except DoesNotExist:
        return None


def set_account(ident: str, employee_id: str) -> None:
    """The Cognito sub, once AdminCreateUser (or SignUp) has answered."""
    try:
        NewcomerModel(*NewcomerModel.key(ident)).update(
            actions=[NewcomerModel.employee_id.set(employee_id)],
            condition=NewcomerModel.pk.exists())
    except UpdateError as error:  # signed in or withdrawn meanwhile: nothing to note
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def sent_again(ident: str, now: datetime | None = None) -> Newcomer:
    """The invitation goes out again (a new temporary password, valid INVITATION_DAYS): it
    moves to the top of the list. LookupError if it is no invitation any more."""
    now = now or utc_now()
    item = NewcomerModel(*NewcomerModel.key(ident))
    try:
        item.update(actions=[NewcomerModel.since.set(now),
                             NewcomerModel.gsi1sk.set(f"{sort_time(now)}#{ident}"),
                             NewcomerModel.times_sent.add(1)],
                    condition=NewcomerModel.pk.exists() & (NewcomerModel.kind == INVITED))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise LookupError(ident) from None
        raise
    found = get(ident)
    if found is None:
        raise LookupError(ident)
    return found


def forget(ident: str) -> Newcomer | None:
    """Delete the item (one DeleteItem); what it held, or None if there was none."""
    pk, sk = NewcomerModel.key(ident)
    answer = aws.client("dynamodb").delete_item(
        TableName=NewcomerModel.Meta.table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}},
        ReturnValues="ALL_OLD")
    attributes = answer.get("Attributes")
    if not attributes:
        return None
    return Newcomer.from_model(NewcomerModel.from_raw_data(attributes))


def arrived(email: str) -> Newcomer | None:
    """The first sign-in: the newcomer is an employee now (DeleteItem, its old values back:
    the invitation's language becomes the profile's)."""
    return forget(newcomer_id(email))


def page(limit: int = 50, cursor: str | None = None) -> Page:
    """Newest first: one Query of the NEWCOMERS partition, a page at a time."""
    limit = max(1, min(int(limit), MAX_PAGE))
    found = NewcomerModel.gsi1.query(
        NEWCOMERS_PK, scan_index_forward=False, limit=limit,
        last_evaluated_key=directory.decode_cursor(cursor, NEWCOMERS_PK))
    items = [Newcomer.from_model(item) for item in found]
    more = found.last_evaluated_key if len(items) == limit else None
    return Page(items, directory.encode_cursor(more))
