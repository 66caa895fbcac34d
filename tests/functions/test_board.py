"""The board as award_points leaves it: top N from the index, rank from the score buckets."""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

_MONTHS = itertools.count()


@hsettings(max_examples=15, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from("abcdefgh"),
                                st.sampled_from([0, 5, 10, 10, 60, 63, 64, 70, 100, 1000, 1040,
                                                 5000])),
                      min_size=1, max_size=25),
       )
def test_rank_equals_one_plus_strictly_higher_with_ties(aws, moves):
    from korpo.board import standings

    n = next(_MONTHS)  # a fresh board per example
    month = f"{1000 + n // 12:04d}-{n % 12 + 1:02d}"
    for employee_id, score in moves:
        standings.set_score(month, employee_id, score)
    final = dict(moves)
    for employee_id, score in final.items():
        standing = standings.standing_of(month, employee_id)
        assert standing.score == score
        assert standing.rank == 1 + sum(1 for s in final.values() if s > score)
    top = standings.top(month, 3)
    assert [s.score for s in top] == sorted(final.values(), reverse=True)[:3]
