"""`make run` as a facilitator meets it: `kring serve --demo --dev` prints its links; a 390-px phone
opens the printed join URL and answers the first activity, which the big screen opened with the
printed host-key link starts with → (and ← steps back)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from tests.support import free_port
from tests.web.browser import WAIT, launch, phone_context, watch

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(120)]

KRING = Path(sys.executable).parent / "kring"  # the console script `make run` starts


def printed_links(process: subprocess.Popen[str], lines: list[str], base: str) -> dict[str, str]:
    """The links `kring serve --demo` prints, once the server answers."""
    wanted = {
        "join": r"Join URL:\s+(\S+)",
        "drive": r"Big screen you drive with → ← \(your own laptop\): (\S+)",
    }
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "".join(lines)
        found = {name: re.search(pattern, "".join(lines)) for name, pattern in wanted.items()}
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200 and all(found.values()):
                return {name: match.group(1) for name, match in found.items() if match}
        time.sleep(0.1)
    raise AssertionError("kring serve --demo printed no links: " + "".join(lines))


async def test_make_run_demo_works_on_a_phone(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KRING_PUBLIC_URL": base, "KRING_DATABASE_URL": f"sqlite:///{tmp_path}/kring.db"}
    process = subprocess.Popen(
        [str(KRING), "serve", "--demo", "--dev", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    problems: list[str] = []
    try:
        links = printed_links(process, lines, base)
        assert links["join"].startswith(f"{base}/"), links
        assert "#j=" in links["join"], links  # the printed link is the QR code's, with its join secret
        async with async_playwright() as pw:
            browser = await launch(pw)
            phone = await (await phone_context(browser)).new_page()
            watch(phone, problems, "phone")
            await phone.goto(links["join"])
            await phone.get_by_role("button", name="Doe mee").tap()
            await expect(phone.locator(".waiting h1")).to_have_text("Kijk mee op het scherm", timeout=WAIT)
            assert await phone.evaluate("window.innerWidth") == 390

            screen = await (await browser.new_context(viewport={"width": 1280, "height": 720})).new_page()
            watch(screen, problems, "big screen")
            # The arrows move the questions once the page knows its key is the host key: it asks
            # the API, and that answer (not the participant count) is what to wait for.
            code = links["join"].rsplit("/", 1)[1].split("#", 1)[0]
            async with screen.expect_response(
                lambda r: r.url.endswith(f"/api/meetings/{code}/access") and r.request.method == "GET"
            ) as probed:
                await screen.goto(links["drive"])
            assert await (await probed.value).json() == {"role": "host"}
            await (await probed.value).finished()
            await expect(screen.locator("#participants")).to_have_text("1", timeout=WAIT)
            await expect(screen.locator("#participants-label")).to_have_text("deelnemer")
            # The facilitator's laptop drives the meeting with the arrow keys: → opens the first activity.
            await screen.keyboard.press("ArrowRight")
            prompt = phone.locator("h1.prompt")
            await expect(prompt).to_have_text("Wat verwacht je van het lerend netwerk?", timeout=WAIT)
            await expect(screen.locator("#prompt")).to_have_text("Wat verwacht je van het lerend netwerk?")
            await phone.fill("#answer-text", "Leren van elkaars praktijk")
            await phone.get_by_role("button", name="Versturen").tap()
            await expect(phone.locator(".sent-ok")).to_have_text("Verstuurd", timeout=WAIT)
            await expect(screen.locator(".wall-card")).to_have_text(
                "Leren van elkaars praktijk", timeout=WAIT
            )
            await expect(screen.locator("#responses-label")).to_have_text("reactie")
            # → moves on, ← comes back to the answer already given.
            await screen.keyboard.press("ArrowRight")
            await expect(prompt).to_have_text(re.compile("^Groepjes"), timeout=WAIT)
            await screen.keyboard.press("ArrowLeft")
            await expect(prompt).to_have_text("Wat verwacht je van het lerend netwerk?", timeout=WAIT)
            await expect(phone.locator(".my-answer p")).to_have_text("Leren van elkaars praktijk")
            await browser.close()
    finally:
        process.terminate()
        process.wait(20)
    assert problems == [], problems
