"""The stack's secrets in SSM Parameter Store, on the deployer's side (docs/security.md).

    python -m infra.deploy.secrets ensure [sam deploy's options]    (make deploy runs it)
    python -m infra.deploy.secrets set|show|rotate|delete NAME [options]   (make secret)

`ensure` makes sure the required secrets exist before `sam deploy`: a missing one is created
with a random value (64 hex characters) that nobody sees; an existing one is never touched.
Then it writes SecretsVersion into samconfig.toml: a digest of the secrets' SSM versions (never
of their values), so that when a secret changed since the last deploy, the deploy changes
every function's configuration and Lambda gives them new containers, which read the secrets
again (each is read once per container: korpo/secrets.py).

`set` reads the value from the terminal without echo, or from stdin, never from the command
line (which shells keep in their history); `show` prints a value, alone on stdout; `rotate`
replaces a required secret by a new random one; `delete` removes an optional one (no more
Slack, say). After a change to a deployed stack the exit status is REDEPLOY, on which
`make secret` runs `make deploy`.

The stack, region and profile are found as `sam deploy` finds them: the options given (the
same as sam deploy's, so make deploy passes its own), then samconfig.toml, then the AWS
configuration; the path is the SecretsPath parameter if one is given or saved, else
/korpo/<stack>, as template.yaml has it.
"""
from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from typing import Any, Callable, TextIO

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "functions" / "korpo") not in sys.path:  # the names, from the functions' side
    sys.path.insert(0, str(ROOT / "functions" / "korpo"))

from infra.deploy.admin import samconfig_value  # noqa: E402
from korpo.secrets import (  # noqa: E402
    CONVERSION, NAMES, OPTIONAL, REQUIRED, SLACK_WEBHOOK, TEAMS_WEBHOOK, VISITOR_HASH,
)

SAMCONFIG = ROOT / "samconfig.toml"
REDEPLOY = 3  # exit status: a deployed stack's secret changed, `make deploy` must follow
MIN_LENGTH = 32  # a required secret shorter than this is refused (the functions refuse it too)
MAX_LENGTH = 4096  # a standard SSM parameter's largest value
VERSION_PARAMETER = "SecretsVersion"

# What each secret is for and what changing it does, said when it changes (docs/security.md).
CONSEQUENCES = {
    VISITOR_HASH: "every employee is signed out of the web app, \"repeat\" click detection "
                  "starts again, self-click cookies are renewed at each employee's next "
                  "visit, board pseudonyms change, and the unsubscribe links of e-mails "
                  "already sent stop working",
    CONVERSION: "the brand's site must sign POST /conversions with the new value from now on "
                "(make secret NAME=conversion-secret SHOW=1): conversions signed with the "
                "old one are refused (401)",
    SLACK_WEBHOOK: "new challenges and the month's winners are posted there",
    TEAMS_WEBHOOK: "new challenges and the month's winners are posted there",
}


class SecretsError(Exception):
    """What went wrong, in words for the person at the terminal (never a secret's value)."""


@dataclass(frozen=True)
class Target:
    stack: str
    region: str | None
    profile: str | None
    path: str
    config: Path
    config_env: str

    def name(self, secret: str) -> str:
        return f"{self.path}/{secret}"


# ------------------------------------------------------------------ the parameters

def ensure_required(ssm: Any, path: str) -> list[str]:
    """Create each required secret that does not exist, with a random value; the names
    created. PutParameter without Overwrite: an existing value is never replaced, even by a
    deploy racing this one."""
    created = []
    for secret in REQUIRED:
        try:
            ssm.put_parameter(Name=f"{path}/{secret}", Value=token_hex(32), Type="SecureString",
                              Overwrite=False, Description=f"Korpo {secret} (docs/security.md)")
        except ssm.exceptions.ParameterAlreadyExists:
            continue
        created.append(secret)
    return created


def read(ssm: Any, path: str, secret: str) -> str | None:
    try:
        return ssm.get_parameter(Name=f"{path}/{secret}", WithDecryption=True)["Parameter"][
            "Value"]
    except ssm.exceptions.ParameterNotFound:
        return None


def check_value(secret: str, value: str) -> str:
    """The value to store, or SecretsError saying why not (never quoting the value)."""
    value = value.strip()
    if secret in REQUIRED:
        if len(value) < MIN_LENGTH or len(value) > MAX_LENGTH or any(c.isspace() for c in value):
            raise SecretsError(f"{secret} takes {MIN_LENGTH} to {MAX_LENGTH} characters, no "
                               "spaces (ROTATE=1 makes a random one)")
        return value
    from korpo.announcements import webhooks

    kind = webhooks.SLACK if secret == SLACK_WEBHOOK else webhooks.TEAMS
    try:
        return webhooks.check_url(kind, value)
    except webhooks.WebhookRefused as refused:
        raise SecretsError(f"not a {kind} webhook: {refused}") from None


def put(ssm: Any, path: str, secret: str, value: str) -> None:
    ssm.put_parameter(Name=f"{path}/{secret}", Value=check_value(secret, value),
                      Type="SecureString", Overwrite=True,
                      Description=f"Korpo {secret} (docs/security.md)")


def rotate(ssm: Any, path: str, secret: str) -> None:
    if secret not in REQUIRED:
        raise SecretsError(f"{secret} is not made here: set the new one (make secret "
                           f"NAME={secret})")
    ssm.put_parameter(Name=f"{path}/{secret}", Value=token_hex(32), Type="SecureString",
                      Overwrite=True, Description=f"Korpo {secret} (docs/security.md)")


def delete(ssm: Any, path: str, secret: str) -> bool:
    if secret not in OPTIONAL:
        raise SecretsError(f"{secret} is required: the functions cannot do without it "
                           "(ROTATE=1 replaces it)")
    try:
        ssm.delete_parameter(Name=f"{path}/{secret}")
    except ssm.exceptions.ParameterNotFound:
        return False
    return True


def version_digest(ssm: Any, path: str) -> str:
    """12 hex characters that change whenever a secret is created, changed or deleted: a
    digest of each parameter's SSM version and date (GetParameters without decryption: no
    value is read)."""
    found = ssm.get_parameters(Names=[f"{path}/{secret}" for secret in NAMES],
                               WithDecryption=False)["Parameters"]
    by_name = {p["Name"].rsplit("/", 1)[1]: p for p in found}
    lines = [f"{secret}:{by_name[secret]['Version']}:"
             f"{by_name[secret]['LastModifiedDate'].isoformat()}" if secret in by_name
             else f"{secret}:-" for secret in NAMES]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


# ------------------------------------------------------------------ samconfig.toml

def _deploy_section(config: Path, env: str) -> dict[str, Any]:
    with config.open("rb") as handle:
        return tomllib.load(handle).get(env, {}).get("deploy", {}).get("parameters", {})


def overrides(raw: Any) -> dict[str, str]:
    """parameter_overrides as sam reads them: `Key="value" Key2=value2` (or a list of such)."""
    items = raw if isinstance(raw, list) else [raw or ""]
    pairs: dict[str, str] = {}
    for item in items:
        for token in shlex.split(str(item)):
            key, sep, value = token.partition("=")
            if sep:
                pairs[key] = value
    return pairs


def save_version(config: Path, env: str, label: str) -> str:
    """Put SecretsVersion=label into the environment's parameter_overrides, touching nothing
    else of the file: "saved", "unchanged", or SecretsError when the file's shape is not one
    this edits safely (then the message says what to write by hand)."""
    by_hand = SecretsError(
        f"could not write {VERSION_PARAMETER} into {config.name}: add "
        f'{VERSION_PARAMETER}="{label}" to parameter_overrides of [{env}.deploy.parameters] '
        "yourself, then run make deploy again")
    text = config.read_text(encoding="utf-8")
    current = _deploy_section(config, env).get("parameter_overrides")
    if current is not None and not isinstance(current, str):
        raise by_hand  # a list: sam takes it, this does not rewrite it
    if overrides(current).get(VERSION_PARAMETER) == label:
        return "unchanged"
    lines = text.splitlines(keepends=True)
    header = re.compile(rf"^\s*\[\s*{re.escape(env)}\s*\.\s*deploy\s*\.\s*parameters\s*\]\s*$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        updated = text + ("" if text.endswith("\n") or not text else "\n") + (
            f"\n[{env}.deploy.parameters]\n"
            f"parameter_overrides = {json.dumps(f'{VERSION_PARAMETER}={json.dumps(label)}')}\n")
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].lstrip().startswith("[")), len(lines))
        at = next((i for i in range(start + 1, end)
                   if re.match(r"^\s*parameter_overrides\s*=", lines[i])), None)
        if current is None:
            value = f"{VERSION_PARAMETER}={json.dumps(label)}"
            lines.insert(start + 1, f"parameter_overrides = {json.dumps(value)}\n")
        else:
            if at is None or not re.match(r'^\s*parameter_overrides\s*=\s*"(?!"")', lines[at]):
                raise by_hand  # a literal or multi-line string
            pattern = re.compile(rf'(^|\s){VERSION_PARAMETER}=("(?:[^"\\]|\\.)*"|\S*)')
            entry = f"{VERSION_PARAMETER}={json.dumps(label)}"
            value = (pattern.sub(lambda m: m.group(1) + entry, current, count=1)
                     if pattern.search(current) else f"{current} {entry}".strip())
            lines[at] = f"parameter_overrides = {json.dumps(value)}\n"
        updated = "".join(lines)
    config.write_text(updated, encoding="utf-8")
    try:
        if overrides(_deploy_section(config, env).get("parameter_overrides")).get(
                VERSION_PARAMETER) != label:
            raise ValueError("not read back")
    except (ValueError, tomllib.TOMLDecodeError):
        config.write_text(text, encoding="utf-8")  # put the file back as it was
        raise by_hand from None
    return "saved"


# ------------------------------------------------------------------ where the secrets are

def target(options: argparse.Namespace, default_region: Callable[[str | None], str | None]
           ) -> Target:
    """The stack, region, profile and path, as `sam deploy` would find them (the module's
    docstring). `default_region(profile)` is the AWS configuration's region."""
    config = Path(options.config_file) if options.config_file else SAMCONFIG
    env = options.config_env or "default"
    stack = options.stack_name or samconfig_value("stack_name", config, env) or "korpo"
    region = options.region or samconfig_value("region", config, env)
    profile = options.profile or samconfig_value("profile", config, env)
    given = overrides(options.parameter_overrides or [])
    kept = overrides(_deploy_section(config, env).get("parameter_overrides")
                     if config.is_file() else None)
    path = given.get("SecretsPath", kept.get("SecretsPath", "")) or f"/korpo/{stack}"
    return Target(stack=stack, region=region or default_region(profile), profile=profile,
                  path=path.rstrip("/"), config=config, config_env=env)


def _session(where: Target) -> Any:
    import boto3

    return boto3.session.Session(profile_name=where.profile, region_name=where.region)


def _stack_exists(session: Any, stack: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        session.client("cloudformation").describe_stacks(StackName=stack)
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return False
        raise
    return True


# ------------------------------------------------------------------ the commands

def ensure(where: Target, session: Any, say: Callable[[str], None]) -> None:
    ssm = session.client("ssm")
    say(f"==> secrets: SSM parameters under {where.path} ({session.region_name})")
    for secret in ensure_required(ssm, where.path):
        say(f"    {secret}: created, a random value nobody has seen. "
            + ("The brand's site needs it to sign conversions: make secret "
               "NAME=conversion-secret SHOW=1" if secret == CONVERSION else
               "It keys the visitor hash, the sessions and the e-mails' links."))
    label = version_digest(ssm, where.path)
    if not where.config.is_file():
        say(f"    {VERSION_PARAMETER} {label} (no {where.config.name} yet: the next "
            "make deploy saves it)")
        return
    if save_version(where.config, where.config_env, label) == "saved":
        say(f"    {VERSION_PARAMETER} {label} saved in {where.config.name}: a secret changed, "
            "so the deploy gives the functions new containers, which read them again")


def _read_value(secret: str, stdin: TextIO) -> str:
    if stdin.isatty():
        value = getpass.getpass(f"{secret} (typed or pasted, not shown): ")
    else:
        value = stdin.read(MAX_LENGTH + 2)
    if not value.strip():
        raise SecretsError(f"no value given for {secret}")
    return value


def change(action: str, secret: str, where: Target, session: Any, say: Callable[[str], None],
           stdin: TextIO, stdout: TextIO) -> int:
    ssm = session.client("ssm")
    if action == "show":
        value = read(ssm, where.path, secret)
        if value is None:
            raise SecretsError(f"{where.name(secret)} does not exist"
                               + (" (make deploy creates it)" if secret in REQUIRED else ""))
        print(value, file=stdout)  # alone on stdout: `make secret … SHOW=1 | pbcopy` works
        return 0
    if action == "set":
        put(ssm, where.path, secret, _read_value(secret, stdin))
        say(f"{where.name(secret)} set: {CONSEQUENCES[secret]}.")
    elif action == "rotate":
        rotate(ssm, where.path, secret)
        say(f"{where.name(secret)} replaced by a new random value: {CONSEQUENCES[secret]}.")
    elif not delete(ssm, where.path, secret):
        say(f"{where.name(secret)} does not exist: nothing to do.")
        return 0
    else:
        say(f"{where.name(secret)} deleted: no more {secret.split('-')[0].title()}.")
    if not _stack_exists(session, where.stack):
        say(f"No stack {where.stack} yet: its first make deploy reads it.")
        return 0
    say(f"Now make deploy, so that {where.stack}'s functions read it (new containers).")
    return REDEPLOY


def _explain(error: Exception) -> str:
    from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

    if isinstance(error, NoCredentialsError):
        return ("no AWS credentials found. Set AWS_PROFILE, or run `aws configure` or "
                "`aws sso login`, then try again.")
    if isinstance(error, NoRegionError):
        return "which region? Pass REGION=<the stack's region> (e.g. REGION=eu-west-1)."
    if isinstance(error, ClientError):
        code = error.response["Error"].get("Code", "")
        message = error.response["Error"].get("Message", "")
        if code in ("AccessDenied", "AccessDeniedException"):
            return (f"AWS refused ({code}: {message}). These credentials need ssm:PutParameter, "
                    "GetParameter, GetParameters and DeleteParameter on the stack's path, and "
                    "cloudformation:DescribeStacks.")
        return f"AWS refused ({code}: {message})."
    return str(error)


def parser() -> argparse.ArgumentParser:
    """sam deploy's options that say where (the rest of what make deploy passes is ignored).
    There is no option for a value: it never goes on a command line."""
    out = argparse.ArgumentParser(prog="python -m infra.deploy.secrets",
                                  description=__doc__.split("\n\n")[0])
    out.add_argument("action", choices=["ensure", "set", "show", "rotate", "delete"])
    out.add_argument("secret", nargs="?", choices=NAMES, help="for all but ensure")
    out.add_argument("--stack-name")
    out.add_argument("--region")
    out.add_argument("--profile")
    out.add_argument("--config-file")
    out.add_argument("--config-env")
    out.add_argument("--parameter-overrides", nargs="+")
    return out


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None,
         stdout: TextIO | None = None) -> int:
    options, ignored = parser().parse_known_args(argv)
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731 - stdout: SHOW
    if (options.action == "ensure") == (options.secret is not None):
        say("usage: ensure, or set|show|rotate|delete NAME (one of: " + ", ".join(NAMES) + ")")
        return 2
    if ignored and options.action != "ensure":  # ensure ignores sam deploy's other options
        # Not repeated: it may be a value someone tried to pass (now in their shell history).
        say("secrets: unexpected arguments. A value is typed when asked, or piped on stdin, "
            "never given on the command line.")
        return 2
    try:
        import boto3

        where = target(options, lambda profile: boto3.session.Session(
            profile_name=profile).region_name)
        session = _session(where)
        if options.action == "ensure":
            ensure(where, session, say)
            return 0
        return change(options.action, options.secret, where, session, say,
                      stdin or sys.stdin, stdout or sys.stdout)
    except Exception as error:  # noqa: BLE001 - said plainly, no traceback (never a value)
        from botocore.exceptions import BotoCoreError, ClientError

        if not isinstance(error, (SecretsError, BotoCoreError, ClientError)):
            raise
        say(f"secrets: {_explain(error)}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
