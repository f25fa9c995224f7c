"""Docs that fall behind the code fail the suite: every route, message type and setting."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic.fields import FieldInfo

from server.app import create_app
from server.domain.errors import Code
from server.kinds import REGISTRY, Kind
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


def code_uses(tree: ast.AST) -> Iterator[ast.expr]:
    """The expressions that name an error code: DomainError's first argument (a subclass passes a
    Code to it, which mypy checks),
    every ``code=`` of an error, a websocket refusal's code, ``.code`` compared with something,
    a ``"code"`` in a JSON body, and the keys of routes/errors.py's status table."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in ("DomainError", "_error") and node.args:
                yield node.args[0]
            if name == "_refuse" and len(node.args) > 2:
                yield node.args[2]
            yield from (
                kw.value for kw in node.keywords if kw.arg == "code" and name in ("ErrorOut", "DomainError")
            )
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Attribute)
            and node.left.attr == "code"
        ):
            for compared in node.comparators:
                yield from (
                    compared.elts if isinstance(compared, ast.Tuple | ast.List | ast.Set) else [compared]
                )
        elif isinstance(node, ast.Dict):
            yield from (
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value == "code"
            )
        elif isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "STATUS_BY_CODE" for t in node.targets
        ):
            yield from (key for key in getattr(node.value, "keys", []) if key is not None)


def bare_codes(source: str) -> list[str]:
    """Error codes written as text (a string or an f-string) instead of a Code member."""
    found = []
    for expr in sorted(code_uses(ast.parse(source)), key=lambda e: (e.lineno, e.col_offset)):
        text = isinstance(expr, ast.Constant) and isinstance(expr.value, str)
        if text or isinstance(expr, ast.JoinedStr):
            found.append(f"line {expr.lineno}: {ast.unparse(expr)}")
    return found


def used_codes(source: str) -> set[str]:
    """The Code members a module names (``Code.UNKNOWN_CODE``)."""
    return {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Code"
    }


SERVER_SOURCES = {
    path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
    for path in (ROOT / "server").rglob("*.py")
}


def test_bare_codes_finds_text_where_a_code_belongs() -> None:
    source = (
        'raise DomainError("unknown_code", "x")\n'
        'push(ErrorOut(code=f"nickname_{c}", message="x"))\n'
        'if exc.code in ("csrf", Code.BUSY): pass\n'
        'body = {"error": {"code": "not_found"}}\n'
        'raise DomainError(Code.UNKNOWN_CODE, "fine")\n'
    )
    assert bare_codes(source) == [
        "line 1: 'unknown_code'",
        "line 2: f'nickname_{c}'",
        "line 3: 'csrf'",
        "line 4: 'not_found'",
    ]
    assert used_codes(source) == {"BUSY", "UNKNOWN_CODE"}


def test_every_error_code_in_the_server_is_a_code_member() -> None:
    """One way to name an error code: the Code enum (server/domain/errors.py), never bare text."""
    offenders = {name: found for name, source in SERVER_SOURCES.items() if (found := bare_codes(source))}
    assert offenders == {}, "name these error codes as members of Code (server/domain/errors.py)"


def test_docs_list_every_error_code() -> None:
    """docs/api.md documents every code the server raises or sends, and every member of Code."""
    used = set().union(*(used_codes(source) for source in SERVER_SOURCES.values()))
    assert {"UNKNOWN_CODE", "FORBIDDEN", "TEXT_TOO_LONG", "INVALID_EXPORT"} <= used
    assert used <= set(Code.__members__), sorted(used - set(Code.__members__))
    undocumented = sorted(code.value for code in Code if f"`{code.value}`" not in API)
    assert undocumented == [], "add these codes to the error tables of docs/api.md"


def kind_section(kind: str) -> str:
    """The part of docs/api.md under ``#### Kind `kind` ``, up to the next heading ("" if none)."""
    heading = f"#### Kind `{kind}`\n"
    start = API.find(heading)
    if start < 0:
        return ""
    end = re.search(r"^#", API[start + len(heading) :], flags=re.MULTILINE)
    return API[start : start + len(heading) + end.start()] if end else API[start:]


def setting_row(section: str, name: str) -> str:
    return next((line for line in section.splitlines() if line.startswith(f"| `{name}` |")), "")


def spellings(number: int) -> set[str]:
    """How a limit may be written: 1000000, 1,000,000, and negatives with a minus sign too."""
    plain = {str(number), f"{number:,}"}
    return plain | {text.replace("-", "\u2212") for text in plain}


def literal_values(annotation: Any) -> list[object]:
    """The values a Literal allows, also inside ``X | None`` and the like."""
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return [value for part in get_args(annotation) for value in literal_values(part)]


LIMITS = {
    annotated_types.Ge: "ge",
    annotated_types.Le: "le",
    annotated_types.MinLen: "min_length",
    annotated_types.MaxLen: "max_length",
}


def undocumented_parts(name: str, field: FieldInfo, row: str) -> list[str]:
    """What of one setting its row in the docs does not say: allowed values, limits, default."""
    missing = [f"{name}: value {v!r}" for v in literal_values(field.annotation) if f"`{v}`" not in row]
    for limit in field.metadata:
        attribute = LIMITS.get(type(limit))
        number = getattr(limit, attribute) if attribute else None
        if isinstance(number, int) and not any(text in row for text in spellings(number)):
            missing.append(f"{name}: limit {attribute}={number}")
    if field.default_factory is None and not field.is_required():
        default = f"`{json.dumps(field.default, ensure_ascii=False)}`"
        if default not in row:
            missing.append(f"{name}: default {default}")
    return missing


def test_docs_describe_every_kind() -> None:
    kinds = {*get_args(Kind), *REGISTRY}
    assert {"open", "scales", "groups", "cards"} <= kinds
    missing = []
    for kind in sorted(kinds):
        section = kind_section(kind)
        if not section:
            missing.append(f"#### Kind `{kind}`")
        elif "Answer:" not in section or "Results:" not in section:
            missing.append(f"{kind}: its answer slots or results")
        if f"`{kind}`" not in API.split("## Activity kinds", 1)[-1].split("####", 1)[0]:
            missing.append(f"{kind}: in the list of kinds")
    assert missing == []


def test_docs_describe_every_setting_of_every_kind() -> None:
    """Every field of every kind's settings model has a row with its values, limits and default."""
    missing = []
    for kind, model in ((name, k.settings) for name, k in REGISTRY.items()):
        section = kind_section(kind)
        for name, field in model.model_fields.items():
            row = setting_row(section, name)
            if not row:
                missing.append(f"{kind}.{name}")
            else:
                missing += [f"{kind}.{part}" for part in undocumented_parts(name, field, row)]
    assert missing == []
