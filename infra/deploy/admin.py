"""`make admin EMAIL=...`: give an employee the admin pages of a deployed stack.

    python -m infra.deploy.admin EMAIL [--stack NAME] [--region REGION] [--remove]
                                       [--invite [--language fr]]

The first admin of a new deployment is made here; after that, admins make others from
Manage → Employees. The stack is --stack, else the stack_name `make deploy` saved in
samconfig.toml; its user pool is the stack's output `UserPoolId`. The pool signs in by e-mail
(template.yaml: `UsernameAttributes: [email]`), so each user's Cognito username is an id of
its own: the user is found by e-mail (ListUsers), then AdminAddUserToGroup puts them in the
`admins` group. The rights come with their next sign-in.

--invite is the first admin of a stack where sign-up is by invitation (SignUp=invite, the
default): an address without an account is invited as Manage → Employees → Invite does
(korpo.people.invitations: the newcomer item in the Catalog table, then AdminCreateUser;
Cognito e-mails the temporary password through the pool's CustomMessage trigger, naming the
stack's WebAppUrl), and put in the group at once, so their first sign-in is an admin's.

--remove takes them back at once, as Manage → Employees does (korpo.people.access.set_admin):
the revocation is written to the employee's ACCESS item in the Catalog table, which every
admin page reads, so a session issued before it (they live up to an hour) is an employee's
from then on; then the group membership and the refresh tokens go.
"""
from __future__ import annotations

import argparse
import os
import sys
import tomllib
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import boto3
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

ROOT = Path(__file__).resolve().parents[2]
SAMCONFIG = ROOT / "samconfig.toml"
# The group the web app and the api check (korpo.settings.Settings.admin_group), created by
# template.yaml's AdminsGroup: tests/infra/test_deploy_admin.py keeps the three in step.
ADMINS_GROUP = "admins"
# Who took the rights back, as the ACCESS item records it (an admin's employee id otherwise).
ACTOR = "make-admin"


class AdminError(Exception):
    """What went wrong, in words for the person at the terminal."""


def samconfig_value(key: str, path: Path | None = None, env: str = "default") -> str | None:
    """A value `sam deploy --guided` saved: its deploy section, else its global one."""
    path = path or SAMCONFIG
    if not path.is_file():
        return None
    with path.open("rb") as f:
        config = tomllib.load(f).get(env, {})
    for command in ("deploy", "global"):
        value = config.get(command, {}).get("parameters", {}).get(key)
        if value:
            return str(value)
    return None


def stack_name(explicit: str | None, samconfig: Path | None = None) -> str:
    name = explicit or samconfig_value("stack_name", samconfig)
    if not name:
        raise AdminError(
            f"which stack? No STACK= given and no stack_name in {SAMCONFIG.name} (make deploy "
            "saves it there). Run: make admin EMAIL=... STACK=<your stack name>")
    return name


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    """The stack's outputs by key (DescribeStacks)."""
    try:
        (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" not in error.response["Error"].get("Message", ""):
            raise
        raise AdminError(
            f"no stack named {stack} in {cloudformation.meta.region_name}. Deployed in another "
            "region (REGION=...) or under another name (STACK=...)?") from None
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def user_pool_id(outputs: dict[str, str], stack: str) -> str:
    try:
        return outputs["UserPoolId"]
    except KeyError:
        raise AdminError(f"stack {stack} has no UserPoolId output: is it a Korpo stack, and "
                         "did its deploy finish?") from None


def find_user(cognito: Any, pool: str, email: str, sign_up_at: str = "") -> dict[str, Any]:
    """The pool's user with this e-mail (ListUsers, filtered on the e-mail attribute)."""
    if "@" not in email or any(c in email for c in '"\\'):
        raise AdminError(f"{email!r} is not an e-mail address")
    users = cognito.list_users(UserPoolId=pool, Filter=f'email = "{email}"', Limit=1)["Users"]
    if not users:
        where = f" at {sign_up_at}" if sign_up_at else ""
        raise AdminError(
            f"no user with the e-mail {email} in the user pool {pool}. Invite them: make admin "
            f"EMAIL={email} INVITE=1 (sign-up by invitation, the default); or, with "
            f"SignUp=open, sign up first{where} (and enter the confirmation code from the "
            "e-mail), then run make admin again.")
    return users[0]


def attribute(user: dict[str, Any], name: str) -> str:
    return next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == name), "")


def is_admin(cognito: Any, pool: str, username: str) -> bool:
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]
    return any(g["GroupName"] == ADMINS_GROUP for g in groups)


def add_admin(cognito: Any, pool: str, user: dict[str, Any]) -> bool:
    """Put the user in the admins group; False if they were in it already."""
    if is_admin(cognito, pool, user["Username"]):
        return False
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=user["Username"],
                                    GroupName=ADMINS_GROUP)
    return True


@contextmanager
def bound_korpo(region: str, pool: str, catalog_table: str) -> Iterator[Any]:
    """korpo.people (access, invitations…), with the settings and tables the deployed
    functions have (their environment variables), for the time of the block."""
    korpo_path = str(ROOT / "functions" / "korpo")
    if korpo_path not in sys.path:
        sys.path.insert(0, korpo_path)
    env = {"AWS_REGION": region, "KORPO_USER_POOL_ID": pool,
           "KORPO_CATALOG_TABLE": catalog_table}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    from korpo import settings
    from korpo.models import bind_tables
    from korpo.people import access, invitations

    try:
        settings.current.cache_clear()
        bind_tables(settings.current())
        yield SimpleNamespace(access=access, invitations=invitations)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        settings.current.cache_clear()


def catalog_table(session: Any, stack: str) -> str:
    return session.client("cloudformation").describe_stack_resource(
        StackName=stack, LogicalResourceId="CatalogTable")["StackResourceDetail"][
        "PhysicalResourceId"]


def remove_admin(session: Any, stack: str, pool: str, user: dict[str, Any]) -> bool:
    """Take the rights back at once (see the module's docstring); False if they had none."""
    cognito = session.client("cognito-idp")
    if not is_admin(cognito, pool, user["Username"]):
        return False
    with bound_korpo(session.region_name, pool, catalog_table(session, stack)) as people:
        access = people.access
        try:
            access.set_admin(ACTOR, attribute(user, "sub"), admin=False, cognito=cognito)
        except access.EmployeeNotFound:
            # Never signed in to the web app (signing in makes the profile): no session of
            # its to outlive, no profile to mark. The group and any API tokens' renewal go.
            cognito.admin_remove_user_from_group(UserPoolId=pool, Username=user["Username"],
                                                 GroupName=ADMINS_GROUP)
            cognito.admin_user_global_sign_out(UserPoolId=pool, Username=user["Username"])
    return True


# What an invitation refused by Cognito means at the terminal (korpo.people.invitations).
INVITE_REFUSALS = {
    "already_invited": "{email} was invited before, but has no account any more: withdraw "
                       "the invitation in Manage → Employees, or wait for its 7 days to end.",
    "email_limit": "Cognito sends no more e-mails today (50 a day without SenderEmail/SES, "
                   "reset at 09:00 UTC). Try again then, or set SenderEmail.",
    "domain_refused": "the user pool refused the domain of {email}: it is not in the stack's "
                      "AllowedEmailDomains.",
    "not_an_address": "{email} is not an e-mail address Cognito takes.",
}


def stack_parameters(cloudformation: Any, stack: str) -> dict[str, str]:
    (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}


def invite_admin(session: Any, stack: str, pool: str, email: str, language: str,
                 outputs: dict[str, str]) -> dict[str, Any]:
    """Invite the address (see the module's docstring); the new user, as ListUsers shows it."""
    domains = stack_parameters(session.client("cloudformation"), stack).get(
        "AllowedEmailDomains", "")
    allowed = [d.strip().lower() for d in domains.split(",") if d.strip()]
    if allowed and email.rsplit("@", 1)[-1] not in allowed:
        raise AdminError(f"{email} is not an address of the stack's AllowedEmailDomains "
                         f"({', '.join(allowed)}): invite a work address.")
    cognito = session.client("cognito-idp")
    web_app = outputs.get("WebAppUrl", "").rstrip("/")
    with bound_korpo(session.region_name, pool, catalog_table(session, stack)) as people:
        invitations = people.invitations
        try:
            invitations.invite(email, language, ACTOR,
                               f"{web_app}/signin" if web_app else None,
                               invitations.Pool(pool, cognito))
        except invitations.Refusal as refusal:
            raise AdminError(INVITE_REFUSALS.get(
                refusal.reason, "Cognito refused the invitation ({reason}).").format(
                email=email, reason=refusal.reason)) from None
    return find_user(cognito, pool, email)


def run(email: str, stack: str | None = None, region: str | None = None,
        remove: bool = False, samconfig: Path | None = None, invite: bool = False,
        language: str = "en") -> str:
    """Do it; the sentence to print."""
    stack = stack_name(stack, samconfig)
    session = boto3.session.Session(region_name=region or samconfig_value("region", samconfig))
    outputs = stack_outputs(session.client("cloudformation"), stack)
    pool = user_pool_id(outputs, stack)
    cognito = session.client("cognito-idp")
    email = email.strip().lower()  # as the web app's sign-up stores it
    invited = False
    try:
        user = find_user(cognito, pool, email, outputs.get("WebAppUrl", ""))
    except AdminError:
        if not invite or remove:
            raise
        user, invited = invite_admin(session, stack, pool, email, language, outputs), True
    if remove:
        if not remove_admin(session, stack, pool, user):
            return f"{email} is not an admin of {stack}: nothing to do."
        return (f"{email} is no longer an admin of {stack}: their admin pages are closed now, "
                "and they are signed out everywhere.")
    notes = []
    if invited:
        add_admin(cognito, pool, user)
        where = outputs.get("WebAppUrl", "the web app")
        return (f"{email} is invited to {stack} and is an admin (user pool {pool}): Cognito "
                f"e-mails a temporary password, valid 7 days. Sign in at {where} with it, "
                "choose your own password, and Manage (/manage) is there.")
    if user.get("UserStatus") == "UNCONFIRMED":
        notes.append("They have not entered their confirmation code yet: they can sign in "
                     "once they have.")
    if user.get("UserStatus") == "FORCE_CHANGE_PASSWORD":
        notes.append("They have not accepted their invitation yet: Manage appears at their "
                     "first sign-in.")
    if not user.get("Enabled", True):
        notes.append("Their account is deactivated: reactivate it in Manage → Employees.")
    if not add_admin(cognito, pool, user):
        return " ".join([f"{email} is already an admin of {stack}.", *notes])
    return " ".join([f"{email} is now an admin of {stack} (user pool {pool}): Manage (/manage) "
                     "appears at their next sign-in.", *notes])


def _explain(error: Exception) -> str:
    if isinstance(error, NoCredentialsError):
        return ("no AWS credentials found. Set AWS_PROFILE, or run `aws configure` or "
                "`aws sso login`, then run make admin again.")
    if isinstance(error, NoRegionError):
        return "which region? Pass REGION=<the stack's region> (e.g. REGION=eu-west-1)."
    assert isinstance(error, ClientError)
    code = error.response["Error"].get("Code", "")
    message = error.response["Error"].get("Message", str(error))
    if "Expired" in code:
        return f"your AWS credentials have expired ({code}): sign in again (aws sso login…)."
    if code in ("AccessDenied", "AccessDeniedException", "NotAuthorizedException"):
        return (f"AWS refused ({code}: {message}). These credentials need "
                "cloudformation:DescribeStacks and DescribeStackResource, and cognito-idp:"
                "ListUsers, AdminListGroupsForUser, AdminAddUserToGroup (--remove: "
                "AdminRemoveUserFromGroup, AdminUserGlobalSignOut, and the Catalog table; "
                "--invite: AdminCreateUser, and the Catalog table).")
    return f"AWS refused ({code}: {message})."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make admin", description="Make an employee an admin of a deployed stack "
                                       "(--invite: invite them first).")
    parser.add_argument("email", help="the e-mail they signed up with")
    parser.add_argument("--stack", help="stack name (default: samconfig.toml's stack_name)")
    parser.add_argument("--region", help="the stack's region (default: samconfig.toml's, "
                                         "else your AWS configuration's)")
    parser.add_argument("--remove", action="store_true", help="take admin rights back")
    parser.add_argument("--invite", action="store_true",
                        help="no account yet: invite the address (sign-up by invitation)")
    parser.add_argument("--language", choices=("en", "fr"), default="en",
                        help="the invitation's language (default en)")
    args = parser.parse_args(argv)
    try:
        print(run(args.email, args.stack, args.region, args.remove, invite=args.invite,
                  language=args.language))
    except AdminError as error:
        print(f"make admin: {error}", file=sys.stderr)
        return 1
    except (NoCredentialsError, NoRegionError, ClientError) as error:
        print(f"make admin: {_explain(error)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
