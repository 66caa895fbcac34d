"""The programme e-mails' words in English and French (the employee's profile language; English
when they chose none). Values are filled in by str.format: plain text, nothing is markup."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

LANGUAGES = ("en", "fr")

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "digest.subject": "{brand}: your week, {start} to {end}",
        "digest.hello": "Hello {name},",
        "digest.points": "This week you earned {points} {points_name}.",
        "digest.no_points": "You earned no {points_name} this week: share a post to start.",
        "digest.posts": "New this week, ready to share:",
        "digest.more_posts": "… and {count} more: {url}",
        "digest.challenges": "Running challenges:",
        "digest.until": "until {date}",
        "challenge.subject": "{brand}: a new challenge, {title}",
        "challenge.when": "From {start} to {end}.",
        "challenge.open": "Take part: {url}",
        "footer.why": "You get this e-mail because you asked for the programme's e-mails in "
                      "your profile.",
        "footer.stop": "Stop these e-mails: {url}",
    },
    "fr": {
        "digest.subject": "{brand} : votre semaine, du {start} au {end}",
        "digest.hello": "Bonjour {name},",
        "digest.points": "Cette semaine, vous avez gagné {points} {points_name}.",
        "digest.no_points": "Vous n’avez gagné aucun {points_name} cette semaine : partagez "
                            "une publication pour commencer.",
        "digest.posts": "Nouveau cette semaine, prêt à partager :",
        "digest.more_posts": "… et {count} de plus : {url}",
        "digest.challenges": "Défis en cours :",
        "digest.until": "jusqu’au {date}",
        "challenge.subject": "{brand} : un nouveau défi, {title}",
        "challenge.when": "Du {start} au {end}.",
        "challenge.open": "Pour participer : {url}",
        "footer.why": "Vous recevez cet e-mail parce que vous avez demandé les e-mails du "
                      "programme dans votre profil.",
        "footer.stop": "Ne plus recevoir ces e-mails : {url}",
    },
}


def language_of(chosen: str | None) -> str:
    return chosen if chosen in LANGUAGES else "en"


def text(language: str, key: str, **values: object) -> str:
    return _TEXTS[language_of(language)][key].format(**values)


def day(at: datetime, language: str, zone: ZoneInfo) -> str:
    """"2 December 2026", "2 décembre 2026": the brand's calendar day of an instant."""
    return format_date(at.astimezone(zone).date(), format="long", locale=language_of(language))


def number(value: int, language: str) -> str:
    return format_decimal(value, locale=language_of(language))


def footer(language: str, unsubscribe_url: str) -> list[str]:
    return ["", "-- ", text(language, "footer.why"),
            text(language, "footer.stop", url=unsubscribe_url)]
