"""Shared bench plumbing: the moto account built from template.yaml, the figure type."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "functions" / "korpo", ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

STACK = "korpo-bench"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    goal: str


@contextmanager
def moto_account() -> Iterator[None]:
    import boto3
    from moto import mock_aws

    from infra.template import create_tables, load_template
    from korpo import settings
    from korpo.models import bind_tables

    os.environ.update({
        "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench", "KORPO_CATALOG_TABLE": f"{STACK}-catalog",
        "KORPO_EVENTS_TABLE": f"{STACK}-events", "KORPO_SCORES_TABLE": f"{STACK}-scores",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    })
    os.environ.pop("AWS_ENDPOINT_URL", None)
    settings.current.cache_clear()
    with mock_aws():
        create_tables(boto3.client("dynamodb"), load_template(), STACK)
        bind_tables(settings.current())
        yield


# A cold start's yardstick: a fresh interpreter importing boto3 and making a DynamoDB client,
# which every function pays anyway. Prints "<seconds> 0" (the shape of the handlers' output).
COLD_BASELINE = """
import time
t = time.perf_counter()
import boto3
boto3.client("dynamodb")
print(time.perf_counter() - t, 0)
"""


def cold_env(paths: list[Path], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a cold-start measurement: Lambda's AWS variables, no credentials
    lookup, `paths` on PYTHONPATH (the layer's package, the function's own directory)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KORPO_"))}
    env.update({"AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
                "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_EC2_METADATA_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
                "PYTHONPATH": os.pathsep.join(str(p) for p in paths), **(extra or {})})
    return env
