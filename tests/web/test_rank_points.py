"""Ranking and 100 points in real browsers: the big screen at 1920×1080 and five phones at 390×844
with touch that join through the QR code decoded from the big screen. The phones rank by dragging,
by tapping ▲/▼ and by keyboard, and spread their points with −/+ and by typing, seeing what is left;
the big screen shows exactly what was sent; axe-core finds nothing serious on the phone, the big
screen and the remote. Screenshots go to docs/screenshots/ (KRING_SCREENSHOTS=1)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Page, async_playwright, expect
from pyzbar.pyzbar import decode

from tests.conftest import migrated_sqlite_url
from tests.support import create_meeting, host, live_server
from tests.web.browser import WAIT, axe, launch, phone_context, serve_axe, shot, small_targets, until, watch

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NAMES = ["Anna", "Bram", "Chris", "Dewi", "Evi"]
ITEMS = 5  # the ranking's default themes
OPTIONS = 4  # the points' default priorities
BUDGET = 100

STAGE_RANKING = """() => [...document.querySelectorAll('#results .rank-result')].map((row) => ({
  index: Number(row.dataset.index), score: Number(row.dataset.score),
  ranks: [...row.querySelectorAll('.rank-cell-count')].map((cell) => Number(cell.textContent)),
  figure: row.querySelector('.bar-figure').textContent}))"""
STAGE_POINTS = """() => [...document.querySelectorAll('#results .points-result')].map((row) => ({
  index: Number(row.dataset.index), total: Number(row.dataset.total),
  meta: row.querySelector('.points-meta').textContent}))"""
PHONE_ORDER = "() => [...document.querySelectorAll('.rank-item')].map((row) => Number(row.dataset.item))"


async def join(browser: Any, url: str, nickname: str, problems: list[str]) -> Page:
    context = await phone_context(browser)
    page = await context.new_page()
    watch(page, problems, nickname)
    await page.goto(url)
    await page.fill("#nickname", nickname)
    await page.locator("#join-form button").tap()
    await expect(page.locator(".waiting h1")).to_have_text("Kijk mee op het scherm", timeout=WAIT)
    return page


async def drag(page: Page, item: int, rows: int) -> None:
    """Drag an item's handle by `rows` rows (down is positive), the way a finger does."""
    handle = page.locator(f'.rank-item[data-item="{item}"] .rank-handle')
    box = await handle.bounding_box()
    assert box is not None
    step = await page.locator(".rank-item").first.evaluate("(n) => n.offsetHeight + 7")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    for k in range(1, 11):
        await page.mouse.move(x, y + rows * step * k / 10)
    await page.mouse.up()


async def rank(index: int, page: Page) -> list[int]:
    """Each phone orders the themes its own way; returns the order it sends."""
    await expect(page.locator(".rank-item")).to_have_count(ITEMS, timeout=WAIT)
    if index == 0:  # taps ▼ on the first theme twice: it moves to place 3
        for _ in range(2):
            await page.locator("#rank-down-0").tap()
        theme = await page.locator(".rank-item").nth(2).locator(".rank-text").text_content()
        status = page.locator("[role=status].visually-hidden")
        await expect(status).to_have_text(f"{theme}: plaats 3 van 5")  # said to a screen reader
    elif index == 1:  # drags the last theme to the top
        await drag(page, 4, -4)
    elif index == 2:  # keyboard only: ▲ on the third theme with Enter, twice; the focus follows it
        await page.locator("#rank-up-2").focus()
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "rank-up-2"
        await page.keyboard.press("Enter")  # now first: ▲ is disabled, the focus moves to its ▼
        assert await page.evaluate("document.activeElement.id") == "rank-down-2"
    elif index == 3:  # drags the first theme down two places, then taps it back up one
        await drag(page, 0, 2)
        await until(page, "document.querySelector('.rank-item').dataset.item === '1'")
        await page.locator("#rank-up-0").tap()
    # Evi keeps the order as it is.
    # Once the finger lets go the list is drawn again, numbered 1 to 5 in its new order.
    await expect(page.locator(".rank-place")).to_have_text([str(n) for n in range(1, ITEMS + 1)])
    order: list[int] = await page.evaluate(PHONE_ORDER)
    await page.locator(".rank-send").tap()
    await expect(page.locator(".sent-ok")).to_have_text("Verstuurd", timeout=WAIT)
    return order


async def spread(index: int, page: Page) -> list[int]:
    """Each phone spreads its points its own way, watching what is left; returns what it sends."""
    left = page.locator(".points-left")
    await expect(left).to_have_text("Nog 100 punten over van de 100", timeout=WAIT)
    plus = page.get_by_role("button", name=re.compile(r"^Meer punten"))
    if index == 0:  # + taps: 4 × 5 on the first, 2 × 5 on the third
        for _ in range(4):
            await plus.nth(0).tap()
        for _ in range(2):
            await plus.nth(2).tap()
        await expect(left).to_have_text("Nog 70 punten over van de 100")
    elif index == 1:  # types too much, sees it, and takes some off
        await page.fill("#points-1", "90")
        await page.fill("#points-3", "30")
        await expect(left).to_have_text("20 punten te veel")
        await expect(page.locator(".points-send")).to_be_disabled()
        await page.fill("#points-3", "10")
        await expect(left).to_have_text("Nog 0 punten over van de 100")
        await expect(plus.nth(0)).to_be_disabled()  # nothing left to give
    elif index == 2:  # everything on one
        await page.fill("#points-2", "100")
    elif index == 3:  # + until nothing is left, then − once
        for _ in range(20):
            await plus.nth(3).tap()
        await expect(plus.nth(3)).to_be_disabled()
        await page.get_by_role("button", name=re.compile(r"^Minder punten")).nth(3).tap()
        await expect(left).to_have_text("Nog 5 punten over van de 100")
    else:
        await page.fill("#points-0", "25")
        await page.fill("#points-1", "25")
    given = [int(await page.locator(f"#points-{i}").input_value()) for i in range(OPTIONS)]
    await page.locator(".points-send").tap()
    await expect(page.locator(".sent-ok")).to_have_text("Verstuurd", timeout=WAIT)
    return given


@pytest.mark.timeout(300)
async def test_ranking_and_points_on_five_phones_and_the_big_screen(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base, title="Lerend netwerk Inclusie", theme="Inclusie")
        api = host(live.base, meeting)
        made = {
            kind: api.post("/activities", json={"kind": kind, "prompt": prompt}).json()
            for kind, prompt in (
                ("ranking", "Welk thema willen we de volgende keer? Zet ze op volgorde."),
                ("points", "Verdeel 100 punten over wat het netwerk gaat doen."),
            )
        }
        partial = api.post(
            "/activities",
            json={"kind": "ranking", "prompt": "Wat moet zeker terugkomen?", "settings": {"partial": True}},
        ).json()
        code = meeting["code"]
        problems: list[str] = []
        violations: list[dict[str, Any]] = []
        small: list[str] = []
        async with async_playwright() as pw:
            browser = await launch(pw)
            screen_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            await serve_axe(screen_context)
            screen = await screen_context.new_page()
            watch(screen, problems, "screen")
            await screen.goto(f"{live.base}/m/{code}/present#key={meeting['presenter_key']}")
            await until(
                screen,
                "document.getElementById('lobby-qr').complete"
                " && document.getElementById('lobby-qr').naturalWidth > 0",
            )
            decoded = [s.data.decode() for s in decode(Image.open(io.BytesIO(await screen.screenshot())))]
            assert decoded == [meeting["join_url"]] and "#j=" in decoded[0], decoded
            phones = [await join(browser, decoded[0], name, problems) for name in NAMES]
            await expect(screen.locator("#participants")).to_have_text("5", timeout=WAIT)

            # -- ranking ---------------------------------------------------------------------
            api.post(f"/activities/{made['ranking']['id']}/open").raise_for_status()
            violations += await axe(phones[0], "phone (ranking)")
            small += await small_targets(phones[0], "phone (ranking)")
            orders = [await rank(i, page) for i, page in enumerate(phones)]
            assert orders[0] == [1, 2, 0, 3, 4] and orders[1] == [4, 0, 1, 2, 3]
            assert orders[2] == [2, 0, 1, 3, 4] and orders[3] == [1, 0, 2, 3, 4]
            assert orders[4] == [0, 1, 2, 3, 4]
            want = sorted(
                (
                    {
                        "index": item,
                        "score": sum(ITEMS - o.index(item) for o in orders),
                        "ranks": [sum(o[r] == item for o in orders) for r in range(ITEMS)],
                        "mean": sum(o.index(item) + 1 for o in orders) / len(orders),
                    }
                    for item in range(ITEMS)
                ),
                key=lambda w: (-w["score"], w["mean"], w["index"]),
            )
            await expect(screen.locator("#responses")).to_have_text("5", timeout=WAIT)
            shown = await screen.evaluate(STAGE_RANKING)
            assert [(s["index"], s["score"], s["ranks"]) for s in shown] == [
                (w["index"], w["score"], w["ranks"]) for w in want
            ]
            top = want[0]
            assert shown[0][
                "figure"
            ] == f"{top['score']} punten · gemiddelde plaats " + f"{top['mean']:.1f}".replace(".", ",")
            violations += await axe(screen, "screen (ranking)")
            await phones[1].evaluate("window.scrollTo(0, 0)")
            await shot(phones[1], "phone-ranking")
            await shot(screen, "screen-ranking")

            remote_context = await phone_context(browser, viewport={"width": 430, "height": 932})
            remote = await remote_context.new_page()
            watch(remote, problems, "remote")
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            await expect(remote.locator(".rank-result")).to_have_count(ITEMS, timeout=WAIT)
            violations += await axe(remote, "remote (ranking)")

            # -- points ----------------------------------------------------------------------
            api.post(f"/activities/{made['points']['id']}/open").raise_for_status()
            violations += await axe(phones[0], "phone (points)")
            small += await small_targets(phones[0], "phone (points)")
            given = [await spread(i, page) for i, page in enumerate(phones)]
            assert given == [[20, 0, 10, 0], [0, 90, 0, 10], [0, 0, 100, 0], [0, 0, 0, 95], [25, 25, 0, 0]]
            totals = [sum(g[i] for g in given) for i in range(OPTIONS)]
            givers = [sum(1 for g in given if g[i]) for i in range(OPTIONS)]
            order = sorted(range(OPTIONS), key=lambda i: (-totals[i], i))
            await until(screen, f"document.querySelectorAll('#results .points-result').length === {OPTIONS}")
            await until(
                screen,
                "[...document.querySelectorAll('#results .points-result')].reduce("
                f"(a, n) => a + Number(n.dataset.total), 0) === {sum(totals)}",
            )
            shown = await screen.evaluate(STAGE_POINTS)
            assert [(s["index"], s["total"]) for s in shown] == [(i, totals[i]) for i in order]
            for row in shown:
                mean = f"{totals[row['index']] / len(given):.1f}".replace(".", ",")
                gave = "persoon gaf" if givers[row["index"]] == 1 else "mensen gaven"
                assert row["meta"] == f"gemiddeld {mean} · {givers[row['index']]} {gave} punten"
            await expect(screen.locator(".points-spent")).to_have_text(
                f"{sum(totals)} van de 500 punten gegeven"
            )
            await expect(remote.locator(".points-result")).to_have_count(OPTIONS, timeout=WAIT)
            violations += await axe(screen, "screen (points)")
            violations += await axe(remote, "remote (points)")
            await phones[1].evaluate("window.scrollTo(0, 0)")
            await shot(phones[1], "phone-points")
            await shot(screen, "screen-points")

            # -- a partial ranking: add what matters, leave the rest out ----------------------
            api.post(f"/activities/{partial['id']}/open").raise_for_status()
            page = phones[0]
            await expect(page.locator(".rank-add")).to_have_count(ITEMS, timeout=WAIT)
            await expect(page.locator(".rank-item")).to_have_count(0)
            for item in (3, 1, 0):
                await page.locator(f"#rank-add-{item}").tap()
            await page.locator("#rank-out-3").tap()  # changed its mind: left out again
            await expect(page.locator(".rank-add")).to_have_count(ITEMS - 2)
            violations += await axe(page, "phone (partial ranking)")
            small += await small_targets(page, "phone (partial ranking)")
            assert await page.evaluate(PHONE_ORDER) == [1, 0]
            await page.locator(".rank-send").tap()
            await expect(page.locator(".sent-ok")).to_have_text("Verstuurd", timeout=WAIT)
            await until(screen, "document.querySelectorAll('#results .rank-result').length === 5")
            shown = await screen.evaluate(STAGE_RANKING)
            assert [(s["index"], s["score"]) for s in shown[:3]] == [(1, 5), (0, 4), (2, 0)]
            assert shown[0]["ranks"] == [1, 0, 0, 0, 0] and shown[1]["ranks"] == [0, 1, 0, 0, 0]
            await browser.close()
        api.close()
        assert violations == [], violations
        assert small == [], small
        assert problems == [], problems
