"""Settings: the brand's words and look (points' name, disclosure line in each language, the
brand's language, colour, logo, the value of a human click) and the scoring rules. Each field left empty keeps the template's
value, which the page shows."""
from __future__ import annotations

import dataclasses
import re

from chalice import Blueprint, Response

from korpo import brand, settings as korpo_settings
from korpo.scoring import store as rules_store
from korpo.scoring.rules import (
    InvalidRules, checked_overrides, table_as_text, table_from_text,
)
from webapp.i18n import N_
from webapp.pages import Pages, Redirect, Visit
from webapp.routes.admin.common import admin_page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

DONE = {
    "brand": N_("The brand settings are saved. Every page uses them within a minute."),
    "rules": N_("The scoring rules are saved. They apply to new clicks within a minute."),
}
BRAND_ERRORS = {
    "points_name.too_long": N_("The points' name must be 30 characters or fewer."),
    "points_name.invalid_characters": N_("The points' name can only hold letters, numbers, "
                                         "spaces and punctuation."),
    "disclosure_line.too_long": N_("The disclosure line must be 100 characters or fewer."),
    "disclosure_line.invalid_characters": N_("The disclosure line can only hold letters, "
                                             "numbers, spaces and punctuation."),
    "disclosure_line_fr.too_long": N_("The disclosure line must be 100 characters or fewer."),
    "disclosure_line_fr.invalid_characters": N_("The disclosure line can only hold letters, "
                                                "numbers, spaces and punctuation."),
    "language.unsupported": N_("Choose English or French."),
    "brand_colour.invalid": N_("Enter the colour as # and six hexadecimal digits, like "
                               "#1d4ed8."),
    "logo_url.not_https": N_("Enter the logo's address starting with https://, like "
                             "https://example.com/logo.png."),
    "human_click_value.invalid": N_("Enter the value of a click as a number, like 0.35."),
    "human_click_value.out_of_range": N_("Enter a value from 0 to 1000."),
    "human_click_value.too_precise": N_("Enter the value with 4 decimals at most."),
    "currency.invalid": N_("Enter the currency as its three-letter code, like EUR or USD."),
}
AMOUNTS = ("points_per_click", "points_per_share_intent", "signup_bonus",
           "daily_cap_per_employee")
TABLES = ("points_per_conversion", "daily_cap_per_type")
RULE_ERRORS = {
    "amount": N_("Enter a whole number from 0 to 100000, or leave it empty."),
    "points_per_conversion": N_("Write each conversion type and its points as type=points, "
                                "separated by commas, like signup=50, *=20."),
    "daily_cap_per_type": N_("Write each kind and its cap as kind=points, separated by "
                             "commas; the kinds are click, share_intent, conversion and "
                             "employee_signup."),
    "pixel_conversions_earn": N_("Choose whether conversions reported by the pixel earn "
                                 "points."),
}
_WHOLE = re.compile(r"^[0-9]{1,7}$")


def _rules_form(overrides: dict) -> dict[str, str]:
    """The stored overrides as the form shows them (empty: the template's value)."""
    out = {name: str(overrides[name]) for name in AMOUNTS if name in overrides}
    out.update({name: table_as_text(overrides[name]) for name in TABLES if name in overrides})
    if "pixel_conversions_earn" in overrides:
        out["pixel_conversions_earn"] = "yes" if overrides["pixel_conversions_earn"] else "no"
    return out


def _rules_from_form(visit: Visit) -> tuple[dict, dict[str, str]]:
    """(overrides, errors): each field read, then checked as the API checks it."""
    overrides: dict = {}
    errors: dict[str, str] = {}
    for name in AMOUNTS:
        raw = visit.field(name).strip()
        if raw and _WHOLE.match(raw):
            overrides[name] = int(raw)
        elif raw:
            errors[name] = RULE_ERRORS["amount"]
    for name in TABLES:
        raw = visit.field(name).strip()
        if raw:
            try:
                overrides[name] = table_from_text(raw, name)
            except InvalidRules:
                errors[name] = RULE_ERRORS[name]
    pixel = visit.field("pixel_conversions_earn")
    if pixel in ("yes", "no"):
        overrides["pixel_conversions_earn"] = pixel == "yes"
    elif pixel:
        errors["pixel_conversions_earn"] = RULE_ERRORS["pixel_conversions_earn"]
    for name, value in list(overrides.items()):
        try:
            checked_overrides({name: value})
        except InvalidRules:
            errors[name] = RULE_ERRORS.get(name, RULE_ERRORS["amount"])
            overrides.pop(name)
    return overrides, errors


def _page(visit: Visit, *, status: int = 200, errors: dict[str, str] | None = None,
          brand_values: dict[str, str] | None = None,
          rule_values: dict[str, str] | None = None) -> Response:
    defaults = korpo_settings.current()  # the template's Parameters
    default_rules = rules_store.default_rules(defaults)
    return admin_page(
        visit, "admin/settings.html", "settings", done=DONE, status=status,
        defaults=defaults, default_rules=default_rules,
        # What French share texts end with while the French line is left empty.
        default_disclosure_fr=brand.disclosure_line(
            dataclasses.replace(visit.settings, disclosure_line_fr=""), "fr"),
        default_tables={name: table_as_text(getattr(default_rules, name)) for name in TABLES},
        brand_values=brand.stored() if brand_values is None else brand_values,
        rule_values=(_rules_form(rules_store.stored_overrides()) if rule_values is None
                     else rule_values),
        errors={k: visit.gettext(v) for k, v in (errors or {}).items()})


@pages.route("/manage/settings", methods=("GET", "POST"))
def settings_page(visit: Visit) -> Response:
    """The brand form posts here; the rules form to /manage/settings/rules."""
    who = visit.admin()
    if visit.request.method == "GET":
        return _page(visit)
    values = {name: visit.field(name) for name in brand.FIELDS}
    try:
        brand.save(values, updated_by=who.employee_id)
    except brand.InvalidBrand as error:
        return _page(visit, status=400, brand_values=values, errors={
            name: BRAND_ERRORS.get(key, N_("Check what you entered and try again."))
            for name, key in error.errors.items()})
    raise Redirect("/manage/settings?done=brand")


@pages.route("/manage/settings/rules", methods=("POST",))
def rules(visit: Visit) -> Response:
    who = visit.admin()
    overrides, errors = _rules_from_form(visit)
    if errors:
        return _page(visit, status=400, errors=errors,
                     rule_values={name: visit.field(name) for name in (
                         *AMOUNTS, *TABLES, "pixel_conversions_earn")})
    rules_store.save_rules(overrides, updated_by=who.employee_id)
    raise Redirect("/manage/settings?done=rules")
