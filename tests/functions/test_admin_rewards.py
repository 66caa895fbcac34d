"""The shop's back office through its pages: rewards added, edited, restocked, retired; the
redemptions queue fulfilled with a message the employee is e-mailed and sees, or cancelled and
refunded once. Admin text is escaped wherever it is shown."""
from __future__ import annotations

import pytest

from web_pages import ME, as_admin, form, headers_of, page_event, signed_in, text_of

# The console event asks for French first; these tests read the English words.
def admin() -> dict:
    return {**as_admin(), "accept-language": "en"}


def employee() -> dict:
    return {**signed_in(), "accept-language": "en"}


def post(path: str, fields: dict, params: dict | None = None) -> dict:
    return form(path, fields, params=params, who=admin())


XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def give(employee_id: str, points: int) -> None:
    from korpo.models import BalanceModel

    BalanceModel(*BalanceModel.key(employee_id)).update(
        actions=[BalanceModel.points.add(points)])


def _rewards():
    from korpo.shop import rewards

    return rewards.list_rewards(include_retired=True)


def _add(web, **fields) -> dict:
    values = {"title": "Book voucher", "description": "", "kind": "gift_card", "cost": "500",
              "stock": "3", "per_employee_limit": ""}
    values.update(fields)
    return web(post("/manage/rewards/new", values))


def test_an_admin_adds_a_reward_and_employees_see_it_in_the_shop(web):
    added = _add(web, title="Book voucher", cost="1 500")
    assert added["statusCode"] == 303
    assert headers_of(added)["location"] == "/manage/rewards?done=added"
    [reward] = _rewards()
    assert (reward.title, reward.cost, reward.stock, reward.kind) == (
        "Book voucher", 1500, 3, "gift_card")
    listed = web(page_event("/manage/rewards", query={"done": "added"}, headers=admin()))
    assert "The reward is in the shop." in listed["body"] and "Book voucher" in listed["body"]
    shop = web(page_event("/shop", headers=employee()))
    assert "Book voucher" in text_of(shop["body"]) and "3 left" in text_of(shop["body"])


@pytest.mark.parametrize("fields,name,message", [
    ({"title": " "}, "title", "Enter the reward&#39;s title."),
    ({"cost": "ten"}, "cost", "The price must be a whole number"),
    ({"cost": "0"}, "cost", "between 1 and 10,000,000"),
    ({"stock": "-1"}, "stock", "between 0 and 1,000,000"),
    ({"per_employee_limit": "1.5"}, "per_employee_limit", "The limit must be a whole number"),
    ({"kind": "cash"}, "kind", "Choose the kind of reward."),
    ({"title": "x" * 121}, "title", "120 characters or fewer"),
    ({"cost": ""}, "cost", "Enter the price in korpos."),  # the points by their name
])
def test_a_wrong_field_is_explained_next_to_it_and_nothing_is_saved(web, fields, name, message):
    answer = _add(web, **fields)
    assert answer["statusCode"] == 400
    body = answer["body"]
    assert f'id="{name}-error"' in body and message in body
    assert 'aria-describedby="' in body and 'aria-invalid="true"' in body
    assert _rewards() == []


def test_every_wrong_field_is_named_at_once(web):
    import re

    answer = _add(web, title=" ", cost="ten", stock="-1", per_employee_limit="0")
    summary = answer["body"].split('class="error-summary"')[1].split("</div>")[0]
    assert re.findall(r'<a href="#([a-z_]+)">', summary) == [
        "title", "cost", "per_employee_limit", "stock"]
    assert _rewards() == []


def test_editing_restocking_and_retiring(web):
    _add(web, stock="1")
    [reward] = _rewards()
    path = f"/manage/rewards/{reward.reward_id}"
    params = {"reward_id": reward.reward_id}
    saved = web(post("/manage/rewards/{reward_id}", {
        "title": "Voucher", "description": "By e-mail", "kind": "gift_card", "cost": "300",
        "per_employee_limit": "2", "stock": "999"}, params=params))
    assert saved["statusCode"] == 303, saved["body"][:500]
    [reward] = _rewards()
    assert (reward.title, reward.cost, reward.per_employee_limit, reward.stock) == (
        "Voucher", 300, 2, 1)  # the edit form never sets the stock

    assert web(post("/manage/rewards/{reward_id}/restock", {"more": "4"},
                    params=params))["statusCode"] == 303
    assert _rewards()[0].stock == 5
    refused = web(post("/manage/rewards/{reward_id}/restock", {"more": "0"}, params=params))
    assert refused["statusCode"] == 400 and "Add between 1 and 1,000,000." in refused["body"]

    assert web(post("/manage/rewards/{reward_id}/retire", {}, params=params))["statusCode"] == 303
    assert _rewards()[0].retired
    assert "Voucher" not in web(page_event("/shop", headers=employee()))["body"]
    page = web(page_event("/manage/rewards/{reward_id}", params=params, headers=admin()))
    assert page["statusCode"] == 200 and "Offer “Voucher” again" in page["body"]
    assert web(post("/manage/rewards/{reward_id}/retire", {"offer": "yes"},
                    params=params))["statusCode"] == 303
    assert not _rewards()[0].retired
    assert path in web(page_event("/manage/rewards", headers=admin()))["body"]


def test_an_unlimited_reward_cannot_be_restocked(web):
    _add(web, stock="")
    [reward] = _rewards()
    refused = web(post("/manage/rewards/{reward_id}/restock", {"more": "3"},
                       params={"reward_id": reward.reward_id}))
    assert refused["statusCode"] == 400 and "no stock limit" in refused["body"]
    assert _rewards()[0].stock is None


def test_restocking_never_takes_the_stock_past_what_the_form_allows(web):
    from korpo.shop import rewards

    _add(web, stock=str(rewards.MAX_STOCK - 5))
    [reward] = _rewards()
    params = {"reward_id": reward.reward_id}
    refused = web(post("/manage/rewards/{reward_id}/restock", {"more": "6"}, params=params))
    assert refused["statusCode"] == 400
    assert "The stock cannot go over 1,000,000: add fewer." in refused["body"]
    assert _rewards()[0].stock == rewards.MAX_STOCK - 5
    assert web(post("/manage/rewards/{reward_id}/restock", {"more": "5"},
                    params=params))["statusCode"] == 303
    assert _rewards()[0].stock == rewards.MAX_STOCK  # up to the cap, not one more
    with pytest.raises(rewards.InvalidReward, match="over_limit"):
        rewards.restock(reward.reward_id, 1)


def test_a_refund_landing_between_the_read_and_the_write_cannot_pass_the_cap(web, monkeypatch):
    from korpo.models import RewardModel
    from korpo.shop import rewards

    _add(web, stock=str(rewards.MAX_STOCK - 1))
    [reward] = _rewards()
    read, refunds = rewards.get_reward, [1]

    def read_then_a_cancel_refunds_one(reward_id, consistent=False):
        found = read(reward_id, consistent)
        if refunds:  # once, just after the restock read the stock
            RewardModel(*RewardModel.key(reward_id)).update(
                actions=[RewardModel.stock.add(refunds.pop())])
        return found

    monkeypatch.setattr(rewards, "get_reward", read_then_a_cancel_refunds_one)
    with pytest.raises(rewards.InvalidReward, match="over_limit"):
        rewards.restock(reward.reward_id, 1)  # it read MAX - 1: the condition sees MAX
    monkeypatch.undo()
    assert _rewards()[0].stock == rewards.MAX_STOCK


def test_admin_text_is_escaped_in_the_admin_pages_and_the_shop(web):
    _add(web, title=XSS, description=XSS)
    for page in (web(page_event("/manage/rewards", headers=admin())),
                 web(page_event("/shop", headers=employee()))):
        assert "<script>alert(1)" not in page["body"] and "<img src=x" not in page["body"]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page["body"]


@pytest.fixture
def redeemed(web, monkeypatch):
    """Ann (an employee with a profile and points) redeemed a voucher; SES is ready."""
    import boto3

    from korpo import settings
    from korpo.people import employees
    from korpo.shop import redemptions

    boto3.client("ses").verify_email_identity(EmailAddress="korpo@example.com")
    monkeypatch.setenv("KORPO_SENDER_EMAIL", "korpo@example.com")
    settings.current.cache_clear()
    employees.ensure_profile(employees.Identity(ME, "ann.lee@example.com", name="Ann Lee"))
    _add(web, title="Voucher", cost="100", stock="1")
    [reward] = _rewards()
    give(ME, 150)
    return redemptions.redeem(ME, reward.reward_id, notify=False)


def _sent():
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    return get_backend("ses")[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages


def test_fulfilling_sends_the_gift_code_to_the_employee_who_then_sees_it(web, redeemed):
    queue = web(page_event("/manage/redemptions", headers=admin()))
    assert "Voucher" in queue["body"] and "Ann Lee" in queue["body"]
    rid = redeemed.redemption_id
    detail = web(page_event("/manage/redemptions/{redemption_id}",
                            params={"redemption_id": rid}, headers=admin()))
    assert "ann.lee@example.com" in detail["body"]  # admins hand the reward over

    done = web(post("/manage/redemptions/{redemption_id}/fulfil",
                    {"message": "Code: AB-12 <b>now</b>"}, params={"redemption_id": rid}))
    assert done["statusCode"] == 303
    assert headers_of(done)["location"] == "/manage/redemptions?done=fulfilled"
    [mail] = _sent()
    assert mail.destinations["ToAddresses"] == ["ann.lee@example.com"]
    assert "Code: AB-12 <b>now</b>" in mail.body and "fulfilled" in mail.body  # plain text

    mine = web(page_event("/shop/redemptions", headers=employee()))
    assert "Fulfilled" in mine["body"] and "Code: AB-12 &lt;b&gt;now&lt;/b&gt;" in mine["body"]
    # Sent again (a double click): nothing changes, no second e-mail.
    again = web(post("/manage/redemptions/{redemption_id}/fulfil", {"message": "other"},
                     params={"redemption_id": rid}))
    assert again["statusCode"] == 303 and len(_sent()) == 1
    # A fulfilled one cannot be cancelled: said, nothing refunded.
    refused = web(post("/manage/redemptions/{redemption_id}/cancel", {},
                       params={"redemption_id": rid}))
    assert refused["statusCode"] == 409 and "cannot be cancelled" in refused["body"]
    from korpo.shop import wallet

    assert wallet.balance_of(ME) == 50


def test_cancelling_refunds_once_and_tells_the_employee_in_their_language(web, redeemed):
    from korpo.people import profiles
    from korpo.shop import rewards, wallet

    profiles.update_profile(ME, language="fr")
    params = {"redemption_id": redeemed.redemption_id}
    for _ in range(2):
        answer = web(post("/manage/redemptions/{redemption_id}/cancel",
                          {"message": "Plus en stock"}, params=params))
        assert answer["statusCode"] == 303
    assert wallet.balance_of(ME) == 150  # refunded once
    assert rewards.get_reward(redeemed.reward_id).stock == 1  # the voucher is back
    [mail] = _sent()
    assert "annulée" in mail.subject and "Plus en stock" in mail.body
    cancelled = web(page_event("/manage/redemptions", query={"status": "cancelled"},
                               headers=admin()))
    assert "Voucher" in cancelled["body"]
    assert "Nothing to fulfil." in web(page_event("/manage/redemptions",
                                                  headers=admin()))["body"]


def test_a_message_too_long_is_refused_next_to_the_field(web, redeemed):
    answer = web(post("/manage/redemptions/{redemption_id}/fulfil", {"message": "x" * 1001},
                      params={"redemption_id": redeemed.redemption_id}))
    # The form's own limit cuts a field at 2,000 characters; the domain's is 1,000.
    assert answer["statusCode"] == 409 and 'id="message-error"' in answer["body"]
    assert _sent() == []


def test_the_start_page_says_what_needs_an_admin(web, redeemed):
    from datetime import datetime, timezone

    from korpo.feeds import store as feed_store

    feed = feed_store.add_feed("https://blog.example.com/feed.xml", title="<b>Blog</b>")
    feed_store.record_failure(feed, datetime.now(timezone.utc), "HTTP 500", status=500)
    words = text_of(web(page_event("/manage", headers=admin()))["body"])
    assert "Redemptions to fulfil: 1" in words
    assert "Channels failing: 1 (&lt;b&gt;Blog&lt;/b&gt;)" in words  # escaped
    assert "No challenge is running: create one" in words
    web(post("/manage/redemptions/{redemption_id}/fulfil", {},
             params={"redemption_id": redeemed.redemption_id}))
    assert "No redemption to fulfil." in text_of(web(page_event("/manage",
                                                                headers=admin()))["body"])


def test_redeeming_e_mails_each_reader_in_their_language_and_links_the_admins_to_it(
        web, monkeypatch):
    """A French employee is told in French; the admin, who reads English, gets the link to
    the redemption's page, where it is fulfilled."""
    from korpo import settings
    from korpo.people import employees, profiles
    from korpo.shop import redemptions
    from mail_helpers import pool_with_an_admin
    from web_pages import HOST

    pool, boss_id = pool_with_an_admin()
    monkeypatch.setenv("KORPO_SENDER_EMAIL", "korpo@example.com")
    monkeypatch.setenv("KORPO_USER_POOL_ID", pool)
    settings.current.cache_clear()
    employees.ensure_profile(employees.Identity(ME, "ann.lee@example.com", name="Ann Lee"),
                             language="fr")
    employees.ensure_profile(employees.Identity(boss_id, "boss@example.com", name="Boss"),
                             language="en")
    _add(web, title="Voucher", cost="100", stock="1")
    [reward] = _rewards()
    give(ME, 150)
    check = web(page_event("/shop/{reward_id}", params={"reward_id": reward.reward_id},
                           headers=signed_in()))
    token = check["body"].split('name="request_id" value="')[1].split('"')[0]
    web(form("/shop/{reward_id}", {"request_id": token}, params={"reward_id": reward.reward_id},
             who=signed_in()))
    [done] = redemptions.redemptions_of(ME)
    sent = {m.destinations["ToAddresses"][0]: m for m in _sent()}
    mine, boss_mail = sent["ann.lee@example.com"], sent["boss@example.com"]
    assert "vous avez échangé Voucher" in mine.subject and "contre 100 korpos" in mine.body
    assert "a reward to fulfil" in boss_mail.subject and "Ann Lee redeemed" in boss_mail.body
    assert f"https://{HOST}/manage/redemptions/{done.redemption_id}" in boss_mail.body
    assert profiles.get_profile(ME).language == "fr"
