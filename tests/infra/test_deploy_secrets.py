"""The deployer's side of the secrets (infra/deploy/secrets.py): `make deploy`'s secrets step
and `make secret`, against in-process moto."""
from __future__ import annotations

import io
import json
import re
import tomllib

import pytest

from helpers import guided_samconfig
from infra.deploy import secrets as tool

STACK = "korpo-deployed"
REGION = "eu-west-1"
PATH = f"/korpo/{STACK}"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
# As `sam deploy --guided` writes it, with a value sam escaped twice and SecretsVersion.
SAMCONFIG = guided_samconfig(STACK, REGION, 'Stage=\\"prod\\" BrandName=\\"Acme \\\\\\"Inc'
                                            '\\\\\\"\\" SecretsVersion=\\"none\\"')


class Terminal(io.StringIO):
    """stdin that is a terminal: the tool must ask with getpass, not read it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def account(monkeypatch, tmp_path):
    import boto3
    from moto import mock_aws

    config = tmp_path / "samconfig.toml"
    config.write_text(SAMCONFIG)
    monkeypatch.setattr(tool, "SAMCONFIG", config)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        yield session.client("ssm"), session, config


def _run(*argv: str, stdin: str | io.StringIO = "", **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    status = tool.main(list(argv), stdin=stdin if isinstance(stdin, io.StringIO) else
                       io.StringIO(stdin), stdout=out, **kwargs)
    return status, out.getvalue()


def _value(ssm, name: str) -> str | None:
    return tool.read(ssm, PATH, name)


def _saved_version(config) -> str:
    raw = tomllib.loads(config.read_text())["default"]["deploy"]["parameters"]
    return tool.overrides(raw["parameter_overrides"])["SecretsVersion"]


def test_deploy_creates_the_missing_required_secrets_and_never_shows_them(account, capsys):
    ssm, _session, _config = account

    assert _run("ensure", "--resolve-s3", "--capabilities", "CAPABILITY_IAM") == (0, "")

    values = {name: _value(ssm, name) for name in tool.NAMES}
    assert all(re.fullmatch(r"[0-9a-f]{64}", values[name]) for name in tool.REQUIRED)
    assert values["visitor-hash-secret"] != values["conversion-secret"]
    assert [values[name] for name in tool.OPTIONAL] == [None, None]  # no Slack, no Teams
    parameter = ssm.get_parameter(Name=f"{PATH}/conversion-secret")["Parameter"]
    assert parameter["Type"] == "SecureString"
    said = capsys.readouterr()
    assert "conversion-secret: created" in said.err
    assert not any(value in said.err + said.out for value in values.values() if value)


def test_deploy_never_replaces_an_existing_secret(account):
    ssm, _session, _config = account
    ssm.put_parameter(Name=f"{PATH}/conversion-secret", Value="b" * 40, Type="SecureString")

    for _ in range(2):
        assert _run("ensure")[0] == 0

    assert _value(ssm, "conversion-secret") == "b" * 40
    assert len(_value(ssm, "visitor-hash-secret")) == 64


def test_deploy_saves_the_secrets_version_and_changes_it_with_a_secret(account):
    ssm, _session, config = account
    before = config.read_text()

    _run("ensure")
    first = _saved_version(config)
    # Only that value changed; every other line and pair as sam wrote it.
    assert config.read_text() == before.replace('SecretsVersion=\\"none\\"',
                                                f'SecretsVersion=\\"{first}\\"')
    pairs = tool.overrides(tomllib.loads(config.read_text())["default"]["deploy"][
        "parameters"]["parameter_overrides"])
    assert pairs["BrandName"] == 'Acme "Inc"'
    _run("ensure")
    assert _saved_version(config) == first  # nothing changed: nothing to recycle

    ssm.put_parameter(Name=f"{PATH}/slack-webhook-url", Value=SLACK, Type="SecureString")
    _run("ensure")
    with_slack = _saved_version(config)
    tool.rotate(ssm, PATH, "visitor-hash-secret")
    _run("ensure")
    assert len({first, with_slack, _saved_version(config)}) == 3
    assert re.fullmatch(r"[0-9a-f]{12}", first)


@pytest.mark.parametrize("saved, expected", [
    ('[default.deploy.parameters]\nstack_name = "s"\n',
     'parameter_overrides = "SecretsVersion=\\"{}\\""\n'),
    ('[default.deploy.parameters]\nparameter_overrides = "A=\\"1\\""\n',
     'parameter_overrides = "A=\\"1\\" SecretsVersion=\\"{}\\""\n'),
    ('[default.global.parameters]\nregion = "eu-west-1"\n',
     '[default.deploy.parameters]\nparameter_overrides = "SecretsVersion=\\"{}\\""\n'),
])
def test_the_version_finds_its_place_in_any_samconfig(tmp_path, saved, expected):
    config = tmp_path / "samconfig.toml"
    config.write_text("version = 0.1\n" + saved)

    assert tool.save_version(config, "default", "abc123") == "saved"

    assert expected.format("abc123") in config.read_text()
    assert tool.overrides(tomllib.loads(config.read_text())["default"]["deploy"][
        "parameters"]["parameter_overrides"])["SecretsVersion"] == "abc123"


def test_a_samconfig_it_cannot_edit_safely_is_left_alone_with_instructions(tmp_path):
    config = tmp_path / "samconfig.toml"
    text = 'version = 0.1\n[default.deploy.parameters]\nparameter_overrides = ["A=1"]\n'
    config.write_text(text)

    with pytest.raises(tool.SecretsError, match='add SecretsVersion="abc123" to '
                                                "parameter_overrides"):
        tool.save_version(config, "default", "abc123")
    assert config.read_text() == text


def test_make_secret_sets_a_webhook_from_stdin_and_asks_a_terminal(account, monkeypatch):
    ssm, _session, _config = account

    assert _run("set", "slack-webhook-url", stdin=f"{SLACK}\n")[0] == 0  # no stack yet
    assert _value(ssm, "slack-webhook-url") == SLACK

    asked = []
    teams = "https://acme.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke"
    monkeypatch.setattr(tool.getpass, "getpass", lambda prompt: asked.append(prompt) or teams)
    assert _run("set", "teams-webhook-url", stdin=Terminal())[0] == 0
    assert asked == ["teams-webhook-url (typed or pasted, not shown): "]
    assert _value(ssm, "teams-webhook-url") == teams


def test_make_secret_refuses_what_is_not_a_secret_of_its_kind(account, capsys):
    ssm, _session, _config = account

    assert _run("set", "slack-webhook-url", stdin="https://evil.example.com/hook")[0] == 1
    assert _run("set", "conversion-secret", stdin="short")[0] == 1
    assert _run("set", "conversion-secret", stdin="")[0] == 1
    assert _value(ssm, "slack-webhook-url") is None and _value(ssm, "conversion-secret") is None
    said = capsys.readouterr().err
    assert "evil.example.com is not a slack webhook host" in said and "/hook" not in said
    assert "conversion-secret takes 32 to 4096 characters" in said


def test_a_value_is_never_taken_from_the_command_line(account, capsys):
    ssm, _session, _config = account

    assert _run("set", "conversion-secret", "x" * 40, stdin="y" * 40) == (2, "")

    assert _value(ssm, "conversion-secret") is None
    assert "x" * 40 not in capsys.readouterr().err
    assert not [a for a in tool.parser()._actions if "value" in a.dest]


def test_show_prints_the_value_alone_and_rotate_replaces_it(account):
    ssm, _session, _config = account
    _run("ensure")
    old = _value(ssm, "conversion-secret")

    assert _run("show", "conversion-secret") == (0, f"{old}\n")
    assert _run("rotate", "conversion-secret") == (0, "")
    new = _value(ssm, "conversion-secret")
    assert new != old and re.fullmatch(r"[0-9a-f]{64}", new)
    assert _run("rotate", "slack-webhook-url")[0] == 1  # a webhook is set, not made
    assert _run("show", "slack-webhook-url")[0] == 1  # not set: said, nothing printed


def test_delete_removes_an_optional_secret_only(account):
    ssm, _session, _config = account
    _run("ensure")
    ssm.put_parameter(Name=f"{PATH}/teams-webhook-url", Value=SLACK, Type="SecureString")

    assert _run("delete", "teams-webhook-url")[0] == 0
    assert _value(ssm, "teams-webhook-url") is None
    assert _run("delete", "visitor-hash-secret")[0] == 1
    assert _value(ssm, "visitor-hash-secret") is not None


def test_a_change_to_a_deployed_stack_asks_for_a_deploy(account):
    ssm, session, _config = account
    session.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(
        {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}))
    _run("ensure")

    assert _run("rotate", "visitor-hash-secret")[0] == tool.REDEPLOY
    assert _run("set", "slack-webhook-url", stdin=SLACK)[0] == tool.REDEPLOY
    assert _run("delete", "slack-webhook-url")[0] == tool.REDEPLOY
    assert _run("delete", "slack-webhook-url")[0] == 0  # nothing was there
    assert _run("show", "visitor-hash-secret")[0] == 0


def test_the_stack_and_path_are_found_as_sam_deploy_finds_them(account):
    ssm, _session, config = account

    # Options win over samconfig.toml; SecretsPath, given or saved, wins over /korpo/<stack>.
    assert _run("ensure", "--stack-name", "other", "--region", REGION)[0] == 0
    assert tool.read(ssm, "/korpo/other", "visitor-hash-secret") is not None
    assert _run("ensure", "--parameter-overrides", "BrandName=Acme",
                "SecretsPath=/acme/korpo")[0] == 0
    assert tool.read(ssm, "/acme/korpo", "conversion-secret") is not None
    config.write_text(SAMCONFIG.replace('SecretsVersion=', 'SecretsPath=\\"/saved\\" '
                                                           'SecretsVersion='))
    assert _run("ensure")[0] == 0
    assert tool.read(ssm, "/saved", "conversion-secret") is not None
