"""One rule for the text people send (korpo.texts), and every field the domain keeps uses it."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from korpo import brand, texts
from korpo.content import challenges, curate
from korpo.feeds import channels
from korpo.people import profiles, teams
from korpo.shop import redemptions, rewards

# What no field may hold: NUL, other C0 and C1 controls, DEL, a lone surrogate (a JSON
# "\udcff"), U+FFFD (what a decoder leaves of bytes that were not UTF-8), line and paragraph
# separators, a bidirectional override, a zero-width space.
HOSTILE = ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b", "a\udcffb", "a\ufffdb",
           "a\u2028b", "a\u2029b", "a\u202eb", "a\u200bb", "end\x1f"]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_field_keeps_a_control_or_invisible_character(value):
    for lines in (False, True):
        with pytest.raises(texts.TextRefused) as refused:
            texts.clean(value, 100, lines=lines)
        assert refused.value.reason == "invalid"


def test_people_text_is_kept_as_typed_give_or_take_spaces():
    assert texts.clean("  Caf\u0065\u0301 \u2615 ", 50) == "Café ☕"  # NFC, stripped
    assert texts.clean("a\tb", 50) == "a b"  # a pasted tab is a space
    assert texts.clean("👩\u200d💻 d\u200cev", 50) == "👩\u200d💻 d\u200cev"  # joiners stay
    assert texts.clean("one\r\ntwo\rthree", 50, lines=True) == "one\ntwo\nthree"
    with pytest.raises(texts.TextRefused):
        texts.clean("one\ntwo", 50)  # a line break in a one-line field
    assert texts.clean("   ", 10) is None
    with pytest.raises(texts.TextRefused, match="required"):
        texts.clean(" ", 10, required=True)
    with pytest.raises(texts.TextRefused, match="too_long"):
        texts.clean("x" * 11, 10)
    with pytest.raises(texts.TextRefused, match="invalid"):
        texts.clean(42, 10)


def test_a_request_field_is_readable_unless_no_person_could_have_typed_it():
    assert texts.readable("Zoë 👩\u200d💻\r\n\ttab \u202e")  # odd, but typed: the field decides
    for value in ("\x00", "\x1f", "\x7f", "\x9f", "\udcff", "\ufffd"):
        assert not texts.readable(f"a{value}b")


@given(st.text(max_size=200))
def test_what_a_field_keeps_is_always_readable(value):
    try:
        kept = texts.clean(value, 500, lines=True)
    except texts.TextRefused:
        return
    assert kept is None or texts.readable(kept)


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
CHALLENGE = {"title": "Spring", "subject": "url", "destination": "https://example.com/jobs",
             "starts_at": "2026-12-08T09:00", "ends_at": "2026-12-20T18:00",
             "reward": "bonus", "bonus": "10", "kind": "campaign", "goal": "clicks",
             "goal_target": "100"}


def _challenge(field: str, value: str) -> None:
    try:
        challenges.read_form({**CHALLENGE, field: value}, ZoneInfo("Europe/Paris"), NOW)
    except challenges.InvalidChallenge as refused:
        assert refused.errors.get(field) == f"{field}_invalid"
        raise ValueError(field) from None


# Every text field an admin or an employee types that the domain keeps, by the function that
# checks it (the same ones the web pages and the api call).
FIELDS = {
    "reward title": lambda v: rewards.clean_fields({"title": v, "cost": "5"}, new=True),
    "reward description": lambda v: rewards.clean_fields(
        {"title": "Mug", "description": v, "cost": "5"}, new=True),
    "channel title": channels.clean_title,
    "points name": lambda v: brand.clean({"points_name": v}),
    "disclosure line": lambda v: brand.clean({"disclosure_line": v}),
    "team name": teams.clean_name,
    "display name": profiles.clean_display_name,
    "manual post title": lambda v: curate.add_manual_post("https://example.com/a", v),
    "manual post text": lambda v: curate.add_manual_post("https://example.com/a", "Title", v),
    "share text": lambda v: curate.set_share_text("post-1", v),
    "challenge title": lambda v: _challenge("title", v),
    "challenge description": lambda v: _challenge("description", v),
    "fulfilment message": lambda v: redemptions.fulfil("e.0123456789abcdef0123", message=v),
    "cancellation message": lambda v: redemptions.cancel("e.0123456789abcdef0123", by="boss",
                                                         message=v),
}


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("value", ["nul\x00", "escape\x1b[31m", "override\u202e"])
def test_every_kept_field_refuses_control_characters(field, value):
    # Each raises its own ValueError (InvalidReward, ChannelRefused, InvalidBrand…) before
    # anything is read or written.
    with pytest.raises(ValueError):
        FIELDS[field](value)
