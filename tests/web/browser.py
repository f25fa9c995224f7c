"""Helpers for the browser tests: Debian's Chromium, phones with touch, axe-core, touch targets,
screenshots, a guard failing a test on any console error or failed request of any page, and a tap
on a phone's websocket that can hold back frames and cut the connection."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"
WAIT = 15_000  # ms, every single wait
PHONE = {"width": 390, "height": 844}
MIN_TARGET = 44  # CSS px, WCAG 2.5.5
# Screenshots of issue 15's items are saved twice: "before-<item>.png" from the code before a fix
# (KRING_SHOT_PHASE=before) and "after-<item>.png" from the fixed code.
PHASE = os.environ.get("KRING_SHOT_PHASE", "after")


SETTLE_ANIMATIONS = """async () => {
  for (let round = 0; round < 5; round++) {
    const finite = document.getAnimations().filter(
      (a) => a.playState === "running" && Number.isFinite(a.effect?.getComputedTiming().endTime));
    if (!finite.length) return;
    await Promise.all(finite.map((a) => a.finished.catch(() => null)));
  }
}"""


async def axe(page: Page, name: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page (CSP stays on: axe comes from 'self')."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.add_script_tag(url="/__axe__.js")
    # Colours are judged at rest: an entrance, a bump or a transition still running is a colour
    # between two states (and a font size between two thresholds), not what the room reads.
    await page.evaluate(SETTLE_ANIMATIONS)
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


SMALL_TARGETS = """(min) => {
  const selector = "a[href], button, input, select, textarea, summary, [role=button], [tabindex]";
  const small = [];
  for (const node of document.querySelectorAll(selector)) {
    if (node.closest("[hidden], [aria-hidden=true]") || node.type === "hidden") continue;
    const box = node.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not rendered
    if (box.width < min - 0.5 || box.height < min - 0.5) {
      small.push(`${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""}.${node.className} ` +
        `"${(node.textContent || node.getAttribute("aria-label") || "").trim().slice(0, 30)}" ` +
        `${box.width.toFixed(0)}x${box.height.toFixed(0)}`);
    }
  }
  return small;
}"""


async def small_targets(page: Page, name: str) -> list[str]:
    """Every visible interactive element smaller than 44×44 CSS px."""
    return [f"{name}: {item}" for item in await page.evaluate(SMALL_TARGETS, MIN_TARGET)]


async def until(page: Page, expression: str) -> Any:
    """Poll an expression (wait_for_function would eval() it, which the page's CSP forbids)."""
    deadline = asyncio.get_running_loop().time() + WAIT / 1000
    while not (value := await page.evaluate(expression)):
        assert asyncio.get_running_loop().time() < deadline, f"never true: {expression}"
        await asyncio.sleep(0.1)
    return value


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


async def launch(pw: Any) -> Browser:
    browser: Browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    return browser


async def phone_context(browser: Browser, **options: Any) -> BrowserContext:
    """A Dutch phone: 390×844, touch, a mobile viewport, a retina screen."""
    settings: dict[str, Any] = {
        "viewport": PHONE,
        "device_scale_factor": 2,
        "has_touch": True,
        "is_mobile": True,
        "locale": "nl-NL",
    }
    context = await browser.new_context(**(settings | options))
    await serve_axe(context)
    return context


class SocketTap:
    """A phone's websockets through Playwright, like flaky venue wifi: it records every frame the
    page sends, can swallow answers on their way out or acks on their way back, and can cut the line."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.connections = 0
        self.swallow_answers = False
        self.hold_acks = False
        self._routes: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    async def attach(self, context: BrowserContext) -> None:
        await context.route_web_socket(re.compile(r"/ws/"), self._route)

    def _route(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()
        self.connections += 1
        self._routes.append((page_side, server_side))

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            self.sent.append(frame)
            if self.swallow_answers and frame.get("type") in ("answer", "withdraw"):
                return
            server_side.send(message)

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            self.received.append(frame)
            if self.hold_acks and frame.get("type") == "ack":
                return
            page_side.send(message)

        page_side.on_message(from_page)
        server_side.on_message(from_server)

    def answers(self, client_id: str) -> list[dict[str, Any]]:
        return [f for f in self.sent if f.get("client_id") == client_id]

    def last_answer(self) -> dict[str, Any]:
        return next(f for f in reversed(self.sent) if f.get("type") in ("answer", "withdraw"))

    async def cut(self) -> None:
        """The line drops: the page's socket closes (not cleanly); Playwright closes the server's."""
        page_side, _ = self._routes[-1]
        await asyncio.wait_for(page_side.close(code=4000, reason="wifi gone"), WAIT / 1000)


class PageProblems:
    """Every console error, page error, failed request and HTTP error response of every page of a
    test. A test that provokes one on purpose says so with ``allow``; anything else fails it."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        self._allowed.append(re.compile(pattern))

    def attach(self, context: BrowserContext) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                self.seen.append(f"console error: {message.text} ({message.page and message.page.url})")

        def on_failed(request: Any) -> None:
            # A navigation or a closing page cancels what is still loading (the favicon, say):
            # the browser's own cancel, which nobody sees. Every other failure counts.
            if request.failure == "net::ERR_ABORTED":
                return
            self.seen.append(f"request failed: {request.method} {request.url}: {request.failure}")

        def on_response(response: Any) -> None:
            if response.status >= 400:
                self.seen.append(f"HTTP {response.status}: {response.request.method} {response.url}")

        context.on("console", on_console)
        context.on("requestfailed", on_failed)
        context.on("response", on_response)
        context.on("weberror", lambda error: self.seen.append(f"page error: {error.error}"))

    def unexpected(self) -> list[str]:
        return [seen for seen in self.seen if not any(a.search(seen) for a in self._allowed)]


@pytest.fixture
def page_problems(monkeypatch: pytest.MonkeyPatch) -> Iterator[PageProblems]:
    """Watches every browser context the test makes (Browser.new_context and new_page, however the
    test launched Chromium) and fails the test on anything PageProblems collects."""
    problems = PageProblems()
    real_context = Browser.new_context
    real_page = Browser.new_page

    async def new_context(self: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
        context = await real_context(self, *args, **kwargs)
        problems.attach(context)
        return context

    async def new_page(self: Browser, *args: Any, **kwargs: Any) -> Page:
        page = await real_page(self, *args, **kwargs)
        problems.attach(page.context)
        return page

    monkeypatch.setattr(Browser, "new_context", new_context)
    monkeypatch.setattr(Browser, "new_page", new_page)
    yield problems
    if unexpected := problems.unexpected():
        pytest.fail("the pages logged errors or failed requests:\n" + "\n".join(unexpected[:20]))


async def show_lines(page: Page, title: str, lines: list[str]) -> None:
    """A panel over the page listing ``lines`` (console errors, file names): what a screenshot of
    something invisible shows."""
    await page.evaluate(
        """([title, lines]) => {
          const box = document.createElement('section');
          box.style.cssText = 'position:fixed;left:8px;right:8px;bottom:8px;z-index:99;background:#17212b;' +
            'color:#fff;font:14px/1.4 monospace;padding:10px;border-radius:8px;white-space:pre-wrap;' +
            'overflow-wrap:anywhere';
          box.textContent = title + '\\n' + (lines.length ? lines.join('\\n') : '(none)');
          document.body.append(box);
        }""",
        [title, lines],
    )
