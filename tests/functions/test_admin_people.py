"""The admins' employee and team pages, against moto's DynamoDB and Cognito in-process: the
list and its paging, teams made, renamed, assigned and deleted, admin rights given and taken
back (at once), an account deactivated (signed out at once, sign-in refused, links still
redirect and earn nothing) and reactivated, and nobody locking themself out."""
from __future__ import annotations

from urllib.parse import quote

import pytest
import web_pages
from helpers import load_event, make_post
from web_pages import (
    FORM,
    HOST,
    as_admin,
    form,
    headers_of,
    page_event,
    session_cookie,
    text_of,
    web_with_user_pool,
)

PASSWORD = "correct-horse-42"


@pytest.fixture
def people(aws, monkeypatch):
    """(call the web function, cognito client, pool id, add(email, name) -> employee id)."""
    from korpo.people.employees import Identity, ensure_profile

    with web_with_user_pool(monkeypatch, "people") as (call, cognito, pool, client):
        cognito.create_group(UserPoolId=pool, GroupName="admins")

        def add(email: str, name: str) -> str:
            cognito.sign_up(ClientId=client, Username=email, Password=PASSWORD,
                            UserAttributes=[{"Name": "email", "Value": email}])
            cognito.admin_confirm_sign_up(UserPoolId=pool, Username=email)
            sub = next(a["Value"] for a in cognito.admin_get_user(
                UserPoolId=pool, Username=email)["UserAttributes"] if a["Name"] == "sub")
            ensure_profile(Identity(sub, email, name))
            return sub

        # The admin's session (web_pages.as_admin) names the boss by their Cognito sub, as a
        # real sign-in does (moto picks the sub).
        monkeypatch.setattr(web_pages, "BOSS", add("boss@example.com", "Bo"))
        cognito.admin_add_user_to_group(UserPoolId=pool, Username="boss@example.com",
                                        GroupName="admins")
        yield call, cognito, pool, add


def _employee(employee_id: str, path: str = "") -> dict:
    return page_event(f"/manage/employees/{{employee_id}}{path}",
                      params={"employee_id": employee_id}, headers=as_admin())


def _post(path: str, employee_id: str, fields: dict, who: dict | None = None) -> dict:
    return form(f"/manage/employees/{{employee_id}}{path}", fields,
                params={"employee_id": employee_id}, who=who)


def _admins(cognito, pool) -> set[str]:
    return {u["Username"] for u in cognito.list_users_in_group(
        UserPoolId=pool, GroupName="admins")["Users"]}


# ------------------------------------------------------------------ the list


def test_the_list_shows_each_employees_figures_and_pages(people, monkeypatch):
    from korpo import settings
    from korpo.models import BalanceModel, BoardEntryModel
    from korpo.months import month_of, utc_now
    from korpo.people import roster
    from korpo.people.profiles import update_profile
    from korpo.people.teams import add_team

    web, _cognito, _pool, add = people
    ann = add("ann.lee@example.com", "Ann Lee")
    add("carl@example.com", "Carl")
    sales = add_team("Sales")
    update_profile(ann, team_id=sales.team_id)
    month = month_of(utc_now(), settings.current().zone)
    BoardEntryModel(*BoardEntryModel.key(month, ann), board=month, score=120,
                    employee_id=ann).save()
    BalanceModel(*BalanceModel.key(ann), points=345).save()
    day = utc_now().astimezone(settings.current().zone).strftime("%Y-%m-%d")
    import boto3
    boto3.client("dynamodb").put_item(TableName=settings.current().scores_table, Item={
        "pk": {"S": f"STATS#employee#{ann}"}, "sk": {"S": f"DAY#{day}"},
        "c": {"M": {"share_intents": {"N": "3"}}}})

    answer = web(page_event("/manage/employees", headers=as_admin()))
    assert answer["statusCode"] == 200, answer["body"][:500]
    text = text_of(answer["body"])
    assert "Ann Lee ann.lee@example.com Sales Oui (3) 120 345" in text
    assert "Bo boss@example.com" in text and "Administrateur" in text
    assert "Carl carl@example.com Aucune équipe Non 0 0" in text

    monkeypatch.setattr(roster, "PAGE_SIZE", 2)
    first = web(page_event("/manage/employees", headers=as_admin()))["body"]
    assert "Ann Lee" in first and "Bo" in text_of(first) and "Carl" not in first
    cursor = first.split('/manage/employees?cursor=')[1].split('"')[0]
    from urllib.parse import unquote
    second = web(page_event("/manage/employees", query={"cursor": unquote(cursor)},
                            headers=as_admin()))
    assert second["statusCode"] == 200
    assert "Carl" in second["body"] and "Ann Lee" not in second["body"]
    assert "?cursor=" not in second["body"]  # the last page
    made_up = web(page_event("/manage/employees", query={"cursor": "bm9wZQ=="},
                             headers=as_admin()))
    assert made_up["statusCode"] == 200 and "Ann Lee" in made_up["body"]  # the first page


def test_an_unknown_employee_is_a_404(people):
    web, *_ = people
    for employee_id in ("nobody", "x" * 200, "..%2F"):
        assert web(_employee(employee_id))["statusCode"] == 404


# ------------------------------------------------------------------ teams


def test_teams_are_made_renamed_assigned_and_deleted(people):
    from korpo.people.profiles import get_profile
    from korpo.people.teams import list_teams

    web, _cognito, _pool, add = people
    ann = add("ann@example.com", "Ann")
    hostile = "<script>alert(1)</script>"
    made = web(form("/manage/teams", {"name": hostile}))
    assert made["statusCode"] == 303 and headers_of(made)["location"] == \
        "/manage/teams?done=created"
    shown = web(page_event("/manage/teams", query={"done": "created", "t": "a-form-token-0123"},
                           headers=as_admin()))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown["body"]
    assert hostile not in shown["body"] and "L’équipe est créée." in shown["body"]
    [team] = list_teams()

    again = web(form("/manage/teams", {"name": " <SCRIPT>alert(1)</SCRIPT> "}))
    assert again["statusCode"] == 400 and 'id="name-error"' in again["body"]
    empty = web(form("/manage/teams", {"name": "  "}))
    assert empty["statusCode"] == 400 and 'id="name-error"' in empty["body"]
    assert len(list_teams()) == 1

    assigned = web(_post("/team", ann, {"team_id": team.team_id}))
    assert headers_of(assigned)["location"] == f"/manage/employees/{ann}?done=team"
    assert get_profile(ann).team_id == team.team_id
    page = web(_employee(ann))["body"]
    assert "&lt;script&gt;" in page and hostile not in page
    wrong = web(_post("/team", ann, {"team_id": "no-such-team"}))
    assert wrong["statusCode"] == 400 and 'id="team_id-error"' in wrong["body"]
    assert get_profile(ann).team_id == team.team_id

    params = {"team_id": team.team_id}
    renamed = web(form("/manage/teams/{team_id}", {"name": "Sales"}, params=params))
    assert headers_of(renamed)["location"] == "/manage/teams?done=renamed"
    assert [t.name for t in list_teams()] == ["Sales"]
    too_long = web(form("/manage/teams/{team_id}", {"name": "x" * 61}, params=params))
    assert too_long["statusCode"] == 400 and 'id="name-error"' in too_long["body"]

    confirm = web(page_event("/manage/teams/{team_id}/delete", params=params,
                             headers=as_admin()))
    assert confirm["statusCode"] == 200 and "Sales" in confirm["body"]
    deleted = web(form("/manage/teams/{team_id}/delete", {}, params=params))
    assert headers_of(deleted)["location"] == "/manage/teams?done=deleted"
    assert list_teams() == [] and get_profile(ann).team_id is None
    assert web(form("/manage/teams/{team_id}/delete", {}, params=params))["statusCode"] == 404


def test_a_team_made_again_after_a_deletion_is_a_new_team(aws):
    from korpo.people import teams

    first = teams.add_team("Ops")
    assert teams.delete_team(first.team_id) == 0
    again = teams.add_team("Ops")
    assert again.team_id != first.team_id  # the old team's figures stay its own
    with pytest.raises(teams.TeamNotFound):
        teams.rename_team(first.team_id, "Other")


# ------------------------------------------------------------------ admin rights


def test_an_unmade_admin_is_refused_at_once(people):
    from korpo.people import access

    web, cognito, pool, add = people
    eve = add("eve@example.com", "Eve")
    made = web(_post("/admin", eve, {"admin": "yes"}))
    assert headers_of(made)["location"] == f"/manage/employees/{eve}?done=admin"
    assert len(_admins(cognito, pool)) == 2
    listed = text_of(web(_employee(eve))["body"])
    assert "Administrateur" in listed

    eves_session = {"cookie": session_cookie(eve, admin=True, email="eve@example.com",
                                             name="Eve")}
    assert web(page_event("/manage", headers=eves_session))["statusCode"] == 200
    unmade = web(_post("/admin", eve, {"admin": "no"}))
    assert headers_of(unmade)["location"] == f"/manage/employees/{eve}?done=not_admin"
    assert len(_admins(cognito, pool)) == 1
    # Her session still says admin for up to an hour: the admin pages refuse it now.
    assert web(page_event("/manage", headers=eves_session))["statusCode"] == 403
    assert web(page_event("/news", headers=eves_session))["statusCode"] == 200  # an employee
    import time
    assert not access.access_of(eve).admin_session_valid(time.time() - 5)
    assert access.access_of(eve).admin_session_valid(time.time() + 5)  # a new sign-in

    nonsense = web(_post("/admin", eve, {"admin": "maybe"}))
    assert nonsense["statusCode"] == 400


def test_the_api_refuses_an_unmade_admins_token_at_once(people):
    import time

    from helpers import claims_for, http_event

    from infra.functions import LambdaContext, load_handler

    web, _cognito, _pool, add = people
    eve = add("eve@example.com", "Eve")
    web(_post("/admin", eve, {"admin": "yes"}))
    claims = {**claims_for(eve, "eve@example.com", admin=True), "iat": str(int(time.time()) - 60)}
    api = load_handler("ApiFunction")
    assert api(http_event("api/admin_get_rules", claims=claims),
               LambdaContext("api"))["statusCode"] == 200
    web(_post("/admin", eve, {"admin": "no"}))
    assert api(http_event("api/admin_get_rules", claims=claims),
               LambdaContext("api"))["statusCode"] == 403


def test_nobody_locks_themself_out(people):
    from korpo.people import access

    web, cognito, pool, _add = people
    boss = web_pages.BOSS
    for path, fields in (("/admin", {"admin": "no"}), ("/deactivate", {})):
        refused = web(_post(path, boss, fields))
        assert refused["statusCode"] == 409, refused["body"][:300]
        assert "Vous ne pouvez pas modifier votre propre accès" in refused["body"]
    assert len(_admins(cognito, pool)) == 1
    assert access.access_of(boss) == access.Access()
    own = web(_employee(boss))["body"]
    assert "/deactivate" not in own and 'value="no"' not in own


# ------------------------------------------------------------------ deactivation


def _sign_in(web, email: str) -> dict:
    return web(page_event("/signin", method="POST", headers={
        "content-type": FORM, "origin": f"https://{HOST}"},
        body=f"email={quote(email)}&password={PASSWORD}&next=/points"))


def _cookies(answer: dict) -> str:
    return "; ".join(line.split(";", 1)[0] for line in
                     answer.get("multiValueHeaders", {}).get("Set-Cookie", []))


def _click(event_id: str, employee_id: str) -> dict:
    record = load_event("award_points/click_inserted")["Records"][0]
    image = record["dynamodb"]["NewImage"]
    image["event_id"]["S"] = event_id
    image["employee_id"]["S"] = employee_id
    record["dynamodb"]["Keys"]["event_id"]["S"] = event_id
    return record


def test_a_deactivated_account_is_signed_out_and_its_links_earn_nothing(people):
    from infra.functions import LambdaContext, load_handler
    from korpo import settings
    from korpo.scoring.award import ledger_entries
    from korpo.tracking.links import get_or_create, resolve

    web, cognito, pool, add = people
    dan = add("dan@example.com", "Dan")
    signed = _sign_in(web, "dan@example.com")
    assert headers_of(signed)["location"] == "/points"
    dans = {"cookie": _cookies(signed)}
    assert web(page_event("/points", headers=dans))["statusCode"] == 200
    make_post("post-1")
    link = get_or_create(dan, "post-1", "linkedin")

    confirm = web(_employee(dan, "/deactivate"))
    assert confirm["statusCode"] == 200 and "Dan" in confirm["body"]
    done = web(_post("/deactivate", dan, {}))
    assert headers_of(done)["location"] == f"/manage/employees/{dan}?done=deactivated"

    out = web(page_event("/points", headers=dans))  # at once, not at the session's renewal
    assert out["statusCode"] == 303 and headers_of(out)["location"] == "/signin"
    assert _sign_in(web, "dan@example.com")["statusCode"] == 400
    user = cognito.admin_get_user(UserPoolId=pool, Username="dan@example.com")
    assert user["Enabled"] is False
    assert "Désactivé" in text_of(web(page_event("/manage/employees", headers=as_admin()))[
        "body"])

    assert resolve(link.code) == link  # the link still redirects
    award = load_handler("AwardPointsFunction")
    assert award({"Records": [_click("dan-click-1", dan)]},
                 LambdaContext("award_points")) == {"batchItemFailures": []}
    assert ledger_entries(settings.current().scores_table, dan) == []  # and earns nothing

    back = web(_post("/reactivate", dan, {}))
    assert headers_of(back)["location"] == f"/manage/employees/{dan}?done=reactivated"
    assert cognito.admin_get_user(UserPoolId=pool, Username="dan@example.com")["Enabled"]
    assert headers_of(_sign_in(web, "dan@example.com"))["location"] == "/points"


def test_the_api_refuses_a_deactivated_employee_at_once(people, api):
    """A token issued before the deactivation (it lives up to an hour) redeems nothing."""
    import time

    from helpers import claims_for
    from korpo.models import BalanceModel
    from korpo.shop.redemptions import redemptions_of
    from korpo.shop.rewards import create_reward
    from korpo.shop.wallet import balance_of

    web, _cognito, _pool, add = people
    dan = add("dan@example.com", "Dan")
    create_reward("mug", "Mug", 10)
    BalanceModel(*BalanceModel.key(dan)).update(actions=[BalanceModel.points.add(50)])
    token = {**claims_for(dan, "dan@example.com"), "iat": str(int(time.time()) - 60)}
    assert api("api/get_me", claims=token)["statusCode"] == 200
    web(_post("/deactivate", dan, {}))
    refused = api("api/redeem_reward", claims=token, path_params={"reward_id": "mug"})
    assert refused["statusCode"] == 401
    assert balance_of(dan) == 50 and redemptions_of(dan) == []
    assert api("api/get_me", claims=token)["statusCode"] == 401


def test_the_api_refuses_a_token_issued_before_a_sign_out(api):
    import time

    from helpers import claims_for
    from korpo.people import access

    before = {**claims_for("emp-zoe", "zoe@example.com"), "iat": str(int(time.time()) - 60)}
    assert api("api/get_me", claims=before)["statusCode"] == 200
    access.end_sessions("emp-zoe")
    assert api("api/get_me", claims=before)["statusCode"] == 401
    after = {**before, "iat": str(int(time.time()) + 1)}
    assert api("api/get_me", claims=after)["statusCode"] == 200


def test_an_employee_cannot_use_the_admin_actions(people):
    from web_pages import signed_in

    web, cognito, pool, add = people
    eve = add("eve@example.com", "Eve")
    refused = web(_post("/admin", eve, {"admin": "yes"}, who=signed_in()))
    assert refused["statusCode"] == 403 and len(_admins(cognito, pool)) == 1
