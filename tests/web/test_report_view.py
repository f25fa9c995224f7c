"""The wrap-up report as the facilitator opens and prints it: its bars on the big screen's scale (a
share of everyone, not of the largest option), every word of "Meest genoemd" (or what is left out),
and emoji drawn in colour in the server-drawn cloud and in the PDF."""

from __future__ import annotations

import asyncio
import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Page

from tests.web.browser import AXE, axe, serve_axe
from tests.web.rooms import SHOTS, compare_shot_wanted, room

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(240)]

# Thirteen words, one of them only an emoji and named once: the one "Meest genoemd" used to drop.
WORDS = {
    "samenwerking": 6,
    "vertrouwen": 5,
    "leren": 4,
    "ruimte": 4,
    "verbinding": 3,
    "moed": 3,
    "plezier": 2,
    "luisteren": 2,
    "ontdekken": 2,
    "eerlijkheid": 2,
    "groei": 2,
    "tijd": 2,
    "🎉": 1,
}
# The bars: 2 of 4 chose Fase 1 (50,0 %), one each Fase 2 and Fase 3, nobody Fase 4.
CHOICES = (0, 0, 1, 2)

# Bars of the choice chart by colour: the track (#ece8df) and the fill (#0f6e5f), left to right.
BARS = """() => {
  const chart = document.querySelector('.chart-bars svg');
  const find = (colour) => [...chart.querySelectorAll('path, rect')]
    .filter((node) => (node.getAttribute('style') || '').includes('fill: ' + colour))
    .map((node) => { const b = node.getBoundingClientRect(); return {x: b.x, y: b.y, w: b.width}; })
    .filter((box) => box.w > 0)
    .sort((a, b) => a.y - b.y);
  return {track: find('#ece8df'), fill: find('#0f6e5f')};
}"""


async def report_page(page: Page, html: str, item: str) -> None:
    await page.set_content(html)
    await page.evaluate("document.fonts.ready.then(() => true)")
    phase = compare_shot_wanted()
    if phase is not None:
        for name, selector in (("bars", ".chart-bars"), ("top-words", ".cloud")):
            section = page.locator(f"section:has({selector})").first
            picture = Image.open(io.BytesIO(await section.screenshot())).convert("RGB")
            picture.thumbnail((960, 960))
            picture.quantize(colors=96, dither=Image.Dither.NONE).save(
                SHOTS / f"{phase}-{item}-{name}.png", optimize=True
            )


def colourful(picture: Image.Image) -> int:
    """Pixels of a saturated warm colour: what an emoji has and a word or a missing-glyph box has not."""
    rgb = picture.convert("RGB")
    red, green, blue = (band.load() for band in rgb.split())
    width, height = rgb.size
    return sum(
        1
        for x in range(width)
        for y in range(height)
        if red[x, y] > 200 and green[x, y] > 110 and blue[x, y] < 90 and red[x, y] - blue[x, y] > 130
    )


async def test_report_bars_words_and_emoji(tmp_path: Path) -> None:
    async with room(tmp_path, title="Lerend netwerk Inclusie") as r:
        cloud = await r.call(
            "POST",
            "/activities",
            {"kind": "wordcloud", "prompt": "Waar denk je aan?", "settings": {"max_entries": 13}},
        )
        choice = await r.call(
            "POST",
            "/activities",
            {
                "kind": "choice",
                "prompt": "In welke fase zit je?",
                "settings": {"options": ["Fase 1", "Fase 2", "Fase 3", "Fase 4"]},
            },
        )
        phones = await r.crowd(6)
        await r.call("POST", f"/activities/{cloud['id']}/open", {})
        # Phone k names every word whose count is above k.
        for k, phone in enumerate(phones):
            mine = [word for word, count in WORDS.items() if count > k]
            acks = await asyncio.gather(
                *(
                    phone.answer(cloud["id"], str(slot), {"word": word}, f"c{k}-{slot}")
                    for slot, word in enumerate(mine)
                )
            )
            assert all(ack["type"] == "ack" for ack in acks), acks
        await r.call("POST", f"/activities/{choice['id']}/open", {})
        for i, option in enumerate(CHOICES):
            ack = await phones[i].answer(choice["id"], "0", {"options": [option]}, f"k{i}")
            assert ack["type"] == "ack", ack
        report = await r.raw("GET", "/report.html")
        assert report.status_code == 200, report.text
        pdf = await r.raw("GET", "/report.pdf", timeout=120)
        assert pdf.status_code == 200, pdf.text

        # The PDF: its fonts, and its cloud page as the reader sees it.
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf.content)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        phase = compare_shot_wanted()
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        cloud_page = next(n for n, text in enumerate(text.split("\f"), 1) if "Waar denk je aan?" in text)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                str(cloud_page),
                "-l",
                str(cloud_page),
                str(path),
                str(tmp_path / "p"),
            ],
            check=True,
        )
        rendered = Image.open(next(tmp_path.glob("p*.png")))
        if phase is not None:
            shown = rendered.convert("RGB")
            shown.thumbnail((960, 960))
            shown.quantize(colors=96, dither=Image.Dither.NONE).save(
                SHOTS / f"{phase}-report-pdf-emoji.png", optimize=True
            )

        context = await r.browser.new_context(viewport={"width": 1000, "height": 1400}, locale="nl-NL")
        await serve_axe(context)
        page = await context.new_page()
        await report_page(page, report.text, "report")

        # Each defect is checked and reported on its own (a bar off does not hide a word missing).
        wrong: list[str] = []

        # Defect 7: the bars are shares of everyone, as on the big screen: Fase 1's 50 % is half a track.
        bars = await page.evaluate(BARS)
        assert len(bars["track"]) == 4, bars
        widths = {round(fill["y"]): fill["w"] for fill in bars["fill"]}
        track = bars["track"][0]["w"]
        expected = [2 / 4, 1 / 4, 1 / 4, 0]
        for row, share in zip(bars["track"], expected, strict=True):
            drawn = widths.get(round(row["y"]), 0.0) / track
            if abs(drawn - share) >= 0.02:
                wrong.append(f"bars: {share:.0%} drawn as {drawn:.0%} of the track")

        # Defect 8: every word is listed, the emoji one too, or the list says what it leaves out.
        listed = await page.locator(".top-words .top-word").all_inner_texts()
        named = {text.rsplit(" ", 1)[0].strip() for text in listed}
        left_out = await page.locator(".top-words .top-more").all_inner_texts()
        if not (named == set(WORDS) or (left_out and str(len(WORDS) - len(named)) in left_out[0])):
            wrong.append(f"Meest genoemd leaves out {sorted(set(WORDS) - named)} and does not say so")

        # Defect 6: the emoji is drawn in colour in the server-drawn cloud ...
        emoji = page.locator(".cloud svg text", has_text="🎉")
        if colourful(Image.open(io.BytesIO(await emoji.screenshot()))) <= 5:
            wrong.append("the emoji in the cloud is not drawn in colour")
        # ... and in the PDF: Chromium embedded the colour emoji font and drew the emoji (Skia prints
        # colour emoji as a Type 3 font of bitmaps; the text fonts are TrueType).
        if "Type 3" not in fonts or colourful(rendered) <= 5:
            wrong.append(f"no colour emoji on the PDF's cloud page; its fonts:\n{fonts}")
        assert wrong == []
        await page.add_script_tag(content=AXE.read_text(encoding="utf-8"))  # about:blank has no route
        assert await axe(page, "report") == []
