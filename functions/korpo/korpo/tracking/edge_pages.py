"""The public edge's own pages, for a visitor whose link does not work (unknown, mistyped, or
its post withdrawn: one answer, which never says whether a code existed) or whose request is
too large. Plain HTML built here (no template engine on track_click's cold start), in the
visitor's language (Accept-Language), readable on a phone, with the brand's name and colour,
under a CSP that allows only this page's own style."""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from html import escape

from korpo.languages import DEFAULT, from_accept_language

_WORDS = {
    "not_found": {
        "en": ("Link not found", "This link does not work",
               "It may have been mistyped, or the post it shared has been withdrawn."),
        "fr": ("Lien introuvable", "Ce lien ne fonctionne pas",
               "Il a peut-être été mal recopié, ou la publication qu’il partageait a été "
               "retirée."),
    },
    "too_large": {
        "en": ("Request too large", "This request is too large",
               "Your browser sent more than a link needs. Open the link again, or in another "
               "browser."),
        "fr": ("Requête trop volumineuse", "Cette requête est trop volumineuse",
               "Votre navigateur a envoyé plus que ce qu’un lien demande. Ouvrez le lien à "
               "nouveau, ou dans un autre navigateur."),
    },
}
KINDS = tuple(_WORDS)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#1d4ed8"


@dataclass(frozen=True)
class EdgePage:
    body: str
    language: str
    headers: dict[str, str]


def _style(colour: str) -> str:
    return ("body{margin:0;font:1.0625rem/1.5 system-ui,sans-serif;color:#0b0c0c}"
            f"header{{background:{colour};color:#fff;padding:.75rem 1rem;font-weight:700}}"
            "main{max-width:40rem;margin:0 auto;padding:1rem}"
            "h1{font-size:1.6rem;line-height:1.2}")


def page(kind: str, accept_language: str | None, brand_name: str, colour: str) -> EdgePage:
    """The page of `kind` (KINDS) in the visitor's language, with its headers."""
    language = from_accept_language(accept_language) or DEFAULT
    title, heading, text = _WORDS[kind][language]
    style = _style(colour if _COLOUR.match(colour or "") else DEFAULT_COLOUR)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    brand = escape(brand_name or "")
    body = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} – {brand}</title><style>{style}</style></head>"
            f'<body><header>{brand}</header><main><h1>{escape(heading)}</h1>'
            f"<p>{escape(text)}</p></main></body></html>")
    headers = {
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
        "Content-Language": language, "Vary": "Accept-Language",
        "Content-Security-Policy": (f"default-src 'none'; style-src 'sha256-{digest}'; "
                                    "base-uri 'none'; form-action 'none'; "
                                    "frame-ancestors 'none'"),
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    }
    return EdgePage(body, language, headers)
