"""moto on a free port when the asked one is taken; the process env put back after."""
from __future__ import annotations

import os
import socket

import pytest
import requests

from infra.server import EnvPatch, MotoServer, aws_environment, pick_port, start_moto


@pytest.fixture
def taken_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def test_a_taken_port_falls_back_to_a_free_one(taken_port):
    assert pick_port(taken_port) == 0
    server = start_moto(taken_port)
    try:
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1" and port not in (0, taken_port)
        assert requests.get(f"{server.url}/moto-api/data.json", timeout=10).status_code == 200
    finally:
        server.stop()


def test_a_bind_error_is_raised_not_waited_for(taken_port):
    with pytest.raises(OSError):
        MotoServer(taken_port).start()


def test_env_patch_restores_exactly(monkeypatch):
    monkeypatch.setenv("KORPO_PROBE_KEEP", "before")
    monkeypatch.setenv("KORPO_PROBE_DROP", "x")
    monkeypatch.delenv("KORPO_PROBE_NEW", raising=False)
    patch = EnvPatch()
    patch.set({"KORPO_PROBE_KEEP": "during", "KORPO_PROBE_NEW": "1"},
              drop=("KORPO_PROBE_DROP",))
    assert os.environ["KORPO_PROBE_KEEP"] == "during" and "KORPO_PROBE_DROP" not in os.environ
    patch.set({"KORPO_PROBE_KEEP": "again"})
    patch.restore()
    assert os.environ["KORPO_PROBE_KEEP"] == "before"
    assert os.environ["KORPO_PROBE_DROP"] == "x"
    assert "KORPO_PROBE_NEW" not in os.environ


def test_aws_environment_points_everything_at_moto():
    env = aws_environment("http://127.0.0.1:5000")
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
