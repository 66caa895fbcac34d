"""French as French is written, wherever Korpo's French words are: the web app's catalogue,
the e-mails' tables (announcements, shop) and the public edge's pages.

The rule (docs/decisions.md, "French typography"): a no-break space (U+00A0) before a colon,
a narrow no-break space (U+202F) before ";", "?" and "!" and inside « »; never a plain space
there, which a line can break at. Plurals come from the catalogue's plural forms (ngettext):
no "(s)" left to the reader.
"""
from __future__ import annotations

import re

from infra import catalogues

NBSP, NARROW = "\u00a0", "\u202f"


def _catalogue() -> list[tuple[str, str]]:
    out = []
    for message in catalogues.read("fr"):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        out += [(f"catalogue: {key}", text) for text in strings if text]
    return out


def _tables() -> list[tuple[str, str]]:
    from korpo.announcements import texts
    from korpo.shop import notify
    from korpo.tracking import edge_pages

    out = [(f"announcements.texts: {k}", v) for k, v in texts._TEXTS["fr"].items()]
    for table in (notify._REDEEMED, notify._DECIDED):
        for key, value in table["fr"].items():
            for text in (value if isinstance(value, tuple) else (value,)):
                out.append((f"shop.notify: {key}", text))
    for kind, words in edge_pages._WORDS.items():
        out += [(f"tracking.edge_pages: {kind}", text) for text in words["fr"]]
    return out


FRENCH = _catalogue() + _tables()


def spacing_problems(text: str) -> list[str]:
    problems = []
    for found in re.finditer(r"[:;?!»]", text):
        mark, at = found.group(), found.start()
        before, after = text[at - 1:at], text[at + 1:at + 3]
        if mark == ":" and (after.startswith("//") or (before.isdigit() and after[:1].isdigit())):
            continue  # an address (https://) or a time (09:00)
        wanted = NBSP if mark == ":" else NARROW
        if before != wanted:
            problems.append(f"{mark!r} after {before!r} at {at}")
    problems += [f"« then {text[m.end():m.end() + 1]!r}" for m in re.finditer("«", text)
                 if text[m.end():m.end() + 1] != NARROW]
    return problems


def test_the_rule_itself():
    assert spacing_problems("Votre solde\u00a0: 12\u202f! Et «\u202fça\u202f»\u202f?") == []
    assert spacing_problems("https://x.example à 09:00") == []
    assert len(spacing_problems("Solde : 12 ! « non »")) == 4


def test_french_spacing_before_high_punctuation():
    wrong = [(where, text, spacing_problems(text)) for where, text in FRENCH
             if spacing_problems(text)]
    assert len(FRENCH) > 500 and not wrong, "\n".join(map(repr, wrong))


def test_no_pseudo_plural_is_left_to_the_reader():
    assert not [where for where, text in FRENCH if "(s)" in text or "(es)" in text]


def test_every_french_plural_has_its_forms():
    """Babel's French plural rule has three forms (one, many, other): each is written."""
    plural = [m for m in catalogues.read("fr") if isinstance(m.id, tuple)]
    assert plural and all(len(m.string) == 3 and all(m.string) for m in plural)


def test_the_catalogue_tool_spaces_a_translators_plain_spaces():
    # `python -m infra.catalogues` applies the rule to every French string it writes.
    assert spacing_problems(catalogues.french_spacing("Solde : 12 ! « non » ; oui ?")) == []
    assert catalogues.french_spacing("https://x.example à 09:00") == "https://x.example à 09:00"
