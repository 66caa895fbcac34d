"""board figures: read units of the top 20 and of one employee's rank as employees grow.

Boards are seeded directly (BatchWriteItem of the entries, and of the score-bucket items
award_points would have left for those scores) in in-process moto. Scores follow a long tail
(most employees have a few clicks, a few have many), with many ties. The rank figure is the
worst case: the last-ranked employee, whose rank reads every bucket above.
"""
from __future__ import annotations

import random
from collections import defaultdict

from bench.capacity import metered
from bench.harness import Figure, moto_account

SIZES = (100, 10_000, 100_000)
MONTH = "2026-11"


def _scores(n: int) -> list[int]:
    rng = random.Random(n)
    return [10 * max(1, int(rng.paretovariate(1.2))) + rng.choice((0, 0, 0, 3, 5)) for _ in range(n)]


def _seed(table: str, scores: list[int]) -> None:
    import boto3

    from korpo.board.standings import bucket_key, bucket_of

    client = boto3.client("dynamodb")
    buckets: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    requests = []

    def put(item: dict) -> None:
        requests.append({"PutRequest": {"Item": item}})
        if len(requests) == 25:
            flush()

    def flush() -> None:
        if requests:
            client.batch_write_item(RequestItems={table: list(requests)})
            requests.clear()

    for i, score in enumerate(scores):
        put({"pk": {"S": f"BOARD#{MONTH}"}, "sk": {"S": f"EMP#emp-{i:06d}"},
             "board": {"S": MONTH}, "score": {"N": str(score)},
             "employee_id": {"S": f"emp-{i:06d}"}})
        buckets[bucket_of(score)]["n"] += 1
        buckets[bucket_of(score)][f"s{score}"] += 1
    for bucket, counts in buckets.items():
        put({**bucket_key(MONTH, bucket), **{k: {"N": str(v)} for k, v in counts.items()}})
    flush()


def run() -> list[Figure]:
    figures = []
    for n in SIZES:
        with moto_account():
            from korpo import settings
            from korpo.board import standings

            scores = _scores(n)
            _seed(settings.current().scores_table, scores)
            with metered() as top_units:
                top = standings.top(MONTH, 20)
            last = min(range(n), key=lambda i: scores[i])
            with metered() as rank_units:
                standing = standings.standing_of(MONTH, f"emp-{last:06d}")
            assert standing.rank == 1 + sum(1 for s in scores if s > scores[last])
            assert [s.score for s in top] == sorted(scores, reverse=True)[:20]
        figures.append(Figure(f"board.top20_read_units_{n}", top_units.read, "RCU",
                              "<= 3x the 100 figure"))
        figures.append(Figure(f"board.rank_read_units_{n}", rank_units.read, "RCU",
                              "<= 3x the 100 figure"))
    order = [f"board.top20_read_units_{n}" for n in SIZES] + [
        f"board.rank_read_units_{n}" for n in SIZES]
    return sorted(figures, key=lambda f: order.index(f.name))
