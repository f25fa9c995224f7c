"""Trust suite PRIVACY: a whole meeting in Chromium makes no request to another host and sets no
cookie beyond the participant cookie; the exports and the report carry no address, user agent or
token."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import async_playwright

from tests.conftest import sqlite_url
from tests.support import create_meeting, host, live_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


async def test_privacy_no_third_party_requests_and_only_the_needed_cookie(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base, demo=True)
        origin = urlsplit(live.base).netloc
        requests: list[str] = []
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            screen_ctx = await browser.new_context(viewport={"width": 1920, "height": 1080})
            phone_ctx = await browser.new_context(
                viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
            )
            for ctx in (screen_ctx, phone_ctx):
                ctx.on("request", lambda r: requests.append(r.url))
            presenter = await screen_ctx.new_page()
            await presenter.goto(f"{live.base}/m/{meeting['code']}/present#key={meeting['presenter_key']}")
            remote = await screen_ctx.new_page()
            await remote.goto(f"{live.base}/m/{meeting['code']}/remote#key={meeting['host_key']}")
            phone = await phone_ctx.new_page()
            await phone.goto(f"{live.base}/")
            await phone.goto(f"{live.base}/{meeting['code']}")
            join = phone.locator("#join-form button")
            if await join.count() and await join.is_visible():
                await join.click()
            user_agent = await phone.evaluate("navigator.userAgent")
            with host(live.base, meeting) as http:
                for _ in meeting["activities"]:
                    http.post("/next").raise_for_status()
                    await asyncio.sleep(0.4)
                await asyncio.sleep(1)
                cookies = await phone_ctx.cookies() + await screen_ctx.cookies()
                await browser.close()
                exports = {
                    name: http.get(f"/{name}", params={"private": "true"}).content
                    for name in ("export.json", "export.csv.zip", "export.xlsx", "report.html")
                }
        foreign = [
            url
            for url in requests
            if urlsplit(url).netloc not in (origin, "") and not url.startswith("data:")
        ]
        assert foreign == []
        assert len(requests) > 5  # the pages really loaded their assets over the network
        # Keys travel in URL fragments, headers and websocket messages: never in a request's URL.
        cookie_values = [c["value"] for c in cookies]
        keyed = [
            u
            for u in requests
            if any(k in u for k in (meeting["host_key"], meeting["presenter_key"], *cookie_values))
        ]
        assert keyed == [] and not any("key=" in urlsplit(u).query for u in requests)
        assert [c["name"] for c in cookies] == [f"kring_{meeting['code']}"]
        assert all(c["httpOnly"] and c["sameSite"] == "Lax" for c in cookies)
        # What leaves Kring in a download holds nothing that identifies a device or opens a door.
        secrets = [
            meeting["host_key"],
            meeting["presenter_key"],
            meeting["code"],
            *(c["value"] for c in cookies),
            user_agent,
            "HeadlessChrome",
            "127.0.0.1",
        ]
        texts = {name: content for name, content in exports.items() if not name.endswith((".zip", ".xlsx"))}
        for name in ("export.csv.zip", "export.xlsx"):
            with zipfile.ZipFile(io.BytesIO(exports[name])) as archive:
                for member in archive.namelist():
                    texts[f"{name}/{member}"] = archive.read(member)
        assert len(texts) > 5
        leaks = [(name, s) for name, content in texts.items() for s in secrets if s.encode() in content]
        assert leaks == []
