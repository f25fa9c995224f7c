"""The phone takes every answer limit from the payload (`activity.limits`), never from a number of
its own: a phone served changed limits enforces the changed ones, and no page script repeats one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, WebSocketRoute, async_playwright, expect

from server.kinds.fields import (
    CARD_MAX_LENGTH,
    CARD_NAME_MAX_LENGTH,
    OPEN_MAX_LENGTH,
    WORD_MAX_LENGTH,
)
from tests.conftest import migrated_sqlite_url
from tests.support import create_meeting, host, live_server
from tests.web.browser import WAIT, launch, phone_context, watch

SCRIPTS = Path(__file__).resolve().parents[2] / "web" / "static" / "js"
SHIFT = 3  # what the test adds to every limit on its way to the phone

# Each kind with settings whose counts differ from the defaults, and the limits its payload carries.
KINDS: list[tuple[str, dict[str, Any], dict[str, int]]] = [
    ("open", {"max_answers": 2}, {"text": OPEN_MAX_LENGTH, "answers": 2}),
    ("wordcloud", {"max_entries": 4}, {"word": WORD_MAX_LENGTH, "words": 4}),
    ("checkout", {}, {"word": WORD_MAX_LENGTH, "find": WORD_MAX_LENGTH}),
    ("choice", {"options": ["a", "b", "c", "d"], "max_choices": 2}, {"choices": 2}),
    ("cards", {}, {"text": CARD_MAX_LENGTH, "name": CARD_NAME_MAX_LENGTH}),
]


class ShiftLimits:
    """Between the server and the phone: every state frame's limits grow by SHIFT; the frames as
    the server sent them are kept."""

    def __init__(self) -> None:
        self.limits: dict[str, dict[str, int]] = {}  # kind -> limits as the server sent them

    def route(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            activity = frame.get("activity") if frame.get("type") == "state" else None
            if activity:
                self.limits[activity["kind"]] = dict(activity["limits"])
                activity["limits"] = {key: value + SHIFT for key, value in activity["limits"].items()}
                message = json.dumps(frame)
            page_side.send(message)

        page_side.on_message(lambda message: server_side.send(message))
        server_side.on_message(from_server)


async def phone_enforces(page: Page, kind: str, limits: dict[str, int]) -> None:
    """What the phone's view of `kind` shows of the limits it was given."""
    if kind == "open":
        await expect(page.locator("#answer-text")).to_have_attribute("maxlength", str(limits["text"]))
        await expect(page.locator(".counter")).to_have_text(f"{limits['text']} characters left")
    elif kind == "wordcloud":
        await expect(page.locator("#word")).to_have_attribute("maxlength", str(limits["word"]))
        await expect(page.locator(".pick-counter")).to_have_text(f"0 of {limits['words']} words")
    elif kind == "checkout":
        await expect(page.locator("#checkout-word")).to_have_attribute("maxlength", str(limits["word"]))
    elif kind == "choice":
        await expect(page.locator(".pick-counter")).to_have_text(f"Choose up to {limits['choices']}")
    elif kind == "cards":
        for node in ("#card-insight", "#card-action"):
            await expect(page.locator(node)).to_have_attribute("maxlength", str(limits["text"]))
        await expect(page.locator("#card-name")).to_have_attribute("maxlength", str(limits["name"]))
        await expect(page.locator(".counter").first).to_have_text(f"{limits['text']} characters left")


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_phone_enforces_the_limits_the_payload_gives_it(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base, language="en")
        api = host(live.base, meeting)
        ids = {}
        for kind, settings, _ in KINDS:
            created = api.post("/activities", json={"kind": kind, "prompt": kind, "settings": settings})
            created.raise_for_status()
            ids[kind] = created.json()["id"]
        problems: list[str] = []
        shift = ShiftLimits()
        async with async_playwright() as pw:
            browser = await launch(pw)
            context = await phone_context(browser)
            await context.route_web_socket(re.compile(r"/ws/"), shift.route)
            page = await context.new_page()
            watch(page, problems, "phone")
            await page.goto(f"{live.base}/{meeting['code']}")
            await page.locator("#join-form button").tap()
            for kind, _, limits in KINDS:
                api.post(f"/activities/{ids[kind]}/open").raise_for_status()
                await expect(page.locator(f".kind-{kind} .prompt")).to_have_text(kind, timeout=WAIT)
                await phone_enforces(page, kind, {key: value + SHIFT for key, value in limits.items()})
                assert shift.limits[kind] == limits, kind  # the server's own limits, unchanged
            await browser.close()
        assert problems == []


# A number next to a length check in a page script: `maxlength: 280`, `OPEN_MAX = 280`, ....
LENGTH_LITERAL = re.compile(r"(?i)(maxlength|max_?length|_max|max)\W{1,4}(\d+)\b")
# Scripts not about an activity kind whose limits are not in a payload yet (say why).
NOT_A_KIND = {
    "qa.js": "a Q&A question's length (the Q&A payload carries no limits yet)",
    "new.js": "a template's own words for a value, on the new-meeting page",
}


def test_no_page_script_repeats_an_answer_limit() -> None:
    limits = {OPEN_MAX_LENGTH, WORD_MAX_LENGTH, CARD_MAX_LENGTH, CARD_NAME_MAX_LENGTH}
    found = []
    for path in sorted(SCRIPTS.rglob("*.js")):
        if path.name in NOT_A_KIND:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in LENGTH_LITERAL.finditer(line):
                if int(match.group(2)) in limits or match.group(1).lower() == "maxlength":
                    found.append(f"{path.relative_to(SCRIPTS)}:{number}: {line.strip()}")
    assert found == [], "read the limit from activity.limits instead:\n" + "\n".join(found)
