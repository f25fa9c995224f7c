"""The roles in Chromium: the host makes a timekeeper's and a moderator's link on the remote (a QR
code each); the timekeeper's page (Dutch, axe-clean) shows the agenda's clock and plan against
actual, and its "Nog 5 minuten" appears on the remote; the moderator's remote has no agenda or
activity controls and asks no route it may not use; a revoked timekeeper link stops at once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, PageProblems, axe, launch, phone_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(120)]

TITLE = "Lerend netwerk Inclusie"


async def make_link(remote: Page, role: str) -> str:
    row = remote.locator(f'[data-role-name="{role}"]')
    await row.get_by_role("button", name="Maak een link").tap()
    await expect(row.locator("img.role-qr")).to_be_visible(timeout=WAIT)
    return str(await row.locator("input.role-link").input_value())


async def test_the_timekeepers_signal_reaches_the_remote_and_a_moderator_cannot_steer(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    # The revoked timekeeper link is refused on purpose, as an unknown code.
    page_problems.allow(r"^HTTP 404: GET \S+/api/meetings/\w+/clock$")
    page_problems.allow(r"^console error: .*status of 404 \(Not Found\) \(\S+/m/\w+/clock#key=\S+\)$")
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = httpx.post(
            f"{live.base}/api/meetings",
            json={"template": "kickoff", "values": {"thema": "Inclusie"}},
            timeout=10,
        ).json()
        code, host = meeting["code"], {"Authorization": f"Bearer {meeting['host_key']}"}
        httpx.patch(f"{live.base}/api/meetings/{code}", json={"title": TITLE}, headers=host, timeout=10)
        assert (
            httpx.post(f"{live.base}/api/meetings/{code}/agenda/next", headers=host, timeout=10).status_code
            == 200
        )
        async with async_playwright() as pw:
            browser = await launch(pw)
            remote = await (await phone_context(browser)).new_page()
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            await expect(remote.locator("#roles-card")).to_be_visible(timeout=WAIT)
            clock_url = await make_link(remote, "timekeeper")
            moderator_url = await make_link(remote, "moderator")
            assert f"/m/{code}/clock#key=" in clock_url and f"/m/{code}/remote#key=" in moderator_url

            # The timekeeper: only the clock, plan against actual and the advice.
            keeper = await (await phone_context(browser)).new_page()
            await keeper.goto(clock_url)
            await expect(keeper).to_have_title(f"Tijdbewaker — {TITLE}", timeout=WAIT)
            await expect(keeper.locator("#agenda-clock .agenda-countdown")).to_be_visible()
            await expect(keeper.locator("#plan tr[aria-current=step]")).to_have_count(1)
            assert await keeper.locator("#plan tr").count() == len(meeting["blocks"])
            assert await axe(keeper, "timekeeper") == []
            await shot(keeper, "roles-timekeeper", full=True)
            await keeper.get_by_role("button", name="Nog 5 minuten").tap()
            await expect(keeper.locator("#signal-sent")).to_contain_text("nog 5 minuten", timeout=WAIT)
            await expect(remote.locator("#signal")).to_be_visible(timeout=WAIT)
            await expect(remote.locator("#signal")).to_contain_text("Tijdbewaker")
            await expect(remote.locator("#signal")).to_contain_text("nog 5 minuten")
            assert await axe(remote, "remote with roles") == []
            await remote.locator("#signal").scroll_into_view_if_needed()
            await shot(remote, "roles-remote-signal")
            await remote.locator("#roles-card").scroll_into_view_if_needed()
            await shot(remote, "roles-remote-links")

            # The moderator's remote: moderation, no agenda or activity controls, no keys.
            moderator = await (await phone_context(browser)).new_page()
            await moderator.goto(moderator_url)
            await expect(moderator.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
            await expect(moderator.locator("#remote-heading")).to_contain_text(TITLE)
            await expect(moderator.locator("#moderation-card")).to_be_visible()
            for hidden in (
                "#agenda-card",
                "#activities-card",
                "#next",
                "#prev",
                "#close",
                "#open",
                "#door",
                "#roles-card",
                "#delete-card",
            ):
                await expect(moderator.locator(hidden)).to_be_hidden()
            # Of the Q&A only the questions' moderation: not its settings nor the reaction set.
            await expect(moderator.locator("#beside-remote .qa-list")).to_be_visible()
            await expect(moderator.locator("#beside-remote .react-choice")).to_be_hidden()
            await expect(moderator.locator("#beside-remote > h2 + .button-row")).to_be_hidden()
            assert await axe(moderator, "moderator's remote") == []

            # Revoked: the timekeeper's page says its link no longer holds a valid key.
            row = remote.locator('[data-role-name="timekeeper"]')
            await row.get_by_role("button", name="Intrekken").tap()
            await expect(row.locator(".role-shown")).to_contain_text("Ingetrokken", timeout=WAIT)
            await expect(keeper.locator("#auth-error")).to_be_visible(timeout=WAIT)
            await browser.close()
