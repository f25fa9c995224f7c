"""Every browser test is watched: a console error or failed request on any page fails it."""

from __future__ import annotations

import pytest

from tests.web.browser import PageProblems, page_problems

__all__ = ["page_problems"]


@pytest.fixture(autouse=True)
def _every_page_watched(page_problems: PageProblems) -> PageProblems:
    return page_problems
