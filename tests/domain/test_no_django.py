"""techfin.domain must import neither Django nor any other part of techfin.

The rules are meant to be read, tested and reused on their own; an import of an app (models,
services) from here would also reverse the layering (DESIGN.md: imports only go down).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import techfin.domain

DOMAIN_DIR = Path(techfin.domain.__file__).resolve().parent
ALLOWED_PREFIX = "techfin.domain"


def _module_name(path: Path) -> str:
    relative = path.relative_to(DOMAIN_DIR.parent.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def forbidden_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every import in ``source`` (the text of ``module``) that leaves techfin.domain or uses Django."""
    found: list[str] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level - 1 >= len(base_parts):
                    found.append(f"relative import above the top package (level {node.level})")
                    continue
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                targets = [f"{base}.{node.module}" if node.module else base]
            else:
                targets = [node.module or ""]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                targets = [first.value]
            else:
                found.append("dynamic import of a computed module name")
        for target in targets:
            top = target.split(".")[0]
            in_domain = target == ALLOWED_PREFIX or target.startswith(ALLOWED_PREFIX + ".")
            if top == "django" or (top == "techfin" and not in_domain):
                found.append(target)
    return found


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


MODULES = sorted(DOMAIN_DIR.rglob("*.py"))


def test_there_are_modules_to_check() -> None:
    names = {path.name for path in MODULES}
    assert {"reasons.py", "money.py", "uscc.py", "size_class.py", "tech_sme.py", "high_tech.py", "lpr.py",
            "eligibility.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DOMAIN_DIR)))
def test_module_imports_stay_inside_the_domain(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert forbidden_imports(source, _module_name(path), path.name == "__init__.py") == []


@pytest.mark.parametrize(
    "source",
    [
        "import django",
        "from django.db import models",
        "import django.utils.timezone as tz",
        "from techfin.enterprises.models import Enterprise",
        "import techfin.settings",
        "from techfin import accounts",
        "from .. import settings",  # from techfin.domain.sample, ".." is techfin
        "from ... import anything",  # above the top package
        "from ..enterprises import models",
        "import importlib\nimportlib.import_module('django.conf')",
        "__import__('techfin.audit')",
        "import importlib\nname = 'dj' + 'ango'\nimportlib.import_module(name)",
        "def f():\n    from django.conf import settings\n    return settings",
    ],
)
def test_checker_catches_forbidden_imports(source: str) -> None:
    assert forbidden_imports(source, "techfin.domain.sample") != []


@pytest.mark.parametrize(
    "source",
    [
        "import decimal",
        "from techfin.domain.money import to_money",
        "from techfin.domain import uscc",
        "from . import money",
        "from .reasons import Reason",
        "import djangoish",
        "import techfin.domain.lpr",
    ],
)
def test_checker_allows_the_domain_and_the_standard_library(source: str) -> None:
    assert forbidden_imports(source, "techfin.domain.sample") == []
