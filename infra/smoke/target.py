"""Where the stack's tables and queues are, and how to reach them.

- The local stack (`make run`) says it itself: its gateway answers `GET {URL}/_local` with
  the physical ids and moto's URL (infra/local_stack.py). Its clients use moto and fake keys.
- A deployed stack: CloudFormation's DescribeStackResource of each logical id (the stack
  name from --stack, else samconfig.toml, else `korpo`), with the caller's AWS credentials.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from infra.smoke.report import HTTP_TIMEOUT_S

TABLES = ("CatalogTable", "EventsTable", "ScoresTable")
QUEUES = ("ClickFallbackDeadLetterQueue", "AwardFailureQueue")  # dead-letter queues
DEFAULT_STACK = "korpo"
SAMCONFIG = Path(__file__).resolve().parents[2] / "samconfig.toml"


class TargetError(Exception):
    """The stack's resources cannot be found (no such stack, no AWS access…)."""


@dataclass(frozen=True)
class Target:
    stack_name: str
    region: str
    tables: dict[str, str]  # logical id -> table name
    queues: dict[str, str]  # logical id -> queue URL
    endpoint_url: str | None = None  # moto's, for the local stack
    web_url: str | None = None  # the web app: the stack's WebAppUrl output, or the gateway

    def describe(self) -> str:
        if self.endpoint_url:
            return f"local stack {self.stack_name} (moto at {self.endpoint_url})"
        return f"stack {self.stack_name} in {self.region}"

    def environment(self) -> dict[str, str]:
        """What boto3 and PynamoDB (the domain's models) read from this process's environment."""
        if self.endpoint_url:
            from infra.server import aws_environment  # moto's endpoint and fake keys

            # The local stack's posts link to its demo site on 127.0.0.1, and its functions
            # judge destinations with this switch on (korpo.addresses.ALLOW_PRIVATE_ENV; korpo
            # is not imported yet): the smoke judges them as they do.
            return {**aws_environment(self.endpoint_url, self.region),
                    "KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS": "1"}
        return {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}

    def client(self, service: str) -> Any:
        """A boto3 client that gives up in seconds, not botocore's minutes."""
        import boto3
        from botocore.config import Config

        bounded = Config(connect_timeout=5, read_timeout=HTTP_TIMEOUT_S,
                         retries={"max_attempts": 3, "mode": "standard"})
        if self.endpoint_url:
            return boto3.session.Session(
                region_name=self.region, aws_access_key_id="local",
                aws_secret_access_key="local").client(service, endpoint_url=self.endpoint_url,
                                                      config=bounded)
        return boto3.session.Session(region_name=self.region).client(service, config=bounded)


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_target(http: requests.Session, url: str) -> Target | None:
    """The local stack behind `url`, or None when `url` is not one (a deployed stack has no
    /_local route). Only a stack on this machine is believed: its moto must be on loopback."""
    if not is_loopback(url):
        return None
    try:
        answer = http.get(f"{url.rstrip('/')}/_local", timeout=HTTP_TIMEOUT_S)
        info = answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(info, dict) or not is_loopback(str(info.get("moto_url") or "")):
        return None
    return Target(stack_name=info["stack_name"], region=info["region"],
                  tables={k: info["tables"][k] for k in TABLES},
                  queues={k: info["queues"][k] for k in QUEUES},
                  endpoint_url=info["moto_url"], web_url=info.get("gateway_url"))


def samconfig_defaults(path: Path | None = None) -> dict[str, str]:
    """stack_name and region of samconfig.toml's default environment (deploy, then global)."""
    try:
        config = tomllib.loads((path or SAMCONFIG).read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    default = config.get("default") or {}
    found: dict[str, str] = {}
    for command in ("global", "deploy"):  # deploy's own values win
        parameters = (default.get(command) or {}).get("parameters") or {}
        found.update({k: str(parameters[k]) for k in ("stack_name", "region") if k in parameters})
    return found


def deployed_target(stack: str | None, region: str | None) -> Target:
    """The deployed stack's resources, read from CloudFormation."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    defaults = samconfig_defaults()
    stack = stack or defaults.get("stack_name") or DEFAULT_STACK
    region = region or defaults.get("region") or boto3.session.Session().region_name \
        or os.environ.get("AWS_REGION")
    if not region:
        raise TargetError("no AWS region: pass --region (make smoke REGION=…), or configure "
                          "one (AWS_DEFAULT_REGION, aws configure)")
    target = Target(stack, region, {}, {})
    cloudformation = target.client("cloudformation")
    try:
        physical = {logical: cloudformation.describe_stack_resource(
            StackName=stack, LogicalResourceId=logical)["StackResourceDetail"][
            "PhysicalResourceId"] for logical in TABLES + QUEUES}
        outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except (BotoCoreError, ClientError) as error:
        raise TargetError(f"cannot read stack {stack} in {region}: {error}") from None
    web_url = next((o["OutputValue"] for o in outputs if o["OutputKey"] == "WebAppUrl"), None)
    return Target(stack, region, {k: physical[k] for k in TABLES},
                  {k: physical[k] for k in QUEUES}, web_url=web_url)


def locate(http: requests.Session, url: str | None, stack: str | None, region: str | None
           ) -> tuple[Target | None, str | None]:
    """The local stack behind `url`, else the deployed stack; or None and why not."""
    found = local_target(http, url) if url else None
    if found is not None:
        return found, None
    try:
        return deployed_target(stack, region), None
    except TargetError as error:
        return None, str(error)
