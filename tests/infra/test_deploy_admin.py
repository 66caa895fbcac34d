"""`make admin` (infra/deploy/admin.py) against a deployed stack in in-process moto."""
from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import pytest

from helpers import guided_samconfig
from infra.deploy import admin

STACK = "korpo-deployed"
REGION = "eu-west-1"
WEB_APP = "https://abc123.execute-api.eu-west-1.amazonaws.com/"
PASSWORD = "korpo-test-1"

SAMCONFIG = guided_samconfig(STACK, REGION)


@pytest.fixture
def deployed(monkeypatch, tmp_path):
    """A deployed stack as make admin finds it. moto's CloudFormation creates no Cognito
    resources, so the user pool, its client and groups come from template.yaml through the
    local stack's resources; the CloudFormation stack holds the template's own CatalogTable
    (and EventsTable, where a first sign-in writes) and the outputs make admin reads."""
    import boto3
    from moto import mock_aws

    from infra.resources import create_resources
    from infra.template import load_template

    config = tmp_path / "samconfig.toml"
    config.write_text(SAMCONFIG)
    monkeypatch.setattr(admin, "SAMCONFIG", config)
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        template = load_template()
        identity = create_resources(session, template, "korpo-identity")
        pool, client = identity.user_pool_id, identity.user_pool_client_id
        body = {"Parameters": {"AllowedEmailDomains": {"Type": "String"}},
                "Resources": {name: template["Resources"][name]
                              for name in ("CatalogTable", "EventsTable")},
                "Outputs": {"UserPoolId": {"Value": pool}, "WebAppUrl": {"Value": WEB_APP}}}
        session.client("cloudformation").create_stack(
            StackName=STACK, TemplateBody=json.dumps(body), Parameters=[
                {"ParameterKey": "AllowedEmailDomains", "ParameterValue": "example.com"}])
        cognito = session.client("cognito-idp")

        def sign_up(email: str, confirm: bool = True) -> str:
            """The web app's sign-up (moto: UNCONFIRMED until confirmed); the user's sub."""
            sub = cognito.sign_up(ClientId=client, Username=email, Password=PASSWORD,
                                  UserAttributes=[{"Name": "email", "Value": email}])["UserSub"]
            if confirm:
                cognito.admin_confirm_sign_up(UserPoolId=pool, Username=email)
            return sub

        def admins() -> set[str]:
            users = cognito.list_users_in_group(UserPoolId=pool, GroupName="admins")["Users"]
            return {admin.attribute(u, "email") for u in users}

        yield SimpleNamespace(session=session, cognito=cognito, pool=pool, client=client,
                              sign_up=sign_up, admins=admins)


def test_make_admin_puts_the_signed_up_user_in_the_admins_group(deployed, capsys):
    deployed.sign_up("ann@example.com")

    # No STACK=: the stack name and region are samconfig.toml's; the e-mail as typed.
    assert admin.main([" Ann@Example.com"]) == 0

    assert deployed.admins() == {"ann@example.com"}
    out = capsys.readouterr().out
    assert "ann@example.com is now an admin of korpo-deployed" in out
    assert "next sign-in" in out
    # Again: nothing changes, and it says so.
    assert admin.main(["ann@example.com", "--stack", STACK]) == 0
    assert "already an admin" in capsys.readouterr().out
    assert deployed.admins() == {"ann@example.com"}


def test_an_unconfirmed_user_is_made_admin_and_told_to_confirm(deployed, capsys):
    deployed.sign_up("cy@example.com", confirm=False)

    assert admin.main(["cy@example.com"]) == 0

    assert deployed.admins() == {"cy@example.com"}
    assert "confirmation code" in capsys.readouterr().out


def test_an_unknown_email_is_refused_with_what_to_do(deployed, capsys):
    deployed.sign_up("ann@example.com")

    assert admin.main(["bob@example.com", "--stack", STACK]) == 1

    err = capsys.readouterr().err
    assert "no user with the e-mail bob@example.com" in err
    assert "make admin EMAIL=bob@example.com INVITE=1" in err
    assert f"sign up first at {WEB_APP}" in err
    assert deployed.admins() == set()


def test_the_user_pool_is_the_stacks_UserPoolId_output(deployed):
    cloudformation = deployed.session.client("cloudformation")

    outputs = admin.stack_outputs(cloudformation, STACK)

    assert admin.user_pool_id(outputs, STACK) == deployed.pool
    with pytest.raises(admin.AdminError, match="no stack named korpo-other in eu-west-1"):
        admin.stack_outputs(cloudformation, "korpo-other")
    with pytest.raises(admin.AdminError, match="has no UserPoolId output"):
        admin.user_pool_id({"WebAppUrl": WEB_APP}, STACK)


def test_a_missing_stack_is_a_clear_error(deployed, capsys):
    assert admin.main(["ann@example.com", "--stack", "korpo-typo"]) == 1
    assert "no stack named korpo-typo in eu-west-1" in capsys.readouterr().err


def test_the_stack_name_comes_from_samconfig_unless_given(tmp_path, monkeypatch):
    config = tmp_path / "samconfig.toml"
    config.write_text(SAMCONFIG)

    assert admin.stack_name(None, config) == STACK
    assert admin.stack_name("korpo-prod", config) == "korpo-prod"
    assert admin.samconfig_value("region", config) == REGION
    monkeypatch.setattr(admin, "SAMCONFIG", tmp_path / "absent.toml")
    with pytest.raises(admin.AdminError, match="STACK="):
        admin.stack_name(None)


def test_remove_takes_the_rights_back_at_once(deployed, capsys, monkeypatch):
    from korpo.people.employees import Identity, ensure_profile

    monkeypatch.setenv("KORPO_EVENTS_TABLE", f"{STACK}-events")  # the sign-up's event
    sub = deployed.sign_up("ann@example.com")
    assert admin.main(["ann@example.com"]) == 0
    # She signed in to the web app (which makes her profile).
    with admin.bound_korpo(REGION, deployed.pool, f"{STACK}-catalog") as people:
        ensure_profile(Identity(sub, "ann@example.com", "Ann", True))
        assert people.access.access_of(sub).admin_revoked_at is None

    assert admin.main(["ann@example.com", "--remove"]) == 0

    assert deployed.admins() == set()
    assert "no longer an admin" in capsys.readouterr().out
    # Every admin page reads this: a session from before is an employee's now.
    with admin.bound_korpo(REGION, deployed.pool, f"{STACK}-catalog") as people:
        revoked = people.access.access_of(sub).admin_revoked_at
    assert revoked is not None
    assert not people.access.Access(admin_revoked_at=revoked).admin_session_valid(
        revoked.timestamp() - 60)


def test_remove_of_someone_never_signed_in_or_no_admin(deployed, capsys):
    deployed.sign_up("ann@example.com")
    deployed.sign_up("bob@example.com")
    assert admin.main(["ann@example.com"]) == 0

    assert admin.main(["ann@example.com", "--remove"]) == 0  # no profile: the group goes
    assert admin.main(["bob@example.com", "--remove"]) == 0

    assert deployed.admins() == set()
    assert "bob@example.com is not an admin" in capsys.readouterr().out


def test_no_credentials_is_a_clear_error(monkeypatch, tmp_path, capsys):
    # No moto here: botocore looks for credentials, finds none, and sends nothing.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    assert admin.main(["ann@example.com", "--stack", STACK, "--region", REGION]) == 1

    assert "no AWS credentials found" in capsys.readouterr().err


def test_the_group_and_the_e_mail_sign_in_are_the_templates_and_the_apps():
    from infra.template import load_template
    from korpo import settings

    resources = load_template()["Resources"]
    assert resources["AdminsGroup"]["Properties"]["GroupName"] == admin.ADMINS_GROUP
    assert settings.from_env({}).admin_group == admin.ADMINS_GROUP
    # make admin finds users by their e-mail attribute: the pool signs in by e-mail.
    assert resources["UserPool"]["Properties"]["UsernameAttributes"] == ["email"]
    # The outputs make admin reads.
    assert {"UserPoolId", "WebAppUrl"} <= set(load_template()["Outputs"])


def test_invite_makes_the_first_admin_of_an_invite_only_stack(deployed, capsys, monkeypatch):
    """SignUp=invite (the default): nobody can sign up, so the first admin is invited from
    the terminal. moto sends nothing: infra/cognito.py plays Cognito, with the template's
    invitation trigger."""
    from infra.cognito import CognitoStandIn
    from infra.functions import LambdaContext, load_handler

    monkeypatch.setenv("KORPO_EVENTS_TABLE", f"{STACK}-events")  # the first sign-in's event
    trigger = load_handler("CognitoTriggersFunction")
    with CognitoStandIn(log=lambda _line: None) as stand_in:
        stand_in.add_pool(deployed.pool, lambda event: trigger(event, LambdaContext("t")))

        assert admin.main(["eve@gmail.com", "--invite"]) == 1  # not a work address
        assert "AllowedEmailDomains (example.com)" in capsys.readouterr().err
        assert admin.main(["Root@Example.com", "--invite", "--language", "fr"]) == 0

    assert "root@example.com is invited to korpo-deployed and is an admin" in \
        capsys.readouterr().out
    (mail,) = stand_in.outbox
    assert mail["to"] == ["root@example.com"] and mail["subject"].endswith(": votre invitation")
    assert f'<a href="{WEB_APP}signin">' in mail["body"]
    assert deployed.admins() == {"root@example.com"}

    # Again: nothing to do, and it says they have not accepted yet.
    assert admin.main(["root@example.com", "--invite"]) == 0
    said = capsys.readouterr().out
    assert "already an admin" in said and "not accepted their invitation yet" in said

    # Their first sign-in: the temporary password, then their own; an admin's token.
    first = deployed.cognito.initiate_auth(
        ClientId=deployed.client, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "root@example.com", "PASSWORD": mail["temporary_password"]})
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = deployed.cognito.respond_to_auth_challenge(
        ClientId=deployed.client, ChallengeName="NEW_PASSWORD_REQUIRED", Session=first["Session"],
        ChallengeResponses={"USERNAME": "root@example.com", "NEW_PASSWORD": "own-horse-4242"})
    claims = json.loads(base64.urlsafe_b64decode(
        done["AuthenticationResult"]["IdToken"].split(".")[1] + "=="))
    assert "admins" in claims["cognito:groups"]
