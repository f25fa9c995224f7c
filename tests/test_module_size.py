"""No big modules: every Python module in server/ stays at 400 lines or fewer (issue 13).

A module past that is cut along a line that means something (see docs/architecture.md), never
allowed here: the list of exceptions is empty on purpose.
"""

from __future__ import annotations

from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
MAX_LINES = 400


def line_count(text: str) -> int:
    """Lines as ``wc -l`` counts them (a last line without its newline counts too)."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def test_line_count_counts_like_wc() -> None:
    assert [line_count(t) for t in ("", "a\n", "a\nb", "a\nb\n\n")] == [0, 1, 2, 3]


def test_no_server_module_is_over_400_lines() -> None:
    modules = sorted(SERVER.rglob("*.py"))
    assert len(modules) > 50  # the walk found the server's modules
    sizes = {
        path.relative_to(SERVER.parent).as_posix(): line_count(path.read_text("utf-8")) for path in modules
    }
    over = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert over == {}, f"cut these modules (at most {MAX_LINES} lines each) along a line that means something"
