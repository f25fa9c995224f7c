"""A facilitator creates a meeting from a draaiboek on the page, and lands on its remote."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Response, async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import PageProblems

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


async def test_a_meeting_from_the_kickoff_template_on_the_page(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    # The first submit lacks the theme on purpose: the API refuses it (400), the page says why.
    page_problems.allow(r"^HTTP 400: POST \S+/api/meetings$")
    page_problems.allow(r"^console error: .*status of 400 \(Bad Request\) \(\S+/new\)$")
    with live_server(migrated_sqlite_url(tmp_path)) as live:
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
            async with context.expect_page() as opened:  # beside this page, which keeps the links
                await page.locator("#created-remote").click()
            remote_page = await opened.value
            await expect(remote_page.locator("body")).to_contain_text("Kennismaken", timeout=10_000)
            await expect(page.locator("#created-remote")).to_have_attribute("href", remote)
            await browser.close()
        key = remote.split("#key=")[1]
        meeting = httpx.get(
            f"{live.base}/api/meetings/{code}", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).json()
        assert meeting["title"] == "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)"
        assert len(meeting["blocks"]) == 11 and meeting["theme"] == "Inclusie"
        assert errors == []


async def test_the_big_screen_with_the_host_key_downloads_the_results(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
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
            code = meeting["code"]

            def probe(response: Response) -> bool:
                """The big screen's check whether its key is the host key: D works once it is known."""
                return response.url.endswith(f"/api/meetings/{code}/access")

            async with page.expect_response(probe) as probed:
                await page.goto(f"{live.base}/m/{code}/present#key={meeting['presenter_key']}")
            assert await (await probed.value).json() == {"role": "presenter"}  # asked, not refused
            await (await probed.value).finished()
            await page.keyboard.press("d")
            await expect(page.locator("#downloads")).to_be_hidden()  # the presenter key only shows
            await page.goto(f"{live.base}/m/{meeting['code']}/present#key={meeting['host_key']}")
            async with page.expect_response(probe) as probed:
                await page.reload()
            assert await (await probed.value).json() == {"role": "host"}
            await (await probed.value).finished()
            await page.keyboard.press("d")
            await expect(page.locator("#downloads")).to_be_visible()
            async with page.expect_download() as info:
                await page.locator("#downloads [data-download='export.xlsx']").click()
            download = await info.value
            path = tmp_path / "kring.xlsx"
            await download.save_as(path)
            assert path.read_bytes()[:2] == b"PK"
            # The remote's download buttons save every export, the report and the draaiboek as files.
            remote = await context.new_page()
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            await expect(remote.locator(".block-button")).to_have_count(11, timeout=10_000)
            saved: dict[str, bytes] = {}
            for button in await remote.locator("[data-download]").all():
                name = await button.get_attribute("data-download")
                assert name is not None
                async with remote.expect_download(timeout=30_000) as info:
                    await button.click()
                download = await info.value
                # Saved under the server's name (docs/api.md): kring-<title>-<date>.<ext>.
                extension = "draaiboek.html" if name == "draaiboek.html" else name.split(".", 1)[1]
                assert re.fullmatch(
                    rf"kring-lerend-netwerk-inclusie-[a-z0-9-]+-\d{{4}}-\d{{2}}-\d{{2}}\.{re.escape(extension)}",
                    download.suggested_filename,
                ), download.suggested_filename
                target = tmp_path / download.suggested_filename
                await download.save_as(target)
                saved[name] = target.read_bytes()
            await expect(remote.locator("#toast")).to_be_hidden()
            await browser.close()
        assert sorted(saved) == sorted(
            ["export.json", "export.csv.zip", "export.xlsx", "report.html", "report.pdf", "draaiboek.html"]
        )
        assert json.loads(saved["export.json"])["format"] == "kring-export/1"
        with zipfile.ZipFile(io.BytesIO(saved["export.csv.zip"])) as archive:
            assert "meeting.csv" in archive.namelist()
        assert saved["export.xlsx"][:2] == b"PK"
        report = saved["report.html"].decode("utf-8")
        assert report.startswith("<!doctype html>") and "Lerend netwerk Inclusie" in report
        assert saved["report.pdf"].startswith(b"%PDF")
        assert "Kennismaken" in saved["draaiboek.html"].decode("utf-8")
