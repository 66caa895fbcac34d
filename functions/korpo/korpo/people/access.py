"""Who may do what, as admins change it: make or unmake an admin (the Cognito `admins`
group), deactivate or reactivate an account (Cognito AdminDisableUser / AdminEnableUser);
and ending every session of a person (sign-out, deactivation, deletion).

A session or an API token says who was an admin when it was issued, and lives up to an hour.
So each change is also written to the employee's `EMP#{id}` / `ACCESS` item, which every
signed-in page and every API call reads (one GetItem): a deactivated account is signed out
at once, a session issued before its admin rights were taken back is an employee's, and one
issued before `sessions_valid_after` is no one's. The refresh tokens are revoked too
(AdminUserGlobalSignOut), so no renewal brings an ended session or the old rights back.

award_points reads the same item beside the deletion tombstone: a deactivated account's links
keep redirecting and its events earn nothing (korpo.scoring.store.Teams).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from pynamodb.exceptions import DoesNotExist

from korpo import aws, settings
from korpo.models import AccessModel, EmployeeModel
from korpo.months import utc_now


class AccessError(Exception):
    """An access change that cannot be made (the web layer says why)."""


class EmployeeNotFound(AccessError, LookupError):
    pass


class SelfLockout(AccessError):
    """An admin tried to unmake or deactivate themself: nobody locks themself out."""


class NoUserPool(AccessError):
    """The deployment names no user pool (KORPO_USER_POOL_ID is empty)."""


class UserNotInPool(AccessError):
    """The profile's e-mail is no user of the pool (deleted outside Korpo)."""


@dataclass(frozen=True)
class Access:
    deactivated: bool = False
    admin_revoked_at: datetime | None = None
    sessions_valid_after: datetime | None = None

    @classmethod
    def from_model(cls, item: AccessModel) -> Access:
        return cls(deactivated=bool(item.deactivated), admin_revoked_at=item.admin_revoked_at,
                   sessions_valid_after=item.sessions_valid_after)

    def session_valid(self, issued_at: float) -> bool:
        """Whether a session (or token) issued at `issued_at` (epoch seconds) is still the
        person's: not once the account is deactivated, nor if every session was ended (a
        sign-out, a deletion) after it was issued."""
        if self.deactivated:
            return False
        return (self.sessions_valid_after is None
                or issued_at > self.sessions_valid_after.timestamp())

    def admin_session_valid(self, issued_at: float) -> bool:
        """Whether a session (or token) issued at `issued_at` (epoch seconds) may still act as
        an admin: not if the rights were taken back after it was issued."""
        if not self.session_valid(issued_at):
            return False
        return self.admin_revoked_at is None or issued_at > self.admin_revoked_at.timestamp()


def access_of(employee_id: str) -> Access:
    """One consistent GetItem: what last changed about this employee's access."""
    try:
        item = AccessModel.get(*AccessModel.key(employee_id), consistent_read=True)
    except DoesNotExist:
        return Access()
    return Access.from_model(item)


def accesses_of(employee_ids: Iterable[str]) -> dict[str, Access]:
    """A page of employees' access items (one BatchGet); absent ones are the default."""
    keys = [AccessModel.key(e) for e in dict.fromkeys(employee_ids)]
    return {item.employee_id: Access.from_model(item) for item in AccessModel.batch_get(keys)}


def admin_ids(cognito: Any = None, pool: str | None = None) -> set[str]:
    """The employee ids (Cognito `sub`) of the `admins` group: ListUsersInGroup, paged (a few
    admins: one call). Empty when the deployment has no pool."""
    cfg = settings.current()
    pool = pool or cfg.user_pool_id
    if not pool:
        return set()
    client = cognito or aws.client("cognito-idp")
    found: set[str] = set()
    args: dict[str, Any] = {"UserPoolId": pool, "GroupName": cfg.admin_group, "Limit": 60}
    while True:
        page = client.list_users_in_group(**args)
        for user in page.get("Users", []):
            sub = next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub"),
                       None)
            found.add(sub or user["Username"])
        if not page.get("NextToken"):
            return found
        args["NextToken"] = page["NextToken"]


def _profile(employee_id: str) -> EmployeeModel:
    try:
        return EmployeeModel.get(*EmployeeModel.key(employee_id), consistent_read=True)
    except DoesNotExist:
        raise EmployeeNotFound(employee_id) from None


def _cognito_call(client: Any, operation: str, **params: Any) -> None:
    try:
        getattr(client, operation)(**params)
    except client.exceptions.UserNotFoundException:
        raise UserNotInPool(params.get("Username", "")) from None


def _record(employee_id: str, actor_id: str | None, **changes: Any) -> None:
    """Write the changed attributes of the ACCESS item (made on first use): one UpdateItem,
    so two changes at once (an admin's and the person's own sign-out) never undo each other."""
    actions = [getattr(AccessModel, name).remove() if value is None
               else getattr(AccessModel, name).set(value) for name, value in changes.items()]
    actions += [AccessModel.employee_id.set(employee_id), AccessModel.updated_at.set(utc_now())]
    if actor_id is not None:
        actions.append(AccessModel.updated_by.set(actor_id))
    AccessModel(*AccessModel.key(employee_id)).update(actions=actions)


def end_sessions(employee_id: str, *, now: datetime | None = None) -> None:
    """Every session and API token of the person issued until now stops working at their
    next request (their pages and the API read this item); signing in again works."""
    _record(employee_id, None, sessions_valid_after=now or utc_now())


def sign_out_everywhere(employee_id: str, username: str, cognito: Any = None) -> None:
    """The person's own sign-out: every session of theirs ends at once, on every device, and
    Cognito revokes every refresh token they hold (AdminUserGlobalSignOut), so none renews
    one. The marker comes first: if Cognito then fails (the error propagates), the sessions
    are ended all the same."""
    end_sessions(employee_id)
    pool = settings.current().user_pool_id
    if not pool or not username:
        return
    client = cognito or aws.client("cognito-idp")
    try:
        client.admin_user_global_sign_out(UserPoolId=pool, Username=username)
    except client.exceptions.UserNotFoundException:
        pass


def _target(actor_id: str, employee_id: str, cognito: Any) -> tuple[Any, str, str]:
    """(client, pool, Cognito username) for a change to someone else's access."""
    if employee_id == actor_id:
        raise SelfLockout(employee_id)
    profile = _profile(employee_id)
    pool = settings.current().user_pool_id
    if not pool:
        raise NoUserPool()
    # The pool signs in by e-mail, and Cognito's admin calls take it for the username.
    return cognito or aws.client("cognito-idp"), pool, profile.email


def set_admin(actor_id: str, employee_id: str, admin: bool, cognito: Any = None) -> None:
    """Make (admin=True) or unmake an admin. Unmaking takes effect at once on every admin
    page and admin API route; making one, at the person's next sign-in or renewal (their
    session still says employee). Never on oneself."""
    client, pool, username = _target(actor_id, employee_id, cognito)
    group = settings.current().admin_group
    if admin:
        _cognito_call(client, "admin_add_user_to_group", UserPoolId=pool, Username=username,
                      GroupName=group)
        return
    # The marker first: if Cognito then fails, the person is already no admin here.
    _record(employee_id, actor_id, admin_revoked_at=utc_now())
    _cognito_call(client, "admin_remove_user_from_group", UserPoolId=pool, Username=username,
                  GroupName=group)
    _cognito_call(client, "admin_user_global_sign_out", UserPoolId=pool, Username=username)


def set_active(actor_id: str, employee_id: str, active: bool, cognito: Any = None) -> None:
    """Deactivate (active=False: sign-in refused, signed out at once, links keep redirecting
    and earn nothing) or reactivate an account. Never on oneself. Safe to repeat."""
    client, pool, username = _target(actor_id, employee_id, cognito)
    if active:
        _cognito_call(client, "admin_enable_user", UserPoolId=pool, Username=username)
        _record(employee_id, actor_id, deactivated=False, deactivated_at=None)
        return
    now = utc_now()
    _record(employee_id, actor_id, deactivated=True, deactivated_at=now,
            sessions_valid_after=now)
    _cognito_call(client, "admin_disable_user", UserPoolId=pool, Username=username)
    _cognito_call(client, "admin_user_global_sign_out", UserPoolId=pool, Username=username)
