"""A phone in a large check-out finds a word outside its bounded list by typing, and steps in on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from server.kinds.bounds import CHECKOUT_NEWEST, CHECKOUT_TOP
from tests.conftest import migrated_sqlite_url
from tests.support import Phone, create_meeting, host, live_server
from tests.web.browser import WAIT, axe, launch, phone_context, small_targets, watch

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

HALL = 40  # more words than a phone's list holds
RARE = CHECKOUT_TOP + 1  # the first word past the top list (no step-ins yet) and before the newest


async def test_a_phone_finds_a_word_by_typing_and_steps_in_on_it(tmp_path: Path) -> None:
    assert CHECKOUT_TOP < RARE <= HALL - CHECKOUT_NEWEST
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base)
        api = host(live.base, meeting)
        activity = api.post("/activities", json={"kind": "checkout"}).json()
        api.post(f"/activities/{activity['id']}/open").raise_for_status()
        phones = [Phone(live.base, meeting["code"]) for _ in range(HALL)]
        for index, phone in enumerate(phones, start=1):
            await phone.join()
            await phone.connect()
            word = "Zeldzaam" if index == RARE else f"woord{index:02d}"
            ack = await phone.answer(activity["id"], "word", {"word": word}, f"w{index}")
            assert ack["type"] == "ack", ack
        rare = next(p for i, p in enumerate(phones, start=1) if i == RARE).acks[f"w{RARE}"]["entry_id"]

        problems: list[str] = []
        async with async_playwright() as pw:
            browser = await launch(pw)
            page = await (await phone_context(browser)).new_page()
            watch(page, problems, "phone")
            await page.goto(f"{live.base}/{meeting['code']}")
            await page.locator("#join-form button").tap()
            words = page.locator(".checkout-word")
            await expect(words).to_have_count(CHECKOUT_TOP + CHECKOUT_NEWEST, timeout=WAIT)
            await expect(words.filter(has_text="Zeldzaam")).to_have_count(0)
            await expect(page.locator(".list-note")).to_contain_text(str(HALL))

            await page.locator("#checkout-find").fill("ZELD")
            found = page.locator(".checkout-words.found .checkout-word")
            await expect(found).to_have_count(1, timeout=WAIT)
            await expect(found).to_contain_text("Zeldzaam")
            assert await axe(page, "phone check-out find") == []
            assert await small_targets(page, "phone check-out find") == []
            await found.get_by_role("button").tap()
            await expect(found.get_by_role("button")).to_have_attribute("aria-pressed", "true", timeout=WAIT)

            # Back to the list: the word stepped in on stays there, though not in the top list.
            await page.locator("#checkout-find").fill("")
            stepped = words.filter(has_text="Zeldzaam")
            await expect(stepped).to_have_count(1, timeout=WAIT)
            await expect(stepped.get_by_role("button")).to_have_attribute("aria-pressed", "true")

            # The step-in is stored: the remote's results count it on the rare word.
            for _ in range(50):
                results = api.get(f"/activities/{activity['id']}/results").json()["results"]
                if next(w for w in results["words"] if w["id"] == rare)["stepins"] == 1:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the step-in never reached the results")

            # After a reload the phone still shows it, from its `mine` frame.
            await page.reload()
            await expect(words.filter(has_text="Zeldzaam").get_by_role("button")).to_have_attribute(
                "aria-pressed", "true", timeout=WAIT
            )
            await browser.close()
        for phone in phones:
            await phone.disconnect()
        assert problems == []
