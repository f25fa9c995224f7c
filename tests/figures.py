"""The trust suite's figures: each test records lines, the terminal summary prints them all, in
the order of the issue's table (make test and make soak both end with it)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

SOAK = os.environ.get("KRING_SOAK") == "1"
FIGURES = pytest.StashKey[list[tuple[str, str]]]()
ROWS = [
    "ORIGIN",
    "WS-AUTHZ",
    "WS-FUZZ",
    "SIZE",
    "RATE",
    "DEDUP-RACE",
    "STATEFUL",
    "IDEMPOTENT",
    "TOKENS",
    "ENUM",
    "GUARD",
    "QR-ROOM",
    "PROXY",
    "LOGIN",
    "CREATE",
    "DOOR",
    "XSS",
    "CSRF",
    "SCHEMA",
    "KILL9",
    "SIGTERM",
    "RESYNC",
    "SLOW",
    "PRIVACY",
    "TEMPLATE",
    "TEXT",
    "HTTP",
]
REDUCED = [
    "KILL9",
    "SIGTERM",
    "RESYNC",
    "SLOW",
    "DEDUP-RACE",
    "ENUM",
    "GUARD",
    "QR-ROOM",
    "STATEFUL",
    "SCHEMA",
    "TEMPLATE",
    "HTTP",
]

Figures = Callable[..., None]


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """``figures("SLOW", clients=500, p99_ms=219)`` adds a line to the summary table."""

    def record(row: str, **values: object) -> None:
        assert row in ROWS, row
        text = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in values.items())
        request.config.stash.setdefault(FIGURES, []).append((row, text))

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    rows = config.stash.get(FIGURES, [])
    if not rows:
        return
    sizes = "full sizes (KRING_SOAK=1)" if SOAK else f"{', '.join(REDUCED)} reduced"
    terminalreporter.write_sep("=", f"trust suite figures: {sizes}")
    width = max(len(row) for row, _ in rows)
    for row, text in sorted(rows, key=lambda item: ROWS.index(item[0])):  # stable: a row's lines in order
        terminalreporter.write_line(f"{row:<{width}}  {text}")
    missing = [row for row in ROWS if row not in {r for r, _ in rows}]
    if missing:
        terminalreporter.write_line(f"(no figures this run: {', '.join(missing)})")
