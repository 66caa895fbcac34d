"""`make load` on a 10-second spike: a test of the script, not of the machine's speed.

The stack runs in a child process as `make load` runs it; the spike is answered in full, and
the Events table, the ledger, the board, the balances and the stats agree with what was sent.
Then the count is shown to see what it must: a click taken out of Events, points added to a
balance and a stats counter bumped are each reported.
"""
from __future__ import annotations

import pytest

from bench import load


@pytest.fixture(scope="module")
def spiked():
    stack = load.StackProcess()
    try:
        result = load.send_spike(stack.info, seconds=10, concurrency=4)
        if result.crossed_midnight:
            pytest.skip("the spike crossed the brand's midnight (repeats become first clicks)")
        yield result
    finally:
        stack.stop()


def test_every_request_of_the_spike_is_answered_as_due(spiked):
    answers = spiked.sent.answers
    kinds = {a.kind for a in answers}
    assert kinds == set(load.MIX), kinds  # the whole mix was sent, pages and intents too
    wrong = [(a.kind, a.status) for a in answers if not a.due]
    assert not wrong, wrong


def test_the_count_agrees_with_what_was_sent(spiked):
    checks, counts = spiked.count()
    assert [c for c in checks if not c.ok] == []
    assert counts == {"lost_clicks": 0, "doubled_points": 0, "stats_mismatch": 0}
    figures = {f.name: f for f in spiked.figures(counts)}
    assert set(figures) == {"load.requests_per_second", "load.p99_ms", "load.lost_clicks",
                            "load.doubled_points", "load.stats_mismatch"}
    assert figures["load.requests_per_second"].value > 0
    report = load.report(spiked, checks, list(figures.values()))
    assert "WRONG" not in report and "load.lost_clicks" in report


def test_the_count_sees_a_lost_click_a_doubled_award_and_a_wrong_counter(spiked):
    """Run last in this module: it changes the stack's tables."""
    dynamodb = spiked.aws("dynamodb")
    tables, sharer = spiked.info["tables"], spiked.scene.sharer_id
    human = next(i for i, klass in spiked.sent.click_ids.items() if klass == "human")
    dynamodb.delete_item(TableName=tables["EventsTable"], Key={"event_id": {"S": human}})
    dynamodb.update_item(TableName=tables["ScoresTable"],
                         Key={"pk": {"S": f"EMP#{sharer}"}, "sk": {"S": "BALANCE"}},
                         UpdateExpression="ADD points :p",
                         ExpressionAttributeValues={":p": {"N": "10"}})
    from datetime import datetime
    from zoneinfo import ZoneInfo

    day = datetime.now(ZoneInfo(spiked.info["zone"])).date().isoformat()
    dynamodb.update_item(TableName=tables["ScoresTable"],
                         Key={"pk": {"S": f"STATS#employee#{sharer}"}, "sk": {"S": f"DAY#{day}"}},
                         UpdateExpression="ADD c.bot_clicks :one",
                         ExpressionAttributeValues={":one": {"N": "1"}})
    checks, counts = spiked.count()
    assert counts == {"lost_clicks": 1, "doubled_points": 10, "stats_mismatch": 1}
    assert {c.name for c in checks if not c.ok} == {
        "Events: human clicks", "balance points: sharer", "stats (employee): bot_clicks"}
