"""The join in one round trip, in Chromium: the phone's first socket joins in its handshake, and the
cookie that the 101 response sets is stored (HttpOnly) and used: the socket's own reconnect goes
by it, and after a reload the same participant comes back with its name and its answer. The page
never posts a join."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, PageProblems, launch, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(120)]


async def test_the_cookie_of_the_101_is_kept_and_brings_the_same_participant_back(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = httpx.post(f"{live.base}/api/meetings", json={"title": "Eén rondje"}, timeout=10).json()
        code, secret = meeting["code"], meeting["join_url"].split("#j=", 1)[1]
        host = {"Authorization": f"Bearer {meeting['host_key']}"}
        with httpx.Client(base_url=f"{live.base}/api/meetings/{code}", headers=host, timeout=10) as api:
            options = {"options": ["Koffie", "Thee"]}
            choice = {"kind": "choice", "prompt": "Koffie of thee?", "settings": options}
            activity = api.post("/activities", json=choice).json()
            api.post(f"/activities/{activity['id']}/open").raise_for_status()
            async with async_playwright() as pw:
                browser = await launch(pw)
                context = await phone_context(browser)
                page = await context.new_page()
                sockets: list[str] = []
                posted: list[str] = []
                page.on("websocket", lambda ws: sockets.append(ws.url))
                page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
                await page.goto(meeting["join_url"])
                await page.fill("#nickname", "Anna")
                await page.get_by_role("button", name="Doe mee").tap()
                await expect(page.locator("#me-name")).to_have_text("Anna", timeout=WAIT)
                await page.locator(".option", has_text="Thee").tap()
                await expect(page.locator(".sent-ok")).to_have_count(1, timeout=WAIT)

                # One socket, which joined in its handshake with the name and the QR link's secret.
                assert len(sockets) == 1 and posted == []
                joined = urlsplit(sockets[0])
                assert joined.path == f"/ws/{code}"
                assert parse_qs(joined.query) == {"join": ["1"], "nickname": ["Anna"], "secret": [secret]}
                # The 101's cookie is in the jar, HttpOnly: the page's script cannot read it.
                cookies = [c for c in await context.cookies() if c["name"] == f"kring_{code}"]
                assert len(cookies) == 1 and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Lax"
                assert f"kring_{code}" not in await page.evaluate("document.cookie")

                # The wifi drops and comes back: the socket reconnects plainly, by the cookie.
                await context.set_offline(True)
                await expect(page.locator("#conn")).to_have_attribute("data-state", "offline", timeout=WAIT)
                await context.set_offline(False)
                await expect(page.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
                assert len(sockets) >= 2 and all(urlsplit(url).query == "" for url in sockets[1:]), sockets
                await expect(page.locator(".option-on")).to_have_text("Thee", timeout=WAIT)

                # A reload: the same participant, its name and its answer, and still one of them.
                await page.reload()
                await expect(page.locator("#me-name")).to_have_text("Anna", timeout=WAIT)
                await expect(page.locator(".option-on")).to_have_text("Thee", timeout=WAIT)
                assert posted == []
                door = api.get("/door").json()
                assert door["participants"] == 1
                results = api.get(f"/activities/{activity['id']}/results").json()
                assert results["responses"] == 1, results
                await browser.close()


async def test_the_phone_shows_its_new_name_after_a_rename_elsewhere_live_and_across_a_reconnect(
    tmp_path: Path, page_problems: PageProblems
) -> None:
    """No frame shared with every phone names anyone (the question's own-answers frame is one for
    the hall): the name comes in `joined`, and in `nickname` on a reconnect and on a rename."""
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = httpx.post(f"{live.base}/api/meetings", json={"title": "Namen"}, timeout=10).json()
        code = meeting["code"]
        host = {"Authorization": f"Bearer {meeting['host_key']}"}
        with httpx.Client(base_url=f"{live.base}/api/meetings/{code}", headers=host, timeout=10) as api:
            cloud = {"kind": "wordcloud", "prompt": "Waar denk je aan?", "settings": {"max_entries": 1}}
            first_cloud = api.post("/activities", json=cloud).json()
            api.post(f"/activities/{first_cloud['id']}/open").raise_for_status()
            async with async_playwright() as pw:
                browser = await launch(pw)
                context = await phone_context(browser)
                page = await context.new_page()
                frames: list[str] = []
                page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
                await page.goto(meeting["join_url"])
                await page.fill("#nickname", "Anna")
                await page.get_by_role("button", name="Doe mee").tap()
                await expect(page.locator("#me-name")).to_have_text("Anna", timeout=WAIT)
                cookie = next(c["value"] for c in await context.cookies() if c["name"] == f"kring_{code}")

                def rejoin(nickname: str) -> None:  # another device of the same participant
                    jar = {f"kring_{code}": cookie}
                    answer = httpx.post(
                        f"{live.base}/api/join/{code}", json={"nickname": nickname}, cookies=jar, timeout=10
                    )
                    assert answer.json()["nickname"] == nickname

                # Renamed while the phone is connected: it is told at once.
                rejoin("Anneke")
                await expect(page.locator("#me-name")).to_have_text("Anneke", timeout=WAIT)
                # Renamed while it is offline: its reconnect (plain, by the cookie) brings the name.
                await context.set_offline(True)
                await expect(page.locator("#conn")).to_have_attribute("data-state", "offline", timeout=WAIT)
                rejoin("Ans")
                await context.set_offline(False)
                await expect(page.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
                await expect(page.locator("#me-name")).to_have_text("Ans", timeout=WAIT)
                # The next question: its own-answers frame names nobody, and the name stays.
                second = api.post("/activities", json={**cloud, "prompt": "En nu?"}).json()
                api.post(f"/activities/{second['id']}/open").raise_for_status()
                await expect(page.locator(".prompt")).to_have_text("En nu?", timeout=WAIT)
                await expect(page.locator("#me-name")).to_have_text("Ans")
                mines = [json.loads(f) for f in frames if f.startswith('{"type":"mine"')]
                assert mines and all("participant" not in m for m in mines)
                assert mines[-1] == {
                    "type": "mine",
                    "activity_id": second["id"],
                    "answers": {},
                    "words": None,
                    "own": None,
                }
                await browser.close()
