"""Profiles (each field checked), teams and the team board, board pseudonyms, and privacy:
the export of all of an employee's data and the account's deletion."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from helpers import body_of, claims_for, make_post

BOB = claims_for("emp-bob", "bob@example.com")
ANN = claims_for("emp-ann", "ann@example.com")


def _profile(employee_id="emp-bob", email="bob@example.com", name="Bob Durand"):
    from korpo.people.employees import Identity
    from korpo.people.profiles import ensure_profile

    return ensure_profile(Identity(employee_id, email, name=name))


@pytest.mark.parametrize("field,value,key", [
    ("display_name", "", "display_name.required"),
    ("display_name", "   ", "display_name.required"),
    ("display_name", "x" * 61, "display_name.too_long"),
    ("display_name", "Bob\u0007", "display_name.invalid_characters"),
    ("display_name", "Bob\u202eevil", "display_name.invalid_characters"),
    ("display_name", 42, "display_name.required"),
    ("team_id", "no-such-team", "team_id.unknown"),
    ("language", "de", "language.unsupported"),
    ("named_on_board", "no", "named_on_board.not_boolean"),
    ("weekly_digest", 1, "weekly_digest.not_boolean"),
    ("email", "mallory@example.com", "field.unknown"),
    ("employee_id", "emp-ann", "field.unknown"),  # once a TypeError: the API's 500
    # Korpo stores nothing about an employee's own social accounts.
    ("mastodon_instance", "mastodon.social", "field.unknown"),
])
def test_each_profile_field_is_checked(aws, field, value, key):
    from korpo.people.profiles import InvalidProfile, update_profile

    _profile()
    with pytest.raises(InvalidProfile) as raised:
        update_profile("emp-bob", **{field: value})
    assert (raised.value.field, raised.value.message_key) == (field, key)


def test_the_api_refuses_a_profile_field_naming_someone_else(api):
    """PATCH /me/profile {"employee_id": …} answered 500 (a clash with the function's own
    argument): now a 400 naming the field, and nothing changed."""
    from korpo.people.profiles import get_profile

    _profile()
    answer = api("api/update_profile", claims=BOB, body={"employee_id": "emp-ann"})
    assert answer["statusCode"] == 400
    assert body_of(answer)["field"] == "employee_id"
    assert get_profile("emp-bob").employee_id == "emp-bob"


def test_a_profile_update_stores_what_was_checked(aws):
    from korpo.people.profiles import get_profile, update_profile
    from korpo.people.teams import create_team

    _profile()
    team = create_team("  Sales  ")
    updated = update_profile("emp-bob", display_name="  Bob D. ", team_id=team.team_id,
                             named_on_board=False, language="fr", weekly_digest=True)
    assert (updated.display_name, updated.team_id, updated.named_on_board, updated.language,
            updated.weekly_digest) == ("Bob D.", team.team_id, False, "fr", True)
    assert get_profile("emp-bob") == updated
    cleared = update_profile("emp-bob", language=None, team_id=None)
    assert (cleared.language, cleared.team_id) == (None, None)


def test_team_board_ranks_teams_from_their_days_points(aws):
    from korpo import settings
    from korpo.people.teams import create_team, list_teams, team_board
    from korpo.scoring import award
    from korpo.scoring.rules import Rules, ScoredEvent

    sales, tech, ops = create_team("Sales"), create_team("Tech"), create_team("Ops")
    assert [t.name for t in list_teams()] == ["Ops", "Sales", "Tech"]
    team_of = {"a": sales.team_id, "b": tech.team_id, "c": tech.team_id}.get
    cfg = settings.current()
    ctx = award.Context(rules=Rules(points_per_click=10), zone=cfg.zone,
                        scores_table=cfg.scores_table, team_of=team_of)
    at = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)  # 1 December in Paris
    events = [ScoredEvent(f"e{i}", "click", "human", who, datetime(2026, 11, 3 + i,
                                                                    tzinfo=timezone.utc))
              for i, who in enumerate(["a", "a", "a", "b", "c"])]
    events.append(ScoredEvent("late", "click", "human", "b", at))
    award.process(events, ctx)
    board = team_board("2026-11")
    assert [(s.rank, s.name, s.score) for s in board] == [
        (1, "Sales", 30), (2, "Tech", 20), (3, "Ops", 0)]
    assert [(s.rank, s.name, s.score) for s in team_board("2026-12")][0] == (1, "Tech", 10)


def test_board_names_honour_the_choice_not_to_be_named(aws):
    from korpo.people.employees import display_names
    from korpo.people.names import pseudonym
    from korpo.people.profiles import update_profile

    _profile()
    _profile("emp-ann", "ann@example.com", "Ann Lee")
    update_profile("emp-bob", named_on_board=False)
    others = display_names(["emp-bob", "emp-ann"], viewer="emp-ann")
    assert others == {"emp-bob": pseudonym("emp-bob"), "emp-ann": "Ann Lee"}
    assert others["emp-bob"].startswith("Contributor ") and "bob" not in others["emp-bob"]
    assert display_names(["emp-bob"], viewer="emp-ann") == {"emp-bob": pseudonym("emp-bob")}
    assert display_names(["emp-bob"], viewer="emp-bob") == {"emp-bob": "Bob Durand"}
    assert pseudonym("emp-bob", "k1") != pseudonym("emp-bob", "k2")


def test_export_holds_mine_and_nothing_of_others(aws):
    import json

    from korpo.models import BalanceModel
    from korpo.people.privacy import export_data
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward
    from korpo.tracking.links import get_or_create

    _profile()
    _profile("emp-ann", "ann@example.com", "Ann Lee")
    make_post("post-1")
    get_or_create("emp-bob", "post-1", "linkedin")
    get_or_create("emp-ann", "post-1", "linkedin")
    create_reward("mug", "Mug", 10)
    BalanceModel(*BalanceModel.key("emp-bob")).update(actions=[BalanceModel.points.add(15)])
    redemptions.redeem("emp-bob", "mug", notify=False)
    data = export_data("emp-bob")
    text = json.dumps(data)
    assert data["profile"]["email"] == "bob@example.com" and data["balance"] == 5
    assert [l["network"] for l in data["links"]] == ["linkedin"]
    assert [r["reward_id"] for r in data["redemptions"]] == ["mug"]
    assert data["ledger"] == []  # lines_of's own test reads them; here: the key is there
    assert "emp-ann" not in text and "ann@example.com" not in text


def test_deleting_an_account_keeps_the_books_and_stops_the_points(aws):
    import boto3

    from korpo.models import BalanceModel
    from korpo.people.employees import AccountDeleted, Identity, display_names, ensure_profile
    from korpo.people.privacy import delete_account
    from korpo.people.profiles import get_profile
    from korpo.scoring.store import Teams
    from korpo.tracking.links import get_or_create, resolve

    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    cognito.admin_create_user(UserPoolId=pool, Username="bob@example.com",
                              MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    _profile()
    make_post("post-1")
    link = get_or_create("emp-bob", "post-1", "linkedin")
    BalanceModel(*BalanceModel.key("emp-bob")).update(actions=[BalanceModel.points.add(15)])
    delete_account("emp-bob", user_pool_id=pool)
    delete_account("emp-bob", user_pool_id=pool)  # twice is harmless
    assert cognito.list_users(UserPoolId=pool)["Users"] == []
    assert get_profile("emp-bob") is None and display_names(["emp-bob"]) == {}
    assert resolve(link.code) == link  # still redirects
    assert Teams().deleted("emp-bob") and not Teams().deleted("emp-ann")
    with pytest.raises(AccountDeleted):
        ensure_profile(Identity("emp-bob", "bob@example.com"))
    assert int(BalanceModel.get(*BalanceModel.key("emp-bob")).points) == 15  # the books


def test_profile_team_and_privacy_routes(api, monkeypatch):
    import boto3

    from korpo import settings
    from korpo.people.teams import create_team

    team = create_team("Sales")
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    cognito.admin_create_user(UserPoolId=pool, Username="bob@example.com",
                              MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    monkeypatch.setenv("KORPO_USER_POOL_ID", pool)  # the template gives the api its pool
    settings.current.cache_clear()
    claims = {**BOB, "iss": f"https://cognito-idp.eu-west-1.amazonaws.com/{pool}"}
    assert body_of(api("api/get_profile", claims=claims))["display_name"] == "Bob"
    bad = api("api/update_profile", claims=claims, body={"language": "de"})
    assert (bad["statusCode"], body_of(bad)["code"], body_of(bad)["field"]) == (
        400, "language.unsupported", "language")
    good = api("api/update_profile", claims=claims,
               body={"team_id": team.team_id, "named_on_board": False})
    assert body_of(good)["team_id"] == team.team_id
    assert body_of(api("api/list_teams", claims=claims))["teams"] == [
        {"team_id": team.team_id, "name": "Sales"}]
    board = body_of(api("api/get_team_board", claims=claims, query={"month": "2026-11"}))
    assert board["teams"] == [{"rank": 1, "team_id": team.team_id, "name": "Sales",
                               "score": 0}]
    assert api("api/get_team_board", claims=claims,
               query={"month": "2026-13"})["statusCode"] == 400
    exported = api("api/export_my_data", claims=claims)
    assert body_of(exported)["profile"]["team_id"] == team.team_id
    assert "attachment" in exported["headers"]["Content-Disposition"]
    assert api("api/delete_me", claims=claims)["statusCode"] == 204
    assert cognito.list_users(UserPoolId=pool)["Users"] == []
    # The token still verifies (it lives an hour), but the account's sessions ended with it.
    assert api("api/get_me", claims=claims)["statusCode"] == 401
