"""moto 5's TransactWriteItems deep-copies a table once per item of the transaction (its
rollback backup), so a 20-item transaction copies the whole table 20 times. Copying each
table once per transaction keeps the same semantics (no write happens before the copies) and
lets the bench measure our code rather than moto's copying. Figures in write and read units
do not depend on it."""
from __future__ import annotations

import copy
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Callable, Iterator


@contextmanager
def _table_copies(copy_table: Callable[[object, dict[int, object]], object]) -> Iterator[None]:
    """moto's TransactWriteItems with its rollback copies of a table made by `copy_table(table,
    memo)` (memo: one dict per transaction); anything else is deep-copied as moto does. Only
    moto's models module sees the shim; the stdlib copy module is left alone."""
    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    original = backend.transact_write_items

    def transact(self, transact_items):
        memo: dict[int, object] = {}

        def shim(value, *args, **kwargs):
            if isinstance(value, models.Table):
                return copy_table(value, memo)
            return copy.deepcopy(value, *args, **kwargs)

        models.copy = SimpleNamespace(deepcopy=shim)
        try:
            return original(self, transact_items)
        finally:
            models.copy = copy

    backend.transact_write_items = transact
    try:
        yield
    finally:
        backend.transact_write_items = original


def _once(table: object, memo: dict[int, object]) -> object:
    if id(table) not in memo:
        memo[id(table)] = copy.deepcopy(table)
    return memo[id(table)]


def one_backup_per_transaction():  # noqa: ANN201 - a context manager
    """Each table copied once per transaction (moto copies it once per item)."""
    return _table_copies(_once)


def no_rollback_backups():  # noqa: ANN201 - a context manager
    """For seeding only: moto's TransactWriteItems without its rollback copies at all (a
    table of 50,000 items copied per transaction would take the bench an hour). A
    transaction that fails then leaves its earlier writes: seeders assert none fails."""
    return _table_copies(lambda table, memo: table)
