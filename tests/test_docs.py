"""Docs that fall behind the code fail the suite: every route, message type and setting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

from server.app import create_app
from server.realtime.messages import INCOMING, OUTGOING
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
API = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
SKIP = ("/static", "/docs", "/redoc", "/openapi.json")


def routes(items: list[Any]) -> Iterator[tuple[str, str]]:
    for route in items:
        if hasattr(route, "original_router"):  # an included router
            yield from routes(route.original_router.routes)
        elif hasattr(route, "path") and not hasattr(route, "routes"):
            methods = getattr(route, "methods", None)
            if methods is None:
                yield "WS", route.path
            else:
                for method in sorted(methods - {"HEAD"}):
                    yield method, route.path


def test_docs_name_every_route() -> None:
    app = create_app(Settings(database_url="sqlite://", public_url="http://127.0.0.1:8000"))
    found = [(m, p) for m, p in routes(app.routes) if not p.startswith(SKIP)]
    assert len(found) > 20
    missing = [f"{m} {p}" for m, p in found if f"{m} {p}" not in API]
    assert missing == []


def test_docs_describe_every_message_type() -> None:
    types = [get_args(model.model_fields["type"].annotation)[0] for model in (*INCOMING, *OUTGOING)]
    assert "answer" in types and "snapshot" in types
    missing = [t for t in types if f"### `{t}`" not in API]
    assert missing == []


def test_readme_configuration_names_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"KRING_{name.upper()}" for name in Settings.model_fields if f"`KRING_{name.upper()}`" not in readme
    ]
    assert missing == []


def test_docs_error_codes_cover_the_domain() -> None:
    codes = set()
    for path in (ROOT / "server").rglob("*.py"):
        codes.update(re.findall(r'DomainError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    undocumented = sorted(code for code in codes if f"`{code}`" not in API)
    assert undocumented == []
