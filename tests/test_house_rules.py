"""House rules that hold across the code base, checked by reading the source."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import printwarden

SOURCE = Path(printwarden.__file__).parent
PYPROJECT = SOURCE.parent.parent / "pyproject.toml"


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level third-party module -> the source files importing it."""
    found: dict[str, set[str]] = {}
    for source in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            for root in roots - set(sys.stdlib_module_names) - {"__future__", "printwarden"}:
                found.setdefault(root, set()).add(str(source.relative_to(SOURCE)))
    return found


#: Extras for development only: a package declared there is no dependency of the code.
DEVELOPMENT_EXTRAS = ("test", "dev")


def _declared() -> set[str]:
    """Runtime dependencies and the optional runtime extras (``tray``: a guarded import)."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    specs = list(project["dependencies"])
    for extra, extra_specs in project.get("optional-dependencies", {}).items():
        if extra not in DEVELOPMENT_EXTRAS:
            specs += extra_specs
    names = {re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0] for spec in specs}
    return {name.lower().replace("_", "-") for name in names}


def test_every_imported_third_party_package_is_a_declared_dependency() -> None:
    distributions = packages_distributions()
    declared = _declared()
    missing = {}
    for module, files in sorted(_third_party_imports().items()):
        owners = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not owners & declared:
            missing[module] = sorted(files)
    assert missing == {}, "declare these in pyproject.toml [project.dependencies]"


def test_the_check_sees_an_undeclared_import() -> None:
    assert "starlette" in _third_party_imports()  # imported by web: must stay declared
    assert "hypothesis" not in _declared()  # a test-only package is not a dependency


def test_no_module_uses_a_relative_import() -> None:
    for source in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, source.relative_to(SOURCE)
