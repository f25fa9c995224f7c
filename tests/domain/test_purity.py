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


def _module_name(path: Path) -> str:
    parts = path.relative_to(DOMAIN.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(paths: list[Path]) -> dict[str, set[str]]:
    """Module -> the modules of ``paths`` it imports, type-only imports included."""
    modules = {_module_name(path): path for path in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            found.update(target for target in targets if target in modules and target != name)
        graph[name] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, as the modules along it, or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := walk(target)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return []


def test_cycle_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_no_import_cycle_in_the_domain_or_the_kinds() -> None:
    """Imports run one way inside server/domain and server/kinds, type-only ones too (issue 13)."""
    graph = _import_graph(PURE)
    assert "server.domain.meeting" in graph and "server.kinds.base" in graph["server.kinds.choice"]
    assert _cycle(graph) == []
