"""What the announcement and digest tests share: SES's verified sender, the e-mails moto kept
(parsed), and employees with their opt-in."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone
from email.message import Message

SENDER = "korpo@example.com"


def verify_sender() -> None:
    import boto3

    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)


def sent_mails() -> list[Message]:
    """Every raw e-mail SES took, parsed, headers decoded (moto keeps them: nothing leaves)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    return [email.message_from_string(m.raw_data, policy=email.policy.default)
            for m in sent if hasattr(m, "raw_data")]


def body_of(mail: Message) -> str:
    assert not mail.is_multipart() and mail.get_content_type() == "text/plain"
    return mail.get_content()


def add_employee(employee_id: str, name: str, *, digest: bool = True,
                 language: str | None = None):
    from korpo.models import EmployeeModel

    profile = EmployeeModel(*EmployeeModel.key(employee_id), employee_id=employee_id,
                            email=f"{name.lower()}@example.com", display_name=name,
                            created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                            weekly_digest=digest, language=language,
                            **EmployeeModel.directory_index(employee_id, name))
    profile.save()
    return profile


def pool_with_an_admin(email: str = "boss@example.com") -> tuple[str, str]:
    """A user pool (e-mail usernames) whose admins group holds one user; SES's sender is
    verified. Returns (pool id, the admin's sub)."""
    import boto3

    verify_sender()
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="employees", UsernameAttributes=["email"])[
        "UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool, GroupName="admins")
    admin = cognito.admin_create_user(
        UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}])["User"]
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="admins")
    return pool, {a["Name"]: a["Value"] for a in admin["Attributes"]}["sub"]
