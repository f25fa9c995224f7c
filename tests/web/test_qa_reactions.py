"""Q&A and reactions in Chromium: the big screen (1920×1080), the remote and 5 phones (390×844,
touch) joined through the QR link. Phones ask (with a nickname and anonymously), upvote and
withdraw a vote; the remote pre-moderates, approves, highlights and marks answered; the big screen
shows the top questions, the highlighted one large, and the phones' reactions floating up."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, axe, launch, phone_context, serve_axe, shot, small_targets, until

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(180)]

NAMES = ["Anna", None, "Bram", "Chris", "Dewi"]
FIRST = "Wat gebeurt er met de resultaten?"
SECOND = "Wie betaalt de lunch?"
LATER = "Mag ik nog iets vragen?"


def question(page: Page, text: str) -> object:
    return page.locator(".qa-item", has_text=text)


async def ask(phone: Page, text: str, anonymous: bool = False) -> None:
    await phone.locator("#qa-text").fill(text)
    if anonymous:
        await phone.locator("#qa-anonymous").check()
    await phone.get_by_role("button", name="Vraag stellen").tap()


async def test_qa_ask_vote_moderate_highlight_answer_and_reactions(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = httpx.post(
            f"{live.base}/api/meetings", json={"title": "Vragen uit de zaal"}, timeout=10
        ).json()
        code = meeting["code"]
        auth = {"Authorization": f"Bearer {meeting['host_key']}"}
        activity = httpx.post(
            f"{live.base}/api/meetings/{code}/activities",
            json={"kind": "wordcloud", "prompt": "Wat neem je mee?"},
            headers=auth,
            timeout=10,
        ).json()
        httpx.post(
            f"{live.base}/api/meetings/{code}/activities/{activity['id']}/open", headers=auth, timeout=10
        )
        async with async_playwright() as pw:
            browser = await launch(pw)
            stage_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
            await serve_axe(stage_context)
            screen = await stage_context.new_page()
            await screen.goto(f"{live.base}/m/{code}/present#key={meeting['presenter_key']}")
            remote = await (await phone_context(browser)).new_page()
            await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
            phones = []
            for name in NAMES:
                phone = await (await phone_context(browser)).new_page()
                await phone.goto(meeting["join_url"])
                if name:
                    await phone.fill("#nickname", name)
                await phone.locator("#join-form button").tap()
                await expect(phone.locator("h1.prompt")).to_have_text("Wat neem je mee?", timeout=WAIT)
                phones.append(phone)

            # Reactions are on by default; the Q&A opens from the remote.
            await expect(phones[0].locator(".react")).to_have_count(6, timeout=WAIT)
            await expect(phones[0].locator("#qa-button")).to_have_count(0)
            await remote.locator("#beside-remote button", has_text="Vragenronde").tap()
            for phone in phones:
                await expect(phone.locator("#qa-button")).to_be_visible(timeout=WAIT)
            await expect(screen.locator("#qa-stage")).to_be_visible(timeout=WAIT)

            # Anna asks with her name, the phone without a name anonymously.
            await phones[0].locator("#qa-button").tap()
            await ask(phones[0], FIRST)
            await phones[1].locator("#qa-button").tap()
            await ask(phones[1], SECOND, anonymous=True)
            await expect(question(phones[1], FIRST).locator(".qa-by")).to_have_text("Anna", timeout=WAIT)
            await expect(question(phones[0], SECOND).locator(".qa-by")).to_have_text("Anoniem", timeout=WAIT)
            # Nobody votes for their own question: Anna's shows a count, not a button.
            await expect(question(phones[0], FIRST).locator(".qa-vote")).to_have_count(0)

            # Three phones upvote Anna's question; one withdraws its vote by tapping again.
            for phone in phones[2:]:
                await phone.locator("#qa-button").tap()
                vote = question(phone, FIRST).locator(".qa-vote")
                await vote.tap()
                await expect(vote).to_have_attribute("aria-pressed", "true", timeout=WAIT)
            await expect(question(phones[4], FIRST).locator(".qa-votes")).to_have_text("3", timeout=WAIT)
            withdraw = question(phones[2], FIRST).locator(".qa-vote")
            await withdraw.tap()
            await expect(withdraw).to_have_attribute("aria-pressed", "false", timeout=WAIT)
            await expect(question(phones[2], FIRST).locator(".qa-votes")).to_have_text("2", timeout=WAIT)
            await question(phones[3], SECOND).locator(".qa-vote").tap()
            top = screen.locator(".qa-stage-item").first
            await expect(top).to_contain_text(FIRST, timeout=WAIT)
            await expect(top.locator(".qa-votes")).to_have_text("2", timeout=WAIT)
            await expect(screen.locator(".qa-stage-item", has_text=SECOND).locator(".qa-votes")).to_have_text(
                "1"
            )

            # Pre-moderation: Bram's question waits for the host; the others do not see it.
            await remote.locator("#beside-remote button", has_text="Eerst goedkeuren").tap()
            await expect(phones[2].locator(".qa-panel .hint", has_text="keurt vragen goed")).to_be_visible(
                timeout=WAIT
            )
            await ask(phones[2], LATER)
            await expect(question(phones[2], LATER).locator(".qa-by")).to_have_text(
                "Bram · Wacht op goedkeuring", timeout=WAIT
            )
            waiting = question(remote, LATER)
            await expect(waiting).to_contain_text("Wacht op goedkeuring", timeout=WAIT)
            await expect(question(phones[4], LATER)).to_have_count(0)
            await expect(screen.locator(".qa-stage-item", has_text=LATER)).to_have_count(0)
            await waiting.get_by_role("button", name="Goedkeuren").tap()
            await expect(question(phones[4], LATER)).to_have_count(1, timeout=WAIT)
            await expect(question(phones[2], LATER).locator(".qa-by")).to_have_text("Bram", timeout=WAIT)
            await shot(phones[3], "qa-phone")
            violations = await axe(phones[3], "phone (Q&A)")

            # The remote sorts by votes or by time, highlights the question being answered.
            await expect(remote.locator("#beside-remote .qa-item").first).to_contain_text(FIRST)
            await remote.locator("#beside-remote button", has_text="Nieuwste eerst").tap()
            await expect(remote.locator("#beside-remote .qa-item").first).to_contain_text(LATER)
            await question(remote, FIRST).get_by_role("button", name="Uitlichten").tap()
            highlight = screen.locator(".qa-highlight")
            await expect(highlight.locator("blockquote")).to_have_text(FIRST, timeout=WAIT)
            await expect(highlight.locator("figcaption")).to_have_text("Anna · 2 stemmen")
            await expect(screen.locator(".qa-stage-item", has_text=FIRST)).to_have_count(0)
            await shot(remote, "qa-remote", full=True)
            violations += await axe(remote, "remote (Q&A)")

            # Reactions: the phones tap, the big screen floats them up in bursts.
            for phone in phones:
                for name in ("heart", "clap", "heart"):
                    await phone.locator(f".react[data-reaction={name}]").tap()
            await until(screen, "Number(document.getElementById('float-layer').dataset.total) === 15")
            assert await screen.locator(".float").count() > 0
            await shot(screen, "qa-stage")
            violations += await axe(screen, "big screen (Q&A)")

            # Answered: the highlight goes, the phones say so.
            await question(remote, FIRST).get_by_role("button", name="Beantwoord").tap()
            await expect(highlight).to_have_count(0, timeout=WAIT)
            await expect(question(phones[4], FIRST).locator(".qa-by")).to_have_text(
                "Anna · Beantwoord", timeout=WAIT
            )

            # The host chooses the meeting's own set: laughing out, the idea in.
            await remote.locator("#react-laugh").uncheck()
            await expect(phones[0].locator(".react")).to_have_count(5, timeout=WAIT)
            await remote.locator("#react-idea").check()
            idea = phones[0].locator(".react[data-reaction=idea]")
            await expect(idea).to_have_count(1, timeout=WAIT)
            await expect(idea).to_have_attribute("aria-label", "Idee")

            # The host switches reactions off: the phones' buttons go.
            await remote.locator("#beside-remote button", has_text="Reacties").tap()
            await expect(phones[0].locator(".react")).to_have_count(0, timeout=WAIT)
            small = await small_targets(phones[3], "phone (Q&A)")
            await browser.close()
    assert violations == []
    assert small == []
