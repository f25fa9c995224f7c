"""The roles on their own devices, in Chromium: the host makes a co-facilitator's link on the remote,
a second device opens it and drives the meeting (a phone sees the activity it opened); the host
revokes it and that remote is refused at once, over its socket and over HTTP. A phone then
forgets itself ("Vergeet mij"): the big screen's count drops and the phone does not join again."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, PageProblems, axe, launch, phone_context, shot
from tests.web.test_roles import make_link

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(120)]

TITLE = "Lerend netwerk Inclusie"


async def test_a_cohost_drives_from_their_own_device_until_revoked_and_a_phone_forgets_itself(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    # The revoked co-facilitator's remote is refused on purpose (its socket, then its calls).
    page_problems.allow(r"^HTTP 404: \w+ \S+/api/meetings/\w+\S*$")
    page_problems.allow(r"^console error: .*status of 404 \(Not Found\).*$")
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = httpx.post(f"{live.base}/api/meetings", json={"title": TITLE}, timeout=10).json()
        code, host = meeting["code"], {"Authorization": f"Bearer {meeting['host_key']}"}
        cloud = httpx.post(
            f"{live.base}/api/meetings/{code}/activities",
            json={"kind": "wordcloud", "prompt": "Eén woord voor vandaag"},
            headers=host,
            timeout=10,
        ).json()
        async with async_playwright() as pw:
            browser = await launch(pw)
            remote = await (await phone_context(browser)).new_page()
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            await expect(remote.locator("#roles-card")).to_be_visible(timeout=WAIT)
            cohost_url = await make_link(remote, "cohost")
            assert f"/m/{code}/remote#key=" in cohost_url

            phone = await (await phone_context(browser)).new_page()
            await phone.goto(meeting["join_url"])
            await phone.locator("#nickname").fill("Sanne")
            await phone.locator("#join-form button").tap()
            await expect(phone.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)

            # The co-facilitator, on their own device: the remote's controls, not the keys.
            cohost = await (await phone_context(browser)).new_page()
            await cohost.goto(cohost_url)
            await expect(cohost.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
            await expect(cohost.locator("#remote-heading")).to_contain_text(TITLE)
            await expect(cohost.locator("#activities-card")).to_be_visible()
            await expect(cohost.locator("#roles-card")).to_be_hidden()
            await cohost.locator("#next").tap()
            await expect(phone.locator(".prompt")).to_have_text("Eén woord voor vandaag", timeout=WAIT)
            state = httpx.get(f"{live.base}/api/meetings/{code}", headers=host, timeout=10).json()
            assert state["current_activity_id"] == cloud["id"]
            assert await axe(cohost, "co-facilitator's remote") == []
            await shot(cohost, "roles-cohost-remote")

            # Revoked: that remote says its link no longer opens the meeting, and its calls fail.
            row = remote.locator('[data-role-name="cohost"]')
            await row.get_by_role("button", name="Intrekken").tap()
            await expect(row.locator(".role-shown")).to_contain_text("Ingetrokken", timeout=WAIT)
            await expect(cohost.locator("#auth-error")).to_be_visible(timeout=WAIT)
            revoked = {"Authorization": f"Bearer {cohost_url.split('#key=', 1)[1]}"}
            refused = httpx.post(f"{live.base}/api/meetings/{code}/next", headers=revoked, timeout=10)
            assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_code"

            # Vergeet mij: two taps on the phone; the remote's count drops to 0 and stays there.
            await expect(remote.locator("#participants")).to_have_text("1", timeout=WAIT)
            await phone.get_by_role("button", name="Vergeet mij").tap()
            await expect(phone.locator(".forget-panel")).to_contain_text("voorgoed")
            assert await axe(phone, "phone with vergeet mij") == []
            await shot(phone, "phone-forget-me", full=True)
            await phone.get_by_role("button", name="Ja, wis alles van mij").tap()
            await expect(phone.locator("#forgotten")).to_contain_text("Je bent vergeten", timeout=WAIT)
            await expect(remote.locator("#participants")).to_have_text("0", timeout=WAIT)
            people = httpx.get(f"{live.base}/api/meetings/{code}/door", headers=host, timeout=10).json()
            assert people["participants"] == 0
            await browser.close()
