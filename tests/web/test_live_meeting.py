"""A whole meeting in real browsers: the big screen at 1920×1080, the remote, and five phones at
390×844 that join by the QR code decoded from a screenshot of the big screen. Every activity kind is
answered on the phones and shown on the big screen; the remote walks the agenda; axe-core finds no
serious or critical violations; the phone page weighs at most 100 KB; a reload keeps the answers.
Screenshots of the phone views and the big screen go to docs/screenshots/."""

from __future__ import annotations

import asyncio
import io
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from pyzbar.pyzbar import decode

from tests.conftest import sqlite_url
from tests.support import live_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(180)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"
WAIT = 15_000  # ms, every single wait
NAMES = ["Anna", "Bram", "Chris", "Dewi", None]  # the fifth stays anonymous
PAGE_BUDGET = 100 * 1024


async def axe(page: Page, name: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page (CSP stays on: axe comes from 'self')."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.add_script_tag(url="/__axe__.js")
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    return [{"page": name, "id": v["id"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in bad]


async def serve_axe(context: BrowserContext) -> None:
    context.set_default_timeout(WAIT)
    body = AXE.read_bytes()
    await context.route(
        "**/__axe__.js",
        lambda route: route.fulfill(body=body, content_type="text/javascript"),
    )


async def until(page: Page, expression: str) -> None:
    """Poll an expression (wait_for_function would eval() it, which the page's CSP forbids)."""
    deadline = asyncio.get_running_loop().time() + WAIT / 1000
    while not await page.evaluate(expression):
        assert asyncio.get_running_loop().time() < deadline, f"never true: {expression}"
        await asyncio.sleep(0.1)


def watch(page: Page, problems: list[str], name: str) -> None:
    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or (message.type == "error" and "Uncaught" in text):
            problems.append(f"{name}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{name}: {error}"))


async def shot(page: Page, name: str, full: bool = False) -> None:
    if os.environ.get("KRING_SCREENSHOTS") == "1":  # only when asked: a test run leaves the tree clean
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


async def phone_page(browser: Browser, url: str, problems: list[str], name: str) -> tuple[Page, int]:
    """A phone at 390×844 opening the join URL; returns the page and the bytes it loaded."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    await serve_axe(context)
    page = await context.new_page()
    watch(page, problems, name)
    loaded: list[Any] = []
    page.on("response", lambda response: loaded.append(response))
    await page.goto(url)
    await page.wait_for_load_state("networkidle")
    total = 0
    for response in loaded:
        if response.request.resource_type in ("document", "script", "stylesheet", "font", "fetch"):
            total += len(await response.body())
    return page, total


async def test_live_meeting_in_browsers(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path)) as live:
        created = httpx.post(
            f"{live.base}/api/meetings",
            json={"template": "kickoff", "values": {"thema": "Inclusie"}},
            timeout=10,
        )
        created.raise_for_status()
        meeting = created.json()
        code = meeting["code"]
        http = httpx.Client(
            base_url=f"{live.base}/api/meetings/{code}",
            headers={"Authorization": f"Bearer {meeting['host_key']}"},
            timeout=10,
        )
        activities = meeting["activities"]

        def find(kind: str, mode: str | None = None) -> dict[str, Any]:
            return next(
                a
                for a in activities
                if a["kind"] == kind and (mode is None or a["settings"].get("mode") == mode)
            )

        problems: list[str] = []
        violations: list[dict[str, Any]] = []
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            screen_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            await serve_axe(screen_context)
            screen = await screen_context.new_page()
            watch(screen, problems, "presenter")
            await screen.goto(f"{live.base}/m/{code}/present#key={meeting['presenter_key']}")
            await expect(screen.locator(".join-strip-code")).to_have_text(code, timeout=WAIT)
            await until(
                screen,
                "document.getElementById('qr').complete && document.getElementById('qr').naturalWidth > 0",
            )

            # The phones find the meeting the way people do: through the QR code on the big screen.
            image = Image.open(io.BytesIO(await screen.screenshot()))
            decoded = [symbol.data.decode() for symbol in decode(image)]
            assert decoded == [meeting["join_url"]], decoded
            join_url = decoded[0]
            await screen.keyboard.press("q")
            await expect(screen.locator("#qr-full")).to_be_visible(timeout=WAIT)
            await shot(screen, "screen-qr")
            await screen.keyboard.press("q")
            await expect(screen.locator("#qr-full")).to_be_hidden(timeout=WAIT)
            violations += await axe(screen, "presenter (waiting)")

            remote_context = await browser.new_context(viewport={"width": 430, "height": 932})
            await serve_axe(remote_context)
            remote = await remote_context.new_page()
            watch(remote, problems, "remote")
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            await expect(remote.locator(".block-button")).to_have_count(11, timeout=WAIT)

            join_context = await browser.new_context(viewport={"width": 390, "height": 844})
            await serve_axe(join_context)
            join_page = await join_context.new_page()
            await join_page.goto(f"{live.base}/")
            violations += await axe(join_page, "join")
            await join_context.close()

            phones: list[Page] = []
            sizes: list[int] = []
            for index, nickname in enumerate(NAMES):
                page, size = await phone_page(browser, join_url, problems, f"phone {index}")
                sizes.append(size)
                await expect(page.locator("#welcome")).to_be_visible(timeout=WAIT)
                if index == 0:
                    violations += await axe(page, "phone (welcome)")
                if nickname:
                    await page.fill("#nickname", nickname)
                await page.click("#join-form button")
                phones.append(page)
            for page in phones:
                await expect(page.locator(".waiting h1")).to_have_text("Kijk mee op het scherm", timeout=WAIT)
            assert max(sizes) <= PAGE_BUDGET, sizes
            print(f"\nparticipant page weight: {max(sizes)} bytes (HTML+JS+CSS+fonts+strings)")
            await shot(phones[0], "phone-waiting")
            await expect(screen.locator("#participants")).to_have_text("5", timeout=WAIT)

            # The remote enters the Opening block: the phones say "Nu: Opening", "Straks: Kennismaken".
            await remote.locator(".block-button", has_text="Opening").click()
            for page in phones:
                await expect(page.locator("#agenda-line")).to_contain_text("Nu: Opening", timeout=WAIT)
            await expect(phones[0].locator("#agenda-line")).to_contain_text("Straks: Kennismaken")
            await expect(screen.locator(".agenda-title")).to_have_text("Opening", timeout=WAIT)
            await expect(screen.locator(".agenda-countdown")).to_have_text(
                re.compile(r"^(30:00|29:[0-5]\d)$")
            )
            await expect(remote.locator(".block-current .block-title")).to_have_text("Opening", timeout=WAIT)
            violations += await axe(remote, "remote")

            async def enter(title: str) -> None:
                await remote.locator(".block-button", has_text=title).click()
                await expect(remote.locator(".block-current .block-title")).to_contain_text(
                    title, timeout=WAIT
                )
                for page in phones:
                    await expect(page.locator("#agenda-line")).to_contain_text(f"Nu: {title}", timeout=WAIT)

            async def open_activity(activity: dict[str, Any], phones_see: bool = False) -> None:
                if phones_see:
                    http.post(
                        f"/activities/{activity['id']}/visibility", json={"phones": True}
                    ).raise_for_status()
                # The remote's own button, for the activity in the current block; the API otherwise.
                button = remote.locator("#activities").get_by_role(
                    "button", name=f"“{activity['prompt']}” openen"
                )
                if await button.count():
                    await button.first.click()
                else:
                    http.post(f"/activities/{activity['id']}/open").raise_for_status()
                for page in phones:
                    await expect(page.locator("h1.prompt")).to_have_text(activity["prompt"], timeout=WAIT)
                    await expect(page.locator(".card > .notice")).to_have_count(0, timeout=WAIT)
                await expect(screen.locator("#prompt")).to_have_text(activity["prompt"], timeout=WAIT)

            async def each(action: Any) -> None:
                await asyncio.gather(*(action(i, page) for i, page in enumerate(phones)))

            async def sent(page: Page, count: int = 1) -> None:
                await expect(page.locator(".sent-ok")).to_have_count(count, timeout=WAIT)

            # -- open question: a textarea with a counter; the answer is sent only after the ack.
            open_q = find("open")
            await open_activity(open_q)
            await expect(phones[0].locator(".counter")).to_have_text("nog 280 tekens")

            async def answer_open(i: int, page: Page) -> None:
                await page.fill("#answer-text", f"Samen leren, idee {i + 1}")
                await page.click(".kind-open form button[type=submit]")
                await sent(page)

            await each(answer_open)
            violations += await axe(phones[0], "phone open")
            await shot(phones[0], "phone-open")
            await expect(screen.locator(".wall-card")).to_have_count(5, timeout=WAIT)
            entry = http.get(f"/activities/{open_q['id']}/results").json()["results"]["answers"][0]
            http.post(
                f"/activities/{open_q['id']}/moderation",
                json={"action": "highlight", "entry_id": entry["id"]},
            ).raise_for_status()
            await expect(screen.locator(".wall-card-highlight")).to_have_count(1, timeout=WAIT)
            await shot(screen, "screen-open")

            # A reload keeps the participant and the answer (cookie + the `mine` frame).
            await phones[1].reload()
            await expect(phones[1].locator(".my-answer p")).to_have_text("Samen leren, idee 2", timeout=WAIT)
            await expect(phones[1].locator("#welcome")).to_be_hidden()
            await sent(phones[1])

            # -- groups: pick one, then "Jouw groep: …" with who else is in it.
            groups = next(a for a in activities if a["kind"] == "groups")
            await enter("Kennismaken")
            await open_activity(groups, phones_see=True)

            async def pick_group(i: int, page: Page) -> None:
                await page.locator(".option").nth(i % 2).click()
                await expect(page.locator(".my-group-title")).to_contain_text("Jouw groep:", timeout=WAIT)

            await each(pick_group)
            await expect(phones[0].locator(".my-group .members li")).to_have_text(
                ["Chris", "anoniem"], timeout=WAIT
            )
            violations += await axe(phones[0], "phone groups")
            await shot(phones[0], "phone-groups")
            first = groups["settings"]["options"][0]
            await expect(screen.locator(".group-column").first).to_contain_text(first, ignore_case=True)
            await expect(screen.locator(".group-column").first.locator(".member")).to_have_text(
                ["Anna", "Chris", "anoniem"], timeout=WAIT
            )
            await shot(screen, "screen-groups")

            # -- scales, stars, "kies er drie": the fourth statement is locked until one is skipped.
            stars = find("scales", "stars")
            await enter("Actieleren – theorie")
            await open_activity(stars)

            async def rate(i: int, page: Page) -> None:
                statements = page.locator(".statement")
                for n in range(3):
                    await statements.nth(n).locator(".star").nth((i + n) % 5).click()
                await sent(page, 3)
                await expect(page.locator(".pick-counter")).to_contain_text("3 van 3")
                await expect(statements.nth(3).locator(".star").first).to_be_disabled()

            await each(rate)
            violations += await axe(phones[0], "phone stars")
            await shot(phones[0], "phone-stars")
            await phones[0].locator(".statement").nth(0).get_by_role("button", name="Overslaan").click()
            await expect(phones[0].locator(".statement").nth(3).locator(".star").first).to_be_enabled(
                timeout=WAIT
            )
            await phones[0].locator(".statement").nth(3).locator(".star").nth(4).click()
            await sent(phones[0], 3)
            await expect(screen.locator(".scale-result")).to_have_count(5, timeout=WAIT)
            await expect(screen.locator(".scale-result").nth(3).locator(".scale-n")).to_have_text(
                "1 antwoorden", timeout=WAIT
            )
            await shot(screen, "screen-stars")

            # -- choice
            choice = find("choice")
            await open_activity(choice)
            await each(lambda i, page: page.locator(".option").nth(i % 3).click())
            for page in phones:
                await sent(page)
            violations += await axe(phones[0], "phone choice")
            await shot(phones[0], "phone-choice")
            await expect(screen.locator(".bar-figure").first).to_have_text("2 · 40%", timeout=WAIT)
            await shot(screen, "screen-choice")

            # -- scales, numeric −5…25: a slider with − and +, the group as dots on a line.
            numeric = find("scales", "numeric")
            await open_activity(numeric)

            async def numbers(i: int, page: Page) -> None:
                first = page.locator(".statement").nth(0)
                await first.locator("input[type=range]").fill(str(-5 + i * 7))
                await first.get_by_role("button", name="Versturen").click()
                second = page.locator(".statement").nth(1)
                await second.get_by_role("button", name="Hoger").click()
                await second.get_by_role("button", name="Versturen").click()
                await sent(page, 2)

            await each(numbers)
            violations += await axe(phones[0], "phone numeric")
            await shot(phones[0], "phone-numeric")
            await expect(screen.locator(".number-line").nth(0).locator(".dot")).to_have_count(5, timeout=WAIT)
            values = (
                await screen.locator(".number-line")
                .nth(0)
                .locator(".dot")
                .evaluate_all("dots => dots.map(d => Number(d.dataset.value))")
            )
            assert sorted(values) == [-5, 2, 9, 16, 23]
            await expect(
                screen.locator(".number-line").nth(1).locator(".dot[data-value='11']")
            ).to_have_count(5)
            await shot(screen, "screen-numeric")

            # -- word cloud: chips on the phones, a real wordcloud2 layout on the big screen.
            cloud = find("wordcloud")
            await enter("Actieleren – toepassing")
            await open_activity(cloud)
            words = ["Samenwerking", "Gelijkwaardigheid", "Respect", "Openheid", "Erbij horen"]

            async def type_words(i: int, page: Page) -> None:
                for word in (words[i], words[(i + 1) % 5], "Samenwerking" if i else "Luisteren"):
                    await page.fill("#word", word)
                    await page.press("#word", "Enter")
                await expect(page.locator(".chip:not(.chip-pending)")).to_have_count(3, timeout=WAIT)

            await each(type_words)
            violations += await axe(phones[0], "phone wordcloud")
            await shot(phones[0], "phone-wordcloud")
            canvas = screen.locator("canvas.cloud-canvas")
            await expect(canvas).to_have_attribute("data-state", "done", timeout=WAIT)
            await until(
                screen, "document.querySelector('canvas.cloud-canvas').dataset.drawn.split('\\n').length >= 6"
            )
            drawn = (await canvas.get_attribute("data-drawn") or "").split("\n")
            assert {
                "Samenwerking",
                "Gelijkwaardigheid",
                "Respect",
                "Openheid",
                "Erbij horen",
                "Luisteren",
            } <= set(drawn), drawn
            box = await canvas.bounding_box()
            assert box is not None and box["width"] > 1500 and box["height"] > 400, box
            await shot(screen, "screen-wordcloud")
            violations += await axe(screen, "presenter (wordcloud)")
            # The remote hides a word and merges another: the big screen's cloud follows.
            respect = remote.locator("#moderation li.word[data-key='respect']")
            await respect.get_by_role("button", name="Verbergen").click()
            await until(
                screen,
                "!document.querySelector('canvas.cloud-canvas').dataset.drawn.split('\\n').includes('Respect')",
            )
            openheid = remote.locator("#moderation li.word[data-key='openheid']")
            await openheid.locator("select.merge-select").select_option(label="Samenwerking")
            await until(
                screen,
                "!document.querySelector('canvas.cloud-canvas').dataset.drawn.split('\\n').includes('Openheid')",
            )
            # The remote closes the activity: the phones say so, and a late word is refused.
            await remote.locator("#close").click()
            for page in phones:
                await expect(page.locator(".card > .notice")).to_have_text(
                    "Deze vraag is gesloten.", timeout=WAIT
                )

            # -- scales, yes/no (the waardencontract): Ja/Nee per statement, agreed values ✓.
            yesno = find("scales", "yesno")
            await open_activity(yesno)

            async def vote(i: int, page: Page) -> None:
                statements = page.locator(".statement")
                for n in range(3):
                    no = n == 2 and i == 0
                    await statements.nth(n).get_by_role("button", name="Nee" if no else "Ja").click()
                await sent(page, 3)

            await each(vote)
            violations += await axe(phones[0], "phone yesno")
            await shot(phones[0], "phone-yesno")
            await expect(screen.locator(".agreement-yes")).to_have_count(2, timeout=WAIT)
            await expect(screen.locator(".agreed-summary")).to_have_text("2 van 5 afgesproken")
            await shot(screen, "screen-yesno")

            # -- cards: insight + action (+ name).
            cards = find("cards")
            await enter("Afronding")
            await open_activity(cards)

            async def card(i: int, page: Page) -> None:
                await page.fill("#card-insight", f"Inzicht {i + 1}: vragen stellen werkt")
                await page.fill("#card-action", f"Actie {i + 1}: maandag een collega bellen")
                await page.click(".kind-cards form button[type=submit]")
                await sent(page)

            await each(card)
            violations += await axe(phones[0], "phone cards")
            await shot(phones[0], "phone-cards")
            await expect(screen.locator(".idea-card")).to_have_count(5, timeout=WAIT)
            await expect(screen.locator(".idea-card .card-name").first).to_be_visible()
            await shot(screen, "screen-cards")

            # -- check-out: my word, then step in on the others' words.
            checkout = find("checkout")
            await enter("Check-out")
            await open_activity(checkout)
            take_home = ["Energie", "Verbinding", "Moed", "Rust", "Nieuwsgierig"]

            async def word(i: int, page: Page) -> None:
                await page.fill("#checkout-word", take_home[i])
                await page.press("#checkout-word", "Enter")
                await sent(page)

            await each(word)
            for page in phones:
                await expect(page.locator(".checkout-word")).to_have_count(4, timeout=WAIT)

            async def step_in(i: int, page: Page) -> None:
                if i == 0:
                    return
                await page.locator(".checkout-word", has_text="Energie").get_by_role("button").click()
                await expect(page.locator(".step-on")).to_have_count(1, timeout=WAIT)

            await each(step_in)
            violations += await axe(phones[1], "phone checkout")
            await shot(phones[1], "phone-checkout")
            energie = screen.locator(".checkout-result", has_text="Energie")
            await expect(energie.locator(".stepins")).to_have_text("+4", timeout=WAIT)
            await shot(screen, "screen-checkout")
            violations += await axe(screen, "presenter (checkout)")

            # H hides the results on the big screen: only the count stays.
            await screen.keyboard.press("h")
            await expect(screen.locator(".big-count")).to_have_text("9", timeout=WAIT)
            await screen.keyboard.press("h")
            await expect(screen.locator(".checkout-result")).to_have_count(5, timeout=WAIT)

            await remote.evaluate("window.scrollTo(0, 0)")
            await shot(remote, "remote", full=True)
            await browser.close()
        http.close()
        assert violations == [], violations
        assert problems == [], problems
