"""Cold-start smoke test of `sam build`'s output, as Lambda would load it.

Run by .ci/run with the tools venv's python (for SAM's template parser and boto3):
    .tools/bin/python .ci/check_build.py PYTHON312 [BUILD_DIR]

`sam build` only warns when a CodeUri is missing (a function dir that is not in git) and
says "Build Succeeded", so this checks every function's handler file exists, then imports
the layer and each handler on python3.12 with nothing on sys.path but what Lambda has:
the code, the layer's python/, and the runtime's boto3 set. No AWS credentials, no metadata
endpoint: a handler that calls AWS at import fails here fast instead of reaching out.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import botocore
import dateutil
import jmespath
import s3transfer
import six
import urllib3
from samcli.yamlhelper import yaml_parse

# What the Lambda python3.12 runtime itself puts on sys.path after the layers.
RUNTIME_MODULES = (boto3, botocore, s3transfer, dateutil, jmespath, urllib3, six)
# crawlerdetect and ua_parser load lazily on the click path: import them here so a broken
# wheel fails the build, not the first click.
LAYER_IMPORTS = ("korpo, chalice.app, pynamodb, feedparser, nh3, requests, aws_lambda_powertools,"
                 " crawlerdetect, ua_parser, jinja2, markupsafe, segno, babel.dates")
# The layer keeps Babel's data for English and French only (functions/korpo/Makefile): check
# both still format, as the web app's pages do.
LAYER_CHECK = ("import datetime; d = datetime.date(2026, 12, 2); "
               "assert babel.dates.format_date(d, 'medium', locale='fr') == '2 déc. 2026'; "
               "assert babel.dates.format_date(d, 'LLLL y', locale='en') == 'December 2026'")


def runtime_dir(build: Path) -> Path:
    """A directory holding only the runtime's own packages (symlinks into the tools venv)."""
    target = build.parent / "lambda-runtime"
    target.mkdir(exist_ok=True)
    for module in RUNTIME_MODULES:
        source = Path(module.__file__)
        if source.name == "__init__.py":
            source = source.parent
        link = target / source.name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source)
    return target


def env_value(value, parameters: dict, resource: str) -> str | None:
    """A plausible string for an environment variable: parameter defaults, fake names."""
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        if ref in parameters:
            return str(parameters[ref].get("Default", ""))
        return f"korpo-ci-{ref}"
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, items = value["Fn::Join"]
        if isinstance(items, dict) and "Ref" in items:
            return str(parameters.get(items["Ref"], {}).get("Default", ""))
        return sep.join(env_value(item, parameters, resource) or "" for item in items)
    print(f"  note: {resource}: cannot evaluate {value!r}, left unset")
    return None


def run_python(python: str, paths: list[Path], code: str, env: dict[str, str]) -> bool:
    # -I -S: no site-packages, no PYTHON* variables, no cwd; -B: leave no __pycache__ behind.
    argv = [python, "-I", "-S", "-B", "-c",
            "import sys; sys.path[:0] = sys.argv[1:]\n" + code, *map(str, paths)]
    try:
        result = subprocess.run(argv, env=env, timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        print("  timed out after 60 s")
        return False
    return result.returncode == 0


def main() -> int:
    python = sys.argv[1]
    build = Path(sys.argv[2] if len(sys.argv) > 2 else ".aws-sam/build").resolve()
    template = yaml_parse((build / "template.yaml").read_text())
    parameters = template.get("Parameters", {})
    resources = template["Resources"]
    globals_env = (template.get("Globals", {}).get("Function", {})
                   .get("Environment", {}).get("Variables", {}))
    runtime = runtime_dir(build)

    base_env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    }
    failures = []

    layers = {name: build / res["Properties"]["ContentUri"] / "python"
              for name, res in resources.items() if res["Type"] == "AWS::Serverless::LayerVersion"}
    for name, layer in layers.items():
        print(f"{name}: import {LAYER_IMPORTS}")
        if not (layer.is_dir() and run_python(python, [layer, runtime],
                                               f"import {LAYER_IMPORTS}; {LAYER_CHECK}",
                                               base_env)):
            failures.append(name)

    for name, res in resources.items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        code = build / props["CodeUri"]
        module, _, function = props["Handler"].rpartition(".")
        source = code / (module.replace(".", "/") + ".py")
        print(f"{name}: {props['Handler']} from {source.relative_to(build.parent.parent)}")
        if not source.is_file():
            print(f"  missing: {source} (is the function's directory committed?)")
            failures.append(name)
            continue
        env = dict(base_env, AWS_LAMBDA_FUNCTION_NAME=f"korpo-ci-{name}")
        variables = dict(globals_env, **props.get("Environment", {}).get("Variables", {}))
        for key, value in variables.items():
            text = env_value(value, parameters, name)
            if text is not None:
                env[key] = text
        layer_paths = [layers[ref["Ref"]] for ref in template.get("Globals", {})
                       .get("Function", {}).get("Layers", []) + props.get("Layers", [])
                       if isinstance(ref, dict) and ref.get("Ref") in layers]
        check = (f"import {module}\n"
                 f"assert callable(getattr({module}, {function!r}, None)), "
                 f"'{module}.{function} is not callable'")
        if not run_python(python, [code, *layer_paths, runtime], check, env):
            failures.append(name)

    if failures:
        print(f"FAILED: {', '.join(failures)}")
        return 1
    print(f"{len(layers)} layer(s) and every function's handler import on python3.12")
    return 0


if __name__ == "__main__":
    sys.exit(main())
