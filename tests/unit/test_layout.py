"""The domain's folders show its architecture, and the imports keep to it.

korpo/ holds a small base (modules every package may use) and one package per capability.
The capabilities are layered: each imports only the base and the capabilities below it, so
the package graph has no cycle, and neither has the module graph. Imports guarded by
`if TYPE_CHECKING:` are for type checkers only and never run: they are not counted.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KORPO = ROOT / "functions" / "korpo" / "korpo"

# The base: used by every package, using none of them. `secrets` is here because settings
# (the base) reads the stack's secrets through it, and every package reads settings.
# `addresses` is here because two capabilities judge addresses by one rule: tracking (where a
# share link sends the public) and feeds (where a fetch connects), and tracking sits below feeds.
# `languages` is there because the pages, the e-mails of several packages and the public edge
# choose a reader's language alike; `fields` because the forms of four packages name every
# wrong field at once the same way; `texts` because every package that keeps what people type
# (shop, people, feeds, content) checks it by the same rule.
# `outbox` because the shop and the announcements both owe messages (two layers).
BASE = ("settings", "secrets", "brand", "ids", "months", "aws", "mail", "models", "addresses",
        "languages", "fields", "texts", "outbox")
# The capabilities, bottom first: each may import the base and those before it.
LAYERS = ("tracking", "board", "scoring", "shop", "people", "feeds", "content",
          "announcements")


def _modules() -> dict[str, Path]:
    found = {}
    for path in KORPO.rglob("*.py"):
        parts = path.relative_to(KORPO.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import that can run, at any depth (functions' lazy imports included)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _resolve(name: str) -> str | None:
    """The korpo module an imported name lives in (a package's name, a module's, or the
    module of an attribute imported from it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _edges(name: str, path: Path) -> set[str]:
    targets: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            assert node.level == 0, f"{name}: relative import (korpo imports absolutely)"
            names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        for imported in names:
            if imported == "korpo" or imported.startswith("korpo."):
                target = _resolve(imported)
                # "from korpo import settings" names the package korpo, then settings.
                if target and target != name and target != "korpo":
                    targets.add(target)
    return targets


GRAPH = {name: _edges(name, path) for name, path in MODULES.items()}


def _group(module: str) -> str:
    """`base`, or the capability a module belongs to."""
    top = module.split(".")[1] if "." in module else ""
    return "base" if top in BASE or not top else top


def test_every_module_is_in_the_base_or_a_capability():
    loose = sorted(name for name in MODULES
                   if name.count(".") == 1 and name.split(".")[1] not in BASE + LAYERS)
    assert not loose, (f"{loose}: a module at the top of korpo/ that is not the base belongs "
                       "to a capability's package (or, if every package uses it, to BASE)")
    missing = [name for name in BASE + LAYERS if f"korpo.{name}" not in MODULES]
    assert not missing, f"listed but not found: {missing}"


def test_no_alias_modules():
    aliases = [name for name, path in MODULES.items()
               if "sys.modules[" in path.read_text(encoding="utf-8")]
    assert not aliases, f"{aliases} stand in for moved modules: import the new name instead"


def test_no_import_cycle():
    done: set[str] = set()
    stack: list[str] = []

    def visit(module: str) -> None:
        if module in stack:
            cycle = stack[stack.index(module):] + [module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        stack.append(module)
        for target in sorted(GRAPH[module]):
            visit(target)
        stack.pop()
        done.add(module)

    for module in sorted(GRAPH):
        visit(module)


def test_the_base_imports_no_capability():
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                    if _group(a) == "base" and _group(b) != "base")
    assert not upward, f"the base must not import a capability: {upward}"


def test_each_capability_imports_only_the_base_and_those_below_it():
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                    if _group(a) in rank and _group(b) in rank
                    and rank[_group(b)] > rank[_group(a)])
    assert not upward, (f"a lower capability imports a higher one (order, bottom first: "
                        f"{', '.join(LAYERS)}): {upward}")


def test_each_package_lists_its_modules_in_its_docstring():
    for package in LAYERS:
        init = KORPO / package / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        listed = {line.split()[0] for line in doc.splitlines() if line.strip()}
        modules = {p.stem for p in (KORPO / package).glob("*.py") if p.stem != "__init__"}
        assert modules <= listed, (f"korpo/{package}/__init__.py does not list "
                                   f"{sorted(modules - listed)} (one line each)")


def test_readme_and_architecture_show_every_package():
    for doc in (ROOT / "README.md", ROOT / "docs" / "architecture.md"):
        text = doc.read_text(encoding="utf-8")
        missing = [p for p in LAYERS + ("models",) if f"korpo/{p}/" not in text]
        assert not missing, f"{doc.name} does not show {missing}"


def test_every_test_module_and_conftest_has_a_name_of_its_own():
    """pytest imports test files by their basename (no __init__.py in tests/): two files of
    one name stop the collection, and a second conftest.py hides the root one from
    `from conftest import …` (the IAM proof's whole-suite check)."""
    names = [p.name for p in (ROOT / "tests").rglob("*.py")
             if p.name.startswith("test_") or p.name == "conftest.py"]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    assert [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("conftest.py")] == [
        "tests/conftest.py"]
