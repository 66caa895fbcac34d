"""Where an employee can share a post: each network's own share page, opened with the
employee's tracked link and a suggested text that always ends with the brand's disclosure line.

Only the networks' public share URLs are used (no SDK, no API key, nothing about the
employee's own accounts is stored: the Mastodon instance is remembered by the browser).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

# The order the share sheet shows them in.
TARGETS = ("linkedin", "x", "facebook", "mastodon", "bluesky", "whatsapp", "email")
# Where share_page_url leads, as CSP sources (a Mastodon server is the employee's own).
PAGE_ORIGINS = ("https://www.linkedin.com", "https://x.com", "https://www.facebook.com",
                "https://bsky.app", "https://wa.me", "mailto:")
MAX_TITLE_CHARS = 200
# A Mastodon instance is a host name: letters, digits, dots, dashes; no scheme, port or path.
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class InvalidInstance(ValueError):
    pass


# An admin's suggested text (korpo.content.curate.set_share_text) may say more than a title.
MAX_SUGGESTED_CHARS = 500


_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u2028\u2029]")
# Runs of ordinary spaces; no-break spaces stay (French writes one before "!", "?", ":").
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ")


def own_words(raw: str | None, disclosure: str = "") -> str:
    """What an employee wrote in the share sheet's box, as the text's first part: line breaks
    kept (three at most in a row), other controls and runs of spaces dropped, at most
    MAX_SUGGESTED_CHARS; a disclosure line they typed at its end is left out (it is added
    once, after the link)."""
    text = _CONTROLS.sub(" ", (raw or "")[:MAX_SUGGESTED_CHARS * 4].replace("\r\n", "\n"))
    lines = [_one_line(line) for line in text.split("\n")]
    text = re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).strip()
    if disclosure and text.endswith(disclosure):
        text = text[:-len(disclosure)].rstrip()
    return text[:MAX_SUGGESTED_CHARS].rstrip()


@dataclass(frozen=True)
class ShareText:
    title: str
    url: str
    disclosure: str
    suggested: str | None = None  # the admin's words for this post; None: the title
    edited: str | None = None  # the employee's own words (share sheet); None: suggested

    def words(self) -> str:
        """The text before the link: the employee's words, else the admin's, else the
        title."""
        return own_words(self.edited, self.disclosure) or \
            _one_line(self.suggested or "")[:MAX_SUGGESTED_CHARS] or \
            _one_line(self.title)[:MAX_TITLE_CHARS]

    def text(self) -> str:
        """"<words> <link> <disclosure>": the disclosure always last, never left out (the
        employee edits the words only)."""
        return " ".join(part for part in (self.words(), self.url, self.disclosure) if part)


def mastodon_instance(raw: str) -> str:
    """The host of the employee's Mastodon server, from what they typed ("@me@host" or a URL
    work too); InvalidInstance if it is not a public host name."""
    value = raw.strip().lower()
    value = re.sub(r"^https?://", "", value).split("/", 1)[0]
    if value.count("@") == 2 and value.startswith("@"):  # @user@instance
        value = value.rsplit("@", 1)[1]
    elif "@" in value:
        value = value.rsplit("@", 1)[1]
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidInstance(raw) from None
    if not _HOST.match(value):
        raise InvalidInstance(raw)
    return value


def share_page_url(target: str, share: ShareText, instance: str | None = None) -> str:
    """The network's own page that opens a new post with the text (and link)."""
    text = share.text()
    if target == "linkedin":
        return "https://www.linkedin.com/feed/?" + urlencode({"shareActive": "true",
                                                               "text": text}, quote_via=quote)
    if target == "x":
        return "https://x.com/intent/post?" + urlencode({"text": text}, quote_via=quote)
    if target == "facebook":  # Facebook takes the link only; `quote` pre-fills where allowed
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode(
            {"u": share.url, "quote": text}, quote_via=quote)
    if target == "mastodon":
        if not instance:
            raise InvalidInstance("")
        return f"https://{mastodon_instance(instance)}/share?" + urlencode(
            {"text": text}, quote_via=quote)
    if target == "bluesky":
        return "https://bsky.app/intent/compose?" + urlencode({"text": text}, quote_via=quote)
    if target == "whatsapp":
        return "https://wa.me/?" + urlencode({"text": text}, quote_via=quote)
    if target == "email":
        return "mailto:?" + urlencode({"subject": share.title[:MAX_TITLE_CHARS], "body": text},
                                      quote_via=quote)
    raise ValueError(f"unknown share target {target!r}")
