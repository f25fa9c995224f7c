"""The door and the code guard in Chromium: the remote shows joins per minute and closes the door
("Deur dicht"), a newcomer's phone says so in Dutch, a phone that joined carries on; the big
screen shows its title only once its key opened it; a phone with an unknown code says so."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, PageProblems, launch, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(120)]

TITLE = "Deur dicht oefenen"


async def test_the_remote_closes_the_door_and_a_newcomer_is_told(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    # The unknown code's look-up is refused on purpose. The newcomer's join is too (joins_closed),
    # in its socket's handshake: an error frame and close 4403, which no page reports as a problem.
    page_problems.allow(r"^HTTP 404: GET \S+/api/join/ZZZZZZ$")
    # Chromium names the page, not the request, in its console line.
    page_problems.allow(r"^console error: .*status of 404 \(Not Found\) \(\S+/ZZZZZZ\)$")
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = httpx.post(f"{live.base}/api/meetings", json={"title": TITLE}, timeout=10).json()
        code = meeting["code"]
        async with async_playwright() as pw:
            browser = await launch(pw)
            # The big screen: no title before its key opened the socket, then the meeting's.
            screen = await (await browser.new_context()).new_page()
            await screen.goto(f"{live.base}/m/{code}/present#key={meeting['presenter_key']}")
            await expect(screen).to_have_title(f"{TITLE} — Kring", timeout=WAIT)
            assert TITLE not in await (await screen.request.get(f"{live.base}/m/{code}/present")).text()

            # A phone joins through the QR link (its join secret in the fragment).
            first = await (await phone_context(browser)).new_page()
            await first.goto(meeting["join_url"])
            await expect(first.locator("#phone-title")).to_have_text(TITLE, timeout=WAIT)
            await first.locator("#join-form button").tap()
            await expect(first.locator(".waiting h1")).to_have_text("Kijk mee op het scherm", timeout=WAIT)

            remote = await (await phone_context(browser)).new_page()
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            await expect(remote.locator("#door-rate")).to_have_text(
                "1 aanmelding in de laatste minuut", timeout=WAIT
            )
            await expect(remote.locator("#door")).to_have_text("Deur dicht")
            await remote.locator("#door").tap()
            await expect(remote.locator("#door")).to_have_text("Deur open", timeout=WAIT)
            await expect(remote.locator("#door")).to_have_attribute("aria-pressed", "true")
            await expect(remote.locator("#door-state")).to_contain_text("Deur dicht")

            # A newcomer is told, in Dutch; the phone that joined reloads and is back in.
            newcomer = await (await phone_context(browser)).new_page()
            await newcomer.goto(meeting["join_url"])
            await newcomer.locator("#join-form button").tap()
            await expect(newcomer.locator("#view .notice-error")).to_have_text(
                "De deur is dicht: geen nieuwe deelnemers meer.", timeout=WAIT
            )
            # Refused for good: the badge no longer says it is connecting.
            await expect(newcomer.locator("#conn")).to_have_text("Niet verbonden")
            await expect(newcomer.locator("#conn")).to_have_attribute("data-state", "refused")
            await first.reload()
            await expect(first.locator(".waiting h1")).to_have_text("Kijk mee op het scherm", timeout=WAIT)

            # An unknown code: the same page, which says there is no such meeting.
            lost = await (await phone_context(browser)).new_page()
            await lost.goto(f"{live.base}/ZZZZZZ")
            await expect(lost.locator("#view .notice-error")).to_have_text(
                "Er is geen bijeenkomst met deze code.", timeout=WAIT
            )
            await expect(lost.locator("#view a")).to_have_attribute("href", "/")
            await browser.close()
