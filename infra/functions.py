"""Load each function's handler module in-process, as Lambda would (moto cannot invoke them)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from infra.template import ROOT, load_template, resources_of_type

Handler = Callable[[dict[str, Any], Any], Any]


def function_specs(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """{logical id: properties} of every AWS::Serverless::Function in the template."""
    template = template or load_template()
    return {name: res["Properties"]
            for name, res in resources_of_type(template, "AWS::Serverless::Function").items()}


def load_module(code_uri: str, module: str = "app") -> ModuleType:
    """Import functions/<name>/<module>.py under a unique name (every handler is app.py)."""
    path = ROOT / code_uri / f"{module}.py"
    unique = "korpo_fn_" + Path(code_uri).name
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, path)
    assert spec and spec.loader, path
    mod = importlib.util.module_from_spec(spec)
    sys.modules[unique] = mod
    spec.loader.exec_module(mod)
    return mod


def load_handler(logical_id: str, template: dict[str, Any] | None = None) -> Handler:
    props = function_specs(template)[logical_id]
    module, func = props["Handler"].rsplit(".", 1)
    return getattr(load_module(props["CodeUri"].rstrip("/"), module), func)


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
