"""The account pages against Cognito (moto, in-process): sign up, confirm (which signs in the
browser that signed up), sign in, a session renewed by the refresh token, a forgotten
password, sign out, and a deleted account signed out at its next renewal. moto accepts any
confirmation code."""
from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from web_pages import (
    FORM, HOST, SECRET, cookies_of, headers_of, jar, page_event, web_with_user_pool,
)

PASSWORD = "correct-horse-42"


@pytest.fixture
def cognito_web(aws, monkeypatch):
    with web_with_user_pool(monkeypatch, "web-test") as (call, cognito, pool, _client):
        yield call, cognito, pool


def post(path: str, body: str, cookie: str = "") -> dict:
    headers = {"content-type": FORM, "origin": f"https://{HOST}"}
    if cookie:
        headers["cookie"] = cookie
    return page_event(path, method="POST", headers=headers, body=body)


def set_cookie_lines(answer: dict) -> dict[str, str]:
    return {line.partition("=")[0]: line
            for line in answer.get("multiValueHeaders", {}).get("Set-Cookie", [])}


def sign_up_and_in(web, email: str) -> dict[str, str]:
    assert headers_of(web(post("/signup", f"email={quote(email)}&password={PASSWORD}")))[
        "location"] == "/signup/confirm"
    assert headers_of(web(post("/signup/confirm", f"email={quote(email)}&code=123456")))[
        "location"] == "/signin?done=confirmed"
    signed = web(post("/signin", f"email={quote(email)}&password={PASSWORD}&next=/points"))
    assert headers_of(signed)["location"] == "/points"
    return cookies_of(signed)


def test_sign_up_confirm_and_sign_in(cognito_web):
    web, cognito, pool = cognito_web
    cookies = sign_up_and_in(web, "new.person@example.com")
    assert {"korpo_session", "korpo_refresh", "korpo_emp"} <= set(cookies)
    page = web(page_event("/points", headers={"cookie": jar(cookies)}))
    assert page["statusCode"] == 200
    user = cognito.admin_get_user(UserPoolId=pool, Username="new.person@example.com")
    assert user["UserStatus"] == "CONFIRMED"


def test_an_address_outside_the_allowed_domains_creates_nothing(cognito_web):
    web, cognito, pool = cognito_web
    answer = web(post("/signup", f"email=someone%40gmail.com&password={PASSWORD}"))
    assert answer["statusCode"] == 400
    assert cognito.list_users(UserPoolId=pool)["Users"] == []


def test_a_weak_password_is_said_next_to_its_field(cognito_web):
    web, _cognito, _pool = cognito_web
    weak = web(post("/signup", "email=a%40example.com&password=short"))
    assert weak["statusCode"] == 400 and 'id="password-error"' in weak["body"]


def _notices(to: str) -> list:
    """The "you already have an account" e-mails SES took for `to` (moto keeps them)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    return [m for m in sent if to in (m.destinations.get("ToAddresses") or [])]


@pytest.fixture
def with_sender(monkeypatch):
    from mail_helpers import SENDER, verify_sender

    from korpo import settings

    verify_sender()
    monkeypatch.setenv("KORPO_SENDER_EMAIL", SENDER)
    settings.current.cache_clear()


def test_signing_up_with_a_taken_address_answers_as_for_a_new_one(cognito_web, with_sender):
    """No one learns from the sign-up page which addresses have an account: the page, its
    status, its redirect and its cookies are the same; the address itself is e-mailed."""
    web, cognito, pool = cognito_web
    sign_up_and_in(web, "taken@example.com")
    fresh = web(post("/signup", f"email=fresh%40example.com&password={PASSWORD}"))
    taken = web(post("/signup", f"email=taken%40example.com&password={PASSWORD}"))
    for answer in (fresh, taken):
        assert answer["statusCode"] == 303 and answer["body"] == ""
        assert headers_of(answer)["location"] == "/signup/confirm"
        assert set(cookies_of(answer)) == {"korpo_pending", "korpo_signup"}
        assert len(cookies_of(answer)["korpo_signup"]) == len(cookies_of(fresh)["korpo_signup"])
    assert len(cognito.list_users(UserPoolId=pool)["Users"]) == 2  # nothing made twice
    # The taken address's proof names no account: with a code (moto confirms twice where
    # Cognito refuses), it opens no session, and no profile is made for it.
    from korpo.models import EmployeeModel

    profiles = EmployeeModel.count()
    confirmed = web(post("/signup/confirm", "email=taken%40example.com&code=123456",
                         cookie=jar(cookies_of(taken))))
    assert headers_of(confirmed)["location"] == "/signin?done=confirmed"
    assert not cookies_of(confirmed).get("korpo_session") and EmployeeModel.count() == profiles

    [notice] = _notices("taken@example.com")
    assert notice.subject == "Korpo Demo : vous avez déjà un compte"  # the page's language
    assert f"https://{HOST}/signin" in notice.body
    assert f"https://{HOST}/password/forgot" in notice.body
    assert _notices("fresh@example.com") == []  # Cognito's own code e-mail, not this one


def test_the_taken_address_is_told_at_most_once_in_six_hours(cognito_web, with_sender,
                                                             monkeypatch):
    from datetime import timedelta

    from korpo.months import utc_now
    from korpo.people import existing_account

    web, _cognito, _pool = cognito_web
    sign_up_and_in(web, "flooded@example.com")
    english = page_event("/signup", method="POST", body=(
        f"email=flooded%40example.com&password={PASSWORD}"), headers={
        "content-type": FORM, "origin": f"https://{HOST}", "accept-language": "en"})
    # Twice more within the hour (the sign-up and these: the 3 e-mails an address may get
    # in an hour, signup_limits), told once.
    for _ in range(2):
        assert headers_of(web(english))["location"] == "/signup/confirm"
    [notice] = _notices("flooded@example.com")
    assert notice.subject == "Korpo Demo: you already have an account"

    from korpo.people import signup_limits

    later = utc_now() + existing_account.NOTICE_INTERVAL + timedelta(minutes=1)
    monkeypatch.setattr(existing_account, "utc_now", lambda: later)
    monkeypatch.setattr(signup_limits, "utc_now", lambda: later)
    assert headers_of(web(english))["location"] == "/signup/confirm"
    assert len(_notices("flooded@example.com")) == 2


def test_the_confirm_page_does_not_tell_which_addresses_have_an_account(cognito_web):
    """An unknown address (UserNotFoundException) gets the answer a wrong code gets
    (CodeMismatchException), as does an address already confirmed in Cognito
    (NotAuthorizedException; moto confirms it again instead). moto accepts any code."""
    web, _cognito, _pool = cognito_web
    answer = web(post("/signup/confirm", "email=nobody%40example.com&code=123456"))
    assert answer["statusCode"] == 400 and 'id="code-error"' in answer["body"]
    assert "Ce code n’est pas celui que nous avons envoyé." in answer["body"]
    assert 'id="email-error"' not in answer["body"]


def test_a_wrong_password_never_says_which_part_was_wrong(cognito_web):
    web, _cognito, _pool = cognito_web
    sign_up_and_in(web, "ann.b@example.com")
    wrong = web(post("/signin", "email=ann.b%40example.com&password=not-the-one-1"))
    unknown = web(post("/signin", "email=nobody%40example.com&password=not-the-one-1"))
    assert wrong["statusCode"] == unknown["statusCode"] == 400
    assert "L’adresse e-mail ou le mot de passe n’est pas le bon." in wrong["body"]
    assert "L’adresse e-mail ou le mot de passe n’est pas le bon." in unknown["body"]


def test_an_expired_session_is_renewed_by_the_refresh_token(cognito_web, monkeypatch):
    from webapp import session

    web, _cognito, _pool = cognito_web
    cookies = sign_up_and_in(web, "renew@example.com")
    monkeypatch.setattr(time, "time", lambda: 1e10)  # far past the session's hour
    # (and the refresh token's expiry, which moto does not check)
    answer = web(page_event("/points", headers={"cookie": jar(cookies)}))
    assert answer["statusCode"] == 200
    renewed = cookies_of(answer)["korpo_session"]
    assert session.decode(session.session_key(SECRET), renewed).expires_at > 1e10


def test_a_refused_refresh_token_signs_out_at_the_next_renewal(cognito_web, monkeypatch):
    """Cognito refuses the refresh token of a deleted, disabled or signed-out account. moto
    crashes on a deleted user's token (it looks the user up after deleting it), so the user
    is signed out everywhere here, which moto refuses as Cognito does."""
    web, cognito, pool = cognito_web
    cookies = sign_up_and_in(web, "leaving@example.com")
    cognito.admin_user_global_sign_out(UserPoolId=pool, Username="leaving@example.com")
    monkeypatch.setattr(time, "time", lambda: 1e10)
    answer = web(page_event("/points", headers={"cookie": jar(cookies)}))
    assert answer["statusCode"] == 303 and "/signin" in headers_of(answer)["location"]
    assert cookies_of(answer)["korpo_refresh"] == ""


def test_deleting_my_account_deletes_the_cognito_user(cognito_web):
    web, cognito, pool = cognito_web
    cookies = sign_up_and_in(web, "bye@example.com")
    csrf = web(page_event("/profile/delete", headers={"cookie": jar(cookies)}))["body"].split(
        'name="csrf" value="')[1].split('"')[0]
    gone = web(post("/profile/delete", f"csrf={csrf}&confirm=yes", cookie=jar(cookies)))
    assert headers_of(gone)["location"] == "/signin?done=deleted"
    assert cognito.list_users(UserPoolId=pool)["Users"] == []


def test_a_forgotten_password_is_reset_with_the_code(cognito_web):
    web, _cognito, _pool = cognito_web
    sign_up_and_in(web, "forgetful@example.com")
    assert headers_of(web(post("/password/forgot", "email=forgetful%40example.com")))[
        "location"] == "/password/reset"
    # An unknown address gets the same answer: no one learns who has an account.
    assert headers_of(web(post("/password/forgot", "email=ghost%40example.com")))[
        "location"] == "/password/reset"
    reset = web(post("/password/reset",
                     "email=forgetful%40example.com&code=123456&password=new-horse-4242"))
    assert headers_of(reset)["location"] == "/signin?done=reset"
    signed = web(post("/signin", "email=forgetful%40example.com&password=new-horse-4242"))
    assert signed["statusCode"] == 303


def test_signing_out_clears_both_cookies(cognito_web):
    web, _cognito, _pool = cognito_web
    cookies = sign_up_and_in(web, "out@example.com")
    from webapp import session

    csrf = session.decode(session.session_key(SECRET), cookies["korpo_session"]).csrf
    out = web(post("/signout", f"csrf={csrf}", cookie=jar(cookies)))
    assert headers_of(out)["location"] == "/signin?done=signed_out"
    assert cookies_of(out)["korpo_session"] == "" and cookies_of(out)["korpo_refresh"] == ""


def _csrf(cookies: dict[str, str]) -> str:
    from webapp import session

    return session.decode(session.session_key(SECRET), cookies["korpo_session"]).csrf


def test_signing_out_ends_every_session_of_the_person_at_once(cognito_web, monkeypatch):
    """A session cookie copied before the sign-out, and the person's session on another
    device, stop working at once (not when their hour is up), and neither renews itself."""
    web, _cognito, _pool = cognito_web
    phone = sign_up_and_in(web, "leaver@example.com")
    desktop = cookies_of(web(post("/signin", f"email=leaver%40example.com&password={PASSWORD}")))
    copied = dict(phone)
    assert web(page_event("/points", headers={"cookie": jar(copied)}))["statusCode"] == 200
    out = web(post("/signout", f"csrf={_csrf(phone)}", cookie=jar(phone)))
    assert headers_of(out)["location"] == "/signin?done=signed_out"
    for cookies in (copied, desktop):
        answer = web(page_event("/points", headers={"cookie": jar(cookies)}))
        assert answer["statusCode"] == 303 and headers_of(answer)["location"] == "/signin"
    # The other device's refresh token was revoked too: no renewal brings a session back.
    later = time.time() + 7200
    monkeypatch.setattr(time, "time", lambda: later)
    renewed = web(page_event("/points", headers={"cookie": jar(desktop)}))
    assert renewed["statusCode"] == 303 and "/signin" in headers_of(renewed)["location"]
    # Signing in again works at once.
    again = cookies_of(web(post("/signin", f"email=leaver%40example.com&password={PASSWORD}")))
    assert web(page_event("/points", headers={"cookie": jar(again)}))["statusCode"] == 200


def test_a_copied_cookie_cannot_sign_out_the_new_session(cognito_web):
    web, _cognito, _pool = cognito_web
    first = sign_up_and_in(web, "twice@example.com")
    web(post("/signout", f"csrf={_csrf(first)}", cookie=jar(first)))
    again = cookies_of(web(post("/signin", f"email=twice%40example.com&password={PASSWORD}")))
    web(post("/signout", f"csrf={_csrf(first)}", cookie=jar(first)))  # the old cookie
    assert web(page_event("/points", headers={"cookie": jar(again)}))["statusCode"] == 200


def test_deleting_my_account_ends_a_copied_session_at_once(cognito_web):
    web, _cognito, _pool = cognito_web
    cookies = sign_up_and_in(web, "copied@example.com")
    copied = dict(cookies)
    csrf = _csrf(cookies)
    web(post("/profile/delete", f"csrf={csrf}&confirm=yes", cookie=jar(cookies)))
    answer = web(page_event("/points", headers={"cookie": jar(copied)}))
    assert answer["statusCode"] == 303 and headers_of(answer)["location"] == "/signin"


def test_a_new_code_can_be_asked_for_and_unknown_addresses_are_not_revealed(cognito_web):
    """POST /signup/resend answered 500 (moto lacked ResendConfirmationCode: the local stack
    and these tests now have it, infra/moto_cognito.py)."""
    web, _cognito, _pool = cognito_web
    assert headers_of(web(post("/signup", f"email=waiting%40example.com&password={PASSWORD}"))
                      )["location"] == "/signup/confirm"
    resent = web(post("/signup/resend", "email=waiting%40example.com"))
    assert headers_of(resent)["location"] == "/signup/confirm?resent=1"
    # An address without an account gets the same answer: no one learns who has one.
    unknown = web(post("/signup/resend", "email=nobody%40example.com"))
    assert headers_of(unknown)["location"] == "/signup/confirm?resent=1"
    sign_up_and_in(web, "done@example.com")
    # Nor who has confirmed theirs (Cognito: InvalidParameterException).
    confirmed = web(post("/signup/resend", "email=done%40example.com"))
    assert headers_of(confirmed)["location"] == "/signup/confirm?resent=1"


def test_a_reset_for_an_address_without_an_account_is_refused_in_words(cognito_web):
    """POST /password/reset answered 500 for an unknown address (moto's
    ResourceNotFoundException)."""
    web, _cognito, _pool = cognito_web
    reset = web(post("/password/reset",
                     "email=ghost%40example.com&code=123456&password=new-horse-4242"))
    assert reset["statusCode"] == 400 and "error-summary" in reset["body"]


def signed_session(cookies: dict[str, str]):
    from webapp import session

    return session.decode(session.session_key(SECRET), cookies["korpo_session"])


def test_confirming_signs_in_the_browser_that_signed_up(cognito_web):
    """After the code, the news, signed in: no password asked again, none kept anywhere."""
    web, cognito, pool = cognito_web
    signed_up = web(post("/signup", f"email=first.day%40example.com&password={PASSWORD}"))
    proof = set_cookie_lines(signed_up)["korpo_signup"]
    assert "HttpOnly" in proof and "SameSite=Strict" in proof and "Path=/signup;" in proof
    assert PASSWORD not in proof and "korpo_refresh" not in set_cookie_lines(signed_up)
    browser = cookies_of(signed_up)

    confirmed = web(post("/signup/confirm", "email=first.day%40example.com&code=123456",
                         cookie=jar(browser)))
    assert headers_of(confirmed)["location"] == "/news?done=welcome"
    browser.update(cookies_of(confirmed))
    assert browser["korpo_signup"] == "" and browser["korpo_refresh"] == ""  # both gone
    sub = {a["Name"]: a["Value"] for a in cognito.admin_get_user(
        UserPoolId=pool, Username="first.day@example.com")["UserAttributes"]}["sub"]
    session = signed_session(browser)
    assert (session.employee_id, session.email, session.is_admin) == (
        sub, "first.day@example.com", False)
    news = web(page_event("/news", query={"done": "welcome"}, headers={"cookie": jar(browser)}))
    assert news["statusCode"] == 200 and 'class="notice"' in news["body"]

    # The password, later, opens the same account.
    again = web(post("/signin", f"email=first.day%40example.com&password={PASSWORD}"))
    assert signed_session(cookies_of(again)).employee_id == sub


def test_the_proof_opens_only_the_first_session_of_its_own_account(cognito_web):
    web, _cognito, _pool = cognito_web
    signed_up = web(post("/signup", f"email=once%40example.com&password={PASSWORD}"))
    proof = jar(cookies_of(signed_up))
    first = web(post("/signup/confirm", "email=once%40example.com&code=123456", cookie=proof))
    assert headers_of(first)["location"] == "/news?done=welcome"
    # Replayed (a copy of the cookie; moto confirms twice where Cognito refuses): the account
    # already had its session, so only its password opens another.
    replayed = web(post("/signup/confirm", "email=once%40example.com&code=123456",
                        cookie=proof))
    assert headers_of(replayed)["location"] == "/signin?done=confirmed"
    assert "korpo_session" not in cookies_of(replayed)

    # Another address's code with this proof: the sign-in page.
    web(post("/signup", f"email=other%40example.com&password={PASSWORD}"))
    other = web(post("/signup/confirm", "email=other%40example.com&code=123456",
                     cookie=proof))
    assert headers_of(other)["location"] == "/signin?done=confirmed"
    assert "korpo_session" not in cookies_of(other)


def test_a_forged_or_expired_proof_opens_nothing(cognito_web, monkeypatch):
    from webapp import session

    web, _cognito, _pool = cognito_web
    signed_up = web(post("/signup", f"email=late%40example.com&password={PASSWORD}"))
    proof = cookies_of(signed_up)["korpo_signup"]
    sub = session.decode_signup(session.signup_key(SECRET), proof).employee_id
    forged = session.encode_signup(session.signup_key("x" * 64), sub, "late@example.com")
    # A session cookie is signed with another key: it is no proof either.
    as_session = session.encode(session.session_key(SECRET), session.Session(
        sub, "late@example.com", None, False, "t", int(time.time()) + 600))
    for value in (forged, as_session, proof + "x"):
        answer = web(post("/signup/confirm", "email=late%40example.com&code=123456",
                          cookie=f"korpo_signup={value}"))
        assert headers_of(answer)["location"] == "/signin?done=confirmed"
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + session.SIGNUP_SECONDS + 1)
    late = web(post("/signup/confirm", "email=late%40example.com&code=123456",
                    cookie=f"korpo_signup={proof}"))
    assert headers_of(late)["location"] == "/signin?done=confirmed"


def test_the_first_session_keeps_the_pages_language_for_the_emails(cognito_web):
    from korpo.models import EmployeeModel
    from korpo.people.profiles import get_profile

    web, _cognito, _pool = cognito_web
    signed_up = web(post("/signup", f"email=lang%40example.com&password={PASSWORD}",
                         cookie="korpo_lang=en"))
    proof = cookies_of(signed_up)["korpo_signup"]
    confirmed = web(post("/signup/confirm", "email=lang%40example.com&code=123456",
                         cookie=f"korpo_lang=en; korpo_signup={proof}"))
    session = signed_session(cookies_of(confirmed))
    assert get_profile(session.employee_id).language == "en"

    # A profile from before (no language): the sign-in gives it the pages' one (French here).
    cookies = sign_up_and_in(web, "older@example.com")
    older = signed_session(cookies).employee_id
    EmployeeModel(*EmployeeModel.key(older)).update(actions=[EmployeeModel.language.remove()])
    again = web(post("/signin", f"email=older%40example.com&password={PASSWORD}"))
    assert get_profile(older).language == "fr"
    assert "korpo_lang=fr" in " ".join(set_cookie_lines(again).values())
