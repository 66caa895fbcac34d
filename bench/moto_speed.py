"""moto 5's TransactWriteItems deep-copies a table once per item of the transaction (its
rollback backup), so a 20-item transaction copies the whole table 20 times. Copying each
table once per transaction keeps the same semantics (no write happens before the copies) and
lets the bench measure our code rather than moto's copying. Figures in write and read units
do not depend on it."""
from __future__ import annotations

import copy
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator


@contextmanager
def one_backup_per_transaction() -> Iterator[None]:
    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    original = backend.transact_write_items
    real_deepcopy = copy.deepcopy

    def transact(self, transact_items):
        memo: dict[int, object] = {}

        def once(value, *args, **kwargs):
            if isinstance(value, models.Table):
                if id(value) not in memo:
                    memo[id(value)] = real_deepcopy(value)
                return memo[id(value)]
            return real_deepcopy(value, *args, **kwargs)

        # Only moto's models module sees the shim; the stdlib copy module is left alone.
        models.copy = SimpleNamespace(deepcopy=once)
        try:
            return original(self, transact_items)
        finally:
            models.copy = copy

    backend.transact_write_items = transact
    try:
        yield
    finally:
        backend.transact_write_items = original


@contextmanager
def no_rollback_backups() -> Iterator[None]:
    """For seeding only: moto's TransactWriteItems without its rollback copies at all (a
    table of 50,000 items copied per transaction would take the bench an hour). A
    transaction that fails then leaves its earlier writes: seeders assert none fails."""
    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    original = backend.transact_write_items
    real_deepcopy = copy.deepcopy

    def keep(value, *args, **kwargs):
        if isinstance(value, models.Table):
            return value
        return real_deepcopy(value, *args, **kwargs)

    def transact(self, transact_items):
        models.copy = SimpleNamespace(deepcopy=keep)
        try:
            return original(self, transact_items)
        finally:
            models.copy = copy

    backend.transact_write_items = transact
    try:
        yield
    finally:
        backend.transact_write_items = original
