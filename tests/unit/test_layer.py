"""The layer ships the AWS SDK the tests run on, with the service models the code calls."""
from __future__ import annotations

import re
from pathlib import Path

import boto3
import botocore

ROOT = Path(__file__).resolve().parents[2]
KORPO = ROOT / "functions" / "korpo"
# Libraries that call AWS themselves: PynamoDB DynamoDB, Powertools' Parameters SSM.
LIBRARY_SERVICES = {"dynamodb"}


def _pin(package: str) -> str:
    found = re.search(rf"^{re.escape(package)}==(\S+)", (KORPO / "requirements.txt").read_text(),
                      re.M)
    assert found, f"{package} is not pinned in the layer's requirements"
    return found.group(1)


def _kept_services() -> set[str]:
    return set(re.search(r"^SERVICES := (.+)$", (KORPO / "Makefile").read_text(),
                         re.M).group(1).split())


def _called_services() -> set[str]:
    called = set(LIBRARY_SERVICES)
    for path in (ROOT / "functions").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        called |= set(re.findall(r"""\bclient\(\s*["']([a-z0-9-]+)["']""", text))
        if "aws_lambda_powertools.utilities import parameters" in text or \
                "aws_lambda_powertools.utilities.parameters" in text:
            called.add("ssm")
    return called


def test_the_tests_run_on_the_sdk_the_layer_ships():
    assert (boto3.__version__, botocore.__version__) == (_pin("boto3"), _pin("botocore"))


def test_every_service_the_code_calls_keeps_its_model_in_the_layer():
    called = _called_services()
    assert {"dynamodb", "sqs", "ses", "cognito-idp", "ssm"} <= called  # the scan finds the calls
    assert called <= _kept_services(), sorted(called - _kept_services())
