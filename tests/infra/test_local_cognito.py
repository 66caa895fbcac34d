"""Sign-up in the template, and Cognito's part that moto does not play (infra/cognito.py).

What only a real user pool enforces is checked on the template itself: with `SignUp=invite`
the pool's `AllowAdminCreateUserOnly` is true ("Set to True if only the administrator is
allowed to create user profiles": AdminCreateUserConfigType, Cognito API reference), and the
invitation's temporary password lasts what Korpo says it does.
"""
from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.cognito import CognitoStandIn
from infra.functions import LambdaContext, load_handler
from infra.resources import base_refs, cognito_triggers, create_identity
from infra.template import load_template, resolve_all

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]


@pytest.mark.parametrize("mode,admins_only", [("invite", True), ("open", False)])
def test_the_sign_up_parameter_sets_the_user_pool(mode, admins_only):
    parameter = TEMPLATE["Parameters"]["SignUp"]
    assert parameter["Default"] == "invite" and set(parameter["AllowedValues"]) == {
        "invite", "open"}
    _params, refs = base_refs(TEMPLATE, "korpo", "eu-west-1", {"SignUp": mode})
    pool = resolve_all(RESOURCES["UserPool"]["Properties"], refs)
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is admins_only
    web = RESOURCES["WebFunction"]["Properties"]["Environment"]["Variables"]
    assert web["KORPO_SIGN_UP"] == {"Ref": "SignUp"}
    assert web["KORPO_ACCOUNT_EMAILS_PER_HOUR"] == {"Ref": "AccountEmailsPerHour"}


def test_the_template_and_the_code_agree_on_invitations():
    from infra.functions import load_module
    from korpo.people import newcomers, signup_limits

    load_module("functions/web")  # its directory on sys.path, as /var/task in Lambda
    from webapp.routes import auth

    policy = RESOURCES["UserPool"]["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["TemporaryPasswordValidityDays"] == newcomers.INVITATION_DAYS
    client = RESOURCES["UserPoolClient"]["Properties"]
    assert client["AuthSessionValidity"] * 60 == auth.CHALLENGE_SECONDS
    ttl = RESOURCES["CatalogTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": signup_limits.TTL_ATTRIBUTE, "Enabled": True}
    # The invitation's words come from the pool's CustomMessage trigger, which reads the
    # newcomer item (and nothing else): a function of its own, no reference back to the pool.
    assert cognito_triggers(TEMPLATE)["CustomMessage"] == "CognitoTriggersFunction"
    trigger = RESOURCES["CognitoTriggersFunction"]["Properties"]
    assert trigger["Timeout"] <= 5  # Cognito waits 5 seconds for a trigger

    def actions(role: str) -> dict[str, set[str]]:
        """{Sid: its actions} of a function's role."""
        statements = [rule for policy in RESOURCES[role]["Properties"]["Policies"]
                      for rule in policy["PolicyDocument"]["Statement"]]
        return {rule["Sid"]: set(rule["Action"] if isinstance(rule["Action"], list)
                                 else [rule["Action"]]) for rule in statements}

    assert trigger["Role"] == {"Fn::GetAtt": ["CognitoTriggersRole", "Arn"]}
    assert actions("CognitoTriggersRole")["Catalog"] == {"dynamodb:GetItem"}
    assert {"cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser",
            "cognito-idp:AdminDeleteUser"} <= actions("WebRole")["People"]

@pytest.fixture
def pool():
    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        identity = create_identity(session, TEMPLATE, "korpo-local-test")
        yield session.client("cognito-idp"), identity.user_pool_id, \
            identity.user_pool_client_id


def test_moto_alone_sends_no_invitation_and_takes_any_sign_up(pool):
    """Why the stand-in exists: what moto 5.2 does with the template's invite-only pool."""
    cognito, pool_id, client = pool
    cognito.admin_create_user(UserPoolId=pool_id, Username="ann@example.com")
    with pytest.raises(ClientError):  # no temporary password was made: nobody can sign in
        cognito.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "ann@example.com", "PASSWORD": ""})
    cognito.sign_up(ClientId=client, Username="eve@example.com", Password="any-horse-42")


def test_the_stand_in_plays_cognitos_invitations(pool):
    cognito, pool_id, client = pool
    calls = []

    def trigger(event):
        calls.append(event)
        event["response"].update(emailSubject="Welcome", emailMessage=(
            f"Hi {event['request']['userAttributes']['email']}: {{username}} / {{####}}"))
        return event

    with CognitoStandIn(log=lambda _line: None) as stand_in:
        stand_in.add_pool(pool_id, trigger, sender="korpo@example.com")
        created = cognito.admin_create_user(
            UserPoolId=pool_id, Username="ann@example.com",
            UserAttributes=[{"Name": "email", "Value": "ann@example.com"},
                            {"Name": "locale", "Value": "fr"}])["User"]
        (event,) = calls
        assert event["triggerSource"] == "CustomMessage_AdminCreateUser"
        assert event["request"]["codeParameter"] == "{####}"
        assert event["request"]["userAttributes"]["locale"] == "fr"
        (mail,) = stand_in.emails()
        password = mail["temporary_password"]
        assert mail["to"] == ["ann@example.com"] and mail["from"] == "korpo@example.com"
        assert mail["body"] == f"Hi ann@example.com: {created['Username']} / {password}"
        first = cognito.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": "ann@example.com",
                                                      "PASSWORD": password})
        assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

        # RESEND: a new temporary password, the same user (moto alone makes a second one).
        cognito.admin_create_user(UserPoolId=pool_id, Username="ann@example.com",
                                  MessageAction="RESEND")
        again = stand_in.emails()[-1]["temporary_password"]
        assert again != password
        assert len(cognito.list_users(UserPoolId=pool_id)["Users"]) == 1
        cognito.respond_to_auth_challenge(
            ClientId=client, ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=cognito.initiate_auth(
                ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "ann@example.com", "PASSWORD": again})["Session"],
            ChallengeResponses={"USERNAME": "ann@example.com", "NEW_PASSWORD": "own-horse-42"})
        with pytest.raises(ClientError) as refused:  # she chose hers: nothing to resend
            cognito.admin_create_user(UserPoolId=pool_id, Username="ann@example.com",
                                      MessageAction="RESEND")
        assert refused.value.response["Error"]["Code"] == "UnsupportedUserStateException"

        cognito.admin_create_user(UserPoolId=pool_id, Username="quiet@example.com",
                                  MessageAction="SUPPRESS")
        assert len(stand_in.emails()) == 2  # SUPPRESS sends nothing

        with pytest.raises(ClientError) as closed:
            cognito.sign_up(ClientId=client, Username="eve@example.com",
                            Password="any-horse-42")
        assert closed.value.response["Error"]["Code"] == "NotAuthorizedException"
        assert "SignUp is not permitted" in closed.value.response["Error"]["Message"]

    # Uninstalled: moto's own behaviour again.
    cognito.sign_up(ClientId=client, Username="eve@example.com", Password="any-horse-42")


def test_a_trigger_answer_without_the_placeholders_is_refused_as_cognito_does(pool):
    cognito, pool_id, _client = pool

    def careless(event):
        event["response"].update(emailSubject="Hi", emailMessage="Come and sign in!")
        return event

    with CognitoStandIn(log=lambda _line: None) as stand_in:
        stand_in.add_pool(pool_id, careless)
        with pytest.raises(ClientError) as refused:
            cognito.admin_create_user(UserPoolId=pool_id, Username="ann@example.com")
    assert refused.value.response["Error"]["Code"] == "InvalidLambdaResponseException"


def test_the_local_stack_shows_invitations_at_local_emails_and_closes_sign_up():
    from infra.local_stack import start

    stack = start(port=0, moto_port=0, seed=False, background=True, quiet=True, auto=False)
    try:
        assert stack.resources.parameters["SignUp"] == "invite"  # the template's default
        closed = requests.get(f"{stack.gateway_url}/signup", timeout=30,
                              headers={"Accept-Language": "en"})
        assert closed.status_code == 200 and "Accounts are made by invitation" in closed.text
        stack.cognito().admin_create_user(
            UserPoolId=stack.resources.user_pool_id, Username="new@example.com",
            UserAttributes=[{"Name": "email", "Value": "new@example.com"},
                            {"Name": "locale", "Value": "en"}])
        emails = requests.get(f"{stack.gateway_url}/_local/emails", timeout=30).json()[
            "emails"]
        (mail,) = [m for m in emails if m["via"] == "cognito"]
        assert mail["to"] == ["new@example.com"] and mail["subject"].endswith(
            ": your invitation")
        assert mail["temporary_password"] in mail["body"]
    finally:
        stack.stop()
    # Stopped: moto's Cognito is moto's again for whoever runs next in this process.
    from moto.cognitoidp.models import CognitoIdpBackend
    assert CognitoIdpBackend.admin_create_user.__module__ == "moto.cognitoidp.models"


def test_the_trigger_is_the_template_function_the_stand_in_calls():
    handler = load_handler("CognitoTriggersFunction")
    assert handler({"triggerSource": "PostConfirmation_ConfirmSignUp"},
                   LambdaContext("t")) == {"triggerSource": "PostConfirmation_ConfirmSignUp"}
