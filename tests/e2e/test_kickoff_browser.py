"""The whole kick-off in a real browser: the built-in template, 5 phones, the big screen and the
remote, moving through every block on an injected clock that the test advances."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from server.draaiboek import fill, load_builtin
from tests.conftest import sqlite_url
from tests.factories import ManualClock
from tests.support import live_server

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NAMES = ["Ans", "Bram", "Cor", "Dewi", None]  # one participant keeps no nickname
WAIT = 15_000  # ms: the longest any page may take to follow the room


async def join(page: Page, base: str, code: str, name: str | None) -> None:
    await page.goto(f"{base}/{code}")
    form = page.locator("#join-form")
    await expect(form).to_be_visible(timeout=WAIT)
    if name:
        await page.fill("#nickname", name)
    await form.locator("button").click()
    await expect(page.locator("#welcome")).to_be_hidden(timeout=WAIT)


async def test_the_kickoff_runs_block_by_block_with_plan_versus_actual(tmp_path: Any) -> None:
    clock = ManualClock()
    plan = fill(load_builtin("kickoff"), {"thema": "Inclusie"})
    with live_server(sqlite_url(tmp_path), clock=clock, ws_rate_per_minute=10_000) as live:
        response = httpx.post(
            f"{live.base}/api/meetings",
            json={"template": "kickoff", "values": {"thema": "Inclusie"}},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        meeting = response.json()
        code = meeting["code"]
        api = httpx.Client(
            base_url=f"{live.base}/api/meetings/{code}",
            headers={"Authorization": f"Bearer {meeting['host_key']}"},
            timeout=10,
        )
        blocks = meeting["blocks"]
        assert [b["title"] for b in blocks] == [b.title for b in plan.blocks]
        prompts = {a["id"]: a["prompt"] for a in meeting["activities"]}
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            big = await (await browser.new_context(viewport={"width": 1920, "height": 1080})).new_page()
            await big.goto(meeting["presenter_url"])
            remote = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
            await remote.goto(meeting["host_url"])
            phones: list[Page] = []
            for name in NAMES:
                context = await browser.new_context(viewport={"width": 390, "height": 844})
                phone = await context.new_page()
                await join(phone, live.base, code, name)
                phones.append(phone)
            await expect(big.locator("#participants")).to_have_text("5", timeout=WAIT)

            late = False
            for index, block in enumerate(blocks):
                api.post(f"/blocks/{block['id']}/enter").raise_for_status()
                following = blocks[index + 1]["title"] if index + 1 < len(blocks) else None
                for phone in phones:
                    line = phone.locator("#agenda-line")
                    await expect(line).to_contain_text(f"Nu: {block['title']}", timeout=WAIT)
                    if following:
                        await expect(line).to_contain_text(f"Straks: {following}", timeout=WAIT)
                await expect(big.locator("#agenda .agenda-title")).to_have_text(block["title"], timeout=WAIT)
                if late and index > 0 and blocks[index - 1]["title"] == "Kennissnack / inspiratieblok":
                    await expect(big.locator("#agenda .agenda-delta")).to_have_text("op schema", timeout=WAIT)
                    assert api.get("/agenda").json()["agenda"]["advice"] == []
                for activity_id in block["activity_ids"]:
                    api.post(f"/activities/{activity_id}/open").raise_for_status()
                    for phone in phones:
                        await expect(phone.locator("#view")).to_contain_text(
                            prompts[activity_id], timeout=WAIT
                        )
                    await expect(big.locator("#prompt")).to_have_text(prompts[activity_id], timeout=WAIT)
                # The planned time passes; the Kennismaken runs ten minutes over, and the facilitator
                # takes the advice: the Kennissnack is ten minutes shorter.
                extra = {"Kennismaken": 10, "Kennissnack / inspiratieblok": -10}.get(block["title"], 0)
                minutes = block["duration_minutes"] + extra
                clock.advance(minutes=minutes)
                if block["title"] == "Kennismaken":
                    late = True
                    await expect(big.locator("#agenda .agenda-countdown")).to_have_text(
                        re.compile(r"^\+10:00$"), timeout=WAIT
                    )
                    await expect(big.locator("#agenda .agenda-delta")).to_have_text(
                        "10 min achter", timeout=WAIT
                    )
                    agenda = api.get("/agenda").json()["agenda"]
                    assert agenda["delta_minutes"] == 10
                    advice = {a["title"]: a for a in agenda["advice"]}
                    # Only optional blocks are advised: the longest first, the Kennissnack.
                    assert list(advice) == ["Kennissnack / inspiratieblok"]
                    assert advice["Kennissnack / inspiratieblok"]["action"] == "shorten"
                    await expect(big.locator("#agenda .agenda-advice")).to_contain_text(
                        "Kennissnack / inspiratieblok inkorten tot 35 min", timeout=WAIT
                    )
                    await expect(remote.locator("body")).to_contain_text("Kennissnack", timeout=WAIT)
                    await expect(remote.locator("body")).to_contain_text("10 min achter", timeout=WAIT)
            api.post("/agenda/next").raise_for_status()  # past the last block: the agenda ends
            agenda = api.get("/agenda").json()["agenda"]
            assert agenda["ended_at"] is not None and agenda["delta_minutes"] == 0
            assert [b["status"] for b in agenda["blocks"]] == ["done"] * len(blocks)
            await browser.close()
        api.close()
    await asyncio.sleep(0)
