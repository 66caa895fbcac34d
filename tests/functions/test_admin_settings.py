"""The settings page: the brand's words and look and the scoring rules, each checked next to
its field, stored in the Catalog, and used by every page once saved (escaped)."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers import make_post
from web_pages import as_admin, form, headers_of, page_event, signed_in, text_of


def _save(web, **fields: str) -> dict:
    return web(form("/manage/settings", fields))


def test_the_page_shows_the_templates_values_as_hints(web):
    answer = web(page_event("/manage/settings", headers=as_admin()))
    assert answer["statusCode"] == 200
    text = text_of(answer["body"])
    assert "Par défaut : korpos." in text and "Par défaut : #collaborateur." in text
    assert "Par défaut : 10." in text  # points per click (the test stack's Parameter)
    for name in ("points_name", "disclosure_line", "brand_colour", "logo_url",
                 "human_click_value", "currency", "points_per_click", "points_per_conversion",
                 "daily_cap_per_type"):
        assert f'id="{name}"' in answer["body"] and f'for="{name}"' in answer["body"]


def test_a_saved_points_name_and_disclosure_show_on_every_page(web):
    from korpo import brand

    saved = _save(web, points_name="étoiles", disclosure_line="#team-acme")
    assert saved["statusCode"] == 303
    assert headers_of(saved)["location"] == "/manage/settings?done=brand"
    assert brand.stored() == {"points_name": "étoiles", "disclosure_line": "#team-acme"}
    assert brand.current().points_name == "étoiles"

    board = web(page_event("/leaderboard", headers=signed_in()))["body"]
    assert "étoiles" in board and "korpos" not in board
    make_post("post-1")
    sheet = web(page_event("/news/{post_id}", params={"post_id": "post-1"},
                           headers=signed_in()))["body"]
    assert "#team-acme</strong>" in sheet and "#collaborateur" not in sheet
    shared = web(page_event("/news/{post_id}/share/{target}",
                            params={"post_id": "post-1", "target": "x"},
                            query={"t": "token-1"}, headers=signed_in()))
    text = parse_qs(urlsplit(headers_of(shared)["location"]).query)["text"][0]
    assert text.endswith(" #team-acme")

    page = web(page_event("/manage/settings", query={"done": "brand"}, headers=as_admin()))
    assert 'value="étoiles"' in page["body"] and 'role="status"' in page["body"]

    cleared = _save(web, points_name="", disclosure_line="")  # empty: the template's again
    assert cleared["statusCode"] == 303 and brand.current().points_name == "korpos"


def test_each_language_has_its_disclosure_line_and_the_brand_its_language(web, monkeypatch):
    from korpo import brand, settings

    monkeypatch.delenv("KORPO_DISCLOSURE_LINE")  # the Parameter's default: #employee
    settings.current.cache_clear()
    brand.forget()
    make_post("post-1")

    def shared_text(language: str) -> str:
        cookie = signed_in()["cookie"] + f"; korpo_lang={language}"
        answer = web(page_event("/news/{post_id}/share/{target}",
                                params={"post_id": "post-1", "target": "x"},
                                query={"t": "token-1"}, headers={"cookie": cookie}))
        return parse_qs(urlsplit(headers_of(answer)["location"]).query)["text"][0]

    # Nothing chosen: each language its own default, never English on a French page.
    assert shared_text("en").endswith(" #employee")
    assert shared_text("fr").endswith(" #collaborateur")
    page = text_of(web(page_event("/manage/settings", headers=as_admin()))["body"])
    assert "Par défaut : #employee." in page and "Par défaut : #collaborateur." in page
    assert brand.current().language == "en"

    assert _save(web, disclosure_line="#staff", disclosure_line_fr="#équipe-acme",
                 language="fr")["statusCode"] == 303
    assert shared_text("en").endswith(" #staff")
    assert shared_text("fr").endswith(" #équipe-acme")
    assert brand.current().language == "fr"
    refused = _save(web, language="de")
    assert refused["statusCode"] == 400 and 'id="language-error"' in refused["body"]


def test_hostile_values_are_shown_escaped(web):
    hostile = '"><svg onload=alert(1)>'
    assert _save(web, points_name=hostile, disclosure_line=hostile)["statusCode"] == 303
    for answer in (web(page_event("/leaderboard", headers=signed_in())),
                   web(page_event("/manage/settings", headers=as_admin())),
                   web(page_event("/points", headers=signed_in()))):
        assert answer["statusCode"] == 200
        assert "<svg onload" not in answer["body"]
        assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in answer["body"]


@pytest.mark.parametrize("field,value,message", [
    ("brand_colour", "red", "six chiffres hexadécimaux"),
    ("brand_colour", "#12345g", "six chiffres hexadécimaux"),
    ("logo_url", "http://example.com/logo.png", "https://"),
    ("logo_url", "javascript:alert(1)", "https://"),
    ("logo_url", 'https://example.com/" onerror="x', "https://"),
    ("human_click_value", "abc", "0,35"),
    ("human_click_value", "-1", "entre 0 et 1000"),
    ("human_click_value", "NaN", "0,35"),
    ("human_click_value", "0.123456", "4 décimales"),
    ("currency", "euro", "trois lettres"),
    ("points_name", "x" * 31, "30 caractères"),
    ("disclosure_line", "a\u202eb", "ponctuation"),
])
def test_a_wrong_value_is_refused_next_to_its_field_and_nothing_is_stored(web, field, value,
                                                                          message):
    from korpo import brand

    answer = _save(web, **{field: value, "points_name": "stars"} if field != "points_name"
                   else {field: value})
    assert answer["statusCode"] == 400
    body = answer["body"]
    assert f'id="{field}-error"' in body and f'href="#{field}"' in body
    error = body.split(f'id="{field}-error"')[1].split("</p>")[0]
    assert message in error
    assert brand.stored() == {}


def test_valid_colour_logo_and_click_value_are_used(web):
    from korpo import brand

    saved = _save(web, brand_colour="#FF0000", logo_url="https://cdn.example.com/logo.png",
                  human_click_value="0,35", currency="usd")
    assert saved["statusCode"] == 303
    current = brand.current()
    assert current.brand_colour == "#ff0000" and current.currency == "USD"
    assert current.human_click_value == Decimal("0.35")
    body = web(page_event("/news", headers=signed_in()))["body"]
    assert '<img src="https://cdn.example.com/logo.png"' in body
    assert 'href="/theme.css?c=ff0000"' in body
    theme = web(page_event("/theme.css", query={"c": "ff0000"}))
    assert "--brand:#ff0000" in theme["body"] and "immutable" in headers_of(theme)[
        "cache-control"]
    unnamed = web(page_event("/theme.css", query={"c": "not-a-colour"}))
    assert "--brand:#ff0000" in unnamed["body"] and headers_of(unnamed)[
        "cache-control"] == "no-cache"


def test_the_rules_form_is_checked_as_the_api_checks_it(web):
    from korpo.scoring import store

    saved = web(form("/manage/settings/rules", {
        "points_per_click": "25", "points_per_conversion": "signup=50, *=5",
        "daily_cap_per_type": "click=100", "pixel_conversions_earn": "no",
        "signup_bonus": ""}))
    assert headers_of(saved)["location"] == "/manage/settings?done=rules"
    assert store.stored_overrides() == {
        "points_per_click": 25, "points_per_conversion": {"signup": 50, "*": 5},
        "daily_cap_per_type": {"click": 100}, "pixel_conversions_earn": False}
    page = web(page_event("/manage/settings", headers=as_admin()))["body"]
    assert 'value="signup=50, *=5"' in page and 'value="25"' in page

    for fields, wrong in (({"points_per_click": "ten"}, "points_per_click"),
                          ({"points_per_click": "200000"}, "points_per_click"),
                          ({"points_per_conversion": "signup:50"}, "points_per_conversion"),
                          ({"points_per_conversion": "Bad Type=5"}, "points_per_conversion"),
                          ({"daily_cap_per_type": "lunch=5"}, "daily_cap_per_type"),
                          ({"pixel_conversions_earn": "perhaps"}, "pixel_conversions_earn")):
        refused = web(form("/manage/settings/rules", fields))
        assert refused["statusCode"] == 400, fields
        assert f'id="{wrong}-error"' in refused["body"]
    assert store.stored_overrides()["points_per_click"] == 25  # nothing written

    web(form("/manage/settings/rules", {}))  # every field empty: the template's rules
    assert store.stored_overrides() == {}


def test_the_cached_brand_reloads_after_its_time(aws, monkeypatch):
    from korpo import brand
    from korpo.models import BrandModel

    brand.forget()
    clock = [1000.0]
    monkeypatch.setattr(brand._cache, "_clock", lambda: clock[0])
    assert brand.current().points_name == "korpos"
    BrandModel(*BrandModel.key(), points_name="stars").save()  # another container saved it
    assert brand.current().points_name == "korpos"
    clock[0] += brand.TTL_SECONDS
    assert brand.current().points_name == "stars"


def test_the_brand_values_are_checked_as_plain_values():
    from korpo import brand

    assert brand.clean({"points_name": "  kudos ", "currency": "chf", "logo_url": ""}) == {
        "points_name": "kudos", "currency": "CHF"}
    with pytest.raises(brand.InvalidBrand) as refused:
        brand.clean({"brand_colour": "blue", "currency": "EURO", "extra": "x"})
    assert refused.value.errors == {"extra": "field.unknown"}
    with pytest.raises(brand.InvalidBrand) as refused:
        brand.clean({"brand_colour": "blue", "currency": "EURO"})
    assert refused.value.errors == {"brand_colour": "brand_colour.invalid",
                                    "currency": "currency.invalid"}
