"""A facilitator creates a meeting from a draaiboek on the page, and lands on its remote."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import sqlite_url
from tests.support import live_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


async def test_a_meeting_from_the_kickoff_template_on_the_page(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path)) as live:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
            page = await context.new_page()
            errors: list[str] = []
            page.on(
                "pageerror", lambda e: errors.append(str(e))
            )  # script errors (a 401 from /api/me is expected)
            await page.goto(f"{live.base}/new")
            await expect(page.locator("h1")).to_have_text("Nieuwe bijeenkomst")
            await page.get_by_label("Lerend netwerk … — bijeenkomst 1 (kick-off)").check()  # the default
            await page.get_by_role("button", name="Maak de bijeenkomst").click()
            await expect(page.locator("#new-error")).to_have_text("Vul het thema in.")  # thema is required
            await page.fill("#value-kickoff-thema", "Inclusie")
            await page.get_by_role("button", name="Maak de bijeenkomst").click()
            await expect(page.locator("#created")).to_be_visible(timeout=10_000)
            code = await page.locator("#created-code").inner_text()
            remote = await page.locator("#created-remote").get_attribute("href")
            assert remote is not None and remote.startswith(f"{live.base}/m/{code}/remote#key=")
            await page.locator("#created-remote").click()
            await expect(page.locator("body")).to_contain_text("Kennismaken", timeout=10_000)
            await browser.close()
        key = remote.split("#key=")[1]
        meeting = httpx.get(
            f"{live.base}/api/meetings/{code}", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).json()
        assert meeting["title"] == "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)"
        assert len(meeting["blocks"]) == 11 and meeting["theme"] == "Inclusie"
        assert errors == []


async def test_the_big_screen_with_the_host_key_downloads_the_results(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path)) as live:
        made = httpx.post(
            f"{live.base}/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}
        )
        meeting = made.json()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = await browser.new_context(
                viewport={"width": 1920, "height": 1080}, accept_downloads=True
            )
            page = await context.new_page()
            await page.goto(f"{live.base}/m/{meeting['code']}/present#key={meeting['presenter_key']}")
            await page.wait_for_timeout(500)
            await page.keyboard.press("d")
            await expect(page.locator("#downloads")).to_be_hidden()  # the presenter key only shows
            await page.goto(f"{live.base}/m/{meeting['code']}/present#key={meeting['host_key']}")
            await page.reload()
            await page.wait_for_timeout(800)
            await page.keyboard.press("d")
            await expect(page.locator("#downloads")).to_be_visible()
            async with page.expect_download() as info:
                await page.locator("#downloads [data-download='export.xlsx']").click()
            download = await info.value
            path = tmp_path / "kring.xlsx"
            await download.save_as(path)
            assert path.read_bytes()[:2] == b"PK"
            await browser.close()
