"""An employee's data: all of it as JSON (export), and the account's deletion.

Deletion: every session ends at once, the Cognito user and the profile go; a tombstone
(`EMP#{id}` / `DELETED`: the opaque id and a date, nothing personal) stays, so that award_points pays the account's
events nothing (it reads tombstones with the team lookup it already makes per batch) and a
still-valid token cannot make the profile again. Ledger lines, balance and redemptions stay
for the books under the opaque id, which names no one once the profile is gone. The links
still redirect (shared posts keep working) but earn nothing.
"""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from korpo import aws, settings
from korpo.models import DeletedEmployeeModel, EmployeeModel, LinkModel, LinkOwnerModel
from korpo.months import utc_now
from korpo.people.access import end_sessions
from korpo.people.profiles import get_profile
from korpo.scoring.ledger import lines_of
from korpo.shop.redemptions import redemptions_of
from korpo.shop.wallet import balance_of

EXPORT_LEDGER_LINES = 10_000


def links_of(employee_id: str) -> list[dict[str, Any]]:
    """The employee's share links: Query their `LINK#` owner items, BatchGet the links."""
    owners = list(LinkOwnerModel.query(f"EMP#{employee_id}",
                                       LinkOwnerModel.sk.startswith("LINK#")))
    found = {link.code: link for link in LinkModel.batch_get(
        [LinkModel.key(o.code) for o in owners])}
    out = []
    for owner in owners:
        link = found.get(owner.code)
        if link is None or link.employee_id != employee_id:
            continue
        out.append({"code": link.code, "post_id": link.post_id, "network": link.network,
                    "challenge_id": link.challenge_id, "destination": link.destination,
                    "created_at": link.created_at.isoformat()})
    return out


def export_data(employee_id: str) -> dict[str, Any]:
    """Everything Korpo keeps about the employee, JSON-serialisable; nothing of others."""
    profile = get_profile(employee_id)
    return {
        "employee_id": employee_id,
        "exported_at": utc_now().isoformat(),
        "profile": profile.as_dict() if profile else None,
        "balance": balance_of(employee_id),
        "links": links_of(employee_id),
        "ledger": [line.as_dict() for line in lines_of(employee_id, EXPORT_LEDGER_LINES)],
        "redemptions": [r.as_dict() for r in redemptions_of(employee_id)],
    }


def delete_account(employee_id: str, *, cognito: Any = None, username: str | None = None,
                   user_pool_id: str | None = None) -> None:
    """Delete the Cognito user (AdminDeleteUser; `username` defaults to the profile's email,
    which the pool accepts as it signs in by email) and the profile; leave a tombstone.
    Safe to run twice."""
    pool = user_pool_id or settings.current().user_pool_id
    try:
        profile = EmployeeModel.get(*EmployeeModel.key(employee_id), consistent_read=True)
    except DoesNotExist:
        profile = None
    # The tombstone first: from now on nothing is paid and no profile is made again; and
    # every session and API token of the account ends at once (not at its renewal).
    DeletedEmployeeModel(*DeletedEmployeeModel.key(employee_id), employee_id=employee_id,
                         deleted_at=utc_now()).save()
    end_sessions(employee_id)
    name = username or (profile.email if profile else None)
    if pool and name:
        client = cognito or aws.client("cognito-idp")
        try:
            client.admin_delete_user(UserPoolId=pool, Username=name)
        except client.exceptions.UserNotFoundException:
            pass
    if profile is not None:
        profile.delete()
