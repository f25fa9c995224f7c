"""Reading a results snapshot back (for the report and the exports): lists, numbers and texts that
may be missing or of another type in what was stored. Re-exported by server/kinds/base.py."""

from __future__ import annotations

from typing import Any


def items(value: object) -> list[dict[str, Any]]:
    """The dicts of a results list (anything else left out)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def ints(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def plain(value: object) -> str:
    return value if isinstance(value, str) else ""


def pick_text(items_: object, index: object) -> str:
    """The text of option/statement ``index`` (an int or a slot string); the raw index if unknown."""
    found = int(index) if isinstance(index, str) and index.isascii() and index.isdigit() else index
    if isinstance(items_, list) and isinstance(found, int) and 0 <= found < len(items_):
        return str(items_[found])
    return str(index)
