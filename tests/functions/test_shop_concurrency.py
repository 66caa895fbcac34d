"""Real concurrency: threads redeeming at the same instant against a moto server in its own
process, over HTTP, as Lambda containers hit DynamoDB.

The server is moto's own WSGI app served one request at a time (werkzeug, threaded=False).
DynamoDB applies each TransactWriteItems atomically and serialisably; moto's threaded
server does not (its transaction checks, writes and rollback, a deep copy of the tables
put back, interleave between threads: a moto limit, not DynamoDB's behaviour). Serving
requests one by one gives moto DynamoDB's guarantee, while the clients still race for real:
every thread's read of the reward, its transaction and its retry happen concurrently, in
whatever order the server receives them.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

SERVER = """
import sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app),
           threaded=False, use_reloader=False)
"""
THREADS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_url():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("moto server did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def served(moto_url, monkeypatch):
    """Tables from template.yaml in the moto server (a fresh stack name per test)."""
    import uuid

    import boto3

    from infra.template import create_tables, load_template
    from korpo import settings
    from korpo.models import bind_tables

    stack = f"race-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    for key, suffix in (("KORPO_CATALOG_TABLE", "catalog"), ("KORPO_EVENTS_TABLE", "events"),
                        ("KORPO_SCORES_TABLE", "scores")):
        monkeypatch.setenv(key, f"{stack}-{suffix}")
    settings.current.cache_clear()
    create_tables(boto3.client("dynamodb", endpoint_url=moto_url), load_template(), stack)
    bind_tables(settings.current())
    yield settings.current()
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    settings.current.cache_clear()
    bind_tables(settings.current())


def _race(calls) -> list[object]:
    """Run each call in its own thread, released together; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _give(employee_id: str, points: int) -> None:
    from korpo.models import BalanceModel

    BalanceModel(*BalanceModel.key(employee_id)).update(
        actions=[BalanceModel.points.add(points)])


def _outcomes(results) -> Counter:
    from korpo.shop.redemptions import Redemption

    return Counter("ok" if isinstance(r, Redemption) else type(r).__name__ for r in results)


def test_the_last_item_goes_to_one_employee_only(served):
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward, get_reward
    from korpo.shop.wallet import balance_of

    create_reward("last-mug", "The last mug", 100, stock=1)
    employees = [f"emp-{i}" for i in range(THREADS)]
    for e in employees:
        _give(e, 500)
    results = _race([lambda e=e: redemptions.redeem(e, "last-mug", notify=False)
                     for e in employees])
    outcomes = _outcomes(results)
    assert outcomes["ok"] == 1, outcomes
    assert set(outcomes) <= {"ok", "OutOfStock", "TransactionConflict"}
    assert get_reward("last-mug", consistent=True).stock == 0
    assert sorted(balance_of(e) for e in employees) == [400] + [500] * (THREADS - 1)


def test_the_same_points_are_spent_once(served):
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward
    from korpo.shop.wallet import balance_of

    create_reward("tree", "Plant a tree", 100)  # unlimited: only the balance decides
    create_reward("book", "A book", 100, stock=50)
    _give("emp-a", 100)
    results = _race([lambda r=r: redemptions.redeem("emp-a", r, notify=False)
                     for r in ["tree", "book"] * (THREADS // 2)])
    outcomes = _outcomes(results)
    assert outcomes["ok"] == 1, outcomes
    assert set(outcomes) <= {"ok", "InsufficientBalance", "TransactionConflict"}
    assert balance_of("emp-a") == 0
    assert len(redemptions.redemptions_of("emp-a")) == 1


def test_redemptions_and_awards_racing_on_one_balance_lose_nothing(served):
    """award_points ADDs to the balance while the shop debits it: both are ADDs in
    transactions, so every point is accounted for whatever the interleaving."""
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward
    from korpo.shop.wallet import balance_of

    create_reward("sticker", "A sticker", 30)
    _give("emp-b", 60)
    calls = [lambda: redemptions.redeem("emp-b", "sticker", notify=False)] * THREADS
    calls += [lambda: _give("emp-b", 10)] * THREADS
    results = _race(calls)
    spent = 30 * _outcomes(results)["ok"]
    assert balance_of("emp-b") == 60 + 10 * THREADS - spent >= 0
    assert _outcomes(results)["ok"] == len(redemptions.redemptions_of("emp-b"))


def test_a_double_submitted_form_redeems_once(served):
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward
    from korpo.shop.wallet import balance_of

    create_reward("cap", "A cap", 40, stock=10)
    _give("emp-c", 400)
    results = _race([lambda: redemptions.redeem("emp-c", "cap", request_id="form-123456",
                                                 notify=False)] * 4)
    ids = {r.redemption_id for r in results if not isinstance(r, Exception)}
    assert len(ids) == 1, results
    assert balance_of("emp-c") == 360


def test_two_admins_cancelling_at_once_refund_once(served):
    from korpo.shop import redemptions
    from korpo.shop.rewards import create_reward, get_reward
    from korpo.shop.wallet import balance_of

    create_reward("hat", "A hat", 70, stock=3)
    _give("emp-d", 70)
    made = redemptions.redeem("emp-d", "hat", notify=False)
    results = _race([lambda: redemptions.cancel(made.redemption_id, by="admin")] * 4)
    assert all(getattr(r, "status", None) == "cancelled" or
               type(r).__name__ == "TransactionConflict" for r in results), results
    assert balance_of("emp-d") == 70
    assert get_reward("hat", consistent=True).stock == 3
