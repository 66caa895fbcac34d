"""`make deploy` (infra/deploy/deploy): guided the first time, plain `sam deploy` after, with
the stack, region and options it was given. `sam` and the tools' python are fakes that write
down how they were called: nothing reaches AWS."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "deploy" / "deploy"
FINDER = ROOT / "infra" / "deploy" / "python312"
PASSED_BY_MAKE = ("STACK", "REGION", "GUIDED", "DEPLOY_ARGS", "SAM_CONFIG")

pytestmark = pytest.mark.skipif(
    subprocess.run([str(FINDER)], capture_output=True).returncode != 0,
    reason="no python3.12 on this machine (sam build needs one; the script checks it first)")


@pytest.fixture
def deploy(tmp_path):
    log = tmp_path / "calls.log"
    config = tmp_path / "samconfig.toml"
    sam = tmp_path / "sam"
    sam.write_text(f"""#!/usr/bin/env bash
{{ printf 'sam'; printf ' [%s]' "$@"
   [[ $1 == build ]] && printf ' python3.12=%s' "$(command -v python3.12)"; echo; }} >> {log}
""")
    # The credentials check (a program on stdin, and PROFILE), and the secrets step
    # (`-m infra.deploy.secrets`, tested against moto in test_deploy_secrets.py).
    python = tmp_path / "python"
    python.write_text(f"""#!/usr/bin/env bash
if [[ $1 == -m ]]; then
    {{ printf 'python'; printf ' [%s]' "$@"; echo; }} >> {log}
    exit ${{SECRETS_STATUS:-0}}
fi
cat > /dev/null
echo "credentials profile=[$PROFILE]" >> {log}
echo "AWS account 123456789012 as arn:aws:iam::123456789012:user/test"
""")
    sam.chmod(0o755)
    python.chmod(0o755)

    def run(*, saved: bool = False, expect: int = 0, **env: str | None) -> list[str]:
        """The calls the fakes saw (with a samconfig.toml if `saved`; an `env` value of None
        unsets the variable); `run.stderr`."""
        if saved:
            config.write_text('version = 0.1\n[default.deploy.parameters]\nstack_name = "k"\n')
        full = {**{k: v for k, v in os.environ.items() if k not in PASSED_BY_MAKE},
                "SAM": str(sam), "TOOLS_PYTHON": str(python), "SAM_CONFIG": str(config),
                **env}
        result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True,
                                timeout=60, env={k: v for k, v in full.items() if v is not None})
        assert result.returncode == expect, result.stdout + result.stderr
        run.stderr = result.stderr
        return log.read_text().splitlines() if log.exists() else []

    run.config = config
    return run


def test_the_first_deploy_is_guided_with_the_stack_and_region_given(deploy):
    calls = deploy(STACK="korpo-acme", REGION="eu-central-1")

    assert calls == [
        "credentials profile=[]",
        # The secrets before the build, in the stack sam deploy is given...
        f"python [-m] [infra.deploy.secrets] [ensure] [--config-file] [{deploy.config}]"
        " [--stack-name] [korpo-acme] [--region] [eu-central-1]",
        f"sam [build] python3.12={ROOT}/.aws-sam/py312-bin/python3.12",
        f"sam [deploy] [--config-file] [{deploy.config}] [--stack-name] [korpo-acme]"
        " [--region] [eu-central-1] [--guided]",
        # ...and after the questions, in the one they saved.
        f"python [-m] [infra.deploy.secrets] [ensure] [--config-file] [{deploy.config}]",
    ]


def test_later_deploys_read_samconfig_and_take_extra_options(deploy):
    calls = deploy(saved=True,
                   DEPLOY_ARGS="--profile work --parameter-overrides 'BrandName=Acme Inc'")

    assert calls == [
        "credentials profile=[work]",
        f"python [-m] [infra.deploy.secrets] [ensure] [--config-file] [{deploy.config}]"
        " [--profile] [work] [--parameter-overrides] [BrandName=Acme Inc]",
        f"sam [build] python3.12={ROOT}/.aws-sam/py312-bin/python3.12",
        f"sam [deploy] [--config-file] [{deploy.config}] [--no-fail-on-empty-changeset]"
        " [--profile] [work] [--parameter-overrides] [BrandName=Acme Inc]",
    ]


def test_the_first_guided_deploy_offers_korpo_as_the_stack_name(deploy):
    calls = deploy()

    assert calls[-2] == (f"sam [deploy] [--config-file] [{deploy.config}]"
                         " [--stack-name] [korpo] [--guided]")


def test_guided_can_be_asked_for_again(deploy):
    calls = deploy(saved=True, GUIDED="1")

    # The saved answers are the defaults offered: no stack name of ours over them.
    assert calls[-2] == f"sam [deploy] [--config-file] [{deploy.config}] [--guided]"
    deploy(GUIDED="yes", expect=2)


def test_a_failed_secrets_step_stops_before_the_build(deploy):
    calls = deploy(saved=True, expect=1, SECRETS_STATUS="1")

    assert [call.split(" ")[0] for call in calls] == ["credentials", "python"]  # no sam


def test_no_credentials_stops_before_the_build(deploy, tmp_path):
    # The real check, with this venv's boto3 and no credentials anywhere: botocore finds
    # none and sends nothing.
    no_credentials = {
        "TOOLS_PYTHON": sys.executable, "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None, "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": None, "AWS_WEB_IDENTITY_TOKEN_FILE": None,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "config")}

    calls = deploy(expect=1, **no_credentials)

    assert calls == []  # neither build nor deploy
    assert "make deploy: no usable AWS credentials (Unable to locate credentials)" in deploy.stderr
    assert "aws sso login" in deploy.stderr
