"""Trust suite XSS: hostile text as words, answers, nicknames; the pages show it literally and
run none of it (Playwright + Debian's Chromium)."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from tests.conftest import sqlite_url
from tests.support import Phone, create_meeting, host, live_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

VECTORS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1>",
    "<body onload=window.__xss=1>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "<a href=javascript:alert(1)>x</a>",
    "<details open ontoggle=alert(1)>",
    "<math><mi xlink:href=javascript:alert(1)>",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "<style>*{display:none}</style>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<marquee onstart=alert(1)>",
]
WRAPPERS = [
    "{}",
    "x{}",
    "{}x",
    " {} ",
    "<b>{}</b>",
    "{}<!--",
    "\U0001f9d1\u200d\U0001f4bb{}",
    "A {} B",
    "{}{}",
    '"{}"',
]


def payloads(limit: int) -> list[str]:
    out = [w.replace("{}", v) for v, w in itertools.product(VECTORS, WRAPPERS)]
    return [p for p in out if len(p) <= limit]


async def test_xss_payloads_render_as_text_everywhere(tmp_path: Path) -> None:
    answers = payloads(280)
    words = payloads(40)
    assert len(answers) >= 200
    with live_server(sqlite_url(tmp_path), ws_rate_per_minute=100_000, ws_rate_burst=100_000) as live:
        meeting = create_meeting(live.base, title="<script>window.__xss=1</script> titel")
        with host(live.base, meeting) as http:
            open_ = http.post("/activities", json={"kind": "open", "settings": {"max_answers": 20}}).json()
            cloud = http.post(
                "/activities", json={"kind": "wordcloud", "settings": {"max_entries": 20}}
            ).json()
            http.post(f"/activities/{open_['id']}/visibility", json={"phones": True}).raise_for_status()
            http.post(f"/activities/{open_['id']}/open").raise_for_status()
            phones = [Phone(live.base, meeting["code"], nickname=words[i % len(words)]) for i in range(10)]
            for phone in phones:
                await phone.join()
                await phone.connect()
            for index, text in enumerate(answers[:200]):
                phone = phones[index % 10]
                reply = await phone.answer(open_["id"], str((index // 10) % 20), {"text": text}, f"a{index}")
                assert reply["type"] == "ack", reply
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                dialogs: list[str] = []
                pages: dict[str, Any] = {}
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                context.on("page", lambda page: page.on("dialog", lambda d: dialogs.append(d.message)))
                presenter = await context.new_page()
                presenter.on("dialog", lambda d: dialogs.append(d.message))
                await presenter.goto(
                    f"{live.base}/m/{meeting['code']}/present#key={meeting['presenter_key']}"
                )
                pages["presenter"] = presenter
                remote = await context.new_page()
                remote.on("dialog", lambda d: dialogs.append(d.message))
                await remote.goto(f"{live.base}/m/{meeting['code']}/remote#key={meeting['host_key']}")
                pages["remote"] = remote
                phone_context = await browser.new_context(viewport={"width": 390, "height": 844})
                participant = await phone_context.new_page()
                participant.on("dialog", lambda d: dialogs.append(d.message))
                await participant.goto(f"{live.base}/{meeting['code']}")
                pages["participant"] = participant
                await asyncio.sleep(2)
                # The last answers sent are on the wall, as text.
                sample = answers[199]
                for name in ("presenter", "remote", "participant"):
                    page = pages[name]
                    if name == "participant":
                        join = page.locator("#join-form button")
                        if await join.count() and await join.is_visible():
                            await join.click()
                        await asyncio.sleep(1.5)
                    text = await page.evaluate("document.body.innerText")
                    assert await page.evaluate("window.__xss === undefined"), name
                    if name != "participant":
                        assert sample.strip() in text, name
                # Words in the cloud and on the phones, too.
                http.post(f"/activities/{cloud['id']}/open").raise_for_status()
                for index, word in enumerate(words[:60]):
                    reply = await phones[index % 10].answer(
                        cloud["id"], str(index // 10), {"word": word}, f"w{index}"
                    )
                    assert reply["type"] == "ack", reply
                await asyncio.sleep(2)
                for name, page in pages.items():
                    assert await page.evaluate("window.__xss === undefined"), name
                # Insight & action cards, then the wrap-up report with everything in it.
                cards = http.post("/activities", json={"kind": "cards"}).json()
                http.post(f"/activities/{cards['id']}/open").raise_for_status()
                for index, phone in enumerate(phones):
                    card = {
                        "insight": answers[index * 7],
                        "action": answers[index * 7 + 3],
                        "name": words[index],
                    }
                    reply = await phone.answer(cards["id"], "0", card, f"k{index}")
                    assert reply["type"] == "ack", reply
                await asyncio.sleep(1)
                for name, page in pages.items():
                    assert await page.evaluate("window.__xss === undefined"), name
                report_html = http.get("/report.html", params={"private": "true"}).text
                report = await context.new_page()
                report.on("dialog", lambda d: dialogs.append(d.message))
                await report.set_content(report_html)  # about:blank: no CSP to hide behind
                assert await report.evaluate("window.__xss === undefined")
                shown = await report.evaluate("document.body.innerText")
                assert answers[199].strip() in shown and answers[7 * 9 + 3].strip() in shown
                await browser.close()
            assert dialogs == []
            for phone in phones:
                await phone.disconnect()
