"""The domain and the kinds stay pure: no web, database, network or asyncio imports anywhere in them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import server.domain
import server.kinds

DOMAIN = Path(server.domain.__file__).parent
KINDS = Path(server.kinds.__file__).parent
PURE = sorted([*DOMAIN.rglob("*.py"), *KINDS.rglob("*.py")])
FORBIDDEN = {
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "redis",
    "asyncio",
    "psycopg",
    "socket",
    "http",
    "httpx",
    "urllib",
    "subprocess",
    "uvicorn",
    "websockets",
    "matplotlib",
    "babel",
    "jinja2",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(DOMAIN.parent)))
def test_domain_module_imports_nothing_impure(path: Path) -> None:
    assert not _imports(path) & FORBIDDEN


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(DOMAIN.parent)))
def test_domain_module_starts_with_a_docstring(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.name} needs a one-line docstring saying what lives in it"


def test_domain_public_api_is_exported() -> None:
    for name in server.domain.__all__:
        assert getattr(server.domain, name) is not None
