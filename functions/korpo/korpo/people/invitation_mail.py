"""The invitation e-mail's words, in English and French: what the user pool's CustomMessage
trigger answers for `CustomMessage_AdminCreateUser` (Cognito then puts the account's
username and temporary password in place of its two placeholders and sends it).

Cognito's own invitation template is one per pool, and cannot even be changed while Cognito
sends the mail itself (COGNITO_DEFAULT); the trigger can, in each employee's language. The
body is HTML (Cognito sends it as such): every value put in is escaped. Cognito requires
both placeholders in the message; with e-mail as the sign-in name, `{username}` is an
opaque id, so the message says the e-mail itself and shows the id only as a reference.
"""
from __future__ import annotations

from html import escape

LANGUAGES = ("en", "fr")

_TEXTS = {
    "en": {
        "subject": "{brand}: your invitation",
        "hello": "Hello,",
        "why": "{brand} invites you to its employee advocacy programme: share what {brand} "
               "publishes, and earn points when people open your links.",
        "where": "Sign in at {link} with",
        "nowhere": "Sign in at the address your administrator gave you, with",
        "email": "your work e-mail: {email}",
        "password": "this temporary password: {code}",
        "then": "You will then choose your own password. The temporary password works for "
                "{days} days; after that, ask an administrator to send the invitation again.",
        "reference": "Account reference: {username}",
    },
    "fr": {
        "subject": "{brand} : votre invitation",
        "hello": "Bonjour,",
        "why": "{brand} vous invite à son programme d’ambassadeurs : partagez ce que {brand} "
               "publie et gagnez des points quand des gens ouvrent vos liens.",
        "where": "Connectez-vous sur {link} avec",
        "nowhere": "Connectez-vous à l’adresse que votre administrateur vous a donnée, avec",
        "email": "votre adresse e-mail professionnelle : {email}",
        "password": "ce mot de passe temporaire : {code}",
        "then": "Vous choisirez ensuite votre propre mot de passe. Le mot de passe temporaire "
                "fonctionne {days} jours ; passé ce délai, demandez à un administrateur de "
                "vous renvoyer l’invitation.",
        "reference": "Référence du compte : {username}",
    },
}


def language_of(chosen: str | None) -> str:
    chosen = (chosen or "").strip().lower()[:2]
    return chosen if chosen in LANGUAGES else "en"


def invitation(language: str | None, *, brand: str, email: str, sign_in_url: str | None,
               username_placeholder: str, code_placeholder: str,
               days: int) -> tuple[str, str]:
    """(subject, HTML body). The placeholders are Cognito's (the event's usernameParameter
    and codeParameter), put in unescaped so Cognito finds them."""
    words = {key: escape(text) for key, text in _TEXTS[language_of(language)].items()}
    if sign_in_url and sign_in_url.startswith(("https://", "http://")):
        url = escape(sign_in_url, quote=True)
        where = words["where"].format(link=f'<a href="{url}">{url}</a>')
    else:
        where = words["nowhere"]
    body = "".join([
        f"<p>{words['hello']}</p>",
        f"<p>{words['why'].format(brand=escape(brand))}</p>",
        f"<p>{where}<br>",
        words["email"].format(email=f"<b>{escape(email)}</b>"), "<br>",
        words["password"].format(code=f"<b>{code_placeholder}</b>"), "</p>",
        f"<p>{words['then'].format(days=days)}</p>",
        f"<p><small>{words['reference'].format(username=username_placeholder)}</small></p>",
    ])
    return _TEXTS[language_of(language)]["subject"].format(brand=brand), body
