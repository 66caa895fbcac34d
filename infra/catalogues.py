"""The web app's translation catalogues: what needs translating, and keeping the .po files current.

    .venv/bin/python -m infra.catalogues        # adds new messages (empty) to every catalogue,
                                                # marks the gone ones obsolete, lists the missing

Messages are found where they are written: `_()`/`gettext()` in templates, `N_()`/`_()`/
`gettext()` in the web app's Python. tests/web/test_i18n.py fails while one is untranslated.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from infra.template import ROOT

WEB = ROOT / "functions" / "web" / "webapp"
LOCALES = WEB / "locales"
LANGUAGES = ("fr",)  # English is the source language
METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                 "lstrip_blocks": "true"}}
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    catalog = Catalog(project="korpo-web", domain="messages")
    for filename, lineno, message, comments, _context in extract_from_dir(
            str(WEB), METHOD_MAP, OPTIONS, KEYWORDS, strip_comment_tags=True):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments)
    return catalog


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain="messages")
    with open(path, "rb") as handle:
        return read_po(handle, locale=language)


def missing(language: str) -> list[str]:
    """Messages used in the app that the language's catalogue does not translate."""
    catalog = read(language)
    out = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id)
        # A fuzzy entry (a message that changed, e.g. became plural) is not used at run time.
        if found is None or not found.string or found.fuzzy or (
                isinstance(found.string, tuple) and not all(found.string)):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


_NBSP, _NARROW = "\u00a0", "\u202f"
# French typography (docs/decisions.md, "French typography"): a translator's plain space
# before these marks becomes the no-break space a line cannot break at.
_FRENCH_SPACES = ((" :", _NBSP + ":"), (" ;", _NARROW + ";"), (" ?", _NARROW + "?"),
                  (" !", _NARROW + "!"), ("« ", "«" + _NARROW), (" »", _NARROW + "»"))


def french_spacing(text: str) -> str:
    for plain, spaced in _FRENCH_SPACES:
        text = text.replace(plain, spaced)
    return text


def update(language: str) -> list[str]:
    catalog = read(language)
    catalog.update(extract(), no_fuzzy_matching=True)
    if language == "fr":
        for message in catalog:
            if message.id and message.string:
                message.string = (tuple(map(french_spacing, message.string))
                                  if isinstance(message.string, tuple)
                                  else french_spacing(message.string))
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True,
                 ignore_obsolete=True, include_previous=False)
    return missing(language)


def main() -> int:
    for language in LANGUAGES:
        todo = update(language)
        print(f"{language}: {len(todo)} message(s) to translate in {po_path(language)}")
        for message in todo:
            print(f"  {message!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
