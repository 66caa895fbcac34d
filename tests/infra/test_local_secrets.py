"""The local stack keeps its secrets where a deployed stack does: SecureString parameters in
(moto's) SSM under the template's path, made by the deployer's own step; the functions read
them from there, and nothing in their environment carries one."""
from __future__ import annotations

import re

from infra.local_stack import banner, start
from infra.server import boto_session

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"


def test_the_local_stack_creates_the_secrets_in_ssm_and_the_functions_read_them():
    from korpo import settings

    seen = []
    for _ in range(2):  # two stacks, one after the other, as a test run starts them
        stack = start(port=0, moto_port=0, seed=False, background=True, quiet=True,
                      auto=False, secrets={"slack-webhook-url": SLACK})
        try:
            assert stack.secrets_path == "/korpo/korpo-local"  # SecretsPath empty: the default
            ssm = boto_session(stack.resources.region).client("ssm",
                                                             endpoint_url=stack.moto_url)
            kinds = {p["Name"]: p["Type"] for p in ssm.describe_parameters()["Parameters"]}
            assert kinds == {f"/korpo/korpo-local/{name}": "SecureString" for name in (
                "visitor-hash-secret", "conversion-secret", "slack-webhook-url")}
            values = {name: stack.secret(name) for name in (
                "visitor-hash-secret", "conversion-secret", "slack-webhook-url",
                "teams-webhook-url")}
            assert all(re.fullmatch(r"[0-9a-f]{64}", values[name]) for name in (
                "visitor-hash-secret", "conversion-secret"))
            assert (values["slack-webhook-url"], values["teams-webhook-url"]) == (SLACK, None)

            # The handlers run in this process: these are the settings they read.
            current = settings.current()
            assert (current.visitor_secret, current.conversion_secret,
                    current.slack_webhook_url, current.teams_webhook_url) == (
                values["visitor-hash-secret"], values["conversion-secret"], SLACK, "")
            assert not set(stack.environment.values()) & {v for v in values.values() if v}
            assert f"  {values['conversion-secret']}\n" in banner(stack, 1.0)
            seen.append(values["visitor-hash-secret"])
        finally:
            stack.stop()
    assert seen[0] != seen[1]  # a new stack, new secrets: nothing kept from the last one
