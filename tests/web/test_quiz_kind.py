"""The quiz in real browsers: the demo meeting's two quiz questions on the big screen at 1920×1080,
five phones at 390×844 with touch that join by the QR code (one in English, one without a
nickname, who plays under a generated name). They answer with a tap; the answer is locked. The
reveal on the big screen shows the distribution of what was sent and the top 10 as the server
counts it; every phone shows its own score and rank; after the second question the podium. The
remote shows the right answer at once. axe-core finds nothing serious; screenshots go to
docs/screenshots/ (phone-quiz.png, screen-quiz.png)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Page, async_playwright, expect
from pyzbar.pyzbar import decode

from tests.conftest import migrated_sqlite_url
from tests.support import create_meeting, host, live_server
from tests.web.browser import WAIT, axe, launch, phone_context, serve_axe, shot, small_targets, until, watch

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

NAMES = ["Anna", "Bram", "Chris", "Dewi", None]
ENGLISH = 3
FIRST = [0, 0, 1, 0, 2]  # the option each phone taps in the first question (0 is right)
SECOND = [[0, 1], [0, 2], [0, 1], [1, 3], [0, 1]]  # two each in the second (0 and 1 are right)


async def answer(page: Page, options: list[int], english: bool) -> None:
    buttons = page.locator(".quiz-option")
    for option in options:
        await buttons.nth(option).tap()
    if len(options) > 1:
        await page.get_by_role("button", name="Lock in" if english else "Vastzetten").tap()
    await expect(page.locator(".quiz-locked .sent-ok")).to_have_count(1, timeout=WAIT)
    await expect(page.locator(".quiz-option")).to_have_count(0)  # locked: nothing left to tap


async def test_quiz_on_five_phones_and_the_big_screen(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base, title="Lerend netwerk Inclusie", theme="Inclusie", demo=True)
        first, second = [a for a in meeting["activities"] if a["kind"] == "quiz"]
        http = host(live.base, meeting)
        problems: list[str] = []
        violations: list[dict[str, Any]] = []
        async with async_playwright() as pw:
            browser = await launch(pw)
            screen_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            await serve_axe(screen_context)
            screen = await screen_context.new_page()
            watch(screen, problems, "screen")
            await screen.goto(f"{live.base}/m/{meeting['code']}/present#key={meeting['presenter_key']}")
            await until(screen, "document.getElementById('lobby-qr').naturalWidth > 0")
            join_url = decode(Image.open(io.BytesIO(await screen.screenshot())))[0].data.decode()
            assert join_url == meeting["join_url"] and "#j=" in join_url

            phones: list[Page] = []
            for index, nickname in enumerate(NAMES):
                page = await (await phone_context(browser)).new_page()
                watch(page, problems, f"phone {index}")
                await page.goto(join_url)
                if index == ENGLISH:
                    await page.get_by_role("link", name="In English").tap()
                if nickname:
                    await page.fill("#nickname", nickname)
                await page.locator("#join-form button").tap()
                phones.append(page)
            await expect(screen.locator("#participants")).to_have_text("5", timeout=WAIT)

            # The first question: the big screen counts down over the options; phones tap one.
            http.post(f"/activities/{first['id']}/open").raise_for_status()
            await expect(screen.locator(".quiz-stage-options li")).to_have_count(3, timeout=WAIT)
            await expect(screen.locator(".quiz-timer-stage")).to_have_attribute("role", "timer")
            await expect(phones[4].locator(".quiz-me b")).not_to_have_text("", timeout=WAIT)
            alias = await phones[4].locator(".quiz-me b").inner_text()
            assert len(alias.split()) == 2  # "Blauwe Reiger": a generated name it can see
            violations += await axe(phones[0], "phone (quiz question)")
            for index, page in enumerate(phones):
                await answer(page, [FIRST[index]], index == ENGLISH)
            await expect(screen.locator("#responses")).to_have_text("5", timeout=WAIT)
            await expect(screen.locator(".bar-figure")).to_have_count(0)  # nothing told before the reveal

            # The reveal: the distribution of what was sent, the right answer marked, the top 10.
            http.post(f"/activities/{first['id']}/close").raise_for_status()
            await expect(screen.locator(".quiz-stage-reveal")).to_have_count(1, timeout=WAIT)
            counts = [FIRST.count(option) for option in range(3)]
            await expect(screen.locator(".quiz-bars .bar-figure")).to_have_text(
                [f"{count} · {round(count / 5 * 100)}%" for count in counts]
            )
            await expect(screen.locator(".quiz-bars .quiz-right")).to_have_count(1)
            standings = http.get(f"/activities/{first['id']}/results").json()["results"]["standings"]
            rows = screen.locator(".quiz-board .quiz-row")
            await expect(rows).to_have_count(5)
            await expect(rows.locator(".quiz-name")).to_have_text([e["name"] for e in standings["top"]])
            await expect(rows.locator(".quiz-total")).to_have_text(
                [str(e["total"]) for e in standings["top"]]
            )
            right = {NAMES[i] or alias for i, option in enumerate(FIRST) if option == 0}
            assert {e["name"] for e in standings["top"] if e["total"] > 0} == right
            for index, page in enumerate(phones):
                mine = next(e for e in standings["top"] if e["name"] == (NAMES[index] or alias))
                verdict = page.locator(".quiz-verdict")
                if FIRST[index] == 0:
                    said = (
                        f"Right! +{mine['points']} points"
                        if index == ENGLISH
                        else f"Goed! +{mine['points']} punten"
                    )
                else:
                    said = "Not right this time." if index == ENGLISH else "Deze keer niet goed."
                await expect(verdict).to_have_text(said, timeout=WAIT)
                place = (
                    f"Your place: {mine['rank']} of 5"
                    if index == ENGLISH
                    else f"Jouw plek: {mine['rank']} van 5"
                )
                await expect(page.locator(".quiz-own")).to_contain_text(place)
            violations += await axe(screen, "screen (quiz reveal)")
            violations += await axe(phones[ENGLISH], "phone (quiz reveal, English)")
            small = await small_targets(phones[0], "phone (quiz)")
            await phones[0].evaluate("window.scrollTo(0, 0)")
            await shot(phones[0], "phone-quiz")
            await shot(screen, "screen-quiz")

            # The remote sees the right answer while the question is open.
            remote = await (await phone_context(browser, viewport={"width": 430, "height": 932})).new_page()
            watch(remote, problems, "remote")
            await remote.goto(f"{live.base}/m/{meeting['code']}/remote#key={meeting['host_key']}")
            http.post(f"/activities/{second['id']}/open").raise_for_status()
            await expect(remote.locator(".quiz-results .quiz-tick")).to_have_count(2, timeout=WAIT)
            violations += await axe(remote, "remote (quiz)")

            # The second question, two answers each; then the podium of the running total.
            for index, page in enumerate(phones):
                await expect(page.locator(".quiz-option")).to_have_count(4, timeout=WAIT)
                await answer(page, SECOND[index], index == ENGLISH)
            await expect(screen.locator("#responses")).to_have_text("5", timeout=WAIT)
            http.post(f"/activities/{second['id']}/close").raise_for_status()
            await expect(screen.locator(".quiz-podium .quiz-step")).to_have_count(3, timeout=WAIT)
            final = http.get(f"/activities/{second['id']}/results").json()["results"]["standings"]
            assert final["final"] is True and final["players"] == 5
            await expect(screen.locator(".quiz-step-name")).to_have_text(
                [e["name"] for e in final["top"][:3]]
            )
            await expect(screen.locator(".quiz-step-total")).to_have_text(
                [str(e["total"]) for e in final["top"][:3]]
            )
            await browser.close()
        http.close()
    assert problems == []
    assert violations == []
    assert small == []
