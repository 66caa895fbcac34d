from hypothesis import given
from hypothesis import strategies as st

from korpo.board.standings import rank_sorted


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranked = rank_sorted([("a", 30), ("b", 20), ("c", 20), ("d", 5)])
    assert [(s.employee_id, s.rank) for s in ranked] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=40))
def test_rank_is_one_plus_number_strictly_higher(scores):
    pairs = sorted(((f"e{i}", s) for i, s in enumerate(scores)), key=lambda p: -p[1])
    for standing in rank_sorted(pairs):
        assert standing.rank == 1 + sum(1 for s in scores if s > standing.score)
