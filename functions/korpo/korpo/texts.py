"""Text that people send: one rule for every field, whichever page, form or JSON body it came by.

Two checks, one character rule:
- `readable(value)`: what any field of a request may hold at all, checked where the request
  is read (the web app's forms and query strings, the api's JSON bodies and query strings):
  well-formed Unicode, with no lone surrogate (a JSON `\\udcff`), no U+FFFD (the mark a
  decoder leaves where bytes were not UTF-8: the request is refused, its text is never stored
  half-replaced) and no control character but tab, line feed and carriage return (a
  textarea's line breaks). No browser sends anything else: the request is refused whole.
- `clean(raw, limit, lines=…, required=…)`: a field the domain keeps (a title, a name, a
  description, a message): NFC, stripped, tabs as spaces, at most `limit` characters, and no
  control or invisible formatting character (bidirectional overrides, zero-width spaces,
  line and paragraph separators), except line breaks where `lines`. Zero-width joiners stay:
  emoji sequences and several scripts need them.
"""
from __future__ import annotations

import unicodedata

REPLACEMENT = "\ufffd"
# Invisible formatting characters a person's text may need (category Cf): zero-width
# non-joiner and joiner (emoji sequences, Persian, Indic scripts).
_JOINERS = frozenset("\u200c\u200d")


class TextRefused(ValueError):
    """`reason`: "required" (empty), "too_long", or "invalid" (not text, or a character no
    field may hold)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _unreadable(ch: str) -> bool:
    code = ord(ch)
    return ((code < 0x20 and ch not in "\t\n\r") or 0x7F <= code <= 0x9F
            or 0xD800 <= code <= 0xDFFF or ch == REPLACEMENT)


def readable(value: str) -> bool:
    """Whether a request's field is text a person could have sent (see the module's doc)."""
    return not any(_unreadable(ch) for ch in value)


def _refused_in_field(ch: str, lines: bool) -> bool:
    if ch == "\n":
        return not lines
    category = unicodedata.category(ch)
    if category == "Cf":
        return ch not in _JOINERS
    return category in ("Cc", "Cs", "Zl", "Zp") or ch == REPLACEMENT


def clean(raw: object, limit: int, *, lines: bool = False,
          required: bool = False) -> str | None:
    """The text to keep, or None when empty and not `required`; TextRefused otherwise."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise TextRefused("invalid")
    if len(raw) > 2 * limit + 100:  # far too long whatever stripping would take off
        raise TextRefused("too_long")
    value = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    # Checked before stripping: str.strip() would quietly drop some controls (\x1c-\x1f…).
    if any(_refused_in_field(ch, lines) for ch in value):
        raise TextRefused("invalid")
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        if required:
            raise TextRefused("required")
        return None
    if len(value) > limit:
        raise TextRefused("too_long")
    return value
