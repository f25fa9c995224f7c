"""The trust suite's figures live in tests/figures.py (the CSRF row is a test in tests/routes);
the names are here too, where the trust tests have always imported them from."""

from __future__ import annotations

from tests.figures import SOAK, Figures

__all__ = ["SOAK", "Figures"]
