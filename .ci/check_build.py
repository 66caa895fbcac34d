"""Cold-start smoke test of `sam build`'s output, as Lambda would load it, and its sizes.

Run by .ci/run with the tools venv's python (for SAM's template parser):
    .tools/bin/python .ci/check_build.py PYTHON312 [BUILD_DIR]

`sam build` only warns when a CodeUri is missing (a function dir that is not in git) and
says "Build Succeeded", so this checks every function's handler file exists, then imports
the layer and each handler on python3.12 with nothing on sys.path but the code and the
layer's python/: the layer ships its own boto3 and botocore (docs/decisions.md, "The
runtime's SDK"), which must be the ones imported, at the versions the tests ran, with a
client for each AWS service the code calls. No AWS credentials, no metadata endpoint: a
handler that calls AWS at import fails here fast instead of reaching out.

Then AWS's size limits, which only a real deploy would enforce (infra/aws_limits.py has the
sources): a function and its layers at most 250 MB unzipped, a layer at most 50 MB zipped.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import samtranslator
from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda quotas: deployment package, unzipped
ZIPPED_LIMIT = 50 * 1024 * 1024  # Lambda quotas: deployment package, zipped
# crawlerdetect, ua_parser and pywhatwgurl load lazily (the click path, a destination's
# check): import them here so a broken wheel fails the build, not the first click.
LAYER_IMPORTS = ("korpo, chalice_routes, chalice.app, pynamodb, feedparser, nh3, requests,"
                 " aws_lambda_powertools, crawlerdetect, ua_parser, pywhatwgurl, jinja2,"
                 " markupsafe, segno, babel.dates, boto3, botocore, korpo.addresses")
# The layer keeps Babel's data for English and French only (functions/korpo/Makefile): check
# both still format, as the web app's pages do; and a destination is judged as browsers read
# it (pywhatwgurl over the layer's idna).
LAYER_CHECK = ("import datetime; d = datetime.date(2026, 12, 2); "
               "assert babel.dates.format_date(d, 'medium', locale='fr') == '2 déc. 2026'; "
               "assert babel.dates.format_date(d, 'LLLL y', locale='en') == 'December 2026'; "
               "assert korpo.addresses.destination_refusal('http://0x7f.1/', False) == "
               "'private'; assert korpo.addresses.web_destination('https://B\u00fccher.de/')"
               " == 'https://xn--bcher-kva.de/'")


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


def pinned(requirements: Path, package: str) -> str:
    found = re.search(rf"^{re.escape(package)}==(\S+)", requirements.read_text(), re.M)
    assert found, f"{package} is not pinned in {requirements}"
    return found.group(1)


def sdk_check(layer: Path) -> str:
    """Python run inside the layer: boto3 and botocore come from it, at the pinned versions,
    and make a client of every service the Makefile keeps; prints the time it took."""
    requirements = ROOT / "functions" / "korpo" / "requirements.txt"
    services = re.search(r"^SERVICES := (.+)$", (ROOT / "functions" / "korpo" / "Makefile")
                         .read_text(), re.M).group(1).split()
    return (
        "import time; started = time.perf_counter()\n"
        "import boto3, botocore\n"
        "session = boto3.session.Session(region_name='eu-west-1', aws_access_key_id='ci',"
        " aws_secret_access_key='ci')\n"
        "session.client('dynamodb')\n"
        "took = (time.perf_counter() - started) * 1000\n"
        f"assert boto3.__file__.startswith({str(layer)!r}), boto3.__file__\n"
        f"assert botocore.__file__.startswith({str(layer)!r}), botocore.__file__\n"
        f"assert boto3.__version__ == {pinned(requirements, 'boto3')!r}, boto3.__version__\n"
        f"assert botocore.__version__ == {pinned(requirements, 'botocore')!r}\n"
        f"for service in {services!r}: session.client(service)\n"
        "print(f'  boto3 {boto3.__version__} from the layer; import and a DynamoDB client:"
        " {took:.0f} ms')\n")


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def zipped_bytes(folder: Path) -> int:
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder.parent))
        return handle.tell()


def main() -> int:
    python = sys.argv[1]
    build = Path(sys.argv[2] if len(sys.argv) > 2 else ".aws-sam/build").resolve()
    template = yaml_parse((build / "template.yaml").read_text())
    parameters = template.get("Parameters", {})
    resources = template["Resources"]
    globals_env = (template.get("Globals", {}).get("Function", {})
                   .get("Environment", {}).get("Variables", {}))

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
        if not (layer.is_dir() and run_python(python, [layer],
                                               f"import {LAYER_IMPORTS}; {LAYER_CHECK}",
                                               base_env)):
            failures.append(name)
            continue
        print(f"{name}: the AWS SDK it ships")
        if not run_python(python, [layer], sdk_check(layer), base_env):
            failures.append(f"{name} (SDK)")
        zipped = zipped_bytes(layer)
        print(f"  {tree_bytes(layer) / 1e6:.1f} MB unzipped, {zipped / 1e6:.1f} MB zipped "
              f"(limit {ZIPPED_LIMIT // 2**20} MB)")
        if zipped > ZIPPED_LIMIT:
            failures.append(f"{name} (zipped size)")

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
        if not run_python(python, [code, *layer_paths], check, env):
            failures.append(name)
        unzipped = tree_bytes(code) + sum(tree_bytes(path.parent) for path in layer_paths)
        if unzipped > UNZIPPED_LIMIT:
            print(f"  {unzipped / 1e6:.1f} MB with its layers: over {UNZIPPED_LIMIT // 2**20} MB")
            failures.append(f"{name} (unzipped size)")

    # The limits test (tests/infra/test_aws_limits.py) expands the template with the
    # translator pinned in requirements-dev.txt: it must be the one SAM CLI deploys with.
    want = pinned(ROOT / "requirements-dev.txt", "aws-sam-translator")
    print(f"aws-sam-translator: SAM CLI's {samtranslator.__version__}, the tests' {want}")
    if samtranslator.__version__ != want:
        failures.append("aws-sam-translator pin")

    if failures:
        print(f"FAILED: {', '.join(failures)}")
        return 1
    print(f"{len(layers)} layer(s) and every function's handler import on python3.12, "
          "within Lambda's size limits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
