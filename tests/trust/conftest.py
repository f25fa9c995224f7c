"""The trust suite's figures: each test records one line, the terminal summary prints them all."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

SOAK = os.environ.get("KRING_SOAK") == "1"
FIGURES = pytest.StashKey[list[tuple[str, str]]]()

Figures = Callable[..., None]


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """``figures("SLOW", clients=500, p99_ms=219)`` adds a line to the summary table."""

    def record(row: str, **values: object) -> None:
        text = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in values.items())
        request.config.stash.setdefault(FIGURES, []).append((row, text))

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    rows = config.stash.get(FIGURES, [])
    if not rows:
        return
    sizes = "full sizes (KRING_SOAK=1)" if SOAK else "KILL9, SIGTERM, RESYNC, SLOW, DEDUP-RACE, ENUM reduced"
    terminalreporter.write_sep("=", f"trust suite figures: {sizes}")
    width = max(len(row) for row, _ in rows)
    for row, text in rows:
        terminalreporter.write_line(f"{row:<{width}}  {text}")
