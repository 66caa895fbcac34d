"""deploy figures: what AWS's hard limits see of the template and the layer (infra/aws_limits.py).

- deploy.max_resource_policy_bytes: the largest function resource-based policy, with a real
  deployment's names (limit 20 KB; goal 10,000 bytes, room to grow);
- deploy.resources: the expanded template's resources (limit 500);
- deploy.layer_unzipped_mb, deploy.layer_zipped_mb: the layer as functions/korpo/Makefile
  builds it (limits: 250 MB unzipped with the function, 50 MB zipped).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.harness import ROOT, Figure

KORPO = ROOT / "functions" / "korpo"


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextmanager
def built_layer() -> Iterator[tuple[Path, str]]:
    """(the layer's python/ folder, how it was had): `sam build`'s when it is newer than the
    layer's sources, else the Makefile's own build into a temporary folder."""
    built = ROOT / ".aws-sam" / "build" / "KorpoLayer"
    sources = [KORPO / "requirements.txt", KORPO / "Makefile", KORPO / "chalice_routes.py",
               *(KORPO / "korpo").rglob("*.py")]
    if built.is_dir() and built.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        yield built / "python", "from .aws-sam/build"
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["make", "-s", "-C", str(KORPO), "build-KorpoLayer",
                        f"ARTIFACTS_DIR={tmp}"], check=True, capture_output=True,
                       env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
        yield Path(tmp) / "python", "functions/korpo/Makefile into a temporary folder"


def _zipped_bytes(folder: Path) -> int:
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, Path("python") / path.relative_to(folder))
        return handle.tell()


def run() -> list[Figure]:
    from infra import aws_limits

    report = aws_limits.measure()
    worst = max(report.policy_bytes, key=report.policy_bytes.get)
    figures = [
        Figure("deploy.max_resource_policy_bytes", report.policy_bytes[worst], "bytes",
               f"<= {aws_limits.POLICY_GOAL} ({worst}; limit {aws_limits.POLICY.value})"),
        Figure("deploy.resources", report.resources, "resources",
               f"info (limit {aws_limits.RESOURCES.value})"),
    ]
    with built_layer() as (layer, how):
        print(f"deploy.layer_*: {how}")
        figures += [
            Figure("deploy.layer_unzipped_mb", tree_bytes(layer) / 1_000_000, "MB",
                   f"info (limit {aws_limits.UNZIPPED.value // 2**20} MB with the function)"),
            Figure("deploy.layer_zipped_mb", _zipped_bytes(layer) / 1_000_000, "MB",
                   f"info (limit {aws_limits.LAYER_ZIP.value // 2**20} MB)"),
        ]
    return figures
