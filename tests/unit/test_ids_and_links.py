from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from korpo.ids import CODE_LENGTH, is_share_code, new_event_id, new_share_code, stable_id
from korpo.tracking.links import ShareLink, tracked_destination


def test_share_codes_are_short_random_and_valid():
    codes = {new_share_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and is_share_code(c) for c in codes)


@given(st.text(max_size=30))
def test_is_share_code_rejects_anything_else(value):
    if is_share_code(value):
        assert len(value) == CODE_LENGTH and value.isalnum()


def test_event_ids_sort_by_time_and_never_collide():
    ids = [new_event_id(1_700_000_000 + i) for i in range(100)]
    assert ids == sorted(ids)
    assert len({new_event_id(1.0) for _ in range(1000)}) == 1000


def test_stable_id_is_deterministic_and_separates_parts():
    assert stable_id("a", "b") == stable_id("a", "b")
    assert stable_id("a", "bc") != stable_id("ab", "c")


@given(path=st.sampled_from(["/", "/post", "/a/b"]),
       query=st.lists(st.tuples(st.sampled_from(["ref", "q", "utm_source"]),
                                st.text(alphabet="abc &=#", max_size=5)), max_size=3),
       fragment=st.sampled_from(["", "top", "sec-2"]))
def test_tracked_destination_keeps_destination_and_appends_tracking(path, query, fragment):
    from urllib.parse import urlencode, urlunsplit

    destination = urlunsplit(("https", "brand.example", path, urlencode(query), fragment))
    link = ShareLink("Ab3dEf7hJk", "emp", "post", "linkedin", destination)
    out = urlsplit(tracked_destination(link, "click-1"))
    assert (out.scheme, out.netloc, out.path, out.fragment) == ("https", "brand.example", path,
                                                                 fragment)
    pairs = parse_qsl(out.query, keep_blank_values=True)
    assert pairs[: len(query)] == query
    assert pairs[len(query):] == [("utm_source", "linkedin"), ("utm_medium", "employee_advocacy"),
                                  ("utm_campaign", "korpo"), ("korpo_click", "click-1")]


@pytest.mark.parametrize("title, slug", [
    ("Refer a <b>platform</b> engineer", "refer-a-platform-engineer-"),
    ("R&amp;D <script>alert(1)</script> day", "r-d-alert-1-day-"),
    ("Été 2027 : lancement", "ete-2027-lancement-"),
    ("<i></i>", "challenge-"),
])
def test_a_challenges_id_is_made_from_its_titles_words_not_its_markup(title, slug):
    from korpo.content.challenges import new_challenge_id

    made = new_challenge_id(title)
    assert made.startswith(slug) and len(made) == len(slug) + 6
