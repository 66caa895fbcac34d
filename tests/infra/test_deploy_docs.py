"""docs/deploy.md keeps the one parameter table: every template parameter, with its default."""
from __future__ import annotations

import re
from pathlib import Path

from infra.template import load_template

ROOT = Path(__file__).resolve().parents[2]


def _rows(text: str) -> dict[str, str]:
    """Table rows by the parameter they start with: | `Name` | ... |."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", text, re.M)}


def test_the_parameter_table_names_every_parameter_and_its_default():
    parameters = load_template()["Parameters"]
    rows = _rows((ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"))

    missing = sorted(set(parameters) - set(rows))
    assert not missing, f"docs/deploy.md has no row for {missing}"
    for name, spec in parameters.items():
        default = spec.get("Default")
        cell = rows[name].split(" | ")[1]
        if default in (None, ""):
            assert "`" not in cell, f"{name}: the template has no default, the docs show one"
        else:
            assert f"`{default}`" == cell, f"{name}: the template's default is {default!r}"


def test_the_readme_links_to_it_instead_of_repeating_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert "docs/deploy.md" in readme
    assert not _rows(readme).keys() & set(load_template()["Parameters"])
