"""The trust suite's figures: each test records lines, the terminal summary prints them all, in
the order of the issue's table (make test and make soak both end with it). A line travels as a
user property of the test's report, so it reaches the summary from pytest-xdist's workers too."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

SOAK = os.environ.get("KRING_SOAK") == "1"
PROPERTY = "kring_figures"
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
        request.node.user_properties.append((PROPERTY, (row, text)))

    return record


class FiguresTable:
    """The plugin that gathers the lines from the reports and prints the table."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # The teardown report carries every line the test recorded (fixtures record in teardown
        # too); under pytest-xdist the controller gets it from the worker that ran the test.
        if report.when == "teardown":
            self.rows += [(str(v[0]), str(v[1])) for name, v in report.user_properties if name == PROPERTY]

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        summary(terminalreporter, self.rows)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(FiguresTable(), "kring-figures")


def summary(terminalreporter: pytest.TerminalReporter, rows: list[tuple[str, str]]) -> None:
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
