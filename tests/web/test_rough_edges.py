"""Issue 15's rough edges on the phone, the remote and /new, each measured in Chromium: the phone at
390×844 with touch (words never broken, the whole title, the name it joined with, one "Versturen"
for all numeric scales), the remote's sticky bar of controls on a phone and two columns on a laptop,
the result toggles saying on or off, /new keeping its links, no failing request on the big screen
or /new, and downloads named as docs/api.md says. Each saves docs/screenshots/<phase>-<item>.png."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import LiveServer, Phone, live_server
from tests.web.browser import (
    PHASE,
    WAIT,
    PageProblems,
    axe,
    launch,
    phone_context,
    serve_axe,
    shot,
    show_lines,
    small_targets,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(180)]

LAPTOP = {"width": 1366, "height": 800}
DOWNLOAD_NAME = re.compile(r"^kring-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.[a-z.]+$")

# For every element matching the selector: the words whose letters land on more than one line.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const node of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (text.parentElement.closest('.visually-hidden')) continue;
      for (const match of text.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(text, match.index);
        range.setEnd(text, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        const lines = new Set(rects.map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(`${match[0]} (${lines.size} lines)`);
      }
    }
  }
  return broken;
}"""

# The part of an element's text that the reader cannot see: cut off by its box or by the screen.
HIDDEN_TEXT = """(selector) => {
  const node = document.querySelector(selector);
  const range = document.createRange();
  range.selectNodeContents(node);
  const box = node.getBoundingClientRect();
  const text = range.getBoundingClientRect();
  return {clipped: node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1,
    outside: text.right > innerWidth + 0.5 || text.left < -0.5 || text.right > box.right + 0.5,
    ellipsis: getComputedStyle(node).textOverflow === 'ellipsis' && node.scrollWidth > node.clientWidth};
}"""

# Where an element is on the screen right now.
BOX = """(node) => { const b = node.getBoundingClientRect();
  return {x: b.x, y: b.y, w: b.width, h: b.height}; }"""


@dataclass
class Meeting:
    live: LiveServer
    data: dict[str, Any]
    http: httpx.Client

    @property
    def code(self) -> str:
        return str(self.data["code"])

    def activity(self, kind: str, mode: str | None = None) -> dict[str, Any]:
        return next(
            a
            for a in self.data["activities"]
            if a["kind"] == kind and (mode is None or a["settings"].get("mode") == mode)
        )

    def open(self, activity: dict[str, Any]) -> None:
        self.http.post(f"/activities/{activity['id']}/open").raise_for_status()


@pytest.fixture
def meeting(tmp_path: Path) -> Iterator[Meeting]:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        made = httpx.post(
            f"{live.base}/api/meetings",
            json={"template": "kickoff", "values": {"thema": "Inclusie"}},
            timeout=10,
        )
        made.raise_for_status()
        data = made.json()
        with httpx.Client(
            base_url=f"{live.base}/api/meetings/{data['code']}",
            headers={"Authorization": f"Bearer {data['host_key']}"},
            timeout=10,
        ) as http:
            yield Meeting(live, data, http)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await launch(pw)
        yield chromium
        await chromium.close()


async def joined_phone(browser: Browser, meeting: Meeting, name: str) -> tuple[BrowserContext, Page]:
    context = await phone_context(browser)
    page = await context.new_page()
    await page.goto(f"{meeting.live.base}/{meeting.code}")
    await page.fill("#nickname", name)
    await page.get_by_role("button", name="Doe mee").tap()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    return context, page


async def remote_page(browser: Browser, meeting: Meeting, viewport: dict[str, int]) -> Page:
    if viewport["width"] < 600:
        context = await phone_context(browser, viewport=viewport)
    else:
        context = await browser.new_context(viewport=viewport, locale="nl-NL")
        await serve_axe(context)
    page = await context.new_page()
    await page.goto(f"{meeting.live.base}/m/{meeting.code}/remote#key={meeting.data['host_key']}")
    await expect(page.locator(".block-button")).to_have_count(11)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    return page


async def test_checkout_words_are_never_broken_on_a_phone(browser: Browser, meeting: Meeting) -> None:
    checkout = meeting.activity("checkout")
    meeting.open(checkout)
    for index, word in enumerate(["Verbinding", "Nieuwsgierig", "Samenwerkingsverband", "Moed"]):
        other = Phone(meeting.live.base, meeting.code, f"Deelnemer {index}")
        await other.join()
        await other.connect()
        ack = await other.answer(checkout["id"], "word", {"word": word}, f"word-{index}")
        assert ack["type"] == "ack", ack
        await other.disconnect()
    _, page = await joined_phone(browser, meeting, "Anna")
    await expect(page.locator(".checkout-word")).to_have_count(4)
    await shot(page, f"{PHASE}-phone-checkout", full=True)
    assert await page.evaluate(BROKEN_WORDS, ".checkout-word") == []
    assert await axe(page, "phone check-out") == []
    assert await small_targets(page, "phone check-out") == []


async def test_the_phone_header_shows_the_whole_title_and_my_name(browser: Browser, meeting: Meeting) -> None:
    context, page = await joined_phone(browser, meeting, "Anna")
    title = meeting.data["title"]
    header = page.locator(".phone-header")
    await expect(page.locator(".phone-title")).to_have_text(title)
    # The page is whole before the wifi goes: the reactions bar (drawn from the frame every phone
    # gets as it connects) has its images, or going offline fails their requests.
    await page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('.beside-bar img')];"
        " return imgs.length > 0 && imgs.every((img) => img.complete); }"
    )
    # Offline, the notice beside the title is long; the title still shows whole.
    await context.set_offline(True)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "offline", timeout=WAIT)
    await shot(page, f"{PHASE}-phone-header")
    offline = await page.evaluate(HIDDEN_TEXT, ".phone-title")
    assert offline == {"clipped": False, "outside": False, "ellipsis": False}, offline
    assert await page.evaluate(BROKEN_WORDS, ".phone-header, .phone-title") == []
    await expect(header.locator("#me-name")).to_have_text("Anna")
    await context.set_offline(False)
    await expect(page.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)
    online = await page.evaluate(HIDDEN_TEXT, ".phone-title")
    assert online == {"clipped": False, "outside": False, "ellipsis": False}, online
    assert await page.evaluate(BROKEN_WORDS, ".phone-header, .phone-title") == []
    await expect(header.locator("#me-name")).to_have_text("Anna")
    assert await axe(page, "phone header") == []


async def test_one_send_answers_every_numeric_scale(browser: Browser, meeting: Meeting) -> None:
    numeric = meeting.activity("scales", "numeric")
    statements = numeric["settings"]["statements"]
    meeting.open(numeric)
    _, page = await joined_phone(browser, meeting, "Anna")
    card = page.locator(".kind-scales")
    await expect(card.locator(".statement")).to_have_count(len(statements))
    sends = card.get_by_role("button", name="Versturen")
    await expect(sends.first).to_be_visible()
    await shot(page, f"{PHASE}-numeric", full=True)
    await expect(sends).to_have_count(1)  # one submit for all the scales
    await card.locator(".statement").nth(0).locator("input[type=range]").fill("20")
    await card.locator(".statement").nth(1).get_by_role("button", name="Hoger").tap()
    await sends.tap()
    # Still one acknowledged answer per scale: every statement says it is sent.
    await expect(card.locator(".statement .sent-ok")).to_have_count(len(statements), timeout=WAIT)
    results = meeting.http.get(f"/activities/{numeric['id']}/results").json()["results"]
    assert [item["count"] for item in results["statements"]] == [1] * len(statements), results
    middle = round((numeric["settings"]["min"] + numeric["settings"]["max"]) / 2)
    assert [item["mean"] for item in results["statements"][:3]] == [20, middle + 1, middle], results
    await expect(card.get_by_role("button", name="Versturen")).to_have_count(0)  # nothing to send
    # A change to one scale sends that one again, still with one tap.
    await card.locator(".statement").nth(2).get_by_role("button", name="Lager").tap()
    await card.get_by_role("button", name="Wijzigen").tap()
    await expect(card.locator(".statement .sent-ok")).to_have_count(len(statements), timeout=WAIT)
    await expect(card.get_by_role("button", name="Wijzigen")).to_have_count(0)
    results = meeting.http.get(f"/activities/{numeric['id']}/results").json()["results"]
    assert results["statements"][2]["mean"] == middle - 1, results
    assert await axe(page, "phone numeric") == []
    assert await small_targets(page, "phone numeric") == []


async def test_the_remote_keeps_its_controls_in_a_bar_at_the_top_on_a_phone(
    browser: Browser, meeting: Meeting
) -> None:
    meeting.open(meeting.activity("wordcloud"))
    page = await remote_page(browser, meeting, {"width": 390, "height": 844})
    controls = ["#prev", "#close", "#next", "#toggle-presenter", "#toggle-phones", "#to-moderation"]
    await shot(page, f"{PHASE}-remote-phone")
    for where in ("top", "bottom"):
        if where == "bottom":
            await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            await page.wait_for_timeout(100)  # a scroll is a frame away
        for selector in controls:
            box = await page.locator(selector).evaluate(BOX)
            assert box["y"] >= 0 and box["y"] + box["h"] <= 844, (where, selector, box)
    await page.evaluate("window.scrollTo(0, 0)")
    bar = await page.locator("#control-bar").evaluate(BOX)
    assert bar["h"] < 844 / 3, bar  # the bar leaves the phone most of its screen
    # The agenda and the werkvorm fold away.
    await page.locator("#agenda-details > summary").tap()
    await expect(page.locator("#blocks")).to_be_hidden()
    await page.locator("#agenda-details > summary").tap()
    await expect(page.locator("#blocks")).to_be_visible()
    await page.locator("#to-moderation").tap()
    await expect(page.locator("#moderation")).to_be_in_viewport()
    assert await axe(page, "remote phone") == []
    assert await small_targets(page, "remote phone") == []
    assert await page.evaluate(BROKEN_WORDS, "#control-bar") == []


async def test_the_remote_uses_two_columns_on_a_laptop(browser: Browser, meeting: Meeting) -> None:
    meeting.open(meeting.activity("wordcloud"))
    page = await remote_page(browser, meeting, LAPTOP)
    await shot(page, f"{PHASE}-remote-laptop")
    await shot(page, "remote-laptop")  # the README's
    agenda = await page.locator("#agenda-card").evaluate(BOX)
    moderation = await page.locator("#moderation-card").evaluate(BOX)
    assert agenda["x"] + agenda["w"] <= moderation["x"], (agenda, moderation)  # side by side
    assert agenda["y"] < LAPTOP["height"] and moderation["y"] < LAPTOP["height"]
    main = await page.locator("main").evaluate(BOX)
    assert main["w"] > 0.8 * LAPTOP["width"], main  # not one narrow column
    for selector in ("#close", "#next", "#toggle-presenter", "#toggle-phones"):
        box = await page.locator(selector).evaluate(BOX)
        assert box["y"] >= 0 and box["y"] + box["h"] <= LAPTOP["height"], (selector, box)
    assert await axe(page, "remote laptop") == []


async def test_the_result_toggles_say_whether_they_are_on(browser: Browser, meeting: Meeting) -> None:
    meeting.open(meeting.activity("choice"))
    page = await remote_page(browser, meeting, {"width": 390, "height": 844})
    screen = page.locator("#toggle-presenter")
    phones = page.locator("#toggle-phones")
    await shot(page, f"{PHASE}-toggles")
    await expect(screen).to_have_attribute("aria-pressed", "true")
    await expect(screen).to_have_text(re.compile(r"Resultaten op scherm\W+aan$"))
    await expect(phones).to_have_attribute("aria-pressed", "false")
    await expect(phones).to_have_text(re.compile(r"Resultaten op telefoons\W+uit$"))
    await screen.tap()
    await expect(screen).to_have_attribute("aria-pressed", "false")
    await expect(screen).to_have_text(re.compile(r"Resultaten op scherm\W+uit$"))
    await phones.tap()
    await expect(phones).to_have_attribute("aria-pressed", "true")
    await expect(phones).to_have_text(re.compile(r"Resultaten op telefoons\W+aan$"))
    # In English too.
    english = await page.context.new_page()
    await english.goto(f"{meeting.live.base}/m/{meeting.code}/remote?lang=en#key={meeting.data['host_key']}")
    await expect(english.locator("#toggle-presenter")).to_have_text(re.compile(r"on screen\W+off$"))
    await expect(english.locator("#toggle-phones")).to_have_text(re.compile(r"on phones\W+on$"))
    assert await axe(page, "remote toggles") == []


async def test_new_keeps_the_links_after_the_remote_and_back(browser: Browser, meeting: Meeting) -> None:
    context = await phone_context(browser)
    page = await context.new_page()
    await page.goto(f"{meeting.live.base}/new")
    await page.fill("#value-kickoff-thema", "Inclusie")
    await page.get_by_role("button", name="Maak de bijeenkomst").tap()
    await expect(page.locator("#created")).to_be_visible()
    code = await page.locator("#created-code").inner_text()
    presenter = await page.locator("#created-presenter").get_attribute("href")
    assert presenter and f"/m/{code}/present#key=" in presenter
    # Away and Back: the links are still there.
    await page.goto(f"{meeting.live.base}/")
    await page.go_back()
    await expect(page.locator("h1")).to_have_text("Nieuwe bijeenkomst")
    await shot(page, f"{PHASE}-new-back")
    await expect(page.locator("#created")).to_be_visible()
    await expect(page.locator("#created-code")).to_have_text(code)
    await expect(page.locator("#created-presenter")).to_have_attribute("href", presenter)
    # The remote opens beside this page, which keeps the links.
    async with context.expect_page() as opened:
        await page.locator("#created-remote").tap()
    remote = await opened.value
    await expect(remote.locator(".block-button")).to_have_count(11)
    await expect(page.locator("#created-presenter")).to_have_attribute("href", presenter)
    # The remote links to the big screen.
    big = remote.locator("#big-screen")
    await expect(big).to_be_visible()
    href = await big.get_attribute("href")
    assert href and re.search(rf"/m/{code}/present#key=\S+$", href), href
    assert await big.get_attribute("target") == "_blank"
    async with context.expect_page() as screen_opened:
        await big.tap()
    screen = await screen_opened.value
    await expect(screen.locator(".join-strip-code")).to_have_text(code)
    # Starting another meeting clears them.
    await page.get_by_role("button", name="Nog een bijeenkomst maken").tap()
    await expect(page.locator("#new-form")).to_be_visible()
    await page.reload()
    await expect(page.locator("#created")).to_be_hidden()
    assert await axe(page, "new") == []


async def test_no_request_fails_on_the_big_screen_or_new(
    browser: Browser, meeting: Meeting, page_problems: PageProblems
) -> None:
    context = await browser.new_context(viewport={"width": 1920, "height": 1080}, locale="nl-NL")
    screen = await context.new_page()
    await screen.goto(f"{meeting.live.base}/m/{meeting.code}/present#key={meeting.data['presenter_key']}")
    await expect(screen.locator(".join-strip-code")).to_have_text(meeting.code)
    await screen.wait_for_load_state("networkidle")
    new = await context.new_page()
    await new.goto(f"{meeting.live.base}/new")
    await new.fill("#value-kickoff-thema", "Inclusie")
    await new.get_by_role("button", name="Maak de bijeenkomst").click()
    await expect(new.locator("#created")).to_be_visible()
    await new.wait_for_load_state("networkidle")
    seen = list(page_problems.seen)
    await show_lines(screen, "Console errors and failed requests (big screen, /new):", seen)
    await shot(screen, f"{PHASE}-console")
    assert seen == []
    # The host key on the big screen still drives it from the keyboard (found without a refusal).
    meeting.open(meeting.activity("open"))
    await screen.goto(f"{meeting.live.base}/m/{meeting.code}/present#key={meeting.data['host_key']}")
    await screen.reload()
    await expect(screen.locator("#prompt")).to_have_text(meeting.activity("open")["prompt"])
    await screen.wait_for_load_state("networkidle")
    await screen.keyboard.press("ArrowRight")
    await expect(screen.locator("#prompt")).to_have_text(meeting.activity("groups")["prompt"])
    assert page_problems.seen == []


async def test_downloads_are_named_as_the_docs_say(browser: Browser, meeting: Meeting) -> None:
    page = await remote_page(browser, meeting, LAPTOP)
    names: dict[str, str] = {}
    for what in ("export.json", "export.xlsx", "draaiboek.html"):
        async with page.expect_download() as info:
            await page.locator(f"[data-download='{what}']").click()
        names[what] = (await info.value).suggested_filename
    await show_lines(page, "Saved as:", [f"{what} → {name}" for what, name in names.items()])
    await shot(page, f"{PHASE}-downloads")
    for what, name in names.items():
        served = meeting.http.get(f"/{what}").headers["content-disposition"]
        assert served == f'attachment; filename="{name}"', (served, name)
    for name in names.values():
        assert DOWNLOAD_NAME.match(name), name
        assert name.startswith("kring-lerend-netwerk-inclusie-"), name
    assert names["export.json"].endswith(".json") and names["export.xlsx"].endswith(".xlsx")
