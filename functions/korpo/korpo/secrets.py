"""The stack's secrets, read from SSM Parameter Store, never from the functions' configuration.

Each is a SecureString parameter under the stack's path (`KORPO_SECRETS_PATH`, a name the
template gives every function: `/korpo/<stack>` unless the deployer chose another):

    visitor-hash-secret  required  the visitor hash, the session, self-click and unsubscribe keys,
                                   the board pseudonyms
    conversion-secret    required  the brand's server signs POST /conversions with it
    slack-webhook-url    optional  missing: no Slack
    teams-webhook-url    optional  missing: no Teams

A secret is read on its first use (never at import: handlers import with no AWS access in
.ci/check_build.py), with Powertools' Parameters and decryption, then kept for the life of the
container: one GetParameter per secret per cold start. A rotation therefore recycles the
containers (docs/security.md). A missing optional secret is remembered as missing too; a
missing required one is not, so a container starts working once the deployer creates it.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Mapping

VISITOR_HASH = "visitor-hash-secret"
CONVERSION = "conversion-secret"
SLACK_WEBHOOK = "slack-webhook-url"
TEAMS_WEBHOOK = "teams-webhook-url"
REQUIRED = (VISITOR_HASH, CONVERSION)
OPTIONAL = (SLACK_WEBHOOK, TEAMS_WEBHOOK)
NAMES = REQUIRED + OPTIONAL

# Powertools keeps a value max_age seconds (5 minutes by default): here, the container's life.
CONTAINER_LIFE_S = 10 * 365 * 24 * 3600


class SecretError(RuntimeError):
    """A secret could not be had; the message names the parameter, never its value."""


class MissingSecret(SecretError):
    """A required secret has no parameter: the deployment is incomplete (`make deploy` creates
    it)."""


class SecretUnavailable(SecretError):
    """Parameter Store did not answer (throttled, denied, unreachable): try again later."""


def _is_not_found(error: BaseException) -> bool:
    # Powertools wraps every failure in GetParameterError, raised while handling the SDK's.
    cause = error.__cause__ or error.__context__
    response = getattr(cause, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ParameterNotFound"


def _ssm_provider() -> Any:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    from korpo import aws

    return SSMProvider(boto3_client=aws.client("ssm"))


class SecretStore:
    """The secrets of one deployment: read under `path` on first use and kept, or given.

    One store per process's settings (korpo.settings.current()), so per Lambda container.
    `values` are secrets given as plain values instead (tests of the domain, the bench): a
    store with neither path nor values has no secret at all (`get` answers None).
    """

    def __init__(self, path: str = "", values: Mapping[str, str] | None = None, *,
                 provider: Callable[[], Any] = _ssm_provider) -> None:
        unknown = set(values or {}) - set(NAMES)
        if unknown:
            raise ValueError(f"no such secret: {', '.join(sorted(unknown))}")
        self.path = path.rstrip("/")
        self._given = dict(values or {})
        self._make_provider = provider
        self._provider: Any = None
        self._missing: set[str] = set()  # optional secrets known to have no parameter
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the values
        return f"SecretStore(path={self.path!r})"

    def parameter_name(self, name: str) -> str:
        return f"{self.path}/{name}"

    def get(self, name: str) -> str | None:
        """The secret's value; None for an optional one that is not set (or for any, without a
        path). Raises MissingSecret for a required one that is not set, SecretUnavailable when
        Parameter Store does not answer."""
        if name not in NAMES:
            raise ValueError(f"no such secret: {name}")
        if name in self._given:
            return self._given[name]
        if not self.path or name in self._missing:
            return None
        with self._lock:  # threads of one container (poll_feeds, the local stack) read once
            if name in self._missing:
                return None
            if self._provider is None:
                self._provider = self._make_provider()
            return self._read(name)

    def _read(self, name: str) -> str | None:
        from aws_lambda_powertools.utilities.parameters import GetParameterError

        parameter = self.parameter_name(name)
        try:
            value = self._provider.get(parameter, decrypt=True, max_age=CONTAINER_LIFE_S)
        except GetParameterError as error:
            if not _is_not_found(error):
                raise SecretUnavailable(
                    f"could not read the SSM parameter {parameter}: {error}") from None
            if name in OPTIONAL:
                self._missing.add(name)
                return None
            raise MissingSecret(
                f"the SSM parameter {parameter} does not exist: `make deploy` creates the "
                "required secrets (docs/security.md, Secrets)") from None
        return str(value)
