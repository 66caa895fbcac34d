"""The score buckets behind one employee's rank: monotonic, narrow, few."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from korpo.board.standings import bucket_moves, bucket_of


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_buckets_are_monotonic(a, b):
    if a <= b:
        assert bucket_of(a) <= bucket_of(b)


@given(st.integers(64, 10**12))
def test_a_bucket_is_at_most_a_sixteenth_of_its_scores(score):
    same = [s for s in (score - score // 16, score + score // 16) if bucket_of(s) == bucket_of(score)]
    assert all(abs(s - score) <= score // 16 for s in same)
    assert bucket_of(10**12) < 700  # a month has a few hundred buckets at most


def test_moves_merge_within_one_bucket():
    assert bucket_moves(None, 10) == {10: {"n": 1, "s10": 1}}
    assert bucket_moves(100, 101) == {bucket_of(100): {"s100": -1, "s101": 1}}
    assert bucket_moves(10, 20) == {10: {"n": -1, "s10": -1}, 20: {"n": 1, "s20": 1}}
