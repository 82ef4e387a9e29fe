"""The rooms hold: the runtime package ``siyu`` (what the DAGs run) never imports the development
tooling ``siyu_dev`` (simulator, demo, benchmarks, evaluation), and the modules dbt's Python models
import pull in no tooling either (docs/ARCHITECTURE.md, Rooms)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (the DAGs and models import lazily)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def module_file(name: str) -> Path | None:
    base = PLUGINS / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def is_tooling(name: str) -> bool:
    return name == "siyu_dev" or name.startswith("siyu_dev.")


def test_the_runtime_package_never_imports_the_tooling():
    offenders = {
        str(f.relative_to(ROOT)): sorted(filter(is_tooling, imported_modules(f)))
        for f in (PLUGINS / "siyu").rglob("*.py")
        if f.name != "cli.py"  # the CLI is the one door to the tooling (each command imports its own)
    }
    assert {f: names for f, names in offenders.items() if names} == {}


def test_the_dags_and_dbt_models_reach_no_tooling():
    entry = list((ROOT / "dags").glob("*.py")) + list((ROOT / "dbt_project" / "models").rglob("*.py"))
    assert entry, "no DAG or dbt Python model found"
    seen: set[str] = set()
    todo = [m for f in entry for m in imported_modules(f) if m.split(".")[0] in ("siyu", "siyu_dev")]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name)
        if path is not None and path.name != "cli.py":
            todo += [m for m in imported_modules(path) if m.split(".")[0] in ("siyu", "siyu_dev")]
    assert sorted(filter(is_tooling, seen)) == []
    assert "siyu.identity.components" in seen  # the walk did reach the models' own modules
