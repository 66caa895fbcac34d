"""Sign-up as the `SignUp` parameter makes it, through the web app's pages (payload 1.0 events,
moto in-process, the template's own user pool): invite-only (the sign-up page closed, admins
invite one address or a pasted list, the invitation in the employee's language, the
temporary password then a password of their own) and open (sign up, within limits per
address and per hour); and the admins' list with every state a person can be in.

moto sends no e-mail and calls no trigger: infra/cognito.py plays Cognito's part, calling the
template's CustomMessage trigger (the real handler) and keeping what would be sent.
"""
from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from helpers import load_event
from web_pages import (
    FORM, HOST, as_admin, cookies_of, form, headers_of, jar, page_event, text_of,
    web_with_template_pool,
)

PASSWORD = "correct-horse-42"
SIGN_IN_URL = f"https://{HOST}/signin"


@pytest.fixture
def invite_only(aws, monkeypatch):
    with web_with_template_pool(monkeypatch, "invite") as stack:
        yield stack


@pytest.fixture
def open_sign_up(aws, monkeypatch):
    with web_with_template_pool(monkeypatch, "open") as stack:
        yield stack


def post(path: str, fields: dict, cookie: str = "", language: str = "fr") -> dict:
    headers = {"content-type": FORM, "origin": f"https://{HOST}", "accept-language": language}
    if cookie:
        headers["cookie"] = cookie
    body = "&".join(f"{k}={quote(v)}" for k, v in fields.items())
    return page_event(path, method="POST", headers=headers, body=body)


def set_cookie_line(answer: dict, name: str) -> str:
    return next(line for line in answer["multiValueHeaders"]["Set-Cookie"]
                if line.startswith(f"{name}="))


def invite(stack, addresses: str, language: str = "fr", page_language: str = "fr") -> dict:
    event = form("/manage/employees/invite", {"addresses": addresses, "language": language},
                 who=as_admin(**{"accept-language": page_language}))
    return stack.call(event)


def invitation_to(stack, email: str) -> dict:
    sent = [m for m in stack.stand_in.emails() if m["to"] == [email]]
    assert sent, f"no invitation to {email}"
    return sent[-1]


def temporary_password(mail: dict) -> str:
    """The password as the e-mail gives it to the employee."""
    return re.search(r"(?:temporary password|mot de passe temporaire) ?: <b>([^<]+)</b>",
                     mail["body"]).group(1)


def age(email: str, days: int) -> None:
    """The newcomer's invitation (or sign-up) as if it had been sent `days` ago."""
    from korpo.models import NewcomerModel
    from korpo.models.base import sort_time
    from korpo.months import utc_now
    from korpo.people import newcomers

    ident, then = newcomers.newcomer_id(email), utc_now() - timedelta(days=days)
    NewcomerModel(*NewcomerModel.key(ident)).update(actions=[
        NewcomerModel.since.set(then), NewcomerModel.gsi1sk.set(f"{sort_time(then)}#{ident}")])


def employees_page(stack, language: str = "fr") -> str:
    answer = stack.call(page_event("/manage/employees",
                                   headers=as_admin(**{"accept-language": language})))
    assert answer["statusCode"] == 200, answer["body"][:500]
    return text_of(answer["body"])


def sign_in(stack, email: str, password: str) -> dict:
    return stack.call(post("/signin", {"email": email, "password": password, "next": "/news"}))


def accept_invitation(stack, email: str, password: str = PASSWORD) -> dict[str, str]:
    """The invited employee's first visit: the temporary password, then their own."""
    first = sign_in(stack, email, temporary_password(invitation_to(stack, email)))
    assert headers_of(first)["location"] == "/signin/new-password?next=/news"
    done = stack.call(post("/signin/new-password", {"password": password, "next": "/news"},
                           cookie=jar(cookies_of(first))))
    assert headers_of(done)["location"] == "/news", done["body"][:300]
    return cookies_of(done)


# ------------------------------------------------------------------ invite-only (the default)


def test_invite_only_closes_the_sign_up_page_and_cognito_refuses_sign_up(invite_only):
    stack = invite_only
    french = stack.call(page_event("/signup"))
    english = stack.call(page_event("/signup", headers={"accept-language": "en"}))
    assert french["statusCode"] == english["statusCode"] == 200
    assert "Les comptes sont créés sur invitation" in french["body"]
    assert "Accounts are made by invitation" in english["body"]
    assert "Ask an administrator of the programme to invite you" in english["body"]
    assert "<form" not in english["body"].split("<main")[1].split("</main>")[0]

    refused = stack.call(post("/signup", {"email": "eve@example.com", "password": PASSWORD}))
    assert refused["statusCode"] == 403 and "sur invitation" in refused["body"]
    assert stack.cognito.list_users(UserPoolId=stack.pool)["Users"] == []

    # Calling Cognito's public API directly does not get round it (the pool's
    # AllowAdminCreateUserOnly, from the template's InviteOnly condition).
    config = stack.cognito.describe_user_pool(UserPoolId=stack.pool)["UserPool"]
    assert config["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    with pytest.raises(ClientError) as raised:
        stack.cognito.sign_up(ClientId=stack.client, Username="eve@example.com",
                              Password=PASSWORD)
    assert raised.value.response["Error"]["Code"] == "NotAuthorizedException"

    signin = stack.call(page_event("/signin", headers={"accept-language": "en"}))["body"]
    assert 'href="/signup"' not in signin and "Ask an administrator" in signin


def test_an_invited_employee_chooses_a_password_and_arrives_in_their_language(invite_only):
    from korpo.people import profiles

    stack = invite_only
    answer = invite(stack, "Claire.Martin@example.com", language="fr")
    assert answer["statusCode"] == 200, answer["body"][:500]
    assert "Invitations envoyées : 1." in text_of(answer["body"])

    mail = invitation_to(stack, "claire.martin@example.com")
    assert mail["subject"] == "Korpo Demo : votre invitation"
    assert "Bonjour," in mail["body"] and "claire.martin@example.com" in mail["body"]
    assert f'<a href="{SIGN_IN_URL}">' in mail["body"]
    temporary = temporary_password(mail)
    user = stack.cognito.admin_get_user(UserPoolId=stack.pool,
                                        Username="claire.martin@example.com")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert {"Name": "locale", "Value": "fr"} in user["UserAttributes"]
    assert "claire.martin@example.com Invité jusqu’au" in employees_page(stack)

    first = sign_in(stack, "claire.martin@example.com", temporary)
    assert first["statusCode"] == 303
    assert headers_of(first)["location"] == "/signin/new-password?next=/news"
    challenge = set_cookie_line(first, "korpo_challenge")
    assert "Path=/signin/new-password" in challenge and "HttpOnly" in challenge
    assert "korpo_session" not in cookies_of(first)  # not signed in yet

    cookie = jar(cookies_of(first))
    form_page = stack.call(page_event("/signin/new-password", headers={"cookie": cookie}))
    assert form_page["statusCode"] == 200
    assert "Choisissez votre mot de passe" in form_page["body"]
    assert "claire.martin@example.com" in form_page["body"]
    english = stack.call(page_event("/signin/new-password",
                                    headers={"cookie": cookie, "accept-language": "en"}))
    assert "Choose your password" in english["body"]

    weak = stack.call(post("/signin/new-password", {"password": "short"}, cookie=cookie))
    assert weak["statusCode"] == 400 and 'id="password-error"' in weak["body"]

    done = stack.call(post("/signin/new-password", {"password": PASSWORD, "next": "/news"},
                           cookie=cookie))
    assert done["statusCode"] == 303 and headers_of(done)["location"] == "/news"
    assert {"korpo_session", "korpo_refresh"} <= set(cookies_of(done))
    assert cookies_of(done)["korpo_challenge"] == ""  # spent

    assert stack.cognito.admin_get_user(UserPoolId=stack.pool,
                                        Username="claire.martin@example.com")[
        "UserStatus"] == "CONFIRMED"
    assert headers_of(sign_in(stack, "claire.martin@example.com", PASSWORD))[
        "location"] == "/news"
    listed = employees_page(stack)
    assert "Pas encore connectés" not in listed  # nobody is waiting any more
    assert "Claire Martin claire.martin@example.com Aucune équipe Non 0 0 Actif" in listed
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    assert profiles.get_profile(sub).language == "fr"  # the invitation's language


def test_the_new_password_page_needs_a_waiting_sign_in(invite_only):
    stack = invite_only
    alone = stack.call(page_event("/signin/new-password"))
    assert alone["statusCode"] == 303 and headers_of(alone)["location"] == "/signin?next=/news"

    invite(stack, "late@example.com")
    first = sign_in(stack, "late@example.com",
                    temporary_password(invitation_to(stack, "late@example.com")))
    cookies = cookies_of(first)
    # Cognito's challenge session lasts AuthSessionValidity minutes: past it, the sign-in
    # starts again (a session Cognito no longer knows).
    import base64
    import json
    cookies["korpo_challenge"] = base64.urlsafe_b64encode(json.dumps(
        {"email": "late@example.com", "session": "gone-session-" + "x" * 40}).encode()).decode()
    late = stack.call(post("/signin/new-password", {"password": PASSWORD}, cookie=jar(cookies)))
    assert late["statusCode"] == 400
    assert "Trop de temps s’est écoulé" in late["body"] and 'action="/signin"' in late["body"]
    assert cookies_of(late)["korpo_challenge"] == ""
    # A cookie that is no challenge at all is none.
    for junk in ("not-base64!", base64.urlsafe_b64encode(b'{"email": "a", "session": "x"}')
                 .decode(), "e30=" * 2000):
        answer = stack.call(post("/signin/new-password", {"password": PASSWORD},
                                 cookie=f"korpo_challenge={junk}"))
        assert answer["statusCode"] == 303 and headers_of(answer)["location"].startswith(
            "/signin?next=")


def test_a_pasted_list_invites_the_good_lines_and_says_why_of_the_others(invite_only):
    stack = invite_only
    invite(stack, "already@example.com")
    stack.cognito.admin_create_user(UserPoolId=stack.pool, Username="taken@example.com",
                                    MessageAction="SUPPRESS")
    before = len(stack.stand_in.emails())
    pasted = "\n".join([
        "email,language",
        '"Lee, Ann" <ann.lee@example.com>,en',
        "bob@gmail.com",
        "not-an-address",
        "ANN.LEE@example.com",
        "carl@example.com; dan@example.com",
        "already@example.com",
        "taken@example.com",
        "",
        "dora@example.com\tfr",
    ])
    answer = invite(stack, pasted, language="en", page_language="en")
    assert answer["statusCode"] == 200, answer["body"][:500]
    text = html.unescape(text_of(answer["body"]))
    assert "Invitations sent: 2." in text and "Not invited: 6" in text
    for line, why in [
            (3, "bob@gmail.com gmail.com is not one of this programme's e-mail domains "
                "(example.com)."),
            (4, "not-an-address This is not an e-mail address."),
            (5, "ANN.LEE@example.com This address is already on line 2."),
            (6, "carl@example.com; dan@example.com This line holds more than one address: "
                "put each on a line of its own."),
            (7, "already@example.com This address is invited already: send the invitation "
                "again from the list of employees."),
            (8, "taken@example.com This address has an account already.")]:
        assert f"{line} {why}" in text, (line, text[text.find("Not invited"):][:1500])
    # The box keeps only the lines to fix.
    box = answer["body"].split('<textarea id="addresses"')[1].split("</textarea>")[0]
    assert "bob@gmail.com" in box and "dora@example.com" not in box
    assert "ann.lee@example.com" not in box.split("\n")[0]

    sent = stack.stand_in.emails()[before:]
    assert sorted(m["to"][0] for m in sent) == ["ann.lee@example.com", "dora@example.com"]
    assert invitation_to(stack, "ann.lee@example.com")["subject"] == "Korpo Demo: your invitation"
    assert invitation_to(stack, "dora@example.com")["subject"] == "Korpo Demo : votre invitation"


def test_a_pasted_list_is_bounded_before_anything_is_sent(invite_only):
    from korpo.people import invite_list

    stack = invite_only
    too_many = "\n".join(f"p{n}@example.com" for n in range(invite_list.MAX_ADDRESSES + 1))
    refused = invite(stack, too_many, page_language="en")
    assert refused["statusCode"] == 400
    assert "Paste at most 50 addresses at a time" in text_of(refused["body"])
    assert "This list has 51 lines" in text_of(refused["body"])
    long_line = "a" * 10_001 + "@example.com"
    assert invite(stack, long_line)["statusCode"] == 400
    empty = invite(stack, "  \n ", page_language="en")
    assert empty["statusCode"] == 400 and "Enter at least one e-mail address." in empty["body"]
    oversized = stack.call(form("/manage/employees/invite",
                                {"addresses": "x" * 70_000, "language": "en"}))
    assert oversized["statusCode"] == 413
    assert stack.stand_in.emails() == []
    assert stack.cognito.list_users(UserPoolId=stack.pool)["Users"] == []

    exactly = "\n".join(f"p{n}@example.com" for n in range(invite_list.MAX_ADDRESSES))
    assert invite(stack, exactly)["statusCode"] == 200
    assert len(stack.stand_in.emails()) == invite_list.MAX_ADDRESSES


def test_an_expired_invitation_is_sent_again_and_a_wrong_one_withdrawn(invite_only):
    from korpo.people import newcomers

    stack = invite_only
    invite(stack, "slow@example.com")
    ident = newcomers.newcomer_id("slow@example.com")
    old = temporary_password(invitation_to(stack, "slow@example.com"))
    age("slow@example.com", newcomers.INVITATION_DAYS + 1)
    assert "slow@example.com Invitation expirée" in employees_page(stack)

    again = stack.call(form("/manage/employees/newcomers/{newcomer_id}/resend", {},
                            params={"newcomer_id": ident}))
    assert headers_of(again)["location"] == "/manage/employees?done=resent"
    new = temporary_password(invitation_to(stack, "slow@example.com"))
    assert new != old and len([m for m in stack.stand_in.emails()
                               if m["to"] == ["slow@example.com"]]) == 2
    listed = stack.call(page_event("/manage/employees", query={"done": "resent"},
                                   headers=as_admin()))["body"]
    assert "L’invitation est renvoyée" in listed
    assert "slow@example.com Invité jusqu’au" in text_of(listed)
    assert sign_in(stack, "slow@example.com", old)["statusCode"] == 400
    assert headers_of(sign_in(stack, "slow@example.com", new))["location"].startswith(
        "/signin/new-password")

    invite(stack, "typo@example.com")  # a wrong address
    typo = newcomers.newcomer_id("typo@example.com")
    confirm = stack.call(page_event("/manage/employees/newcomers/{newcomer_id}/withdraw",
                                    params={"newcomer_id": typo}, headers=as_admin()))
    assert confirm["statusCode"] == 200 and "Retirer le compte de typo@example.com" in \
        confirm["body"]
    gone = stack.call(form("/manage/employees/newcomers/{newcomer_id}/withdraw", {},
                           params={"newcomer_id": typo}))
    assert headers_of(gone)["location"] == "/manage/employees?done=withdrawn"
    with pytest.raises(ClientError):
        stack.cognito.admin_get_user(UserPoolId=stack.pool, Username="typo@example.com")
    assert "typo@example.com" not in employees_page(stack)
    for action in ("resend", "withdraw"):
        again = stack.call(form(f"/manage/employees/newcomers/{{newcomer_id}}/{action}", {},
                                params={"newcomer_id": typo}))
        assert again["statusCode"] == 404


def test_withdrawing_is_refused_once_they_have_signed_in(invite_only):
    from korpo.people import invitations, newcomers

    stack = invite_only
    invite(stack, "quick@example.com")
    accept_invitation(stack, "quick@example.com")
    # The first sign-in forgot the newcomer; one recorded again meanwhile (a race) is no
    # licence to delete an employee's account.
    newcomers.record("quick@example.com", newcomers.INVITED)
    with pytest.raises(invitations.Refusal) as refused:
        invitations.withdraw(newcomers.newcomer_id("quick@example.com"),
                             invitations.Pool(stack.pool, stack.cognito))
    assert refused.value.reason == invitations.SIGNED_IN
    assert stack.cognito.admin_get_user(UserPoolId=stack.pool,
                                        Username="quick@example.com")["Enabled"]


# ------------------------------------------------------------------ open sign-up


def sign_up(stack, email: str) -> dict:
    return stack.call(post("/signup", {"email": email, "password": PASSWORD}))


def test_open_sign_up_end_to_end_and_every_state_in_the_list(open_sign_up):
    from korpo.people import access
    from web_pages import BOSS

    stack = open_sign_up
    assert headers_of(sign_up(stack, "nina@example.com"))["location"] == "/signup/confirm"
    assert headers_of(sign_up(stack, "otto@example.com"))["location"] == "/signup/confirm"
    invite(stack, "ivy@example.com")  # admins may invite when sign-up is open too
    invite(stack, "eli@example.com")
    age("eli@example.com", 30)
    # Otto confirms and signs in: an employee now; then an admin deactivates him.
    assert headers_of(stack.call(post("/signup/confirm", {
        "email": "otto@example.com", "code": "123456"})))["location"].startswith("/signin")
    assert headers_of(sign_in(stack, "otto@example.com", PASSWORD))["location"] == "/news"
    otto = next(a["Value"] for a in stack.cognito.admin_get_user(
        UserPoolId=stack.pool, Username="otto@example.com")["UserAttributes"]
        if a["Name"] == "sub")
    access.set_active(BOSS, otto, False, cognito=stack.cognito)
    assert headers_of(sign_up(stack, "pia@example.com"))["location"] == "/signup/confirm"
    assert headers_of(stack.call(post("/signup/confirm", {
        "email": "pia@example.com", "code": "123456"})))["location"].startswith("/signin")
    assert headers_of(sign_in(stack, "pia@example.com", PASSWORD))["location"] == "/news"

    listed = employees_page(stack, "en")
    assert "ivy@example.com Invited until" in listed
    assert "eli@example.com Invitation expired" in listed
    assert "nina@example.com Never signed in" in listed
    assert "Pia pia@example.com No team No 0 0 Active" in listed
    assert "Otto otto@example.com No team No 0 0 Deactivated" in listed
    assert "otto@example.com Never signed in" not in listed  # he did sign in
    # Newest first: the expired invitation is the oldest.
    assert listed.index("eli@example.com") > listed.index("nina@example.com")
    assert listed.index("ivy@example.com") < listed.index("eli@example.com")


def test_open_sign_up_limits_the_codes_per_address(open_sign_up):
    from korpo.people import signup_limits

    stack = open_sign_up
    assert headers_of(sign_up(stack, "max@example.com"))["location"] == "/signup/confirm"
    # Each e-mail to the address counts: the sign-up's code, then password resets (moto has
    # no ResendConfirmationCode; a new code is counted the same, before Cognito is called).
    for _ in range(signup_limits.CODES_PER_ADDRESS_PER_HOUR - 1):
        forgot = stack.call(post("/password/forgot", {"email": "max@example.com"}))
        assert headers_of(forgot)["location"] == "/password/reset"
    over = stack.call(post("/signup/resend", {"email": "max@example.com"}, language="en"))
    assert over["statusCode"] == 429
    assert 0 < int(headers_of(over)["retry-after"]) <= 3601
    assert "This address has been sent all the codes it can get in an hour" in over["body"]
    assert stack.call(post("/password/forgot", {"email": "max@example.com"}))[
        "statusCode"] == 429
    again = sign_up(stack, "MAX@example.com")  # the same address, however it is written
    assert again["statusCode"] == 429
    # Another address is not concerned.
    assert sign_up(stack, "min@example.com")["statusCode"] == 303


def test_open_sign_up_limits_the_emails_of_an_hour_for_everyone(aws, monkeypatch):
    import boto3

    from korpo import settings
    from korpo.people import signup_limits

    monkeypatch.setenv("KORPO_ACCOUNT_EMAILS_PER_HOUR", "3")
    with web_with_template_pool(monkeypatch, "open") as stack:
        assert settings.current().account_emails_per_hour == 3
        for n in range(3):
            assert sign_up(stack, f"flood{n}@example.com")["statusCode"] == 303
        over = sign_up(stack, "flood3@example.com")
        assert over["statusCode"] == 429 and "Trop d’e-mails" in over["body"]
        users = {u["Attributes"][0]["Value"] for u in stack.cognito.list_users(
            UserPoolId=stack.pool)["Users"]}
        assert len(stack.cognito.list_users(UserPoolId=stack.pool)["Users"]) == 3, users

        # Counted per hour: the next hour has its own.
        later = signup_limits.utc_now() + timedelta(hours=1)
        monkeypatch.setattr(signup_limits, "utc_now", lambda: later)
        assert sign_up(stack, "flood3@example.com")["statusCode"] == 303

        # The counters expire (the Catalog's TTL attribute), an address kept as a hash.
        table = settings.current().catalog_table
        dynamodb = boto3.client("dynamodb")
        ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl["AttributeName"] == "delete_after"
        item = dynamodb.get_item(TableName=table, Key={
            "pk": {"S": signup_limits.EVERYONE_KEY},
            "sk": {"S": f"HOUR#{later:%Y-%m-%dT%H}"}})["Item"]
        assert item["n"] == {"N": "1"} and int(item["delete_after"]["N"]) > later.timestamp()
        assert signup_limits.address_key("flood3@example.com").startswith("LIMIT#address#")
        assert "flood3" not in signup_limits.address_key("flood3@example.com")


# ------------------------------------------------------------------ the trigger's e-mail


@pytest.mark.parametrize("language,subject,hello,password", [
    ("fr", "Korpo Demo : votre invitation", "Bonjour,", "ce mot de passe temporaire : "),
    ("en", "Korpo Demo: your invitation", "Hello,", "this temporary password: "),
])
def test_the_invitation_trigger_writes_the_employees_language(aws, language, subject, hello,
                                                               password):
    from infra.functions import LambdaContext, load_handler
    from korpo.people import newcomers

    handler = load_handler("CognitoTriggersFunction")
    event = load_event(f"cognito_triggers/invitation_{language}")
    email = event["request"]["userAttributes"]["email"]
    newcomers.record(email, newcomers.INVITED, language=language,
                     sign_in_url="https://go.example.com/signin")
    answer = handler(event, LambdaContext("cognito_triggers"))["response"]
    assert answer["emailSubject"] == subject
    body = answer["emailMessage"]
    assert body.startswith(f"<p>{hello}</p>") and email in body
    assert f"{password}<b>{{####}}</b>" in body and "{username}" in body
    assert '<a href="https://go.example.com/signin">' in body
    assert "7" in body  # the days the temporary password works


def test_the_trigger_leaves_other_messages_to_cognito_and_needs_no_item(aws):
    from infra.functions import LambdaContext, load_handler

    handler = load_handler("CognitoTriggersFunction")
    code = handler(load_event("cognito_triggers/sign_up_code"), LambdaContext("t"))
    assert code["response"] == {"smsMessage": None, "emailMessage": None,
                                "emailSubject": None}
    # No newcomer item (a user made in the console): the PublicBaseUrl, else plain words.
    alone = handler(load_event("cognito_triggers/invitation_en"), LambdaContext("t"))
    assert "https://go.example.com/signin" in alone["response"]["emailMessage"]
