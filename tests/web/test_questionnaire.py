"""A self-paced questionnaire (vragenlijst) in Chromium: the big screen (1920×1080), the remote
and 5 phones (390×844, touch). A template's self-paced block of 4 steps is opened from the
remote; the phones go through it at their own pace (next, back with their answers kept, a
progress bar) and finish at different times; the remote and the big screen count how many got
past each step and finished; a phone that reloads comes back on its step."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, axe, launch, phone_context, serve_axe, shot, small_targets

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(240)]

TEMPLATE = """\
format: kring-draaiboek/1
title: Lerend netwerk — vragenlijst
blocks:
  - title: Welkom
    duration: 5
  - title: Actieleren in eigen tempo
    duration: 15
    self_paced: true
    activities:
      - kind: choice
        prompt: Welke fase voel jij je het prettigst?
        settings:
          options: [Probleem verkennen, Experimenteren, Reflecteren]
          max_choices: 1
      - kind: scales
        prompt: "Leervoorkeuren: waar sta jij op elke kleur?"
        settings:
          mode: numeric
          min: -5
          max: 25
          statements: [Blauw, Geel]
          label_low: "-5"
          label_high: "25"
      - kind: open
        prompt: Wat wil je nog kwijt?
      - kind: wordcloud
        prompt: Eén woord voor vandaag?
"""
NAMES = ["Anna", "Bram", "Chris", "Dewi", "Eva"]


async def at(phone: Page, n: int) -> None:
    await expect(phone.locator(".pace-count")).to_have_text(f"Vraag {n} van 4", timeout=WAIT)


async def forward(phone: Page) -> None:
    await phone.locator(".pace-nav .button-primary").tap()


async def answer(phone: Page, step: int, i: int) -> None:
    """Answer the step the phone is on (1-based) and wait for the ack."""
    card = phone.locator("#view > section.card")
    if step == 1:
        await phone.locator(".option").nth(i % 3).tap()
        await expect(card.locator(".sent-ok")).to_have_count(1, timeout=WAIT)
    elif step == 2:
        await phone.locator(".statement").nth(0).locator("input[type=range]").fill(str(-5 + 6 * i))
        await phone.get_by_role("button", name="Versturen").tap()
        await expect(card.locator(".sent-ok")).to_have_count(2, timeout=WAIT)
    elif step == 3:
        await phone.fill("#answer-text", f"Idee {i + 1}: samen verder")
        await phone.locator(".kind-open form button[type=submit]").tap()
        await expect(card.locator(".sent-ok")).to_have_count(1, timeout=WAIT)
    else:
        await phone.fill("#word", f"woord{i % 2}")
        await phone.press("#word", "Enter")
        await expect(card.locator(".chip:not(.chip-pending)")).to_have_count(1, timeout=WAIT)


async def through(phone: Page, i: int, steps: range) -> None:
    for step in steps:
        await at(phone, step)
        await answer(phone, step, i)
        await forward(phone)


async def counts(page: Page, selector: str) -> list[str]:
    return [" ".join(t.split()) for t in await page.locator(selector).all_inner_texts()]


async def test_a_self_paced_questionnaire_of_four_steps(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = httpx.post(f"{live.base}/api/meetings", json={"template_yaml": TEMPLATE}, timeout=10).json()
        code = meeting["code"]
        async with async_playwright() as pw:
            browser = await launch(pw)
            stage_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            await serve_axe(stage_context)
            screen = await stage_context.new_page()
            await screen.goto(f"{live.base}/m/{code}/present#key={meeting['presenter_key']}")
            laptop = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            await serve_axe(laptop)
            remote = await laptop.new_page()
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            phones: list[Page] = []
            for name in NAMES:
                phone = await (await phone_context(browser)).new_page()
                await phone.goto(meeting["join_url"])
                await phone.fill("#nickname", name)
                await phone.locator("#join-form button").tap()
                await expect(phone.locator(".waiting h1")).to_be_visible(timeout=WAIT)
                phones.append(phone)

            # The host enters the self-paced block: the remote offers it as a questionnaire.
            await remote.locator(".block-button", has_text="Actieleren in eigen tempo").click()
            offer = remote.locator("#pace-remote .pace-offer-planned")
            await expect(offer).to_contain_text("Het draaiboek heeft dit blok als vragenlijst", timeout=WAIT)
            await offer.get_by_role("button", name="Open als vragenlijst").click()
            for phone in phones:
                await at(phone, 1)
                await expect(phone.locator(".pace-nav .button").first).to_be_disabled()
            await expect(remote.locator(".pace-step")).to_have_count(4, timeout=WAIT)
            await expect(screen.locator(".pace-stage-step")).to_have_count(4, timeout=WAIT)

            anna, bram, chris, dewi, eva = phones
            # Anna goes through all four and finishes first.
            await through(anna, 0, range(1, 5))
            await expect(anna.locator(".pace-end h1")).to_have_text("Dank je, je bent klaar!", timeout=WAIT)
            await expect(anna.locator(".pace-count")).to_have_text("Alle 4 klaar")
            # Bram answers two steps and is on the third.
            await through(bram, 1, range(1, 3))
            await at(bram, 3)
            # Chris answers the first, goes on, and back: the answer is kept; on to the second.
            await through(chris, 2, range(1, 2))
            await at(chris, 2)
            await chris.locator(".pace-nav .button").first.tap()
            await at(chris, 1)
            await expect(chris.locator(".option").nth(2)).to_have_class(re.compile(r"\boption-on\b"))
            await expect(chris.locator(".sent-ok")).to_have_count(1)
            await forward(chris)
            await at(chris, 2)
            # Dewi has not started; Eva answers the first step and stays there.
            await answer(eva, 1, 4)

            # The remote and the big screen count who got past each step and who finished.
            await expect(remote.locator(".pace-summary")).to_have_text(
                "4 begonnen, 1 klaar, van 5 deelnemers", timeout=WAIT
            )
            await expect(remote.locator(".pace-step .hint")).to_have_text(
                [
                    re.compile(r"^3 van 5 klaar · 1 is er nu mee bezig · 4 beantwoord$"),
                    re.compile(r"^2 van 5 klaar · 1 is er nu mee bezig · 2 beantwoord$"),
                    re.compile(r"^1 van 5 klaar · 1 is er nu mee bezig · 1 beantwoord$"),
                    re.compile(r"^1 van 5 klaar · 0 zijn er nu mee bezig · 1 beantwoord$"),
                ],
                timeout=WAIT,
            )
            await expect(screen.locator(".pace-stage-count")).to_have_text(
                ["3 van 5 klaar", "2 van 5 klaar", "1 van 5 klaar", "1 van 5 klaar"], timeout=WAIT
            )
            await expect(screen.locator(".pace-stage-finished b")).to_have_text("1")
            # The big screen shows the step the remote puts on it: the first (the choice), live.
            await expect(screen.locator("#prompt")).to_have_text("Welke fase voel jij je het prettigst?")
            await expect(screen.locator("#responses")).to_have_text("4", timeout=WAIT)
            await remote.locator(".pace-step", has_text="Leervoorkeuren").get_by_role("button").click()
            await expect(screen.locator("#prompt")).to_have_text(
                "Leervoorkeuren: waar sta jij op elke kleur?", timeout=WAIT
            )
            await expect(screen.locator(".pace-stage-step.pace-step-shown .pace-stage-label")).to_have_text(
                "Vraag 2"
            )
            violations = await axe(screen, "big screen (questionnaire)")
            await shot(screen, "pace-stage")
            violations += await axe(remote, "remote (questionnaire)")
            await remote.locator("#pace-remote").scroll_into_view_if_needed()
            await shot(remote, "pace-remote")
            violations += await axe(bram, "phone (questionnaire)")
            small = await small_targets(bram, "phone (questionnaire)")
            await shot(bram, "pace-phone")
            violations += await axe(anna, "phone (questionnaire done)")
            await shot(anna, "pace-phone-done")

            # Bram reloads: the server kept his step, and his answers come back with it.
            await bram.reload()
            await at(bram, 3)
            await bram.locator(".pace-nav .button").first.tap()
            await at(bram, 2)
            await expect(bram.locator(".sent-ok")).to_have_count(2, timeout=WAIT)
            await forward(bram)
            # The others finish at their own pace: Bram, then Chris, Dewi and Eva.
            await through(bram, 1, range(3, 5))
            await through(chris, 2, range(2, 5))
            await through(dewi, 3, range(1, 5))
            await forward(eva)
            await through(eva, 4, range(2, 5))
            for phone in phones:
                await expect(phone.locator(".pace-end")).to_be_visible(timeout=WAIT)
            await expect(remote.locator(".pace-summary")).to_have_text(
                "5 begonnen, 5 klaar, van 5 deelnemers", timeout=WAIT
            )
            await expect(screen.locator(".pace-stage-count")).to_have_text(
                ["5 van 5 klaar"] * 4, timeout=WAIT
            )
            await expect(screen.locator(".pace-stage-finished b")).to_have_text("5")

            # Closing it: the phones follow the big screen again; its steps are closed.
            await remote.get_by_role("button", name="Vragenlijst sluiten").click()
            for phone in phones:
                await expect(phone.locator(".pace-count")).to_have_count(0, timeout=WAIT)
                await expect(phone.locator("h1.prompt")).to_have_text(
                    "Leervoorkeuren: waar sta jij op elke kleur?"
                )
            await expect(screen.locator("#pace-stage")).to_be_hidden(timeout=WAIT)
            assert violations == [], violations
            assert small == [], small
            await browser.close()
        with httpx.Client(
            base_url=f"{live.base}/api/meetings/{code}",
            headers={"Authorization": f"Bearer {meeting['host_key']}"},
        ) as api:
            run = api.get("/questionnaires").json()["questionnaires"][0]
        assert (run["started"], run["completed"], run["done"]) == (5, 5, [5, 5, 5, 5])
