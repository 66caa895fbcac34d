"""The shop against moto: redeem (one transaction), its named errors, idempotent requests,
cancel (refunds once) and fulfil, the e-mails, and the JSON routes."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from helpers import body_of, claims_for
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
BOB = claims_for("emp-bob", "bob@example.com")
ADMIN = claims_for("emp-ann", "ann@example.com", admin=True)


def give(employee_id: str, points: int) -> None:
    """Points as award_points leaves them: an ADD on the balance item."""
    from korpo.models import BalanceModel

    BalanceModel(*BalanceModel.key(employee_id)).update(
        actions=[BalanceModel.points.add(points)])


def profile(employee_id: str = "emp-bob", email: str = "bob@example.com") -> None:
    from korpo.people.employees import Identity, ensure_profile

    ensure_profile(Identity(employee_id, email, name="Bob Durand"))


@pytest.fixture
def shop(aws):
    from korpo.shop.rewards import create_reward

    create_reward("mug", "Mug", 100, kind="company", stock=2)
    create_reward("card", "Gift card", 300, kind="gift_card", per_employee_limit=1)
    create_reward("tree", "Plant a tree", 50, kind="charity")
    return aws


def stock_of(reward_id: str) -> int | None:
    from korpo.shop.rewards import get_reward

    return get_reward(reward_id, consistent=True).stock


def test_redeem_debits_counts_and_records_in_one_go(shop):
    from korpo.shop import redemptions
    from korpo.shop.wallet import balance_of

    give("emp-bob", 250)
    first = redemptions.redeem("emp-bob", "mug", now=T0, notify=False)
    second = redemptions.redeem("emp-bob", "tree", now=T0 + timedelta(minutes=1),
                                notify=False)
    assert (first.status, first.cost, first.reward_title) == ("requested", 100, "Mug")
    assert balance_of("emp-bob") == 100
    assert stock_of("mug") == 1 and stock_of("tree") is None
    assert [r.redemption_id for r in redemptions.redemptions_of("emp-bob")] == [
        second.redemption_id, first.redemption_id]
    assert redemptions.get_redemption(first.redemption_id) == first


def test_each_failed_check_is_named_and_debits_nothing(shop):
    from korpo.models import RewardModel
    from korpo.shop import redemptions
    from korpo.shop.rewards import RewardNotFound, RewardRetired
    from korpo.shop.wallet import balance_of

    with pytest.raises(redemptions.InsufficientBalance):  # no balance item at all
        redemptions.redeem("emp-bob", "tree", notify=False)
    give("emp-bob", 1000)
    with pytest.raises(RewardNotFound):
        redemptions.redeem("emp-bob", "yacht", notify=False)
    redemptions.redeem("emp-bob", "card", notify=False)
    with pytest.raises(redemptions.LimitReached):
        redemptions.redeem("emp-bob", "card", notify=False)
    redemptions.redeem("emp-bob", "mug", notify=False)
    redemptions.redeem("emp-bob", "mug", notify=False)
    with pytest.raises(redemptions.OutOfStock):
        redemptions.redeem("emp-bob", "mug", notify=False)
    for _ in range(10):  # 500 left: ten trees, not eleven
        redemptions.redeem("emp-bob", "tree", notify=False)
    with pytest.raises(redemptions.InsufficientBalance):
        redemptions.redeem("emp-bob", "tree", notify=False)
    assert balance_of("emp-bob") == 0
    tree = RewardModel.get(*RewardModel.key("tree"))
    tree.update(actions=[RewardModel.retired.set(True)])
    with pytest.raises(RewardRetired):
        redemptions.redeem("emp-bob", "tree", notify=False)
    assert len(redemptions.redemptions_of("emp-bob")) == 13


def test_a_form_sent_twice_redeems_once(shop):
    from korpo.shop import redemptions
    from korpo.shop.wallet import balance_of

    give("emp-bob", 500)
    first = redemptions.redeem("emp-bob", "mug", request_id="form-token-1", notify=False)
    again = redemptions.redeem("emp-bob", "mug", request_id="form-token-1", notify=False)
    other = redemptions.redeem("emp-bob", "mug", request_id="form-token-2", notify=False)
    assert again == first and other.redemption_id != first.redemption_id
    assert balance_of("emp-bob") == 300 and stock_of("mug") == 0


def test_cancel_refunds_once_and_puts_the_stock_and_limit_back(shop):
    from korpo.shop import redemptions
    from korpo.shop.wallet import balance_of

    give("emp-bob", 400)
    card = redemptions.redeem("emp-bob", "card", notify=False)
    mug = redemptions.redeem("emp-bob", "mug", notify=False)
    assert balance_of("emp-bob") == 0
    cancelled = redemptions.cancel(card.redemption_id, by="emp-ann", message="out of cards")
    assert (cancelled.status, cancelled.message) == ("cancelled", "out of cards")
    assert redemptions.cancel(card.redemption_id, by="emp-ann").status == "cancelled"
    assert balance_of("emp-bob") == 300  # refunded once
    redemptions.redeem("emp-bob", "card", notify=False)  # the limit counts it no more
    redemptions.cancel(mug.redemption_id, by="emp-ann")
    assert stock_of("mug") == 2 and balance_of("emp-bob") == 100


def test_fulfil_and_the_transitions_it_refuses(shop):
    from korpo.shop import redemptions

    give("emp-bob", 200)
    mug = redemptions.redeem("emp-bob", "mug", notify=False)
    tree = redemptions.redeem("emp-bob", "tree", notify=False)
    done = redemptions.fulfil(mug.redemption_id, message="at the front desk")
    assert (done.status, done.message) == ("fulfilled", "at the front desk")
    assert redemptions.fulfil(mug.redemption_id) == done  # idempotent
    with pytest.raises(redemptions.InvalidTransition):
        redemptions.cancel(mug.redemption_id, by="emp-ann")
    redemptions.cancel(tree.redemption_id, by="emp-ann")
    with pytest.raises(redemptions.InvalidTransition):
        redemptions.fulfil(tree.redemption_id)
    with pytest.raises(redemptions.RedemptionNotFound):
        redemptions.fulfil("emp-bob.0123456789abcdef0123")
    with pytest.raises(redemptions.RedemptionNotFound):
        redemptions.cancel("nonsense", by="emp-ann")
    assert [r.redemption_id for r in redemptions.redemptions_by_status("fulfilled")] == [
        mug.redemption_id]


def test_redeeming_mails_the_employee_and_each_admin_separately(shop, monkeypatch):
    import boto3
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    from korpo import settings
    from korpo.shop import redemptions

    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress="korpo@example.com")
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool, GroupName="admins")
    for email in ("ann@example.com", "zoe@example.com"):
        cognito.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": email}])
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="admins")
    monkeypatch.setenv("KORPO_SENDER_EMAIL", "korpo@example.com")
    settings.current.cache_clear()
    profile()
    give("emp-bob", 100)
    redemptions.redeem("emp-bob", "mug", user_pool_id=pool)
    sent = get_backend("ses")[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    to = sorted(tuple(m.destinations["ToAddresses"]) for m in sent)
    assert to == [("ann@example.com",), ("bob@example.com",), ("zoe@example.com",)]
    admin_mail = next(m for m in sent if m.destinations["ToAddresses"] == ["ann@example.com"])
    assert "Bob Durand" in admin_mail.body and "bob@example.com" not in admin_mail.body


# ---------------------------------------------------------------- the JSON routes


def test_redeem_route_answers_201_409_and_404_with_codes(shop, api):
    give("emp-bob", 120)
    made = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "mug"},
               body={"request_id": "form-token-1"})
    assert made["statusCode"] == 201
    assert made["headers"]["Content-Type"] == "application/json"
    body = body_of(made)
    assert (body["status"], body["balance"]) == ("requested", 20)
    again = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "mug"},
                body={"request_id": "form-token-1"})
    assert body_of(again)["redemption_id"] == body["redemption_id"]
    poor = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "mug"})
    assert (poor["statusCode"], body_of(poor)["code"]) == (409, "insufficient_balance")
    gone = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "yacht"})
    assert (gone["statusCode"], body_of(gone)["code"]) == (404, "reward_not_found")
    bad = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "mug"},
              body={"request_id": 7})
    assert bad["statusCode"] == 400
    assert bad["headers"]["Content-Type"] == "application/json"  # Chalice's own errors too
    mine = body_of(api("api/my_redemptions", claims=BOB))["redemptions"]
    assert [r["redemption_id"] for r in mine] == [body["redemption_id"]]


def test_a_reward_without_stock_redeems_through_the_api_too(shop, api):
    """No stock to decrement: the transaction checks the reward with a ConditionCheck (its
    own IAM action, dynamodb:ConditionCheckItem, which the api's role must have)."""
    give("emp-bob", 60)
    made = api("api/redeem_reward", claims=BOB, path_params={"reward_id": "tree"})
    assert (made["statusCode"], body_of(made)["balance"]) == (201, 10)
    assert stock_of("tree") is None


def test_admins_fulfil_and_cancel_from_the_queue(shop, api):
    give("emp-bob", 200)
    made = body_of(api("api/redeem_reward", claims=BOB, path_params={"reward_id": "mug"}))
    assert api("api/admin_list_redemptions", claims=BOB)["statusCode"] == 403
    queue = body_of(api("api/admin_list_redemptions", claims=ADMIN))["redemptions"]
    assert [r["redemption_id"] for r in queue] == [made["redemption_id"]]
    rid = {"redemption_id": made["redemption_id"]}
    cancelled = api("api/admin_cancel_redemption", claims=ADMIN, path_params=rid,
                    body={"message": "sorry"})
    assert body_of(cancelled)["status"] == "cancelled"
    refused = api("api/admin_fulfil_redemption", claims=ADMIN, path_params=rid)
    assert (refused["statusCode"], body_of(refused)["code"]) == (409, "invalid_transition")
    missing = api("api/admin_fulfil_redemption", claims=ADMIN,
                  path_params={"redemption_id": "x.y"})
    assert missing["statusCode"] == 404
    assert body_of(api("api/get_me", claims=BOB))["balance"] == 200


# ---------------------------------------------------------------- a property

OPS = st.lists(st.tuples(st.sampled_from(["give", "redeem", "redeem", "cancel", "fulfil"]),
                         st.sampled_from(["ann", "bob"]), st.sampled_from(["mug", "card", "tree"]),
                         st.integers(0, 5)), min_size=1, max_size=25)


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_the_books_always_balance(shop, ops):
    """Whatever the sequence of gifts, redemptions, cancels and fulfilments: a balance is
    what was given minus what its live (not cancelled) redemptions cost, never negative; a
    stock is its start minus its live redemptions; no one passes a limit."""
    import uuid

    from korpo.shop import redemptions
    from korpo.shop.rewards import RewardNotFound
    from korpo.shop.wallet import balance_of

    run = uuid.uuid4().hex[:6]  # the tables outlive an example: ids of their own
    given_points = Counter()
    made: list[str] = []
    start_stock = {"mug": stock_of("mug")}
    for op, who, reward, n in ops:
        employee = f"{who}-{run}"
        try:
            if op == "give":
                give(employee, 50 * n)
                given_points[employee] += 50 * n
            elif op == "redeem":
                made.append(redemptions.redeem(employee, reward, notify=False).redemption_id)
            elif made and op == "cancel":
                redemptions.cancel(made[n % len(made)], by="admin")
            elif made:
                redemptions.fulfil(made[n % len(made)])
        except (redemptions.InsufficientBalance, redemptions.OutOfStock,
                redemptions.LimitReached, redemptions.InvalidTransition, RewardNotFound):
            pass
    live = [redemptions.get_redemption(r) for r in made]
    live = [r for r in live if r.status != "cancelled"]
    for who in ("ann", "bob"):
        employee = f"{who}-{run}"
        spent = sum(r.cost for r in live if r.employee_id == employee)
        assert balance_of(employee) == given_points[employee] - spent >= 0
        assert sum(1 for r in live if r.employee_id == employee and r.reward_id == "card") <= 1
    assert stock_of("mug") == start_stock["mug"] - sum(1 for r in live if r.reward_id == "mug")
    assert stock_of("mug") >= 0
