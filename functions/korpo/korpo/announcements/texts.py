"""The programme's words in English and French, for e-mails (in the reader's language: their
profile's, else the brand's) and for Slack and Teams (the brand's language). Values are filled
in by str.format: plain text, nothing is markup."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from korpo.languages import LANGUAGES, language_for


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
        "challenge.news": "New challenge: {title}",
        "challenge.take_part": "Take part",
        "kind.campaign": "Campaign",
        "kind.product_launch": "Product launch",
        "kind.job_referral": "Job referral",
        "winners.subject": "{brand}: the winners of {month}",
        "winners.nobody": "No one earned {points_name} in {month}. A new month has begun!",
        "winners.final.one": "The board of {month} is final: {participants} employee earned "
                             "{total} {points_name}.",
        "winners.final.other": "The board of {month} is final: {participants} employees "
                               "earned {total} {points_name}.",
        "winners.heading": "Winners:",
        "winners.former": "Former employee",
        "winners.congratulations": "Congratulations! The new month's board starts at zero; "
                                   "your balance stays.",
        "winners.board": "See the board",
    },
    "fr": {
        "digest.subject": "{brand} : votre semaine, du {start} au {end}",
        "digest.hello": "Bonjour {name},",
        "digest.points": "Cette semaine, vous avez gagné {points} {points_name}.",
        "digest.no_points": "Vous n’avez gagné aucun {points_name} cette semaine : partagez "
                            "une publication pour commencer.",
        "digest.posts": "Nouveau cette semaine, prêt à partager :",
        "digest.more_posts": "… et {count} de plus : {url}",
        "digest.challenges": "Défis en cours :",
        "digest.until": "jusqu’au {date}",
        "challenge.subject": "{brand} : un nouveau défi, {title}",
        "challenge.when": "Du {start} au {end}.",
        "challenge.open": "Pour participer : {url}",
        "footer.why": "Vous recevez cet e-mail parce que vous avez demandé les e-mails du "
                      "programme dans votre profil.",
        "footer.stop": "Ne plus recevoir ces e-mails : {url}",
        "challenge.news": "Nouveau défi : {title}",
        "challenge.take_part": "Participer",
        "kind.campaign": "Campagne",
        "kind.product_launch": "Lancement de produit",
        "kind.job_referral": "Recrutement par cooptation",
        "winners.subject": "{brand} : les gagnants {of_month}",
        "winners.nobody": "En {month}, personne n’a rien gagné. Un nouveau mois commence !",
        "winners.final.one": "Le classement {of_month} est définitif : {participants} "
                             "employé a gagné {total} {points_name}.",
        "winners.final.other": "Le classement {of_month} est définitif : {participants} "
                               "employés ont gagné {total} {points_name}.",
        "winners.heading": "Gagnants :",
        "winners.former": "Ancien collaborateur",
        "winners.congratulations": "Bravo ! Le classement du nouveau mois repart de zéro ; "
                                   "votre solde reste.",
        "winners.board": "Voir le classement",
    },
}


def language_of(chosen: str | None) -> str:
    """The reader's language: theirs, else the brand's (an admin's setting), else English."""
    if chosen in LANGUAGES:
        return chosen
    from korpo import brand

    try:
        return language_for(None, brand.current().language)
    except Exception:  # noqa: BLE001 - no brand settings to read: English
        return "en"


def text(language: str, key: str, **values: object) -> str:
    return _TEXTS[language_of(language)][key].format(**values)


def counted(language: str, key: str, count: int, **values: object) -> str:
    """The `key.one` or `key.other` text, as the language's plural rule (CLDR) says for
    `count`: French says "1 employé" and "0 employé", English "0 employees"."""
    form = Locale.parse(language_of(language)).plural_form(count)
    chosen = f"{key}.{form}" if f"{key}.{form}" in _TEXTS[language_of(language)] else \
        f"{key}.other"
    return text(language, chosen, **values)


def month_name(month: str, language: str) -> str:
    """"2026-10" as "October 2026" / "octobre 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(datetime(year, number, 1).date(), format="LLLL y",
                        locale=language_of(language))


def of_month(month: str, language: str) -> str:
    """"of October 2026" as French writes it after a noun: "d’octobre 2026", "de mai 2026"
    (the English texts say "of" themselves)."""
    name = month_name(month, language)
    if language_of(language) != "fr":
        return name
    return f"d’{name}" if name[:1] in "aeiouyàâéèêîôû" else f"de {name}"


def day(at: datetime, language: str, zone: ZoneInfo) -> str:
    """"2 December 2026", "2 décembre 2026": the brand's calendar day of an instant."""
    return format_date(at.astimezone(zone).date(), format="long", locale=language_of(language))


def number(value: int, language: str) -> str:
    return format_decimal(value, locale=language_of(language))


def footer(language: str, unsubscribe_url: str) -> list[str]:
    return ["", "-- ", text(language, "footer.why"),
            text(language, "footer.stop", url=unsubscribe_url)]
