"""Invitations without AWS: reading a pasted list (bounds, each refusal), the invitation's words
in both languages, a newcomer's state, and what Cognito's refusals mean to the sign-in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings, strategies as st

from korpo.people import accounts, invitation_mail, invite_list, newcomers

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def read(text: str, language: str = "en"):
    return invite_list.read(text, language, ["example.com", "acme.fr"])


def test_each_line_is_read_as_people_paste_them():
    wanted, refused = read("\n".join([
        "E-mail;Langue",  # a French CSV's header
        "ann@example.com",
        "  Bob@Example.com ;fr",
        '"Lee, Carla" <carla@acme.fr>\ten',
        "dan@example.com,Sales,Paris",
        "",
    ]))
    assert refused == []
    assert [(w.line, w.email, w.language) for w in wanted] == [
        (2, "ann@example.com", "en"), (3, "bob@example.com", "fr"),
        (4, "carla@acme.fr", "en"), (5, "dan@example.com", "en")]


def test_each_refused_line_says_why():
    wanted, refused = read("\n".join([
        "ann@example.com",
        "eve@gmail.com",
        "ann",  # not a header: the first line was an address
        "ANN@example.com",
        "bob@example.com; carl@example.com",
        "dora@example",
        "x" * 70 + "@example.com",
    ]), language="fr")
    assert [w.email for w in wanted] == ["ann@example.com"]
    assert wanted[0].language == "fr"
    assert [(r.line, r.reason, r.detail) for r in refused] == [
        (2, invite_list.DOMAIN_NOT_ALLOWED, "gmail.com"),
        (3, invite_list.NOT_AN_ADDRESS, ""),
        (4, invite_list.TWICE, "1"),
        (5, invite_list.SEVERAL, ""),
        (6, invite_list.NOT_AN_ADDRESS, ""),
        (7, invite_list.NOT_AN_ADDRESS, ""),  # a local part over 64 characters
    ]


def test_a_header_is_skipped_only_when_it_names_an_email_column():
    wanted, refused = read("email,language\nann@example.com")
    assert [w.line for w in wanted] == [2] and refused == []
    wanted, refused = read("hello\nann@example.com")
    assert [r.line for r in refused] == [1]


def test_the_list_is_bounded_before_it_is_read():
    most = "\n".join(f"p{n}@example.com" for n in range(invite_list.MAX_ADDRESSES))
    assert len(read(most)[0]) == invite_list.MAX_ADDRESSES
    assert len(read("email\n" + most)[0]) == invite_list.MAX_ADDRESSES  # the header is free
    with pytest.raises(invite_list.ListTooLong) as too_many:
        read(most + "\nlast@example.com")
    assert too_many.value.lines == invite_list.MAX_ADDRESSES + 1
    with pytest.raises(invite_list.ListTooLong):
        read("a" * (invite_list.MAX_CHARS + 1))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_or_refused_line_by_line(text):
    try:
        wanted, refused = read(text)
    except invite_list.ListTooLong:
        return
    lines = {w.line for w in wanted} | {r.line for r in refused}
    assert len(lines) == len(wanted) + len(refused)  # one outcome per line
    for item in wanted:
        assert item.email == item.email.lower() and item.email.endswith(
            ("@example.com", "@acme.fr")) and item.language in ("en", "fr")


@pytest.mark.parametrize("language,subject,words", [
    ("fr", "Acme : votre invitation", ["Bonjour,", "ce mot de passe temporaire : <b>{####}</b>",
                                        "fonctionne 7 jours", "Référence du compte : {username}"]),
    ("en", "Acme: your invitation", ["Hello,", "this temporary password: <b>{####}</b>",
                                      "works for 7 days", "Account reference: {username}"]),
    ("de", "Acme: your invitation", ["Hello,"]),  # a language Korpo does not speak: English
])
def test_the_invitation_speaks_the_employees_language(language, subject, words):
    got_subject, body = invitation_mail.invitation(
        language, brand="Acme", email="ann@example.com",
        sign_in_url="https://go.acme.fr/signin", username_placeholder="{username}",
        code_placeholder="{####}", days=7)
    assert got_subject == subject
    for word in words:
        assert word in body
    assert '<a href="https://go.acme.fr/signin">https://go.acme.fr/signin</a>' in body


def test_the_invitation_escapes_what_it_is_given():
    _subject, body = invitation_mail.invitation(
        "en", brand="<script>x</script>", email="a&b@example.com",
        sign_in_url='https://x.example/"onmouseover=1', username_placeholder="{username}",
        code_placeholder="{####}", days=7)
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "a&amp;b@example.com" in body and '"onmouseover' not in body
    _subject, nowhere = invitation_mail.invitation(
        "en", brand="Acme", email="a@example.com", sign_in_url="javascript:alert(1)",
        username_placeholder="{username}", code_placeholder="{####}", days=7)
    assert "javascript:" not in nowhere and "the address your administrator gave you" in nowhere


def _newcomer(kind: str, since: datetime) -> newcomers.Newcomer:
    return newcomers.Newcomer("n1", "ann@example.com", kind, since, "en", None, None, None, 1)


def test_a_newcomers_state():
    sent = NOW - timedelta(days=newcomers.INVITATION_DAYS)
    assert _newcomer(newcomers.INVITED, sent + timedelta(seconds=1)).state(NOW) == "invited"
    assert _newcomer(newcomers.INVITED, sent).state(NOW) == "invitation_expired"
    assert _newcomer(newcomers.SIGNED_UP, sent - timedelta(days=90)).state(NOW) == \
        "never_signed_in"
    assert _newcomer(newcomers.INVITED, NOW).expires_at() == NOW + timedelta(days=7)
    assert newcomers.newcomer_id(" Ann@Example.com ") == newcomers.newcomer_id(
        "ann@example.com")


class _Cognito:
    """A client whose calls fail as Cognito answers them."""

    def __init__(self, code: str, message: str) -> None:
        self.error = ClientError({"Error": {"Code": code, "Message": message}}, "Call")

    def __getattr__(self, name):
        def fail(**_params):
            raise self.error
        return fail


@pytest.mark.parametrize("code,message,meaning", [
    ("NotAuthorizedException",
     "Temporary password has expired and must be reset by an administrator.",
     "invitation_expired"),
    ("NotAuthorizedException", "Invalid session for the user, session is expired.",
     "session_expired"),
    ("NotAuthorizedException", "SignUp is not permitted for this user pool.", "sign_up_closed"),
    ("NotAuthorizedException", "Incorrect username or password.", "wrong_credentials"),
    ("InvalidPasswordException", "Password does not conform to policy", "weak_password"),
])
def test_what_cognitos_refusals_mean(monkeypatch, code, message, meaning):
    from korpo import aws

    monkeypatch.setattr(aws, "client", lambda _service: _Cognito(code, message))
    with pytest.raises(accounts.AccountError) as raised:
        accounts.choose_password("client", "ann@example.com", "s" * 40, "new-horse-42")
    assert raised.value.code == meaning


def test_a_sign_in_that_needs_a_new_password_says_so(monkeypatch):
    from korpo import aws

    class Challenging:
        def initiate_auth(self, **_params):
            return {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s" * 40,
                    "ChallengeParameters": {}}

    monkeypatch.setattr(aws, "client", lambda _service: Challenging())
    with pytest.raises(accounts.NewPasswordRequired) as raised:
        accounts.sign_in("client", "ann@example.com", "temporary-1")
    assert raised.value.session == "s" * 40
