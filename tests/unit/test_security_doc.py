"""docs/security.md names the tests that show each threat stopped: each must exist."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_and_test_file_security_md_names_exists():
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    files = set(re.findall(r"`(tests/[\w/]+\.py)`", text))
    names = set(re.findall(r"`(test_\w+)`", text))
    assert files and names
    missing_files = sorted(f for f in files if not (ROOT / f).is_file())
    assert not missing_files, missing_files
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    defined = set(re.findall(r"^def (test_\w+)", sources, re.M))
    assert not sorted(names - defined), sorted(names - defined)
