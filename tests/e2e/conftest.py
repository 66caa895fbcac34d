"""The local stack (`make run`'s) for the end-to-end modules: seeded, streams pumped on their
own. One per module, so a module's data never meets another's."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def stack():
    from infra.local_stack import start

    running = start(port=0, moto_port=0, seed=True, background=True, quiet=True)
    try:
        yield running
    finally:
        running.stop()
