"""Every word through the catalogue: no inline language tables in server/."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
LANGUAGE_CODES = {"nl", "en"}
# The catalogue's own module maps each language to the Babel locale that formats its numbers.
CATALOGUE = "i18n.py"


def _is_code(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in LANGUAGE_CODES


def language_tables(source: str) -> list[int]:
    """Lines of a dict keyed by language codes, or of `a if language == "nl" else b`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict) and sum(_is_code(key) for key in node.keys if key) >= 2:
            found.append(node.lineno)
        elif isinstance(node, ast.IfExp) and isinstance(node.test, ast.Compare):
            if _is_code(node.body) and _is_code(node.orelse):
                continue  # choosing a language (reading a file's "language:"), not saying a word
            if any(_is_code(part) for part in (node.test.left, *node.test.comparators)):
                found.append(node.lineno)
    return found


def test_no_inline_language_tables_in_the_server() -> None:
    offenders = {}
    for path in sorted(SERVER.rglob("*.py")):
        name = path.relative_to(SERVER).as_posix()
        lines = language_tables(path.read_text(encoding="utf-8"))
        if lines and name != CATALOGUE:
            offenders[name] = lines
    assert offenders == {}, "say these words through the catalogue (server/i18n.py, N_/C_)"


def test_the_check_finds_a_table_and_a_conditional() -> None:
    assert language_tables('X = {"nl": "ja", "en": "yes"}') == [1]
    assert language_tables('x = "ja" if language == "nl" else "yes"') == [1]
    assert language_tables('X = {"nl": 1}\nif language == "nl":\n    pass') == []
    assert language_tables('language = "en" if data.get("language") == "en" else "nl"') == []
