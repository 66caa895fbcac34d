"""Load each function's handler module in-process, as Lambda would (moto cannot invoke them)."""
from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from infra.calls import acting_as, attributed
from infra.faults import Killed
from infra.template import ROOT, function_setting, load_template, resources_of_type

Handler = Callable[[dict[str, Any], Any], Any]


def function_specs(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """{logical id: properties} of every AWS::Serverless::Function in the template."""
    template = template or load_template()
    return {name: res["Properties"]
            for name, res in resources_of_type(template, "AWS::Serverless::Function").items()}


def load_module(code_uri: str, module: str = "app") -> ModuleType:
    """Import functions/<name>/<module>.py under a unique name (every handler is app.py).

    The function's AWS calls are its own wherever a test reaches its handler from (this
    module's `handler`, or load_handler's): the module is imported, and its handler runs,
    as the template's function of that CodeUri (infra/calls.py, the IAM proof)."""
    path = ROOT / code_uri / f"{module}.py"
    unique = "korpo_fn_" + Path(code_uri).name
    if unique in sys.modules:
        return sys.modules[unique]
    # The function's own directory is on sys.path, as /var/task is in Lambda, so a handler
    # imports its own package (e.g. functions/api/korpo_api/). Package names must differ
    # across functions: they share this process's module table.
    directory = str(ROOT / code_uri)
    if directory not in sys.path:
        sys.path.append(directory)
    spec = importlib.util.spec_from_file_location(unique, path)
    assert spec and spec.loader, path
    mod = importlib.util.module_from_spec(spec)
    sys.modules[unique] = mod
    owner = _function_of(code_uri, module)
    with acting_as(owner[0] if owner else None):
        spec.loader.exec_module(mod)
    if owner and callable(getattr(mod, owner[1], None)):
        setattr(mod, owner[1], attributed(owner[0], getattr(mod, owner[1])))
    return mod


def _function_of(code_uri: str, module: str) -> tuple[str, str] | None:
    """(logical id, handler name) of the one template function with this code, if one."""
    found = [(name, props["Handler"].rsplit(".", 1)[1])
             for name, props in function_specs().items()
             if props.get("CodeUri", "").rstrip("/") == code_uri.rstrip("/")
             and props["Handler"].rsplit(".", 1)[0] == module]
    return found[0] if len(found) == 1 else None


def load_handler(logical_id: str, template: dict[str, Any] | None = None) -> Handler:
    """The function's handler. Its AWS calls, and its module's at import (a cold start),
    are the function's: the IAM proof checks them against its role (infra/calls.py)."""
    props = function_specs(template)[logical_id]
    module, func = props["Handler"].rsplit(".", 1)
    with acting_as(logical_id):
        handler = getattr(load_module(props["CodeUri"].rstrip("/"), module), func)
    if getattr(handler, "__korpo_function__", None) == logical_id:
        return handler
    return attributed(logical_id, handler)


class LambdaContext:
    """The few context attributes handlers and Powertools read."""

    def __init__(self, function_name: str, timeout_s: int = 10) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:eu-west-1:123456789012:function:{function_name}")
        self.memory_limit_in_mb = 512
        self.aws_request_id = "local-request"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._timeout_ms = timeout_s * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


# ------------------------------------------------------------------ running them in-process

_MODULE_PREFIX = "korpo_fn_"


def forget_handlers() -> None:
    """Drop the handler modules imported so far, so the next load imports them afresh.

    Handlers read settings and bind tables at import (as on a Lambda cold start): a process
    that changes its environment (the local stack, a test run after it) must re-import them.
    """
    functions = str(ROOT / "functions")
    layer = str(ROOT / "functions" / "korpo")
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if name.startswith(_MODULE_PREFIX) or (
                source.startswith(functions) and not source.startswith(layer)):
            del sys.modules[name]


class LocalContext(LambdaContext):
    """A LambdaContext per invocation: its own request id, a clock that runs down."""

    def __init__(self, function_name: str, timeout_s: int = 10, memory_mb: int = 512,
                 region: str = "eu-west-1", account_id: str = "123456789012") -> None:
        super().__init__(function_name, timeout_s)
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{account_id}:function:{function_name}")
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionTimedOut(RuntimeError):
    """The invocation died before it answered (Lambda: "Task timed out", Sandbox.Timedout);
    locally, only an injected fault (infra/faults.py, kill_after) does this."""


class Invoker:
    """Calls the template's functions in this process, one invocation at a time per function.

    A Lambda execution environment runs one event at a time; Chalice keeps the current
    request on its app object, so concurrent calls of one handler would share it. A lock per
    function gives each function the behaviour of one warm environment. The timeout is not
    enforced (a thread cannot be stopped), only reported by the context.
    """

    def __init__(self, template: dict[str, Any], names: dict[str, str] | None = None,
                 region: str = "eu-west-1") -> None:
        self.template = template
        self.names = names or {}
        self.region = region
        self._specs = function_specs(template)
        self._handlers: dict[str, Handler] = {}
        self._locks = {name: threading.Lock() for name in self._specs}
        self._load_lock = threading.Lock()

    @property
    def functions(self) -> list[str]:
        return list(self._specs)

    def handler(self, logical_id: str) -> Handler:
        with self._load_lock:
            if logical_id not in self._handlers:
                self._handlers[logical_id] = load_handler(logical_id, self.template)
            return self._handlers[logical_id]

    def context(self, logical_id: str) -> LocalContext:
        return LocalContext(self.names.get(logical_id, logical_id),
                            timeout_s=int(function_setting(self.template, logical_id,
                                                           "Timeout", 3)),
                            memory_mb=int(function_setting(self.template, logical_id,
                                                           "MemorySize", 128)),
                            region=self.region)

    def invoke(self, logical_id: str, event: Any) -> Any:
        if logical_id not in self._specs:
            raise KeyError(f"no function {logical_id!r} in the template")
        handler = self.handler(logical_id)
        with self._locks[logical_id]:
            try:
                return handler(event, self.context(logical_id))
            except Killed as killed:  # a fault stopped it dead: Lambda reports a timeout
                raise FunctionTimedOut(f"{logical_id}: {killed}") from None
