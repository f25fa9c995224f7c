"""The network pass in Chromium: a phone takes it at meeting 1 (the code and its QR), answers the
checklist; at meeting 2 another browser joins with the code typed in, answers the checklist again
and sees "jouw ontwikkeling" (both meetings); a phone without the pass sees no trend."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, PageProblems, axe, launch, phone_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(180)]


def checklist(base: str, meeting: dict[str, Any]) -> tuple[str, int]:
    """The meeting's join URL (with the QR's secret) and its linked checklist, opened."""
    host = {"Authorization": f"Bearer {meeting['host_key']}"}
    found = httpx.get(f"{base}/api/meetings/{meeting['code']}", headers=host, timeout=10).json()
    (activity,) = [a for a in found["activities"] if a["series_link"] == "actieleren-checklist"]
    opened = httpx.post(
        f"{base}/api/meetings/{meeting['code']}/activities/{activity['id']}/open", headers=host, timeout=10
    )
    opened.raise_for_status()
    return found["join_url"], activity["id"]


async def rate(page: Page, statement: int, stars: int) -> None:
    await expect(page.locator(".kind-scales")).to_be_visible(timeout=WAIT)
    await page.locator(".statement").nth(statement).locator(".star").nth(stars - 1).tap()
    await expect(page.locator(".statement").nth(statement).locator(".star").nth(stars - 1)).to_have_attribute(
        "aria-pressed", "true", timeout=WAIT
    )


async def test_a_phone_takes_the_pass_and_another_browser_carries_it_to_meeting_two(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    # Joining meeting 2 tries the pass's cookie first: a browser without one is told 404 no_pass.
    page_problems.allow(r"^HTTP 404: POST \S+/api/join/\w+/pass/join$")
    page_problems.allow(r"^console error: .*status of 404 \(Not Found\).*$")
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        made = httpx.post(
            f"{live.base}/api/series",
            json={"title": "Lerend netwerk Inclusie", "theme": "Inclusie"},
            timeout=10,
        ).json()
        key = {"Authorization": f"Bearer {made['key']}"}
        first, second = (
            httpx.post(
                f"{live.base}/api/series/{made['id']}/meetings", json={}, headers=key, timeout=30
            ).json()
            for _ in range(2)
        )
        first_url, _ = checklist(live.base, first)
        second_url, _ = checklist(live.base, second)
        async with async_playwright() as pw:
            browser = await launch(pw)
            phone = await (await phone_context(browser)).new_page()
            await phone.goto(first_url)
            await phone.locator("#nickname").fill("Sanne")
            await phone.locator("#join-form button").tap()
            await expect(phone.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
            card = phone.locator("#pass")
            await expect(card).to_contain_text("Lerend netwerk Inclusie", timeout=WAIT)
            await expect(card).to_contain_text("Er wordt niets persoonlijks gevraagd")
            await card.get_by_role("button", name="Neem een netwerkpas").tap()
            shown = phone.locator("#pass-code-shown")
            await expect(shown).to_have_text(
                re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$"), timeout=WAIT
            )
            await expect(card.locator("img.pass-qr")).to_be_visible()
            await expect(card.locator("#pass-number")).to_have_text(
                "Je doet mee als deelnemer 1 van de reeks."
            )
            code = await shown.inner_text()
            await rate(phone, 0, 2)
            assert await axe(phone, "phone with its network pass") == []
            await card.scroll_into_view_if_needed()
            await shot(phone, "phone-network-pass")

            # Meeting 2 on another device: nothing carried over but the code, typed in.
            other = await (await phone_context(browser)).new_page()
            await other.goto(second_url)
            await expect(other.locator("#pass-code")).to_be_visible(timeout=WAIT)
            await other.locator("#pass-code").fill(code.lower().replace("-", " "))
            await other.locator("#join-form button").tap()
            await expect(other.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
            await expect(other.locator("#pass-number")).to_have_text(
                "Je doet mee als deelnemer 1 van de reeks.", timeout=WAIT
            )
            await rate(other, 0, 4)
            trend = other.locator("#trend")
            await expect(trend).to_contain_text("Jouw ontwikkeling", timeout=WAIT)
            first_statement = trend.locator("li").first
            await expect(first_statement).to_contain_text("bijeenkomst 1: 2")
            await expect(first_statement).to_contain_text("bijeenkomst 2: 4")
            assert await axe(other, "phone with jouw ontwikkeling") == []
            await trend.scroll_into_view_if_needed()
            await shot(other, "phone-jouw-ontwikkeling")

            # The first phone at meeting 2: its pass's cookie joins it as the pseudonym, no form.
            await phone.goto(second_url)
            await expect(phone.locator("#pass-number")).to_have_text(
                "Je doet mee als deelnemer 1 van de reeks.", timeout=WAIT
            )
            await expect(phone.locator("#welcome")).to_be_hidden()
            await expect(phone.locator("#trend li").first).to_contain_text("bijeenkomst 2: 4", timeout=WAIT)

            # The big screen and the remote of meeting 2: meeting 1 beside it, one matched
            # participant only, so every figure is left out with the reason.
            stage = await (
                await phone_context(browser, viewport={"width": 1280, "height": 720}, is_mobile=False)
            ).new_page()
            await stage.goto(f"{live.base}/m/{second['code']}/present#key={second['presenter_key']}")
            compare = stage.locator(".compare")
            await expect(compare).to_contain_text("bijeenkomst 1 naast bijeenkomst 2", timeout=WAIT)
            await expect(compare).to_contain_text("1 gekoppelde deelnemer")
            await expect(compare.locator(".compare-reason").first).to_contain_text("minder dan 3")
            await shot(stage, "screen-before-after")
            remote = await (await phone_context(browser)).new_page()
            await remote.goto(f"{live.base}/m/{second['code']}/remote#key={second['host_key']}")
            panel = remote.locator("#series-card")
            await expect(panel).to_contain_text("Bijeenkomst 2 van de reeks", timeout=WAIT)
            await expect(panel).to_contain_text("1 netwerkpas genomen")
            await expect(panel.locator(".compare")).to_have_count(
                2, timeout=WAIT
            )  # checklist, leervoorkeuren
            await panel.locator("#series-topic").fill("Inclusief leiderschap")
            await panel.get_by_role("button", name="Volgende bijeenkomst toevoegen").tap()
            await expect(panel).to_contain_text("Bijeenkomst 3 staat klaar", timeout=WAIT)
            assert await axe(remote, "remote with the series panel") == []
            await panel.scroll_into_view_if_needed()
            await shot(remote, "remote-series")

            # A phone that refuses the pass stays anonymous and sees no trend.
            anonymous = await (await phone_context(browser)).new_page()
            await anonymous.goto(second_url)
            await anonymous.locator("#join-form button").tap()
            await expect(anonymous.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
            await (
                anonymous.locator("#pass").get_by_role("button", name="Nee, dank je: ik blijf anoniem").tap()
            )
            await rate(anonymous, 0, 5)
            await expect(anonymous.locator("#pass")).not_to_contain_text("deelnemer")
            await expect(anonymous.locator("#trend")).to_have_count(0)
            await browser.close()


async def test_new_makes_the_first_meeting_of_a_new_series(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        async with async_playwright() as pw:
            browser = await launch(pw)
            page = await (await browser.new_context(locale="nl-NL")).new_page()
            await page.goto(f"{live.base}/new")
            await page.fill("#value-kickoff-thema", "Inclusie")
            await page.get_by_label("De eerste bijeenkomst van een nieuwe reeks").check()
            await expect(page.locator("#series-title")).to_be_visible()
            await page.get_by_role("button", name="Maak de bijeenkomst").click()
            await expect(page.locator("#new-error")).to_have_text("Geef de reeks een titel.")
            await page.fill("#series-title", "Lerend netwerk Inclusie")
            await page.get_by_role("button", name="Maak de bijeenkomst").click()
            await expect(page.locator("#created-series")).to_contain_text(
                "Bijeenkomst 1 van de reeks.", timeout=WAIT
            )
            await expect(page.locator("#created-series")).to_contain_text("De sleutel van de reeks")
            text = await page.locator("#created-series").inner_text()
            key = text.rsplit(": ", 1)[1].strip()
            await browser.close()
        series = httpx.get(
            f"{live.base}/api/series/1", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).json()
        assert series["title"] == "Lerend netwerk Inclusie" and series["theme"] == "Inclusie"
        assert [m["title"] for m in series["meetings"]] == [
            "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)"
        ]
