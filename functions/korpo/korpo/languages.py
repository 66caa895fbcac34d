"""The languages Korpo speaks (English and French) and how a reader's is chosen: the one they
set (their profile's), else the brand's; for a stranger, their browser's Accept-Language. The
pages, the e-mails and the public edge's own pages all choose the same way."""
from __future__ import annotations

LANGUAGES = ("en", "fr")
DEFAULT = "en"
MAX_ACCEPT_LANGUAGE = 512  # longer is not a browser's: ignored


def language_for(chosen: str | None, brand_language: str = DEFAULT) -> str:
    """A person's language: theirs, else the brand's, else English."""
    for language in (chosen, brand_language):
        if language in LANGUAGES:
            return language
    return DEFAULT


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages in an Accept-Language header (q-values honoured), or None."""
    if not header or len(header) > MAX_ACCEPT_LANGUAGE:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None
