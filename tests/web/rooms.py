"""A meeting for a browser test: a real server with one meeting, its host API, the big screen at
1920×1080 and phones over websockets; and the before/after screenshots of issue 15."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import migrated_sqlite_url
from tests.support import Phone, create_meeting, live_server
from tests.web.browser import SETTLE_ANIMATIONS, SHOTS, launch, serve_axe, watch

SCREEN = {"width": 1920, "height": 1080}


def compare_shot_wanted() -> str | None:
    phase = os.environ.get("KRING_COMPARE")
    return phase if phase in ("before", "after") else None


async def compare_shot(page: Page, item: str) -> None:
    """A small PNG of what the room sees, for the before/after record of issue 15."""
    phase = compare_shot_wanted()
    if phase is None:
        return
    await page.evaluate(SETTLE_ANIMATIONS)  # what the room reads, not a word halfway in
    picture = Image.open(io.BytesIO(await page.screenshot())).convert("RGB")
    picture.thumbnail((960, 960))
    SHOTS.mkdir(parents=True, exist_ok=True)
    picture.quantize(colors=96, dither=Image.Dither.NONE).save(SHOTS / f"{phase}-{item}.png", optimize=True)


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 0.5) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack
    )


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["w"] <= b["x"] + 0.5
        or b["x"] + b["w"] <= a["x"] + 0.5
        or a["y"] + a["h"] <= b["y"] + 0.5
        or b["y"] + b["h"] <= a["y"] + 0.5
    )


class Room:
    """A running server with one meeting: its host API, and the big screen in a browser."""

    def __init__(self, base: str, meeting: dict[str, Any], browser: Browser) -> None:
        self.base, self.meeting, self.browser = base, meeting, browser
        self.code = meeting["code"]
        self.api = httpx.AsyncClient(
            base_url=f"{base}/api/meetings",
            headers={"Authorization": f"Bearer {meeting['host_key']}"},
            timeout=15,
        )
        self.problems: list[str] = []
        self.phones: list[Phone] = []

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.raw(method, path, body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def raw(self, method: str, path: str, body: Any = None, **options: Any) -> httpx.Response:
        """A host call on this meeting: ``path`` after /api/meetings/{code}."""
        return await self.api.request(method, f"/{self.code}{path}", json=body, **options)

    async def screen(self) -> Page:
        context = await self.browser.new_context(viewport=SCREEN, locale="nl-NL")
        await serve_axe(context)
        page = await context.new_page()
        watch(page, self.problems, "screen")
        await page.goto(f"{self.base}/m/{self.code}/present#key={self.meeting['presenter_key']}")
        return page

    async def crowd(self, count: int) -> list[Phone]:
        async def one(index: int) -> Phone:
            phone = Phone(self.base, self.code, nickname=f"P{index}")
            await phone.join()
            await phone.connect()
            return phone

        new = await asyncio.gather(*(one(len(self.phones) + i) for i in range(count)))
        self.phones.extend(new)
        return list(new)


@asynccontextmanager
async def room(tmp_path: Path, **body: Any) -> AsyncIterator[Room]:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base, **({"title": "Lerend netwerk Inclusie"} | body))
        async with async_playwright() as pw:
            browser = await launch(pw)
            the_room = Room(live.base, meeting, browser)
            try:
                yield the_room
            finally:
                for phone in the_room.phones:
                    await phone.disconnect()
                await the_room.api.aclose()
                await browser.close()
