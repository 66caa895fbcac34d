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
