"""moto's server on 127.0.0.1, on the port asked for or a free one, and the process's AWS env."""
from __future__ import annotations

import os
import socket
from typing import Any

from moto.server import ThreadedMotoServer

REGION = "eu-west-1"
HOST = "127.0.0.1"  # never 0.0.0.0: the local stack is for this machine only


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int, host: str = HOST) -> int:
    """`preferred` if it is free, else 0 (the OS picks a free one when the server binds)."""
    return preferred if preferred == 0 or port_is_free(preferred, host) else 0


class MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose start() raises when it cannot bind, instead of waiting forever.

    moto's own start() waits for an event that its server thread sets only after binding;
    a bind error kills that thread first, and start() would hang.
    """

    def __init__(self, port: int = 5000, host: str = HOST) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self._error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except SystemExit:  # werkzeug prints why it cannot bind, then exits
            self._error = OSError(f"moto cannot listen on {self._ip_address}:{self._port}")
            self._server_ready_event.set()
        except BaseException as error:  # noqa: BLE001 - reported by start()
            self._error = error
            self._server_ready_event.set()

    def start(self) -> None:
        super().start()
        if self._error is not None:
            raise self._error

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


def start_moto(port: int = 5000) -> MotoServer:
    """Start moto on `port`, or on a free port if that one is taken (0: any free port), with
    the Cognito calls moto lacks added (infra/moto_cognito.py)."""
    from infra import moto_cognito

    moto_cognito.install()
    server = MotoServer(pick_port(port))
    try:
        server.start()
    except OSError:  # lost a race for the port: take any free one
        server = MotoServer(0)
        server.start()
    return server


AWS_ENV_KEYS = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE")


def aws_environment(endpoint_url: str, region: str = REGION) -> dict[str, str]:
    """The variables that point every boto3 client and PynamoDB model of this process at moto.

    botocore (and so PynamoDB, which builds its clients with botocore) reads
    AWS_ENDPOINT_URL for every service. Credentials are fake: moto accepts any.
    """
    return {"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region}


class EnvPatch:
    """Set environment variables and put back exactly what was there on restore()."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: dict[str, str], drop: tuple[str, ...] = ()) -> None:
        for key in (*values, *drop):
            if key not in self._saved:
                self._saved[key] = os.environ.get(key)
        for key in drop:
            os.environ.pop(key, None)
        os.environ.update(values)

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


def boto_session(region: str = REGION) -> Any:
    """A fresh boto3 session (after the env is set, so it reads AWS_ENDPOINT_URL)."""
    import boto3

    return boto3.session.Session(region_name=region)
