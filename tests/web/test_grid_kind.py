"""The 2×2 grid in real browsers: the demo meeting's grid on the big screen at 1920×1080, five
phones at 390×844 with touch that join by the QR code (one in English). They place ideas with a
tap on the small plane, with the keyboard alone, and with the sliders; the big screen's dots sit
at the means of what was sent, with the spread's cross one standard deviation wide. The remote
shows the plane too and puts it on the phones. axe-core finds nothing serious on any of them;
screenshots go to docs/screenshots/ (phone-grid.png, screen-grid.png)."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Page, async_playwright, expect
from pyzbar.pyzbar import decode

from tests.conftest import migrated_sqlite_url
from tests.support import create_meeting, host, live_server
from tests.web.browser import WAIT, axe, launch, phone_context, serve_axe, shot, small_targets, until, watch

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

NAMES = ["Anna", "Bram", "Chris", "Dewi", None]
ENGLISH = 4
TAPPED = 0  # places item 0 with a tap on the small plane: a quarter across, three quarters up
KEYS = 1  # places everything with the keyboard alone
# What each phone places: item -> (x, y). Item 0 by everyone; items 3 and 4 by one phone each.
PLACES: list[dict[int, tuple[int, int]]] = [
    {0: (3, 8), 2: (6, 4)},
    {0: (8, 2), 1: (5, 5)},
    {0: (4, 9), 1: (7, 3), 3: (2, 2)},
    {0: (2, 7), 4: (9, 9)},
    {0: (5, 10), 1: (6, 2)},
]

DOTS = """() => { const area = document.querySelector('.grid-plane .grid-area');
  return {area: ['x', 'y', 'width', 'height'].map((a) => Number(area.getAttribute(a))),
    dots: [...document.querySelectorAll('.grid-plane .grid-dot')].map((g) => ({
      index: Number(g.dataset.index), x: Number(g.dataset.x), y: Number(g.dataset.y),
      cx: Number(g.querySelector('circle').getAttribute('cx')),
      cy: Number(g.querySelector('circle').getAttribute('cy')),
      spread: [...document.querySelectorAll(`.grid-spread-of[data-index="${g.dataset.index}"] line`)]
        .map((l) => Math.hypot(l.getAttribute('x2') - l.getAttribute('x1'),
          l.getAttribute('y2') - l.getAttribute('y1'))),
    })) }; }"""


async def place_with_keys(page: Page, item: int, x: int, y: int) -> None:
    """Home, then one arrow step at a time: no pointer at all."""
    for axis, value in (("x", x), ("y", y)):
        await page.locator(f"#grid-{item}-{axis}").focus()
        await page.keyboard.press("Home")
        for _ in range(value - 1):
            await page.keyboard.press("ArrowRight")
        await expect(page.locator(f"output[for='grid-{item}-{axis}']")).to_have_text(str(value))


def mean_and_spread(values: list[int]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


async def test_grid_on_five_phones_and_the_big_screen(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base, title="Lerend netwerk Inclusie", theme="Inclusie", demo=True)
        grid = next(a for a in meeting["activities"] if a["kind"] == "grid")  # the demo has one
        settings = grid["settings"]
        assert settings["spread"] == "cross" and len(settings["items"]) == 5
        http = host(live.base, meeting)
        problems: list[str] = []
        violations: list[dict[str, Any]] = []
        async with async_playwright() as pw:
            browser = await launch(pw)
            screen_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            await serve_axe(screen_context)
            screen = await screen_context.new_page()
            watch(screen, problems, "screen")
            await screen.goto(f"{live.base}/m/{meeting['code']}/present#key={meeting['presenter_key']}")
            await until(screen, "document.getElementById('lobby-qr').naturalWidth > 0")
            join_url = decode(Image.open(io.BytesIO(await screen.screenshot())))[0].data.decode()
            assert join_url == meeting["join_url"] and "#j=" in join_url

            phones: list[Page] = []
            for index, nickname in enumerate(NAMES):
                page = await (await phone_context(browser)).new_page()
                watch(page, problems, f"phone {index}")
                await page.goto(join_url)
                if index == ENGLISH:
                    await page.get_by_role("link", name="In English").tap()
                if nickname:
                    await page.fill("#nickname", nickname)
                await page.locator("#join-form button").tap()
                phones.append(page)
            await expect(screen.locator("#participants")).to_have_text("5", timeout=WAIT)

            http.post(f"/activities/{grid['id']}/open").raise_for_status()
            for index, page in enumerate(phones):
                await expect(page.locator(".grid-item")).to_have_count(5, timeout=WAIT)
                places = PLACES[index]
                if index == TAPPED:
                    pad = page.locator(".grid-pad").first
                    box = await pad.bounding_box()
                    assert box is not None
                    await pad.tap(position={"x": box["width"] * 0.25, "y": box["height"] * 0.25})
                    for axis, value in zip("xy", places[0], strict=True):
                        await expect(page.locator(f"output[for='grid-0-{axis}']")).to_have_text(str(value))
                for item, (x, y) in places.items():
                    if index == KEYS:
                        await place_with_keys(page, item, x, y)
                    elif not (index == TAPPED and item == 0):
                        await page.locator(f"#grid-{item}-x").fill(str(x))
                        await page.locator(f"#grid-{item}-y").fill(str(y))
                send = page.locator(".kind-grid .button-primary")
                wanted = (
                    f"Send {len(places)} placements"
                    if index == ENGLISH
                    else f"{len(places)} plaatsingen versturen"
                )
                await expect(send).to_have_text(wanted)
                if index == KEYS:
                    await send.focus()
                    await page.keyboard.press("Enter")
                else:
                    await send.tap()
                await expect(page.locator(".grid-item .sent-ok")).to_have_count(len(places), timeout=WAIT)
                await expect(send).to_be_disabled()

            # The big screen: every placed item a dot at the mean of what was sent, the cross one
            # standard deviation to either side, on the plot area's own scale.
            sent = sum(len(places) for places in PLACES)
            await expect(screen.locator("#responses")).to_have_text(str(sent), timeout=WAIT)
            placed = sorted({item for places in PLACES for item in places})
            await expect(screen.locator(".grid-plane .grid-dot")).to_have_count(len(placed), timeout=WAIT)
            drawn = await screen.evaluate(DOTS)
            left, top, width, height = drawn["area"]
            span_x = settings["x_max"] - settings["x_min"]
            span_y = settings["y_max"] - settings["y_min"]
            assert [dot["index"] for dot in drawn["dots"]] == placed
            for dot in drawn["dots"]:
                xs = [places[dot["index"]][0] for places in PLACES if dot["index"] in places]
                ys = [places[dot["index"]][1] for places in PLACES if dot["index"] in places]
                (mean_x, sd_x), (mean_y, sd_y) = mean_and_spread(xs), mean_and_spread(ys)
                mean_x, mean_y = round(mean_x, 2), round(mean_y, 2)  # as the results give them
                assert (dot["x"], dot["y"]) == (mean_x, mean_y), dot
                assert dot["cx"] == pytest.approx(
                    left + (mean_x - settings["x_min"]) / span_x * width, abs=0.01
                )
                assert dot["cy"] == pytest.approx(
                    top + (1 - (mean_y - settings["y_min"]) / span_y) * height, abs=0.01
                )
                across, up = dot["spread"]  # the results' standard deviations, to 2 decimals
                assert across == pytest.approx(2 * round(sd_x, 2) / span_x * width, abs=0.01), dot
                assert up == pytest.approx(2 * round(sd_y, 2) / span_y * height, abs=0.01), dot
            first = screen.locator(".grid-legend-item").first
            await expect(first.locator(".grid-figures")).to_have_text(
                "Moeite 4,4 ± 2,1 · Impact 7,2 ± 2,8 · 5 antwoorden"
            )
            await expect(screen.locator(".grid-quadrant")).to_have_text(
                ["Snelle winst", "Grote projecten", "Kleine klusjes", "Niet aan beginnen"]
            )

            # The remote shows the same plane, and its toggle puts the results on the phones.
            remote = await (await phone_context(browser, viewport={"width": 430, "height": 932})).new_page()
            watch(remote, problems, "remote")
            await remote.goto(f"{live.base}/m/{meeting['code']}/remote#key={meeting['host_key']}")
            await expect(remote.locator(".grid-plane .grid-dot")).to_have_count(len(placed), timeout=WAIT)
            await remote.locator("#toggle-phones").tap()
            english = phones[ENGLISH].locator(".phone-results")
            await expect(english.locator(".grid-plane .grid-dot")).to_have_count(len(placed), timeout=WAIT)
            await expect(english.locator(".grid-figures").first).to_have_text(
                "Moeite 4.4 ± 2.1 · Impact 7.2 ± 2.8 · 5 answers"  # the meeting's labels, English numbers
            )

            violations += await axe(phones[TAPPED], "phone (grid)")
            violations += await axe(phones[ENGLISH], "phone (grid and its results, English)")
            violations += await axe(screen, "screen (grid)")
            violations += await axe(remote, "remote (grid)")
            small = await small_targets(phones[TAPPED], "phone (grid)")
            await phones[TAPPED].evaluate("window.scrollTo(0, 0)")
            await shot(phones[TAPPED], "phone-grid")
            await shot(screen, "screen-grid")
            await browser.close()
        http.close()
    assert problems == []
    assert violations == []
    assert small == []
