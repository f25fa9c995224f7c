"""A facilitator invites a colleague on the account page; the colleague runs the meeting from
the remote and the big screen with their own login: no host key, no shared password."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect
from sqlmodel import Session

from server.db.engine import make_engine
from server.services import accounts
from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import PageProblems

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "een lang wachtwoord"


async def log_in(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.locator("h1")).to_have_text("Jouw bijeenkomsten")


async def test_a_co_facilitator_invited_on_the_account_page_runs_the_meeting(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    # Inviting an address without an account is refused on purpose (404 unknown_user).
    page_problems.allow(r"^HTTP 404: POST \S+/cohosts$")
    page_problems.allow(r"^console error: .*status of 404 \(Not Found\) \(\S+/account\)$")
    url = migrated_sqlite_url(tmp_path)
    engine = make_engine(url)
    with Session(engine) as session:
        accounts.add_user(session, "anna@example.org", PASSWORD, "Anna")
        accounts.add_user(session, "bram@example.org", PASSWORD, "Bram")
        session.commit()
    engine.dispose()
    errors: list[str] = []
    with live_server(url) as live:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            anna = await browser.new_context(locale="nl-NL")
            page = await anna.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            await log_in(page, live.base, "anna@example.org")
            csrf = (await (await anna.request.get(f"{live.base}/api/me")).json())["csrf_token"]
            made = await anna.request.post(
                f"{live.base}/api/meetings",
                data={"title": "Samen leren", "demo": True},
                headers={"X-CSRF-Token": csrf},
            )
            meeting = await made.json()
            await page.reload()
            card = page.locator(f"[data-code='{meeting['code']}']")
            await expect(card).to_contain_text("Dit is jouw bijeenkomst.")
            await card.get_by_label("Nodig een medefacilitator uit").fill("nobody@example.org")
            await card.get_by_role("button", name="Uitnodigen").click()
            await expect(card.locator(".invite-result")).to_contain_text("Er is geen Kring-account")
            await card.get_by_label("Nodig een medefacilitator uit").fill("Bram@Example.org ")
            await card.get_by_role("button", name="Uitnodigen").click()
            await expect(card.locator(".invite-result")).to_have_text(
                "bram@example.org kan deze bijeenkomst nu met de eigen login leiden."
            )
            await expect(card.locator(".cohost-list")).to_have_text("bram@example.org")

            bram = await browser.new_context(locale="nl-NL")
            page = await bram.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            await log_in(page, live.base, "bram@example.org")
            card = page.locator(f"[data-code='{meeting['code']}']")
            await expect(card).to_contain_text("Je bent medefacilitator van deze bijeenkomst.")
            await card.locator("a[href$='/remote']").click()
            await expect(page.locator("#conn")).to_have_attribute("data-state", "online", timeout=10_000)
            await expect(page.locator("#auth-error")).to_be_hidden()
            await page.locator("#next").click()  # runs the meeting: the first activity opens
            screen = await bram.new_page()
            screen.on("pageerror", lambda e: errors.append(str(e)))
            await screen.goto(f"{live.base}/m/{meeting['code']}/present")
            first = meeting["activities"][0]["prompt"]
            await expect(screen.locator("body")).to_contain_text(first, timeout=10_000)
            await expect(screen.locator("#auth-error")).to_be_hidden()
            await browser.close()
        state = httpx.get(
            f"{live.base}/api/meetings/{meeting['code']}",
            headers={"Authorization": f"Bearer {meeting['host_key']}"},
            timeout=10,
        ).json()
    assert state["current_activity_id"] == meeting["activities"][0]["id"]
    assert errors == []
