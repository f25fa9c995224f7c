"""The built-in draaiboeken read right for any theme: no article glued to {{thema}} ("t.a.v. het
Inclusie"), checked in the YAML and where the facilitator reads it, on the remote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.web.browser import axe, phone_context, watch
from tests.web.rooms import compare_shot, room

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(120)]

# An article or a possessive right before the theme: right for one theme, wrong for the next
# ("het Inclusie", "de Samen leren"). "het thema {{thema}}" reads right whatever the theme is.
GLUED = re.compile(r"\b(het|de|een|ons|onze|the|a|an|our)\s+\{\{\s*thema\s*\}\}", re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    sorted((Path(__file__).parents[2] / "server" / "draaiboek" / "builtin").glob("*.yaml")),
    ids=lambda p: p.stem,
)
def test_template_theme_sentences_take_any_theme(path: Path) -> None:
    glued = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if GLUED.search(line)]
    assert glued == []


async def test_template_opening_werkvorm_reads_right_on_the_remote(tmp_path: Path) -> None:
    async with room(tmp_path, template="kickoff", values={"thema": "Inclusie"}) as r:
        meeting = await r.call("GET", "")
        opening = next(b for b in meeting["blocks"] if b["title"] == "Opening")
        await r.call("POST", f"/blocks/{opening['id']}/enter", {})
        context = await phone_context(r.browser)
        remote = await context.new_page()
        watch(remote, r.problems, "remote")
        await remote.goto(f"{r.base}/m/{r.code}/remote#key={r.meeting['host_key']}")
        werkvorm = remote.locator("dd", has_text="Wat zie jij nu in de organisatie")
        await expect(werkvorm).to_have_count(1)
        await werkvorm.scroll_into_view_if_needed()
        await compare_shot(remote, "template-opening")
        text = await werkvorm.text_content() or ""
        assert "t.a.v. het thema Inclusie" in text, text
        assert not re.search(r"\b(het|de|een) Inclusie", text), text
        assert await axe(remote, "remote-opening") == []
        assert r.problems == []
